"""Delivers queued mail over SMTP. Mail is queued in the transaction that decided to send
it, so an invitation is mailed if and only if it was created."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import smtplib
from email.message import EmailMessage
from urllib.parse import urlsplit

from shared.errors import log_failed_round

from . import repo
from .context import Ctx

log = logging.getLogger("identity.mail")


def send(smtp_url: str, sender: str, to_address: str, subject: str, body: str) -> None:
    parts = urlsplit(smtp_url)
    message = EmailMessage()
    message["From"], message["To"], message["Subject"] = sender, to_address, subject
    message.set_content(body)
    with smtplib.SMTP(parts.hostname or "127.0.0.1", parts.port or 25, timeout=10) as client:
        if parts.scheme == "smtp+starttls":
            client.starttls()
        if parts.username:
            client.login(parts.username, parts.password or "")
        client.send_message(message)


async def deliver_pending(ctx: Ctx, batch: int = 20) -> int:
    """Send what is queued; failures stay queued with their error and are retried."""
    sent = 0
    async with ctx.db.system_tx() as tx:
        for mail in await repo.claim_mail(tx, batch):
            try:
                await asyncio.to_thread(send, ctx.settings.smtp_url, ctx.settings.mail_from, mail["to_address"],
                                        mail["subject"], mail["body"])
            except (OSError, smtplib.SMTPException) as exc:
                await repo.mark_mail_failed(tx, mail["id"], f"{type(exc).__name__}: {exc}")
                continue
            await repo.mark_mail_sent(tx, mail["id"])
            sent += 1
    return sent


async def deliver_forever(ctx: Ctx, interval: float = 1.0) -> None:
    """A round every `interval`, or at once when this process queues mail (another replica's
    mail waits for the round)."""
    while True:
        ctx.mail_waiting.clear()
        try:
            await deliver_pending(ctx)
        except Exception as exc:
            log_failed_round(log, exc, "mail delivery round failed")
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(ctx.mail_waiting.wait(), interval)

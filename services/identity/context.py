"""What identity's use cases need, built once per process in app.py."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from urllib.parse import urlsplit, urlunsplit

from shared.web import ServiceContext

from .domain import Passwords
from .settings import Settings
from .tokens import Tokens
from .txt_records import TxtChecker


@dataclass(frozen=True, kw_only=True)
class Ctx(ServiceContext):
    settings: Settings
    tokens: Tokens
    passwords: Passwords
    txt_checker: TxtChecker
    mail_waiting: asyncio.Event = field(default_factory=asyncio.Event)

    def mail_queued(self) -> None:
        """Wake the mail worker: a confirmation link should not wait for its next round."""
        self.mail_waiting.set()

    def platform_url(self, path: str) -> str:
        """A link on the platform's own host (sign-up, password reset), for an e-mail."""
        return self.settings.public_base_url.rstrip("/") + path

    def site_url(self, slug: str, path: str) -> str:
        """A link on the tenant's own host, e.g. for an invitation e-mail."""
        parts = urlsplit(self.settings.public_base_url)
        host = f"{slug}.{parts.hostname}" + (f":{parts.port}" if parts.port else "")
        return urlunsplit((parts.scheme, host, path, "", ""))

"""Buying credits: a Stripe Checkout Session for a credit pack, credited once when
Stripe reports the payment (by webhook, or by reconciliation)."""

from __future__ import annotations

import logging
import uuid
from typing import Any

from shared.auth import Caller, Role

from . import domain, service
from .context import Ctx
from .repo import top_ups

log = logging.getLogger("billing.topups")


async def start_top_up(ctx: Ctx, caller: Caller, pack: str) -> dict[str, Any]:
    """A Checkout URL for a credit pack (OWNER)."""
    tenant_id = caller.require(Role.OWNER)
    payments = ctx.require_payments()
    settings = ctx.settings
    credits, price = domain.credit_pack(settings.credit_packs, pack)
    top_up_id = uuid.uuid4()
    async with ctx.db.tenant_tx(tenant_id) as tx:
        await top_ups.insert_top_up(tx, tenant_id, top_up_id, credits, price, settings.currency, caller.account_id)
    session = await payments.create_checkout({
        "mode": "payment",
        "client_reference_id": str(tenant_id),
        "metadata": {"tenant_id": str(tenant_id), "top_up_id": str(top_up_id)},
        "line_items": [{"quantity": 1, "price_data": {
            "currency": settings.currency, "unit_amount": price,
            "product_data": {"name": f"{pack} AI credits"}}}],
        "success_url": f"{settings.public_base_url}/billing/top-ups/{top_up_id}?paid=1",
        "cancel_url": f"{settings.public_base_url}/billing/top-ups/{top_up_id}?cancelled=1",
    }, operation_id=f"top-up-{top_up_id}")
    async with ctx.db.tenant_tx(tenant_id) as tx:
        await top_ups.open_top_up(tx, top_up_id, session.id)
    return {"top_up_id": str(top_up_id), "checkout_url": session.url, "checkout_session_id": session.id,
            "credits": credits, "amount_minor": price, "currency": settings.currency}


async def credit_paid_session(ctx: Ctx, session: dict[str, Any]) -> str:
    """Credit a paid top-up session once (reference = the session id)."""
    tenant_id = domain.tenant_of(session)
    if tenant_id is None:
        return "not ours"
    if session.get("payment_status") != "paid":
        return "awaiting payment"  # a delayed method; async_payment_succeeded will follow
    async with ctx.db.tenant_tx(tenant_id) as tx:
        top_up = await top_ups.top_up_by_session_for_update(tx, session["id"])
        if top_up is None:
            log.warning("paid session %s names tenant %s but has no top-up of it", session["id"], tenant_id)
            return "unknown session"
        await service.apply_entry(tx, tenant_id, top_up["credits"], "TOP_UP", session["id"],
                                  note=f"{top_up['credits']} credits bought", created_by="stripe")
        if top_up["status"] != "paid":
            await top_ups.mark_top_up_paid(tx, top_up["id"])
    return "credited"

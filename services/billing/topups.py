"""Buying credits: a Stripe Checkout Session for a credit pack, credited once when
Stripe reports the payment (by webhook, or by reconciliation)."""

from __future__ import annotations

import logging
import uuid
from typing import Any

from shared.auth import Caller, Role
from shared.db import Database
from shared.errors import Invalid, Unavailable

from . import service
from .payments import Payments
from .settings import Settings

log = logging.getLogger("billing.topups")

INSERT_TOP_UP = """
INSERT INTO billing.top_ups (tenant_id, id, credits, amount_minor, currency, created_by) VALUES ($1, $2, $3, $4, $5, $6)
"""
OPEN_TOP_UP = "UPDATE billing.top_ups SET checkout_session_id = $2, status = 'open' WHERE id = $1"
SELECT_TOP_UP_BY_SESSION_FOR_UPDATE = """
SELECT id, credits, status FROM billing.top_ups WHERE checkout_session_id = $1 FOR UPDATE
"""
MARK_TOP_UP_PAID = "UPDATE billing.top_ups SET status = 'paid', paid_at = now() WHERE id = $1"


async def start_top_up(db: Database, payments: Payments | None, settings: Settings, caller: Caller,
                       pack: str) -> dict[str, Any]:
    """A Checkout URL for a credit pack (OWNER)."""
    tenant_id = caller.require(Role.OWNER)
    if payments is None:
        raise Unavailable("payments are not configured on this platform (no STRIPE_SECRET_KEY)")
    price = settings.credit_packs.get(pack)
    if price is None:
        raise Invalid(f"no credit pack {pack!r}; choose one of {', '.join(settings.credit_packs)}",
                      errors=[{"field": "pack"}])
    top_up_id = uuid.uuid4()
    async with db.tenant_tx(tenant_id) as tx:
        await tx.execute(INSERT_TOP_UP, tenant_id, top_up_id, int(pack), price, settings.currency, caller.account_id)
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
    async with db.tenant_tx(tenant_id) as tx:
        await tx.execute(OPEN_TOP_UP, top_up_id, session.id)
    return {"top_up_id": str(top_up_id), "checkout_url": session.url, "checkout_session_id": session.id,
            "credits": int(pack), "amount_minor": price, "currency": settings.currency}


async def credit_paid_session(db: Database, session: dict[str, Any]) -> str:
    """Credit a paid top-up session once (reference = the session id)."""
    tenant = (session.get("metadata") or {}).get("tenant_id")
    try:
        tenant_id = uuid.UUID(tenant)
    except (TypeError, ValueError):
        return "not ours"
    if session.get("payment_status") != "paid":
        return "awaiting payment"  # a delayed method; async_payment_succeeded will follow
    async with db.tenant_tx(tenant_id) as tx:
        top_up = await tx.fetchrow(SELECT_TOP_UP_BY_SESSION_FOR_UPDATE, session["id"])
        if top_up is None:
            log.warning("paid session %s names tenant %s but has no top-up of it", session["id"], tenant_id)
            return "unknown session"
        await service.apply_entry(tx, tenant_id, top_up["credits"], "TOP_UP", session["id"],
                               note=f"{top_up['credits']} credits bought", created_by="stripe")
        if top_up["status"] != "paid":
            await tx.execute(MARK_TOP_UP_PAID, top_up["id"])
    return "credited"

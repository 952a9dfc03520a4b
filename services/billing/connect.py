"""Stripe Connect onboarding: each tenant that sells gets an Express connected account,
created once (an idempotency key per tenant makes a retry return the same account) and
stored once: the id is written only where none is, and is unique across tenants, so no
tenant can take over another's account. Stripe's account.updated keeps what it may do
(charges, payouts, what Stripe still needs) current."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

from shared.auth import Caller, Role
from shared.db import Database
from shared.errors import Conflict, NotFound, Unavailable

from .payments import Payments
from .schemas import ConnectOut
from .settings import Settings

SELECT_ACCOUNT = """
SELECT stripe_connect_id, plan, connect_charges_enabled, connect_payouts_enabled, connect_details_submitted,
       connect_requirements FROM billing.accounts
"""
CLAIM_CONNECT_ID = """
UPDATE billing.accounts SET stripe_connect_id = $1, updated_at = now() WHERE stripe_connect_id IS NULL
RETURNING stripe_connect_id
"""
# Events may arrive out of order: an older verdict never overwrites a newer one.
APPLY_ACCOUNT = """
UPDATE billing.accounts SET connect_charges_enabled = $2, connect_payouts_enabled = $3,
       connect_details_submitted = $4, connect_requirements = $5, connect_updated_at = $6
WHERE stripe_connect_id = $1 AND (connect_updated_at IS NULL OR connect_updated_at <= $6)
"""


def fee_percent(settings: Settings, plan: str) -> float:
    return settings.commerce_fee_percent.get(plan, max(settings.commerce_fee_percent.values(), default=0.0))


def _needs(payments: Payments | None) -> Payments:
    if payments is None:
        raise Unavailable("payments are not configured on this platform (no STRIPE_SECRET_KEY)")
    return payments


async def status(db: Database, settings: Settings, caller: Caller) -> ConnectOut:
    async with db.tenant_tx(caller.require(Role.OWNER)) as tx:
        row = await tx.fetchrow(SELECT_ACCOUNT)
    if row is None:
        raise NotFound("this tenant has no billing account yet")
    return ConnectOut(account_id=row["stripe_connect_id"], charges_enabled=row["connect_charges_enabled"],
                      payouts_enabled=row["connect_payouts_enabled"],
                      details_submitted=row["connect_details_submitted"],
                      requirements=list(row["connect_requirements"]), fee_percent=fee_percent(settings, row["plan"]))


async def start_onboarding(db: Database, payments: Payments | None, settings: Settings,
                           caller: Caller) -> dict[str, Any]:
    """A fresh, single-use onboarding link (OWNER). Its refresh URL leads back to the
    editor, which asks for a new one: links are never handed to anyone but an OWNER."""
    payments = _needs(payments)
    tenant_id = caller.require(Role.OWNER)
    async with db.tenant_tx(tenant_id) as tx:
        row = await tx.fetchrow(SELECT_ACCOUNT)
    if row is None:
        raise NotFound("this tenant has no billing account yet")
    account_id = row["stripe_connect_id"]
    if account_id is None:
        account = await payments.create_connected_account(str(tenant_id), None)
        async with db.tenant_tx(tenant_id) as tx:
            account_id = await tx.fetchval(CLAIM_CONNECT_ID, account.id) or (await tx.fetchrow(SELECT_ACCOUNT))[
                "stripe_connect_id"]
    base = settings.public_base_url.rstrip("/")
    link = await payments.account_link(account_id, refresh_url=f"{base}/settings/payments?refresh=1",
                                       return_url=settings.connect_return_url or f"{base}/settings/payments?done=1")
    return {"account_id": account_id, "url": link.url, "expires_at": link.expires_at}


async def dashboard_link(db: Database, payments: Payments | None, caller: Caller) -> dict[str, str]:
    payments = _needs(payments)
    async with db.tenant_tx(caller.require(Role.OWNER)) as tx:
        row = await tx.fetchrow(SELECT_ACCOUNT)
    if row is None or row["stripe_connect_id"] is None or not row["connect_details_submitted"]:
        raise Conflict("finish onboarding first: the Stripe dashboard opens once your details are in")
    return {"url": (await payments.login_link(row["stripe_connect_id"])).url}


async def apply_account_updated(db: Database, account: dict[str, Any], created: int) -> str:
    tenant = (account.get("metadata") or {}).get("tenant_id")
    try:
        tenant_id = uuid.UUID(tenant)
    except (TypeError, ValueError):
        return "not ours"
    requirements = (account.get("requirements") or {}).get("currently_due") or []
    async with db.tenant_tx(tenant_id) as tx:
        changed = await tx.execute(APPLY_ACCOUNT, account["id"], bool(account.get("charges_enabled")),
                                   bool(account.get("payouts_enabled")), bool(account.get("details_submitted")),
                                   list(requirements), datetime.fromtimestamp(created, UTC))
    return "account updated" if changed == "UPDATE 1" else "stale or unknown account"

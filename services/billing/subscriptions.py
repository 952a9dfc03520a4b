"""Plans: subscriptions through Stripe Checkout kept right from Stripe's own state, grants
on paid invoices, monthly grants for plans without a subscription, and the portal."""

from __future__ import annotations

import asyncio
import logging
import uuid
from datetime import UTC, datetime
from typing import Any

from shared.auth import Caller, Role
from shared.contracts import SubscriptionChangedV1
from shared.db import Database
from shared.errors import Conflict, Invalid, Unavailable
from shared.messaging import add_event

from . import service
from .payments import Payments
from .settings import Settings

log = logging.getLogger("billing.subscriptions")

SELECT_ACCOUNT_BILLING = """
SELECT subscription_status, plan, stripe_customer_id, stripe_subscription_id FROM billing.accounts
"""
UPDATE_SUBSCRIPTION = """
UPDATE billing.accounts SET subscription_status = $1, plan = $2, stripe_customer_id = $3,
       stripe_subscription_id = $4, updated_at = now()
"""
DECLARE_GRANT_SWEEP = "SET LOCAL ROLE billing_sweeper"  # the only role the sweep policy applies to
SELECT_GRANTABLE = """
SELECT tenant_id, plan FROM billing.accounts
WHERE subscription_status <> 'closed' AND stripe_subscription_id IS NULL
"""
ENDED = frozenset({"canceled", "incomplete_expired", "unpaid"})


def _require_payments(payments: Payments | None) -> Payments:
    if payments is None:
        raise Unavailable("payments are not configured on this platform (no STRIPE_SECRET_KEY)")
    return payments


async def start_subscription(db: Database, payments: Payments | None, settings: Settings, caller: Caller,
                             plan: str) -> dict[str, Any]:
    tenant_id = caller.require(Role.OWNER)
    spec = settings.plans.get(plan)
    if spec is None or not spec.stripe_price:
        raise Invalid(f"no paid plan {plan!r}", errors=[{"field": "plan"}])
    async with db.tenant_tx(tenant_id) as tx:
        account = await tx.fetchrow(SELECT_ACCOUNT_BILLING)
    if account is None:
        raise Conflict("this tenant has no billing account yet")
    if account["stripe_subscription_id"] and account["subscription_status"] not in ENDED:
        raise Conflict("this tenant already has a subscription; change it in the billing portal")
    params: dict[str, Any] = {
        "mode": "subscription", "client_reference_id": str(tenant_id),
        "line_items": [{"price": spec.stripe_price, "quantity": 1}],
        "metadata": {"tenant_id": str(tenant_id), "plan": plan},
        "subscription_data": {"metadata": {"tenant_id": str(tenant_id), "plan": plan}},
        "success_url": f"{settings.public_base_url}/billing/subscription?done=1",
        "cancel_url": f"{settings.public_base_url}/billing/subscription?cancelled=1",
    }
    if account["stripe_customer_id"]:
        params["customer"] = account["stripe_customer_id"]
    session = await _require_payments(payments).create_checkout(params, operation_id=f"subscribe-{uuid.uuid4()}")
    return {"checkout_url": session.url, "checkout_session_id": session.id, "plan": plan}


async def portal(db: Database, payments: Payments | None, settings: Settings, caller: Caller) -> dict[str, str]:
    tenant_id = caller.require(Role.OWNER)
    async with db.tenant_tx(tenant_id) as tx:
        account = await tx.fetchrow(SELECT_ACCOUNT_BILLING)
    if account is None or not account["stripe_customer_id"]:
        raise Conflict("this tenant has no Stripe customer yet; subscribe first")
    session = await _require_payments(payments).portal(account["stripe_customer_id"],
                                                        f"{settings.public_base_url}/billing")
    return {"url": session.url}


async def sync_subscription(db: Database, payments: Payments, settings: Settings, subscription_id: str) -> str:
    """Set the account from the subscription as Stripe has it now. Events may come twice
    or out of order; re-reading the object makes the last word Stripe's current state."""
    subscription = (await payments.subscription(subscription_id)).to_dict()
    tenant = (subscription.get("metadata") or {}).get("tenant_id")
    if tenant is None:
        return "not ours"
    tenant_id = uuid.UUID(tenant)
    status = subscription["status"]
    price = subscription["items"]["data"][0]["price"]["id"] if subscription["items"]["data"] else ""
    async with db.tenant_tx(tenant_id) as tx:
        account = await tx.fetchrow(SELECT_ACCOUNT_BILLING)
        if account is None:
            return "no account"
        plan = "free" if status in ENDED else (settings.plan_of_price(price) or account["plan"])
        await tx.execute(UPDATE_SUBSCRIPTION, status, plan, subscription["customer"], subscription["id"])
        if account["subscription_status"] != status:
            await add_event(tx, SubscriptionChangedV1(tenant_id=tenant_id, status=status,
                                                      previous_status=account["subscription_status"]))
    return f"subscription {status}"


async def grant_for_invoice(db: Database, payments: Payments, settings: Settings, invoice: dict[str, Any]) -> str:
    """A paid renewal grants the plan's monthly credits, once per invoice."""
    details = (invoice.get("parent") or {}).get("subscription_details") or {}
    subscription_id = details.get("subscription")
    if not subscription_id:
        return "not a subscription invoice"
    outcome = await sync_subscription(db, payments, settings, subscription_id)
    tenant = (details.get("metadata") or {}).get("tenant_id")
    subscription = (await payments.subscription(subscription_id)).to_dict()
    tenant = tenant or (subscription.get("metadata") or {}).get("tenant_id")
    if tenant is None:
        return outcome
    price = subscription["items"]["data"][0]["price"]["id"]
    plan = settings.plans.get(settings.plan_of_price(price) or "")
    if plan is None or plan.monthly_credits <= 0:
        return outcome
    async with db.tenant_tx(uuid.UUID(tenant)) as tx:
        await service.apply_entry(tx, uuid.UUID(tenant), plan.monthly_credits, "MONTHLY_GRANT",
                                  f"invoice:{invoice['id']}", note="credits of a paid subscription period",
                                  created_by="stripe")
    return "granted"


async def grant_monthly(db: Database, settings: Settings, now: datetime) -> int:
    """This month's credits for plans without a Stripe subscription; once per tenant and
    month (`grant:YYYY-MM`), so several replicas running it grant once."""
    period = f"grant:{now:%Y-%m}"
    async with db.system_tx() as tx:
        await tx.execute(DECLARE_GRANT_SWEEP)
        accounts = await tx.fetch(SELECT_GRANTABLE)
    granted = 0
    for account in accounts:
        plan = settings.plans.get(account["plan"])
        if plan is None or plan.monthly_credits <= 0:
            continue
        async with db.tenant_tx(account["tenant_id"]) as tx:
            row = await service.apply_entry(tx, account["tenant_id"], plan.monthly_credits, "MONTHLY_GRANT", period,
                                         note=f"monthly credits of the {account['plan']} plan", created_by="scheduler")
        granted += 0 if row["replayed"] else 1
    return granted


async def grant_monthly_forever(db: Database, settings: Settings) -> None:
    while True:
        try:
            await grant_monthly(db, settings, datetime.now(UTC))
        except Exception:
            log.exception("monthly grants failed; trying again next round")
        await asyncio.sleep(settings.grant_interval)

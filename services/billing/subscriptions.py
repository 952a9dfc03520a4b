"""Plans: subscriptions through Stripe Checkout kept right from Stripe's own state, grants
on paid invoices, monthly grants for plans without a subscription, and the portal."""

from __future__ import annotations

import logging
import uuid
from datetime import datetime
from typing import Any

from shared.auth import Caller, Role
from shared.contracts import SubscriptionChangedV1
from shared.errors import Conflict, Invalid
from shared.messaging import add_event

from . import domain, service
from .context import Ctx
from .repo import subscriptions

log = logging.getLogger("billing.subscriptions")


async def start_subscription(ctx: Ctx, caller: Caller, plan: str) -> dict[str, Any]:
    """A Checkout URL to subscribe to a paid plan (OWNER)."""
    tenant_id = caller.require(Role.OWNER)
    settings = ctx.settings
    spec = settings.plans.get(plan)
    if spec is None or not spec.stripe_price:
        raise Invalid(f"no paid plan {plan!r}", errors=[{"field": "plan"}])
    async with ctx.db.tenant_tx(tenant_id) as tx:
        account = await subscriptions.account_billing(tx)
    if account is None:
        raise Conflict("this tenant has no billing account yet")
    domain.check_can_subscribe(account["stripe_subscription_id"], account["subscription_status"])
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
    session = await ctx.require_payments().create_checkout(params, operation_id=f"subscribe-{uuid.uuid4()}")
    return {"checkout_url": session.url, "checkout_session_id": session.id, "plan": plan}


async def open_portal(ctx: Ctx, caller: Caller) -> dict[str, str]:
    """A link into Stripe's customer portal (OWNER)."""
    tenant_id = caller.require(Role.OWNER)
    async with ctx.db.tenant_tx(tenant_id) as tx:
        account = await subscriptions.account_billing(tx)
    if account is None or not account["stripe_customer_id"]:
        raise Conflict("this tenant has no Stripe customer yet; subscribe first")
    session = await ctx.require_payments().portal(account["stripe_customer_id"],
                                                  f"{ctx.settings.public_base_url}/billing")
    return {"url": session.url}


async def sync_subscription(ctx: Ctx, subscription_id: str) -> str:
    """Set the account from the subscription as Stripe has it now. Events may come twice
    or out of order; re-reading the object makes the last word Stripe's current state."""
    subscription = (await ctx.require_payments().subscription(subscription_id)).to_dict()
    tenant = (subscription.get("metadata") or {}).get("tenant_id")
    if tenant is None:
        return "not ours"
    tenant_id = uuid.UUID(tenant)
    status = subscription["status"]
    price = subscription["items"]["data"][0]["price"]["id"] if subscription["items"]["data"] else ""
    async with ctx.db.tenant_tx(tenant_id) as tx:
        account = await subscriptions.account_billing(tx)
        if account is None:
            return "no account"
        plan = domain.plan_after(status, ctx.settings.plan_of_price(price), account["plan"])
        await subscriptions.update_subscription(tx, status, plan, subscription["customer"], subscription["id"])
        if account["subscription_status"] != status:
            await add_event(tx, SubscriptionChangedV1(tenant_id=tenant_id, status=status,
                                                      previous_status=account["subscription_status"]))
    return f"subscription {status}"


async def grant_invoice_credits(ctx: Ctx, invoice: dict[str, Any]) -> str:
    """A paid renewal grants the plan's monthly credits, once per invoice."""
    details = (invoice.get("parent") or {}).get("subscription_details") or {}
    subscription_id = details.get("subscription")
    if not subscription_id:
        return "not a subscription invoice"
    outcome = await sync_subscription(ctx, subscription_id)
    tenant = (details.get("metadata") or {}).get("tenant_id")
    subscription = (await ctx.require_payments().subscription(subscription_id)).to_dict()
    tenant = tenant or (subscription.get("metadata") or {}).get("tenant_id")
    if tenant is None:
        return outcome
    price = subscription["items"]["data"][0]["price"]["id"]
    plan = ctx.settings.plans.get(ctx.settings.plan_of_price(price) or "")
    if plan is None or plan.monthly_credits <= 0:
        return outcome
    async with ctx.db.tenant_tx(uuid.UUID(tenant)) as tx:
        await service.apply_entry(tx, uuid.UUID(tenant), plan.monthly_credits, "MONTHLY_GRANT",
                                  f"invoice:{invoice['id']}", note="credits of a paid subscription period",
                                  created_by="stripe")
    return "granted"


async def grant_monthly(ctx: Ctx, now: datetime) -> int:
    """This month's credits for plans without a Stripe subscription; once per tenant and
    month (`grant:YYYY-MM`), so several replicas running it grant once."""
    period = domain.grant_period(now)
    async with ctx.db.system_tx() as tx:
        accounts = await subscriptions.grantable_accounts(tx)
    granted = 0
    for account in accounts:
        plan = ctx.settings.plans.get(account["plan"])
        if plan is None or plan.monthly_credits <= 0:
            continue
        async with ctx.db.tenant_tx(account["tenant_id"]) as tx:
            row = await service.apply_entry(tx, account["tenant_id"], plan.monthly_credits, "MONTHLY_GRANT", period,
                                            note=f"monthly credits of the {account['plan']} plan",
                                            created_by="scheduler")
        granted += 0 if row["replayed"] else 1
    return granted

"""Stripe's events, from the webhook or from reconciliation, applied exactly once.

Each event is looked up by id first (a redelivery is a no-op) and recorded with its
outcome after it was applied. Everything an event does is idempotent by itself (a
top-up by session id, a grant by invoice id, a subscription by re-reading it, an order by
its state), so two deliveries racing each other still change nothing twice. Connected
accounts' events reach the same endpoint (destination charges keep payments on the
platform's account; account.updated comes from Connect)."""

from __future__ import annotations

import logging
import time
from datetime import UTC, datetime
from typing import Any

from shared.errors import Invalid

from . import connect, storefront, subscriptions, topups
from .context import Ctx
from .repo import stripe_events

log = logging.getLogger("billing.webhooks")

SUBSCRIPTION_EVENTS = frozenset({"customer.subscription.created", "customer.subscription.updated",
                                 "customer.subscription.deleted"})
RECONCILE_WINDOW = 3 * 24 * 3600  # Stripe retries failed deliveries for three days


# What reading a Stripe object's fields raises when the object is not the shape its event type
# always has (an id that is not a UUID, a string where an object belongs, a missing key).
MALFORMED_OBJECT = (KeyError, IndexError, TypeError, ValueError, AttributeError)


async def receive_webhook(ctx: Ctx, body: bytes, signature: str | None) -> str:
    """A delivery to the webhook: applied once if Stripe signed it, else 400. A signed event
    whose object is not the shape Stripe sends for its type is a 422 (nothing applied, the
    transaction rolled back), never a 500."""
    event = ctx.require_payments().verify(body, signature)
    try:
        return await apply_stripe_event(ctx, event)
    except MALFORMED_OBJECT as exc:
        log.warning("signed Stripe event %s (%s) has a malformed object: %r", event["id"], event["type"], exc)
        raise Invalid(f"the {event['type']} event's object is not the shape Stripe sends for it",
                      errors=[{"event": event["id"], "reason": type(exc).__name__}]) from None


async def apply_stripe_event(ctx: Ctx, event: dict[str, Any]) -> str:
    """Apply a Stripe event once; what it did, or "duplicate"."""
    async with ctx.db.system_tx() as tx:
        if await stripe_events.outcome(tx, event["id"]) is not None:
            return "duplicate"
    outcome = await _apply(ctx, event)
    async with ctx.db.system_tx() as tx:
        await stripe_events.record_event(tx, event["id"], event["type"],
                                         datetime.fromtimestamp(event["created"], UTC), outcome)
    return outcome


async def _apply(ctx: Ctx, event: dict[str, Any]) -> str:
    kind, obj = event["type"], event["data"]["object"]
    is_order = (obj.get("metadata") or {}).get("kind") == "order"
    if kind in ("checkout.session.completed", "checkout.session.async_payment_succeeded") and is_order:
        return await storefront.record_paid_session(ctx, obj)
    if kind == "checkout.session.expired" and is_order:
        return await storefront.record_expired_session(ctx, obj)
    if kind == "charge.refunded":
        return await storefront.record_refund(ctx, obj)
    if kind == "charge.dispute.created":
        return await storefront.record_dispute(ctx, obj)
    if kind == "account.updated":
        return await connect.apply_account_updated(ctx, obj, event["created"])
    if kind in ("checkout.session.completed", "checkout.session.async_payment_succeeded"):
        if obj.get("mode") == "subscription":
            if not obj.get("subscription"):
                return "awaiting subscription"
            return await subscriptions.sync_subscription(ctx, obj["subscription"])
        return await topups.credit_paid_session(ctx, obj)
    if kind in SUBSCRIPTION_EVENTS:
        return await subscriptions.sync_subscription(ctx, obj["id"])
    if kind == "invoice.paid":
        return await subscriptions.grant_invoice_credits(ctx, obj)
    if kind == "invoice.payment_failed":
        subscription_id = ((obj.get("parent") or {}).get("subscription_details") or {}).get("subscription")
        return await subscriptions.sync_subscription(ctx, subscription_id) if subscription_id \
            else "not a subscription invoice"
    return "ignored"


async def reconcile(ctx: Ctx) -> int:
    """Apply the events Stripe failed to deliver that we have not seen."""
    applied = 0
    for event in reversed(await ctx.require_payments().undelivered_events(int(time.time()) - RECONCILE_WINDOW)):
        if await apply_stripe_event(ctx, event) != "duplicate":
            applied += 1
    return applied


async def reconcile_round(ctx: Ctx) -> None:
    """One background reconciliation; what it applied is worth an operator's look."""
    count = await reconcile(ctx)
    if count:
        log.warning("reconciliation applied %d Stripe events that never arrived by webhook", count)

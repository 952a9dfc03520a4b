"""Stripe's events, from the webhook or from reconciliation, applied exactly once.

Each event is looked up by id first (a redelivery is a no-op) and recorded with its
outcome after it was applied. Everything an event does is idempotent by itself (a
top-up by session id, a grant by invoice id, a subscription by re-reading it, an order by
its state), so two deliveries racing each other still change nothing twice. Connected
accounts' events reach the same endpoint (destination charges keep payments on the
platform's account; account.updated comes from Connect)."""

from __future__ import annotations

import asyncio
import logging
import time
from datetime import UTC, datetime
from typing import Any

from shared.db import Database

from . import connect, storefront, subscriptions, topups
from .payments import Payments
from .settings import Settings

log = logging.getLogger("billing.webhooks")

SELECT_SEEN = "SELECT outcome FROM billing.stripe_events WHERE id = $1"
RECORD_EVENT = """
INSERT INTO billing.stripe_events (id, type, created, outcome) VALUES ($1, $2, $3, $4) ON CONFLICT (id) DO NOTHING
"""
SUBSCRIPTION_EVENTS = frozenset({"customer.subscription.created", "customer.subscription.updated",
                                 "customer.subscription.deleted"})
RECONCILE_WINDOW = 3 * 24 * 3600  # Stripe retries failed deliveries for three days


async def handle(db: Database, payments: Payments, settings: Settings, event: dict[str, Any]) -> str:
    async with db.system_tx() as tx:
        if await tx.fetchval(SELECT_SEEN, event["id"]) is not None:
            return "duplicate"
    outcome = await _apply(db, payments, settings, event)
    async with db.system_tx() as tx:
        await tx.execute(RECORD_EVENT, event["id"], event["type"], datetime.fromtimestamp(event["created"], UTC),
                         outcome)
    return outcome


async def _apply(db: Database, payments: Payments, settings: Settings, event: dict[str, Any]) -> str:
    kind, obj = event["type"], event["data"]["object"]
    is_order = (obj.get("metadata") or {}).get("kind") == "order"
    if kind in ("checkout.session.completed", "checkout.session.async_payment_succeeded") and is_order:
        return await storefront.record_paid_session(db, obj)
    if kind == "checkout.session.expired" and is_order:
        return await storefront.record_expired(db, obj)
    if kind == "charge.refunded":
        return await storefront.record_refund(db, obj)
    if kind == "charge.dispute.created":
        return await storefront.record_dispute(db, payments, obj)
    if kind == "account.updated":
        return await connect.apply_account_updated(db, obj, event["created"])
    if kind in ("checkout.session.completed", "checkout.session.async_payment_succeeded"):
        if obj.get("mode") == "subscription":
            if not obj.get("subscription"):
                return "awaiting subscription"
            return await subscriptions.sync_subscription(db, payments, settings, obj["subscription"])
        return await topups.credit_paid_session(db, obj)
    if kind in SUBSCRIPTION_EVENTS:
        return await subscriptions.sync_subscription(db, payments, settings, obj["id"])
    if kind == "invoice.paid":
        return await subscriptions.grant_for_invoice(db, payments, settings, obj)
    if kind == "invoice.payment_failed":
        subscription_id = ((obj.get("parent") or {}).get("subscription_details") or {}).get("subscription")
        return await subscriptions.sync_subscription(db, payments, settings, subscription_id) if subscription_id \
            else "not a subscription invoice"
    return "ignored"


async def reconcile(db: Database, payments: Payments, settings: Settings) -> int:
    """Apply the events Stripe failed to deliver that we have not seen."""
    applied = 0
    for event in reversed(await payments.undelivered_events(int(time.time()) - RECONCILE_WINDOW)):
        if await handle(db, payments, settings, event) != "duplicate":
            applied += 1
    return applied


async def reconcile_forever(db: Database, payments: Payments, settings: Settings, interval: float = 600) -> None:
    while True:
        await asyncio.sleep(interval)
        try:
            count = await reconcile(db, payments, settings)
            if count:
                log.warning("reconciliation applied %d Stripe events that never arrived by webhook", count)
        except Exception:
            log.exception("Stripe reconciliation failed; trying again next round")

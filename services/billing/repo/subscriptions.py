"""A tenant's plan and its Stripe subscription, and the accounts monthly grants go to."""

from __future__ import annotations

import asyncpg

from . import Tx

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


async def account_billing(tx: Tx) -> asyncpg.Record | None:
    return await tx.fetchrow(SELECT_ACCOUNT_BILLING)


async def update_subscription(tx: Tx, status: str, plan: str, customer_id: str, subscription_id: str) -> None:
    await tx.execute(UPDATE_SUBSCRIPTION, status, plan, customer_id, subscription_id)


async def grantable_accounts(tx: Tx) -> list[asyncpg.Record]:
    """Every tenant's open account without a Stripe subscription (a system transaction)."""
    await tx.execute(DECLARE_GRANT_SWEEP)
    return await tx.fetch(SELECT_GRANTABLE)

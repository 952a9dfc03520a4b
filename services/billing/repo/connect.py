"""The tenant's Stripe Connect account, as billing.accounts keeps it."""

from __future__ import annotations

from datetime import datetime

import asyncpg

from . import Tx

SELECT_CONNECT_ACCOUNT = """
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
RETURNING connect_charges_enabled, connect_payouts_enabled, connect_details_submitted
"""


async def connect_account(tx: Tx) -> asyncpg.Record | None:
    return await tx.fetchrow(SELECT_CONNECT_ACCOUNT)


async def claim_connect_id(tx: Tx, account_id: str) -> str | None:
    """Store the account id where none is; None when the tenant already had one."""
    return await tx.fetchval(CLAIM_CONNECT_ID, account_id)


async def apply_account(tx: Tx, account_id: str, charges_enabled: bool, payouts_enabled: bool, details_submitted: bool,
                        requirements: list[str], updated_at: datetime) -> asyncpg.Record | None:
    """The account's state as now stored; None when the account is not this tenant's, or
    Stripe's verdict is older than ours."""
    return await tx.fetchrow(APPLY_ACCOUNT, account_id, charges_enabled, payouts_enabled, details_submitted,
                             requirements, updated_at)

"""Billing's SQL."""

from __future__ import annotations

import uuid

import asyncpg

INSERT_ACCOUNT = """
INSERT INTO billing.accounts (tenant_id) VALUES ($1) ON CONFLICT (tenant_id) DO NOTHING
"""

INSERT_LEDGER_ROW = """
INSERT INTO billing.credit_transactions (tenant_id, id, amount, type, reference_id, note)
VALUES ($1, $2, $3, $4, $5, $6)
"""

SELECT_BALANCE = """
SELECT a.balance, coalesce((SELECT sum(t.amount) FROM billing.credit_transactions t), 0)::int AS ledger_sum
FROM billing.accounts a
"""


# For the OWNER's export archive; the ledger is the accounting record of the wallet.
EXPORT_QUERIES = {
    "account": "SELECT tenant_id, balance, subscription_status, stripe_connect_id, created_at FROM billing.accounts",
    "ledger": "SELECT id, amount, type, reference_id, note, created_at FROM billing.credit_transactions "
              "ORDER BY created_at, id",
}
# When the tenant is purged: the account stops; its ledger stays, for accounting.
CLOSE_ACCOUNT = """
UPDATE billing.accounts SET subscription_status = 'closed', updated_at = now()
"""



async def insert_account(tx: asyncpg.Connection, tenant_id: uuid.UUID) -> bool:
    return await tx.execute(INSERT_ACCOUNT, tenant_id) == "INSERT 0 1"


async def insert_ledger_row(tx: asyncpg.Connection, tenant_id: uuid.UUID, amount: int, type_: str,
                            reference_id: str, note: str | None = None) -> None:
    """Append to the ledger; a trigger moves the balance and refuses to take it below zero."""
    await tx.execute(INSERT_LEDGER_ROW, tenant_id, uuid.uuid4(), amount, type_, reference_id, note)


async def balance(tx: asyncpg.Connection) -> asyncpg.Record | None:
    """The transaction tenant's balance beside the sum of its ledger (RLS scopes both)."""
    return await tx.fetchrow(SELECT_BALANCE)

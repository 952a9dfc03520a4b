"""Billing's SQL. Every change of credits is one call of a SQL function (see the
migrations): one round trip while the account row is locked."""

from __future__ import annotations

import uuid
from datetime import date, datetime

import asyncpg

Tx = asyncpg.Connection

INSERT_ACCOUNT = """
INSERT INTO billing.accounts (tenant_id) VALUES ($1) ON CONFLICT (tenant_id) DO NOTHING
"""
APPLY_ENTRY = "SELECT entry_id, amount, balance, replayed FROM billing.apply_entry($1, $2, $3, $4, $5, $6, $7)"
RESERVE = "SELECT hold_id, status, amount, available, created FROM billing.reserve($1, $2, $3, $4, $5, $6)"
SETTLE = """
SELECT status, captured, balance, available, crossed_low, reference_id, ledger_type, settled_now
FROM billing.settle($1, $2, $3)
"""
SELECT_BALANCE = """
SELECT a.balance, a.held, a.balance - a.held AS available, a.subscription_status, a.low_balance_threshold,
       coalesce((SELECT sum(t.amount) FROM billing.credit_transactions t), 0)::int AS ledger_sum
FROM billing.accounts a
"""
# Keyset pagination: (created_at, id) after the cursor, newest first.
SELECT_LEDGER_PAGE = """
SELECT id, amount, type, reference_id, note, created_by, hold_id, created_at
FROM billing.credit_transactions
WHERE ($1::timestamptz IS NULL OR (created_at, id) < ($1, $2))
  AND ($3::text IS NULL OR type = $3)
  AND ($4::timestamptz IS NULL OR created_at >= $4)
  AND ($5::timestamptz IS NULL OR created_at < $5)
ORDER BY created_at DESC, id DESC
LIMIT $6
"""
SELECT_USAGE = """
SELECT (created_at AT TIME ZONE 'UTC')::date AS day, type, sum(amount)::int AS amount, count(*)::int AS entries
FROM billing.credit_transactions
WHERE created_at >= $1::date AND created_at < $2::date
GROUP BY 1, 2 ORDER BY 1, 2
"""
# Sweeps read as the sweeper role, the only one their narrow policies apply to.
DECLARE_SWEEP = "SET LOCAL ROLE billing_sweeper"
SELECT_EXPIRED_HOLDS = "SELECT tenant_id, id FROM billing.holds ORDER BY expires_at LIMIT $1"
# When the tenant is purged: the account stops; its ledger stays, for accounting.
CLOSE_ACCOUNT = """
UPDATE billing.accounts SET subscription_status = 'closed', updated_at = now()
"""
# For the OWNER's export archive; the ledger is the accounting record of the wallet.
EXPORT_QUERIES = {
    "account": "SELECT tenant_id, balance, held, subscription_status, stripe_connect_id, created_at "
               "FROM billing.accounts",
    "ledger": "SELECT id, amount, type, reference_id, note, created_by, hold_id, created_at "
              "FROM billing.credit_transactions ORDER BY created_at, id",
    "holds": "SELECT id, reference_id, amount, ledger_type, status, captured_amount, expires_at, created_at, "
             "resolved_at FROM billing.holds ORDER BY created_at",
    "products": "SELECT id, slug, name, description, price_amount, currency, images, active, inventory, created_at "
                "FROM billing.products ORDER BY created_at",
    "orders": "SELECT id, status, currency, amount_total, application_fee, amount_refunded, items, customer_email, "
              "created_at, paid_at FROM billing.orders ORDER BY created_at",
}
# A purged tenant's catalogue goes; its ledger and orders stay, as accounting records.
DELETE_PRODUCTS = "DELETE FROM billing.products"


async def insert_account(tx: Tx, tenant_id: uuid.UUID) -> bool:
    return await tx.execute(INSERT_ACCOUNT, tenant_id) == "INSERT 0 1"


async def apply_entry(tx: Tx, tenant_id: uuid.UUID, amount: int, type_: str, reference_id: str,
                      note: str | None = None, created_by: str | None = None) -> asyncpg.Record:
    return await tx.fetchrow(APPLY_ENTRY, tenant_id, uuid.uuid4(), amount, type_, reference_id, note, created_by)


async def reserve(tx: Tx, tenant_id: uuid.UUID, reference: str, amount: int, ttl: int,
                  type_: str) -> asyncpg.Record | None:
    return await tx.fetchrow(RESERVE, tenant_id, uuid.uuid4(), reference, amount, ttl, type_)


async def settle(tx: Tx, hold_id: uuid.UUID, amount: int | None, final: str = "released") -> asyncpg.Record:
    return await tx.fetchrow(SETTLE, hold_id, amount, final)


async def balance(tx: Tx) -> asyncpg.Record | None:
    return await tx.fetchrow(SELECT_BALANCE)


async def ledger_page(tx: Tx, *, before: tuple[datetime, uuid.UUID] | None, type_: str | None,
                      since: datetime | None, until: datetime | None, limit: int) -> list[asyncpg.Record]:
    at, entry_id = before if before else (None, None)
    return await tx.fetch(SELECT_LEDGER_PAGE, at, entry_id, type_, since, until, limit)


async def usage(tx: Tx, since: date, until: date) -> list[asyncpg.Record]:
    return await tx.fetch(SELECT_USAGE, since, until)


async def expired_holds(tx: Tx, limit: int) -> list[asyncpg.Record]:
    await tx.execute(DECLARE_SWEEP)
    return await tx.fetch(SELECT_EXPIRED_HOLDS, limit)

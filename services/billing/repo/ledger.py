"""The ledger: entries are applied by one SQL function, and read back by page or by day."""

from __future__ import annotations

import uuid
from datetime import date, datetime

import asyncpg

from . import Tx

APPLY_ENTRY = "SELECT entry_id, amount, balance, replayed FROM billing.apply_entry($1, $2, $3, $4, $5, $6, $7)"
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


async def apply_entry(tx: Tx, tenant_id: uuid.UUID, amount: int, type_: str, reference_id: str,
                      note: str | None = None, created_by: str | None = None) -> asyncpg.Record:
    return await tx.fetchrow(APPLY_ENTRY, tenant_id, uuid.uuid4(), amount, type_, reference_id, note, created_by)


async def ledger_page(tx: Tx, *, before: tuple[datetime, uuid.UUID] | None, type_: str | None,
                      since: datetime | None, until: datetime | None, limit: int) -> list[asyncpg.Record]:
    at, entry_id = before if before else (None, None)
    return await tx.fetch(SELECT_LEDGER_PAGE, at, entry_id, type_, since, until, limit)


async def usage(tx: Tx, since: date, until: date) -> list[asyncpg.Record]:
    return await tx.fetch(SELECT_USAGE, since, until)

"""The SQL of billing's operator commands (`services/billing/commands.py`). The invariant
queries read across tenants on the administrator's connection (a role that bypasses
row-level security), so they name the tenant they are scoped to themselves: `$1`, or every
tenant when it is NULL."""

from __future__ import annotations

import uuid

import asyncpg

Tx = asyncpg.Connection

BALANCE_DRIFT = """
SELECT a.tenant_id, a.balance, coalesce(l.total, 0) AS ledger
FROM billing.accounts a
LEFT JOIN (SELECT tenant_id, sum(amount) AS total FROM billing.credit_transactions GROUP BY tenant_id) l
  USING (tenant_id)
WHERE a.balance <> coalesce(l.total, 0) AND ($1::uuid IS NULL OR a.tenant_id = $1)
ORDER BY a.tenant_id
"""
HELD_DRIFT = """
SELECT a.tenant_id, a.held, coalesce(h.total, 0) AS open_holds
FROM billing.accounts a
LEFT JOIN (SELECT tenant_id, sum(amount) AS total FROM billing.holds WHERE status = 'held' GROUP BY tenant_id) h
  USING (tenant_id)
WHERE a.held <> coalesce(h.total, 0) AND ($1::uuid IS NULL OR a.tenant_id = $1)
ORDER BY a.tenant_id
"""
EXPIRED_HOLDS = """
SELECT tenant_id, id, reference_id, amount, expires_at, extract(epoch FROM now() - expires_at)::int AS overdue
FROM billing.holds
WHERE status = 'held' AND expires_at < now() - make_interval(secs => $2) AND ($1::uuid IS NULL OR tenant_id = $1)
ORDER BY expires_at
"""
SELECT_WALLETS_AMONG = "SELECT tenant_id FROM billing.accounts WHERE tenant_id = ANY($1::uuid[])"


async def balance_drift(tx: Tx, tenant: uuid.UUID | None) -> list[asyncpg.Record]:
    """Wallets whose balance is not their ledger's sum."""
    return await tx.fetch(BALANCE_DRIFT, tenant)


async def held_drift(tx: Tx, tenant: uuid.UUID | None) -> list[asyncpg.Record]:
    """Wallets whose held credits are not their open holds' sum."""
    return await tx.fetch(HELD_DRIFT, tenant)


async def expired_holds(tx: Tx, tenant: uuid.UUID | None, grace: float) -> list[asyncpg.Record]:
    """Holds still open `grace` seconds after they expired."""
    return await tx.fetch(EXPIRED_HOLDS, tenant, grace)


async def wallets_among(tx: Tx, tenants: list[uuid.UUID]) -> set[uuid.UUID]:
    """Which of these tenants have a wallet."""
    return {row["tenant_id"] for row in await tx.fetch(SELECT_WALLETS_AMONG, tenants)}

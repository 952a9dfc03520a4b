"""Holds for AI work: reserved and settled by SQL functions, swept when they expire."""

from __future__ import annotations

import uuid

import asyncpg

from . import Tx

RESERVE = "SELECT hold_id, status, amount, available, created FROM billing.reserve($1, $2, $3, $4, $5, $6)"
SETTLE = """
SELECT status, captured, balance, available, crossed_low, reference_id, ledger_type, settled_now
FROM billing.settle($1, $2, $3)
"""
# Sweeps read as the sweeper role, the only one their narrow policies apply to.
DECLARE_SWEEP = "SET LOCAL ROLE billing_sweeper"
SELECT_EXPIRED_HOLDS = "SELECT tenant_id, id FROM billing.holds ORDER BY expires_at LIMIT $1"


async def reserve(tx: Tx, tenant_id: uuid.UUID, reference: str, amount: int, ttl: int,
                  type_: str) -> asyncpg.Record | None:
    return await tx.fetchrow(RESERVE, tenant_id, uuid.uuid4(), reference, amount, ttl, type_)


async def settle(tx: Tx, hold_id: uuid.UUID, amount: int | None, final: str = "released") -> asyncpg.Record:
    return await tx.fetchrow(SETTLE, hold_id, amount, final)


async def expired_holds(tx: Tx, limit: int) -> list[asyncpg.Record]:
    """Every tenant's expired holds (a system transaction)."""
    await tx.execute(DECLARE_SWEEP)
    return await tx.fetch(SELECT_EXPIRED_HOLDS, limit)

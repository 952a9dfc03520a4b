"""A tenant's billing account: opened once, read as a wallet."""

from __future__ import annotations

import uuid

import asyncpg

from . import Tx

INSERT_ACCOUNT = """
INSERT INTO billing.accounts (tenant_id) VALUES ($1) ON CONFLICT (tenant_id) DO NOTHING
"""
SELECT_BALANCE = """
SELECT a.balance, a.held, a.balance - a.held AS available, a.subscription_status, a.low_balance_threshold,
       coalesce((SELECT sum(t.amount) FROM billing.credit_transactions t), 0)::int AS ledger_sum
FROM billing.accounts a
"""
SELECT_LOW_BALANCE_THRESHOLD = "SELECT low_balance_threshold FROM billing.accounts"


async def insert_account(tx: Tx, tenant_id: uuid.UUID) -> bool:
    return await tx.execute(INSERT_ACCOUNT, tenant_id) == "INSERT 0 1"


async def balance(tx: Tx) -> asyncpg.Record | None:
    return await tx.fetchrow(SELECT_BALANCE)


async def low_balance_threshold(tx: Tx) -> int | None:
    """The threshold below which the tenant is told its credits run low; None without an account."""
    return await tx.fetchval(SELECT_LOW_BALANCE_THRESHOLD)

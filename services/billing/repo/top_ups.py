"""Credit packs bought through Stripe Checkout."""

from __future__ import annotations

import uuid

import asyncpg

from . import Tx

INSERT_TOP_UP = """
INSERT INTO billing.top_ups (tenant_id, id, credits, amount_minor, currency, created_by) VALUES ($1, $2, $3, $4, $5, $6)
"""
OPEN_TOP_UP = "UPDATE billing.top_ups SET checkout_session_id = $2, status = 'open' WHERE id = $1"
SELECT_TOP_UP_BY_SESSION_FOR_UPDATE = """
SELECT id, credits, status FROM billing.top_ups WHERE checkout_session_id = $1 FOR UPDATE
"""
MARK_TOP_UP_PAID = "UPDATE billing.top_ups SET status = 'paid', paid_at = now() WHERE id = $1"


async def insert_top_up(tx: Tx, tenant_id: uuid.UUID, top_up_id: uuid.UUID, credits: int, amount_minor: int,
                        currency: str, created_by: uuid.UUID | None) -> None:
    await tx.execute(INSERT_TOP_UP, tenant_id, top_up_id, credits, amount_minor, currency, created_by)


async def open_top_up(tx: Tx, top_up_id: uuid.UUID, checkout_session_id: str) -> None:
    await tx.execute(OPEN_TOP_UP, top_up_id, checkout_session_id)


async def top_up_by_session_for_update(tx: Tx, checkout_session_id: str) -> asyncpg.Record | None:
    return await tx.fetchrow(SELECT_TOP_UP_BY_SESSION_FOR_UPDATE, checkout_session_id)


async def mark_top_up_paid(tx: Tx, top_up_id: uuid.UUID) -> None:
    await tx.execute(MARK_TOP_UP_PAID, top_up_id)

"""Stripe's events we have applied, with their outcome (not tenant data: a system transaction)."""

from __future__ import annotations

from datetime import datetime

from . import Tx

SELECT_OUTCOME = "SELECT outcome FROM billing.stripe_events WHERE id = $1"
RECORD_EVENT = """
INSERT INTO billing.stripe_events (id, type, created, outcome) VALUES ($1, $2, $3, $4) ON CONFLICT (id) DO NOTHING
"""


async def outcome(tx: Tx, event_id: str) -> str | None:
    """What applying the event did, or None if we have not seen it."""
    return await tx.fetchval(SELECT_OUTCOME, event_id)


async def record_event(tx: Tx, event_id: str, type_: str, created: datetime, outcome: str) -> None:
    await tx.execute(RECORD_EVENT, event_id, type_, created, outcome)

"""SQL of AI descriptions: finding, claiming, postponing and storing the descriptions of new
assets; row-level security scopes it to the transaction's tenant (the sweep reads across
tenants as the sweeper role)."""

from __future__ import annotations

import uuid
from typing import Any

import asyncpg

from . import Tx, declare_sweep

SELECT_PENDING = """
SELECT tenant_id, id FROM assets.assets WHERE status = 'undescribed' AND describe_after <= now()
ORDER BY describe_after LIMIT $1
"""
CLAIM = """
UPDATE assets.assets SET status = 'describing', updated_at = now()
WHERE id = $1 AND status = 'undescribed' RETURNING storage_key, filename, alt_text, ai_description
"""
POSTPONE = """
UPDATE assets.assets SET status = 'undescribed', status_reason = $2,
       describe_after = now() + make_interval(secs => $3), updated_at = now()
WHERE id = $1
"""
STORE = """
UPDATE assets.assets SET status = 'described', status_reason = NULL, alt_text = $2, ai_description = $3, tags = $4,
       embedding = $5, embedding_model = $6, search_text = $7, updated_at = now()
WHERE id = $1
"""
FAIL = "UPDATE assets.assets SET status = 'failed', status_reason = $2, updated_at = now() WHERE id = $1"
# Credits arrived for the tenant: what waited for them is due now.
REQUEUE = "UPDATE assets.assets SET describe_after = now() WHERE status = 'undescribed' AND describe_after > now()"


async def pending(tx: Tx, limit: int) -> list[asyncpg.Record]:
    """Assets of every tenant waiting for a description, the longest waiting first (as the
    sweeper, for the rest of this tenant-less transaction)."""
    await declare_sweep(tx)
    return await tx.fetch(SELECT_PENDING, limit)


async def claim(tx: Tx, asset_id: uuid.UUID) -> asyncpg.Record | None:
    """The asset for this describer alone, or None when another has it (or it changed)."""
    return await tx.fetchrow(CLAIM, asset_id)


async def postpone(tx: Tx, asset_id: uuid.UUID, reason: str, seconds: float) -> None:
    await tx.execute(POSTPONE, asset_id, reason, float(seconds))


async def store(tx: Tx, asset_id: uuid.UUID, alt_text: str, description: str | None, tags: list[str], vector: Any,
                model: str, search_text: str) -> None:
    await tx.execute(STORE, asset_id, alt_text, description, tags, vector, model, search_text)


async def fail(tx: Tx, asset_id: uuid.UUID, reason: str) -> None:
    await tx.execute(FAIL, asset_id, reason)


async def requeue(tx: Tx) -> None:
    """The tenant's assets that waited for credits are due now."""
    await tx.execute(REQUEUE)

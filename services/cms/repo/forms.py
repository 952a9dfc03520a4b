"""SQL of contact-form submissions and the per-address limit on them; row-level security
scopes the submissions to the transaction's tenant (the throttle's key names the tenant)."""

from __future__ import annotations

import uuid
from typing import Any

import asyncpg

Tx = asyncpg.Connection

# One statement: count this hit in the current window (or start a new one) and say how many.
COUNT_HIT = """
INSERT INTO cms.form_throttle AS t (key, hits, window_start) VALUES ($1, 1, now())
ON CONFLICT (key) DO UPDATE SET
  hits = CASE WHEN t.window_start < now() - interval '10 minutes' THEN 1 ELSE t.hits + 1 END,
  window_start = CASE WHEN t.window_start < now() - interval '10 minutes' THEN now() ELSE t.window_start END
RETURNING hits
"""
INSERT_SUBMISSION = """
INSERT INTO cms.form_submissions (tenant_id, id, page_id, form_id, fields) VALUES ($1, $2, $3, $4, $5)
"""
SELECT_SUBMISSIONS = """
SELECT id, page_id, form_id, fields, created_at FROM cms.form_submissions ORDER BY created_at DESC, id DESC LIMIT $1
"""


async def count_hit(tx: Tx, key: str) -> int:
    """Hits on `key` in the current ten-minute window, this one included."""
    return await tx.fetchval(COUNT_HIT, key)


async def insert_submission(tx: Tx, tenant_id: uuid.UUID, submission_id: uuid.UUID, page_id: uuid.UUID,
                            form_id: str, fields: dict[str, str]) -> None:
    await tx.execute(INSERT_SUBMISSION, tenant_id, submission_id, page_id, form_id, fields)


async def submissions(tx: Tx, limit: int) -> list[dict[str, Any]]:
    return [dict(row) for row in await tx.fetch(SELECT_SUBMISSIONS, limit)]

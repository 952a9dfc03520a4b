"""Search by meaning and by words over the tenant's described assets."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from typing import Any

import asyncpg

from . import Tx

# The count is bounded (a btree count of at most `$1` rows); the tenant's own HNSW index
# counts only once it is valid (a concurrent build that failed leaves an invalid one).
SELECT_TENANT_SIZE = """
SELECT (SELECT count(*) FROM (SELECT 1 FROM assets.assets WHERE status = 'described' LIMIT $1) AS s) AS described,
       EXISTS (SELECT 1 FROM pg_catalog.pg_index i
               WHERE i.indexrelid = to_regclass($2::text) AND i.indisvalid AND i.indisready) AS own_index
"""
# The plan's planner settings, for this transaction only.
SET_PLAN = "SELECT set_config(name, value, true) FROM unnest($1::text[], $2::text[]) AS s(name, value)"
# RLS filters by tenant already; the explicit tenant lets a custom plan prove the predicate
# of the tenant's own partial index (... WHERE tenant_id = '<uuid>'). That index is on
# l2_normalize(embedding), which orders by cosine distance exactly as embedding does: only
# BY_MEANING_ON_OWN_INDEX can use it, and it can use no other.
BY_MEANING = """
SELECT id FROM assets.assets
WHERE status = 'described' AND embedding_model = $2 AND tenant_id = $4
ORDER BY embedding <=> $1 LIMIT $3
"""
BY_MEANING_ON_OWN_INDEX = """
SELECT id FROM assets.assets
WHERE status = 'described' AND embedding_model = $2 AND tenant_id = $4
ORDER BY l2_normalize(embedding)::vector(1536) <=> $1 LIMIT $3
"""
# word_similarity: how well the query matches some stretch of the text (a long description
# must not dilute an exact product name the way whole-string similarity would).
BY_WORDS = """
SELECT id FROM assets.assets
WHERE $1 <% search_text
ORDER BY word_similarity($1, search_text) DESC LIMIT $2
"""
SELECT_FOUND = """
SELECT id, url, filename, content_type, bytes, width, height, alt_text, ai_description, tags
FROM assets.assets WHERE id = ANY($1::uuid[])
"""


async def tenant_size(tx: Tx, most: int, own_index: str) -> tuple[int, bool]:
    """(described assets, counted up to `most`; whether the index named `own_index` is usable)."""
    row = await tx.fetchrow(SELECT_TENANT_SIZE, most, f"assets.{own_index}")
    return row["described"], row["own_index"]


async def set_plan(tx: Tx, settings: Mapping[str, str]) -> None:
    await tx.execute(SET_PLAN, list(settings), list(settings.values()))


async def by_meaning(tx: Tx, tenant_id: uuid.UUID, vector: Any, model: str, limit: int, *,
                     on_own_index: bool = False) -> list[uuid.UUID]:
    query = BY_MEANING_ON_OWN_INDEX if on_own_index else BY_MEANING
    return [row["id"] for row in await tx.fetch(query, vector, model, limit, tenant_id)]


async def by_words(tx: Tx, query: str, limit: int) -> list[uuid.UUID]:
    return [row["id"] for row in await tx.fetch(BY_WORDS, query, limit)]


async def found(tx: Tx, ids: list[uuid.UUID]) -> dict[uuid.UUID, asyncpg.Record]:
    return {row["id"]: row for row in await tx.fetch(SELECT_FOUND, ids)}

"""Search a tenant's media library by meaning and by words, fused by reciprocal rank.

The vector side ranks described assets by cosine distance. The tenant filter is applied by
row-level security, so the HNSW index alone would return too few of a small tenant's
rows; iterative index scans (pgvector 0.8, relaxed order) keep scanning until enough
match, and per-query custom plans let the planner see the tenant and take the exact
btree path for small tenants; large ones are steered to the index (bench/bench_vectors.py
measures all three). The word side ranks by trigram similarity on description, tags, alt
text and file name, so an exact product name or SKU is found too."""

from __future__ import annotations

import uuid
from collections import OrderedDict
from typing import Any

import numpy as np

from shared.ai import AIProvider
from shared.auth import Caller, Role
from shared.contracts import FoundAsset, FoundAssets, SearchAssets
from shared.db import Database
from shared.errors import Invalid

SEARCH_SETTINGS = [
    "SELECT set_config('hnsw.iterative_scan', 'relaxed_order', true)",
    "SELECT set_config('plan_cache_mode', 'force_custom_plan', true)",
    # pgvector's default of 40 stops near 0.85 recall on 1536-d data (bench/bench_vectors.py).
    "SELECT set_config('hnsw.ef_search', '120', true)",
]
# An exact scan costs ~4.5 µs a row (bench/bench_vectors.py): at ~2,000 described assets it
# reaches 10 ms. Past 1,500 the planner is steered to the HNSW index (a tenant of 1,987: recall
# 0.97 at 4.8 ms, against 1.00 at 9.5 ms exact); below, the tenant's btree and an exact sort win.
# With sorts off too, no btree (assets_embedding_model, say) plus an exact sort can win on cost.
LARGE_TENANT = 1_500
LARGE_TENANT_SETTINGS = [
    "SELECT set_config('enable_bitmapscan', 'off', true)",
    "SELECT set_config('enable_seqscan', 'off', true)",
    "SELECT set_config('enable_sort', 'off', true)",
    # Filtered by tenant, the shared graph stops near 0.95 recall at 120 and 0.95-0.97 at 200;
    # 400 gives ~0.99 for 1-2 ms more, and 0.997 on a tenant's own partial index.
    "SELECT set_config('hnsw.ef_search', '400', true)",
]
COUNT_DESCRIBED = "SELECT count(*) FROM (SELECT 1 FROM assets.assets WHERE status = 'described' LIMIT $1) AS s"


def search_settings(described: int) -> list[str]:
    return SEARCH_SETTINGS + (LARGE_TENANT_SETTINGS if described > LARGE_TENANT else [])


# RLS filters by tenant already; the explicit tenant lets a custom plan use a large tenant's
# own partial HNSW index (... WHERE tenant_id = '<uuid>'), where one exists, for better recall.
BY_MEANING = """
SELECT id FROM assets.assets
WHERE status = 'described' AND embedding_model = $2 AND tenant_id = $4
ORDER BY embedding <=> $1 LIMIT $3
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
RRF_K = 60  # the usual constant: ranks matter, raw scores of different kinds do not mix


class QueryEmbeddings:
    """Recent query vectors (searches repeat), least recently used out first."""

    def __init__(self, provider: AIProvider, size: int = 1024) -> None:
        self.provider = provider
        self.size = size
        self._vectors: OrderedDict[str, tuple[str, np.ndarray]] = OrderedDict()

    async def of(self, query: str) -> tuple[str, np.ndarray]:
        found = self._vectors.get(query)
        if found is None:
            result = await self.provider.embed([query])
            found = (result.model, np.asarray(result.vectors[0], dtype=np.float32))
            self._vectors[query] = found
            if len(self._vectors) > self.size:
                self._vectors.popitem(last=False)
        self._vectors.move_to_end(query)
        return found


def normalized(text: str) -> str:
    """What is searched for, and cached: lower case, single spaces."""
    return " ".join(text.split()).lower()


async def search(db: Database, embeddings: QueryEmbeddings, caller: Caller, q: str, k: int) -> list[dict[str, Any]]:
    tenant_id = caller.require(Role.VIEWER)
    query = normalized(q)
    if not query or len(query) > 200:
        raise Invalid("search for 1 to 200 characters", errors=[{"field": "q"}])
    return await ranked(db, embeddings, tenant_id, query, max(1, min(k, 50)))


async def ranked(db: Database, embeddings: QueryEmbeddings, tenant_id: uuid.UUID, query: str,
                 k: int) -> list[dict[str, Any]]:
    model, vector = await embeddings.of(query)
    async with db.tenant_tx(tenant_id) as tx:
        described = await tx.fetchval(COUNT_DESCRIBED, LARGE_TENANT + 1)  # bounded: a btree count of at most 10k
        for statement in search_settings(described):
            await tx.execute(statement)
        by_meaning = [row["id"] for row in await tx.fetch(BY_MEANING, vector, model, k * 4, tenant_id)]
        by_words = [row["id"] for row in await tx.fetch(BY_WORDS, query, k * 4)]
        scores: dict[Any, float] = {}
        for ranking in (by_meaning, by_words):
            for rank, asset_id in enumerate(ranking, start=1):
                scores[asset_id] = scores.get(asset_id, 0.0) + 1.0 / (RRF_K + rank)
        best = sorted(scores, key=scores.__getitem__, reverse=True)[:k]
        rows = {row["id"]: row for row in await tx.fetch(SELECT_FOUND, best)}
    return [{**dict(rows[asset_id]), "score": round(scores[asset_id], 6),
             "matched": [name for name, ranking in (("meaning", by_meaning), ("words", by_words))
                         if asset_id in ranking]}
            for asset_id in best if asset_id in rows]


async def answer_search(db: Database, embeddings: QueryEmbeddings, command: SearchAssets) -> FoundAssets:
    """The request-reply form, for other services (AI page generation picking images)."""
    results = []
    for text in command.queries[:64]:
        query = normalized(text)[:200]
        hits = await ranked(db, embeddings, command.tenant_id, query, max(1, min(command.k, 20))) if query else []
        results.append([FoundAsset(id=h["id"], alt_text=h["alt_text"], description=h["ai_description"] or "",
                                   width=h["width"], height=h["height"]) for h in hits])
    return FoundAssets(results=results)

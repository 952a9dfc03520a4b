"""Search a tenant's media library by meaning and by words, fused by reciprocal rank.

The vector side ranks described assets by cosine distance, with the plan the tenant's size
calls for (domain.search_plan: an exact scan, the tenant's own HNSW index, or the shared one
filtered by row-level security; bench/bench_vectors.py measures each). The word side ranks
by trigram similarity on description, tags, alt text and file name, so an exact product name
or SKU is found too."""

from __future__ import annotations

import uuid
from typing import Any

from shared.auth import Caller, Role
from shared.contracts import FoundAsset, FoundAssets, SearchAssets

from .context import Ctx
from .domain import (
    CANDIDATES_PER_RESULT,
    MAX_QUERIES_PER_COMMAND,
    MAX_RESULTS_FOR_SERVICES,
    SIZE_COUNTED_UP_TO,
    fused,
    own_index_name,
    result_count,
    search_plan,
    search_query,
    service_query,
)
from .repo import search as repo


async def search_assets(ctx: Ctx, caller: Caller, q: str, k: int = 10) -> list[dict[str, Any]]:
    """The tenant's best `k` assets for `q`, each saying which rankings matched."""
    tenant_id = caller.require(Role.VIEWER)
    return await ranked(ctx, tenant_id, search_query(q), result_count(k))


async def answer_search(ctx: Ctx, command: SearchAssets) -> FoundAssets:
    """The request-reply form, for other services (AI page generation picking images)."""
    results = []
    for text in command.queries[:MAX_QUERIES_PER_COMMAND]:
        query = service_query(text)
        hits = await ranked(ctx, command.tenant_id, query,
                            result_count(command.k, MAX_RESULTS_FOR_SERVICES)) if query else []
        results.append([FoundAsset(id=h["id"], alt_text=h["alt_text"], description=h["ai_description"] or "",
                                   width=h["width"], height=h["height"]) for h in hits])
    return FoundAssets(results=results)


async def ranked(ctx: Ctx, tenant_id: uuid.UUID, query: str, k: int) -> list[dict[str, Any]]:
    model, vector = await ctx.query_embeddings.of(query)
    candidates = k * CANDIDATES_PER_RESULT
    async with ctx.db.tenant_tx(tenant_id) as tx:
        # Words first, under the default settings: the plan's are for the vector side.
        by_words = await repo.by_words(tx, query, candidates)
        described, own_index = await repo.tenant_size(tx, SIZE_COUNTED_UP_TO, own_index_name(tenant_id))
        plan = search_plan(described, own_index)
        await repo.set_plan(tx, plan.settings)
        by_meaning = await repo.by_meaning(tx, tenant_id, vector, model, candidates, on_own_index=plan.on_own_index)
        hits = fused({"meaning": by_meaning, "words": by_words}, k)
        rows = await repo.found(tx, [hit.id for hit in hits])
    return [{**dict(rows[hit.id]), "score": hit.score, "matched": list(hit.matched)} for hit in hits if hit.id in rows]

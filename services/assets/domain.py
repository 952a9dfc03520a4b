"""The media library's pure rules: what an asset's searchable text is, what a search asks
for, which plan answers it, how the two rankings merge, how a re-embedding job counts."""

from __future__ import annotations

import uuid
from collections.abc import Hashable, Mapping, Sequence
from dataclasses import dataclass
from typing import Generic, TypeVar

from shared.errors import Invalid

Id = TypeVar("Id", bound=Hashable)

MAX_QUERY = 200  # characters of a search, after normalising
MAX_RESULTS = 50  # asked for over HTTP
MAX_RESULTS_FOR_SERVICES = 20  # asked for over NATS (AI page generation picking images)
MAX_QUERIES_PER_COMMAND = 64
RRF_K = 60  # the usual constant: ranks matter, raw scores of different kinds do not mix
CANDIDATES_PER_RESULT = 4  # each ranking offers k * 4 candidates to the fusion


def searchable(filename: str, alt_text: str, description: str | None, tags: Sequence[str]) -> tuple[str, str]:
    """(the text whose vector search compares, the text keyword search matches) of an asset."""
    embedded = " ".join(part for part in (alt_text, description or "", " ".join(tags)) if part)
    return embedded, f"{filename} {embedded}".lower()


def normalized(text: str) -> str:
    """What is searched for, and cached: lower case, single spaces."""
    return " ".join(text.split()).lower()


def search_query(text: str) -> str:
    """A person's search, normalised; 1 to 200 characters or a 422."""
    query = normalized(text)
    if not query or len(query) > MAX_QUERY:
        raise Invalid(f"search for 1 to {MAX_QUERY} characters", errors=[{"field": "q"}])
    return query


def service_query(text: str) -> str:
    """Another service's search, normalised and cut to size ('' asks for nothing)."""
    return normalized(text)[:MAX_QUERY]


def result_count(k: int, most: int = MAX_RESULTS) -> int:
    return max(1, min(k, most))


# The plan of the search by meaning, by the tenant's number of described assets. The
# figures are bench/bench_vectors.py's (1536-dim vectors under row-level security):
# - an exact scan (a bitmap of the tenant's btree, then every distance) has recall 1.0 by
#   definition, whatever any graph looks like, and costs ~4.5 µs a row (each vector is read
#   back from TOAST): 9 ms at ~2,000 rows, ~24 ms at ~5,000. It answers tenants up to
#   EXACT_SCAN_LIMIT, inside the 10 ms p50 budget with room for a busy machine;
# - past it, a tenant's own partial HNSW index (built by the operator's command `assets
#   index-large-tenants`, for the tenants past the same limit) is a graph of its rows only, so
#   the RLS filter drops nothing: recall 0.99-1.0 at ef_search OWN_INDEX_EF_SEARCH, 1-4 ms.
#   It is built on l2_normalize(embedding) (the same cosine order) so that the query written
#   for it can use no other index: the planner's costs would sometimes prefer the shared one;
# - until that index is built, a tenant of up to EXACT_FALLBACK_LIMIT is still scanned
#   exactly (slower than the budget, never less recall); a larger one uses the shared graph
#   filtered by RLS, whose recall moves with every rebuild of the graph (0.94 to 0.98 at
#   ef_search 400 for a tenant of ~2,000 rows out of 100,000): at pgvector's largest
#   ef_search, SHARED_INDEX_EF_SEARCH, every build the bench made measured >= 0.95.
EXACT_SCAN_LIMIT = 1_500
EXACT_FALLBACK_LIMIT = 5_000
OWN_INDEX_EF_SEARCH = 200
SHARED_INDEX_EF_SEARCH = 1_000
# A tenant's described assets are counted up to here (a bounded btree count): enough to tell
# every plan apart.
SIZE_COUNTED_UP_TO = max(EXACT_SCAN_LIMIT, EXACT_FALLBACK_LIMIT) + 1


@dataclass(frozen=True)
class SearchPlan:
    """How PostgreSQL answers one search by meaning: the planner settings of its transaction,
    and whether the query is the one written for the tenant's own index."""

    name: str  # exact, own index, shared index
    settings: Mapping[str, str]

    @property
    def on_own_index(self) -> bool:
        return self.name == "own index"


# Per-query custom plans: the planner sees the tenant's id (a partial index's predicate).
ALWAYS = {"plan_cache_mode": "force_custom_plan"}
# No HNSW scan at all (it is only ever an index scan) and no scan of every tenant's rows: a
# bitmap of one of the tenant's btrees, then an exact sort by distance.
EXACT = {**ALWAYS, "enable_indexscan": "off", "enable_seqscan": "off"}
# Steered to an HNSW scan: with bitmaps, sequential scans and sorts off, no btree plus an exact
# sort can win on cost; iterative scans keep going until enough rows pass the filters.
ON_AN_INDEX = {**ALWAYS, "enable_bitmapscan": "off", "enable_seqscan": "off", "enable_sort": "off",
               "hnsw.iterative_scan": "relaxed_order"}


def search_plan(described: int, own_index: bool) -> SearchPlan:
    """The plan for a tenant of `described` assets, with or without its own HNSW index."""
    if described <= EXACT_SCAN_LIMIT:
        return SearchPlan("exact", EXACT)
    if own_index:
        return SearchPlan("own index", {**ON_AN_INDEX, "hnsw.ef_search": str(OWN_INDEX_EF_SEARCH)})
    if described <= EXACT_FALLBACK_LIMIT:
        return SearchPlan("exact", EXACT)
    return SearchPlan("shared index", {**ON_AN_INDEX, "hnsw.ef_search": str(SHARED_INDEX_EF_SEARCH)})


def needs_own_index(described: int) -> bool:
    """A tenant past the exact scan's reach gets a graph of its own."""
    return described > EXACT_SCAN_LIMIT


def keeps_own_index(described: int) -> bool:
    """Once built, a tenant's index stays until the tenant shrinks to half the limit (or is
    purged), so a tenant near the limit is not rebuilt each time it crosses it."""
    return described > EXACT_SCAN_LIMIT // 2


@dataclass(frozen=True)
class OwnIndexWork:
    build: list[uuid.UUID]  # largest first: they gain the most
    drop: list[uuid.UUID]


def own_index_work(large: Mapping[uuid.UUID, int], indexed: Mapping[uuid.UUID, bool],
                   sizes: Mapping[uuid.UUID, int]) -> OwnIndexWork:
    """What the operator's command does, given the tenants past the limit (-> described),
    the tenants' own indexes (-> valid) and the indexed tenants' sizes: build a missing or
    invalid (a failed concurrent build) index of a large tenant; drop the index of a tenant
    that shrank to half the limit or was purged, and any invalid one no tenant needs."""
    build = [t for t in sorted(large, key=lambda t: (-large[t], str(t))) if needs_own_index(large[t])
             and not indexed.get(t, False)]
    drop = [t for t, valid in indexed.items() if t not in large
            and (not valid or not keeps_own_index(sizes.get(t, 0)))]
    return OwnIndexWork(build=build, drop=sorted(drop, key=str))


OWN_INDEX_PREFIX = "assets_embedding_t_"


def own_index_name(tenant_id: uuid.UUID) -> str:
    """The name of the tenant's partial HNSW index (51 characters: PostgreSQL keeps 63)."""
    return f"{OWN_INDEX_PREFIX}{tenant_id.hex}"


def tenant_of_index(name: str) -> uuid.UUID | None:
    """The tenant whose own index `name` is, or None for any other index."""
    if not name.startswith(OWN_INDEX_PREFIX):
        return None
    try:
        return uuid.UUID(hex=name.removeprefix(OWN_INDEX_PREFIX))
    except ValueError:
        return None


@dataclass(frozen=True)
class Hit(Generic[Id]):
    id: Id
    score: float
    matched: tuple[str, ...]  # which rankings found it: meaning, words


def fused(rankings: Mapping[str, Sequence[Id]], k: int) -> list[Hit[Id]]:
    """The best `k` of several rankings by reciprocal rank fusion: 1 / (60 + rank) summed over
    the rankings that found an item; ties keep the order items were first met in."""
    scores: dict[Id, float] = {}
    for ranking in rankings.values():
        for rank, item in enumerate(ranking, start=1):
            scores[item] = scores.get(item, 0.0) + 1.0 / (RRF_K + rank)
    best = sorted(scores, key=scores.__getitem__, reverse=True)[:k]
    return [Hit(item, round(scores[item], 6), tuple(name for name, ranking in rankings.items() if item in ranking))
            for item in best]


def progressed(done: int, total: int, handled: int) -> int:
    """A re-embedding job's count after a batch: never past its total (assets described
    while it runs are stale too, and counted only by the next job)."""
    return min(total, done + max(0, handled))

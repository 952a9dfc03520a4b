"""Semantic search with tenants filtered by row-level security: exact scans, the shared HNSW
index, and tenants' own partial HNSW indexes.

100,000 clustered 1536-dimension unit vectors (quick: 10,000) over 100 tenants of Zipf-like
sizes are loaded by the superuser, the shared HNSW index is rebuilt and timed, then a small,
a medium (~2,000), a ~5,000 and the largest tenant are searched as `assets_svc` exactly as
services/assets/search.py does it (tenant set in the transaction, RLS filtering, the plan
domain.search_plan picks from the tenant's size). First with the shared graph only: tenants
past the exact scan's limit fall back to it (what happens until the operator's command has
built their own index); the shared graph's recall moves with each build, so it is rebuilt
and measured again (REBUILDS). Then `assets index-large-tenants`' use case builds the large
tenants' own indexes, as platform_owner, and the platform's search is measured again.
Recall@10 is measured against exact nearest neighbours computed in numpy."""

from __future__ import annotations

import re
import time
import uuid
from dataclasses import dataclass, field
from urllib.parse import urlsplit, urlunsplit

import asyncpg
import numpy as np
from pgvector.asyncpg import register_vector

from bench.harness import Report, Row, RunOptions, verdict
from bench.infra import bench_infra
from services.assets.domain import (
    EXACT,
    EXACT_FALLBACK_LIMIT,
    EXACT_SCAN_LIMIT,
    ON_AN_INDEX,
    OWN_INDEX_EF_SEARCH,
    SHARED_INDEX_EF_SEARCH,
    SIZE_COUNTED_UP_TO,
    own_index_name,
    search_plan,
)
from services.assets.repo.search import BY_MEANING, BY_MEANING_ON_OWN_INDEX, set_plan, tenant_size
from services.assets.search_indexes import index_large_tenants
from shared.db import Database
from shared.migrate import OWNER_ROLE, with_credentials

DIM = 1536
TENANTS = 100
CENTROIDS = 50
ZIPF_S = 1.2
MIN_ROWS = 30
K = 10
NOISE = 0.02  # per-dimension noise on unit centroids: noise norm ~0.8, neighbours share a cluster
QUERY_NOISE = 0.01
WARMUP = 3
TARGET_RECALL = 0.95
TARGET_P50_MS = 10.0
REBUILDS = 2  # more builds of the shared graph, each measured again (quick: 1)

# The candidates' queries; the platform mode runs the service's own BY_MEANING.
ON_SHARED = """
SELECT id FROM assets.assets
WHERE status = 'described' AND embedding_model = $2
ORDER BY embedding <=> $1 LIMIT $3
"""
ON_HALFVEC = f"""
SELECT id FROM assets.assets
WHERE status = 'described' AND embedding_model = $2
ORDER BY embedding::halfvec({DIM}) <=> $1::vector::halfvec({DIM}) LIMIT $3
"""


def on_index(ef_search: int) -> dict[str, str]:
    """The platform's settings for a search steered to an HNSW index, at another ef_search."""
    return {**ON_AN_INDEX, "hnsw.ef_search": str(ef_search)}


def described(settings: dict[str, str]) -> str:
    return ", ".join(f"{name}={value}" for name, value in settings.items())


@dataclass(frozen=True)
class Mode:
    settings: dict[str, str] | None  # None: decided from the tenant's size, as services/assets/search.py does
    sql: str = BY_MEANING
    past_limit: bool = False  # a candidate for tenants past the exact scan's limit
    large_only: bool = False  # tried on the largest tenant only
    judged: bool = True  # held to the recall and p50 targets
    shared_graph: bool = True  # measured on the shared graph alone (again after each rebuild if `rebuilt`)
    rebuilt: bool = False
    own_index: bool = False  # measured once the large tenants' own indexes are built


MODES = {
    "platform, own index not built yet": Mode(None, rebuilt=True),
    "iterative off": Mode({"hnsw.iterative_scan": "off", "plan_cache_mode": "force_custom_plan"}, judged=False),
    "exact": Mode(dict(EXACT), judged=False),
    "shared, ef_search 200": Mode(on_index(200), ON_SHARED, past_limit=True, large_only=True),
    "shared, ef_search 400": Mode(on_index(400), ON_SHARED, past_limit=True, rebuilt=True),
    f"shared, ef_search {SHARED_INDEX_EF_SEARCH}": Mode(on_index(SHARED_INDEX_EF_SEARCH), ON_SHARED,
                                                        past_limit=True, rebuilt=True),
    "halfvec, ef_search 120": Mode(on_index(120), ON_HALFVEC, past_limit=True, large_only=True),
    "own index, ef_search 40": Mode(on_index(40), BY_MEANING_ON_OWN_INDEX, past_limit=True, large_only=True,
                                    shared_graph=False, own_index=True),
    "own index, ef_search 120": Mode(on_index(120), BY_MEANING_ON_OWN_INDEX, past_limit=True, large_only=True,
                                     shared_graph=False, own_index=True),
    "platform": Mode(None, shared_graph=False, own_index=True),
}
COLUMNS = ["tenant_id", "id", "url", "embedding", "status", "embedding_model"]


@dataclass
class Workload:
    tenant: uuid.UUID
    rows: int
    queries: list[np.ndarray]
    truth: list[set[int]]
    index_of: dict[uuid.UUID, int]


@dataclass
class ModeResult:
    recalls: list[float] = field(default_factory=list)
    latencies: list[float] = field(default_factory=list)  # seconds, the SELECT alone
    seconds: float = 0.0  # wall time of all timed transactions (settings + SELECT)

    @property
    def recall(self) -> float:
        return float(np.mean(self.recalls))

    def p(self, q: float) -> float:
        return float(np.percentile(self.latencies, q)) * 1000

    @property
    def qps(self) -> float:
        return len(self.latencies) / self.seconds

    @property
    def passed(self) -> bool:
        return self.recall >= TARGET_RECALL and self.p(50) <= TARGET_P50_MS


def with_database(url: str, database: str) -> str:
    return urlunsplit(urlsplit(url)._replace(path=f"/{database}"))


def tenant_sizes(total: int) -> np.ndarray:
    weights = 1.0 / np.arange(1, TENANTS + 1) ** ZIPF_S
    sizes = np.maximum(MIN_ROWS, np.floor(weights / weights.sum() * total)).astype(int)
    sizes[0] += total - sizes.sum()  # the largest absorbs rounding
    return sizes


def synthesize(total: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Unit vectors around 50 random centroids; each tenant draws from its own few centroids."""
    centroids = rng.standard_normal((CENTROIDS, DIM), dtype=np.float32)
    centroids /= np.linalg.norm(centroids, axis=1, keepdims=True)
    sizes = tenant_sizes(total)
    owner = np.repeat(np.arange(TENANTS), sizes)
    tenant_centroids = [rng.choice(CENTROIDS, size=min(CENTROIDS, 3 + int(np.sqrt(n) // 10)), replace=False)
                        for n in sizes]
    cluster = np.concatenate([rng.choice(chosen, size=n) for chosen, n in zip(tenant_centroids, sizes, strict=True)])
    vectors = centroids[cluster] + rng.standard_normal((total, DIM), dtype=np.float32) * NOISE
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    return owner, vectors


async def load(admin: asyncpg.Connection, tenant_ids: list[uuid.UUID], owner: np.ndarray, vectors: np.ndarray,
               ids: list[uuid.UUID]) -> float:
    started = time.perf_counter()
    batch = 10_000
    for start in range(0, len(ids), batch):
        records = [(tenant_ids[owner[i]], ids[i], "x", vectors[i], "described", "bench")
                   for i in range(start, min(start + batch, len(ids)))]
        await admin.copy_records_to_table("assets", schema_name="assets", records=records, columns=COLUMNS)
    return time.perf_counter() - started


async def build_index(admin: asyncpg.Connection, name: str, definition: str) -> tuple[float, float]:
    started = time.perf_counter()
    await admin.execute(f"CREATE INDEX {name} ON assets.assets USING hnsw {definition}")
    seconds = time.perf_counter() - started
    size = await admin.fetchval("SELECT pg_relation_size($1::regclass)", f"assets.{name}")
    return seconds, size / 2**20


async def own_indexes_mb(admin: asyncpg.Connection) -> float:
    size = await admin.fetchval("SELECT coalesce(sum(pg_relation_size(indexrelid)), 0) FROM pg_index "
                                "WHERE indrelid = 'assets.assets'::regclass AND indexrelid::regclass::text "
                                "LIKE 'assets.assets\\_embedding\\_t\\_%'")
    return size / 2**20


def exact_top(vectors: np.ndarray, rows: np.ndarray, query: np.ndarray) -> set[int]:
    scores = vectors[rows] @ (query / np.linalg.norm(query))
    return {int(i) for i in rows[np.argsort(-scores)[:K]]}


def workload(owner: np.ndarray, vectors: np.ndarray, ids: list[uuid.UUID], tenant_id: uuid.UUID, tenant: int,
             count: int, rng: np.random.Generator) -> Workload:
    members = np.flatnonzero(owner == tenant)
    queries = [vectors[rng.choice(members)] + rng.standard_normal(DIM, dtype=np.float32) * QUERY_NOISE
               for _ in range(count)]
    return Workload(tenant=tenant_id, rows=len(members), queries=queries,
                    truth=[exact_top(vectors, members, q) for q in queries], index_of={ids[i]: i for i in members})


async def begin(conn: asyncpg.Connection, tenant: uuid.UUID, mode: Mode) -> tuple[str, str]:
    """Inside a transaction: the tenant, then the mode's settings (the platform's from the
    tenant's size and own index, as services/assets/search.py does); (the plan's name, its query)."""
    await conn.execute("SELECT set_config('app.tenant_id', $1, true)", str(tenant))
    if mode.settings is not None:
        await set_plan(conn, mode.settings)
        return "as set", mode.sql
    plan = search_plan(*await tenant_size(conn, SIZE_COUNTED_UP_TO, own_index_name(tenant)))
    await set_plan(conn, plan.settings)
    return plan.name, BY_MEANING_ON_OWN_INDEX if plan.on_own_index else BY_MEANING


def arguments(sql: str, tenant: uuid.UUID, query: np.ndarray) -> list[object]:
    return [query, "bench", K, tenant] if "$4" in sql else [query, "bench", K]


async def search(conn: asyncpg.Connection, tenant: uuid.UUID, mode: Mode, query: np.ndarray) -> tuple[list, float]:
    async with conn.transaction():
        _, sql = await begin(conn, tenant, mode)
        started = time.perf_counter()
        rows = await conn.fetch(sql, *arguments(sql, tenant, query))
        return rows, time.perf_counter() - started


async def measure(conn: asyncpg.Connection, work: Workload, mode: Mode) -> ModeResult:
    for q in work.queries[:WARMUP]:
        await search(conn, work.tenant, mode, q)
    result = ModeResult()
    started = time.perf_counter()
    for q, expected in zip(work.queries, work.truth, strict=True):
        found, seconds = await search(conn, work.tenant, mode, q)
        got = {work.index_of.get(r["id"], -1) for r in found}
        result.recalls.append(len(got & expected) / K)
        result.latencies.append(seconds)
    result.seconds = time.perf_counter() - started
    return result


async def explain(conn: asyncpg.Connection, work: Workload, mode: Mode) -> tuple[str, list[str]]:
    async with conn.transaction():
        plan_name, sql = await begin(conn, work.tenant, mode)
        plan = await conn.fetch("EXPLAIN (ANALYZE, COSTS, TIMING OFF) " + sql,
                                *arguments(sql, work.tenant, work.queries[0]))
    lines = [re.sub(r"'\[[^\]]*\]'", "'[...]'", row[0]) for row in plan]
    text = "\n".join(lines)
    if index := re.search(r"Index Scan using (\w+)", text):
        chosen = f"Index Scan using {index.group(1)}"
    elif "Bitmap" in text:
        chosen = "Bitmap scan (" + ", ".join(sorted(set(re.findall(r"on (assets_\w+)", text)))) + ") + Sort"
    else:
        chosen = "Seq Scan + Sort" if "Seq Scan" in text else lines[0].strip()
    estimate = re.search(r"Scan.*?rows=(\d+)", text)
    removed = re.search(r"Rows Removed by Filter: (\d+)", text)
    chosen += f" (estimated rows {estimate.group(1) if estimate else '?'}, "
    chosen += f"removed by filter {removed.group(1) if removed else 0})"
    return (f"{plan_name}: " if mode.settings is None else "") + chosen, lines


def mode_rows(name: str, mode_name: str, result: ModeResult, exact: ModeResult, judged: bool) -> list[Row]:
    ok = verdict(result.passed) if judged else ""
    return [
        Row(metric=f"{name} recall@10, {mode_name}", unit="", platform=result.recall, reference=exact.recall,
            target=f">= {TARGET_RECALL}" if judged else "", verdict=ok),
        Row(metric=f"{name} p50, {mode_name}", unit="ms", platform=result.p(50), reference=exact.p(50),
            target=f"<= {TARGET_P50_MS:g} ms" if judged else "", verdict=ok),
        Row(metric=f"{name} p99, {mode_name}", unit="ms", platform=result.p(99), reference=exact.p(99)),
        Row(metric=f"{name} queries/s, {mode_name}", unit="/s", platform=result.qps, reference=exact.qps),
    ]


async def main(options: RunOptions) -> Report:
    total = 10_000 if options.quick else 100_000
    per_tenant_queries = 20 if options.quick else 100
    rebuilds = 1 if options.quick else REBUILDS
    rng = np.random.default_rng(20261125)
    owner, vectors = synthesize(total, rng)
    tenant_ids = [uuid.UUID(int=int(rng.integers(0, 2**63)) << 64 | t, version=4) for t in range(TENANTS)]
    ids = [uuid.UUID(int=int(x), version=4) for x in rng.integers(0, 2**62, size=total)]
    sizes = np.bincount(owner, minlength=TENANTS)
    picks = {"small": int(np.argmin(np.abs(sizes - 0.002 * total))),
             "medium": int(np.argmin(np.abs(sizes - 0.02 * total))),
             "~5k": int(np.argmin(np.abs(sizes - 0.05 * total))),
             "large": int(np.argmax(sizes))}
    works = {label: workload(owner, vectors, ids, tenant_ids[t], t, per_tenant_queries, rng)
             for label, t in picks.items()}
    notes: list[str] = []
    details: dict = {"tenant_sizes": sizes.tolist(), "plans": {}}
    results: dict[tuple[str, str], ModeResult] = {}

    def applies(label: str, mode: Mode) -> bool:
        return ((not mode.past_limit or works[label].rows > EXACT_SCAN_LIMIT)
                and (not mode.large_only or label == "large"))

    async def run(label: str, mode_name: str, build: int = 1) -> None:
        work, mode = works[label], MODES[mode_name]
        name = mode_name if build == 1 else f"{mode_name}, build {build}"
        if mode.settings is None or mode.past_limit:
            chosen, details["plans"][f"{label} / {name}"] = await explain(service, work, mode)
            notes.append(f"plan, {label} tenant ({work.rows} rows), {name}: {chosen}")
        results[(label, name)] = await measure(service, work, mode)

    async with bench_infra("vectors") as infra:
        admin = await asyncpg.connect(with_database(infra.admin_url, infra.database))
        service = await asyncpg.connect(infra.service_url("assets"))
        table_owner = await asyncpg.connect(with_credentials(infra.admin_url, user=OWNER_ROLE,
                                                             password=infra.role_password, database=infra.database))
        assets_db = await Database.connect(infra.service_url("assets"), name="bench-operator", max_size=1,
                                           vector=True)
        try:
            await register_vector(admin)
            await register_vector(service)
            await admin.execute("DROP INDEX assets.assets_embedding_hnsw")
            load_seconds = await load(admin, tenant_ids, owner, vectors, ids)
            await admin.execute("SET maintenance_work_mem = '1GB'")
            await admin.execute("SET max_parallel_maintenance_workers = 1")  # leader + 1 on two cores
            build_s, size_mb = await build_index(admin, "assets_embedding_hnsw", "(embedding vector_cosine_ops)")
            half_s, half_mb = await build_index(admin, "assets_embedding_half",
                                                f"((embedding::halfvec({DIM})) halfvec_cosine_ops)")
            await admin.execute("ANALYZE assets.assets")
            versions = await admin.fetchrow("SELECT current_setting('server_version') AS pg, "
                                            "(SELECT extversion FROM pg_extension WHERE extname = 'vector') AS pgv")
            for label in works:
                for mode_name, mode in MODES.items():
                    if mode.shared_graph and applies(label, mode):
                        await run(label, mode_name)
            await admin.execute("DROP INDEX assets.assets_embedding_half")
            # The shared graph again, built anew: what its recall depends on is how it came out.
            rebuild_s = []
            for build in range(2, rebuilds + 2):
                await admin.execute("DROP INDEX assets.assets_embedding_hnsw")
                rebuild_s.append((await build_index(admin, "assets_embedding_hnsw",
                                                    "(embedding vector_cosine_ops)"))[0])
                for label in works:
                    for mode_name, mode in MODES.items():
                        if mode.rebuilt and applies(label, mode):
                            await run(label, mode_name, build)
            # What the operator's command `assets index-large-tenants` does, with its own use case.
            started = time.perf_counter()
            built = await index_large_tenants(assets_db, table_owner)
            own_s, own_mb = time.perf_counter() - started, await own_indexes_mb(admin)
            await admin.execute("ANALYZE assets.assets")
            for label in works:
                for mode_name, mode in MODES.items():
                    if mode.own_index and applies(label, mode):
                        await run(label, mode_name)
        finally:
            await assets_db.close()
            await table_owner.close()
            await service.close()
            await admin.close()

    indexed = sorted(change.described for change in built)
    rows = [Row(metric="HNSW build, vector(1536)", unit="s", platform=build_s, reference=half_s),
            Row(metric="HNSW size, vector(1536)", unit="MB", platform=size_mb, reference=half_mb),
            *(Row(metric=f"HNSW build, vector(1536), build {n}", unit="s", platform=seconds)
              for n, seconds in enumerate(rebuild_s, start=2)),
            Row(metric=f"own HNSW indexes built ({len(indexed)} tenants, {sum(indexed):,} rows)", unit="s",
                platform=own_s),
            Row(metric=f"own HNSW indexes size ({len(indexed)} tenants, {sum(indexed):,} rows)", unit="MB",
                platform=own_mb)]
    for label, work in works.items():
        exact = results[(label, "exact")]
        for name, result in results.items():
            if name[0] == label and name[1] != "exact":
                mode = MODES[name[1].split(", build ")[0]]
                rows += mode_rows(f"{label} ({work.rows} rows)", name[1], result, exact, mode.judged)
    details["modes"] = {f"{label} / {mode}": {"recall@10": r.recall, "p50_ms": r.p(50), "p99_ms": r.p(99),
                                              "qps": r.qps}
                        for (label, mode), r in results.items()}
    details.update(load_seconds=load_seconds, rows=total, queries_per_tenant=per_tenant_queries,
                   own_indexes={str(change.tenant_id): change.described for change in built})
    per_row = {label: results[(label, "exact")].p(50) * 1000 / work.rows for label, work in works.items()}
    notes[:0] = [
        f"{total:,} unit vectors, {DIM} dims, {CENTROIDS} centroids + noise, {TENANTS} tenants "
        f"(Zipf s={ZIPF_S}: largest {sizes.max():,}, smallest {sizes.min()}); COPY load {load_seconds:.1f} s",
        f"PostgreSQL {versions['pg']}, pgvector {versions['pgv']}; HNSW m=16, ef_construction=64 (the "
        f"migration's defaults), ef_search 40 unless set (see below), maintenance_work_mem 1GB, 1 parallel worker",
        "build/size rows: reference = the same index on embedding::halfvec(1536) (built, measured, dropped); "
        f"the shared graph is then built {rebuilds} more time(s) and the modes marked 'build n' measured on each; "
        "own indexes: `assets index-large-tenants`' use case as platform_owner (CREATE INDEX CONCURRENTLY ... "
        f"WHERE tenant_id = '<id>', maintenance_work_mem 256MB) for every tenant past {EXACT_SCAN_LIMIT:,}",
        "search rows: as assets_svc, tenant set per transaction, RLS filtering, LIMIT 10, "
        f"{per_tenant_queries} queries per tenant and mode; reference = exact ({described(EXACT)}); latency is "
        "the SELECT alone, queries/s includes the per-transaction settings (and, platform modes only, the "
        "bounded count of the tenant's described assets and the look-up of its own index)",
        f"platform = services/assets/search.py: up to {EXACT_SCAN_LIMIT:,} described assets an exact scan; past "
        f"it the tenant's own index ({described(on_index(OWN_INDEX_EF_SEARCH))}) or, until that is built, an "
        f"exact scan up to {EXACT_FALLBACK_LIMIT:,} and the shared index at ef_search {SHARED_INDEX_EF_SEARCH} "
        "beyond; other modes: these settings at the ef_search named (own index: l2_normalize(embedding))",
        "exact scan cost per row (p50 / rows): " + ", ".join(f"{label} {us:.1f} µs" for label, us in per_row.items()),
        "recall@10 against exact neighbours in numpy over the tenant's rows; the target needs recall and p50 together",
    ]
    return Report(title="tenant-filtered vector search: exact scans, shared HNSW + RLS, tenants' own HNSW indexes",
                  platform_label="HNSW", reference_label="exact / halfvec", rows=rows, notes=notes, details=details)

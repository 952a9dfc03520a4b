"""Semantic search over one shared HNSW index with tenants filtered by row-level security.

100,000 clustered 1536-dimension unit vectors (quick: 10,000) over 100 tenants of Zipf-like
sizes are loaded by the superuser, the HNSW index is rebuilt and timed, then a small, a
medium and the largest tenant are searched as `assets_svc` exactly as services/assets/search.py
does it (tenant set in the transaction, RLS filtering). Three modes side by side: iterative
index scan on (the platform), iterative scan off, and an exact scan (index scans disabled).
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
from services.assets.search import COUNT_DESCRIBED, LARGE_TENANT, SEARCH_SETTINGS, search_settings

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

BY_MEANING = """
SELECT id FROM assets.assets
WHERE status = 'described' AND embedding_model = $2
ORDER BY embedding <=> $1 LIMIT $3
"""
MODES = {
    "iterative on": SEARCH_SETTINGS,  # the platform's search: see settings_for
    "iterative off": ["SELECT set_config('hnsw.iterative_scan', 'off', true)",
                      "SELECT set_config('plan_cache_mode', 'force_custom_plan', true)"],
    "exact": ["SELECT set_config('enable_indexscan', 'off', true)",
              "SELECT set_config('plan_cache_mode', 'force_custom_plan', true)"],
}
COLUMNS = ["tenant_id", "id", "url", "embedding", "status", "embedding_model"]


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


def exact_top(vectors: np.ndarray, rows: np.ndarray, query: np.ndarray) -> set[int]:
    scores = vectors[rows] @ (query / np.linalg.norm(query))
    return {int(i) for i in rows[np.argsort(-scores)[:K]]}


async def settings_for(conn: asyncpg.Connection, mode: str) -> list[str]:
    """The platform mode decides as services/assets/search.py does, from the tenant's size."""
    if mode != "iterative on":
        return MODES[mode]
    return search_settings(await conn.fetchval(COUNT_DESCRIBED, LARGE_TENANT + 1))


async def search(conn: asyncpg.Connection, tenant: uuid.UUID, mode: str, query: np.ndarray) -> tuple[list, float]:
    async with conn.transaction():
        await conn.execute("SELECT set_config('app.tenant_id', $1, true)", str(tenant))
        for statement in await settings_for(conn, mode):
            await conn.execute(statement)
        started = time.perf_counter()
        rows = await conn.fetch(BY_MEANING, query, "bench", K)
        return rows, time.perf_counter() - started


async def explain(conn: asyncpg.Connection, tenant: uuid.UUID, query: np.ndarray) -> tuple[str, list[str]]:
    async with conn.transaction():
        await conn.execute("SELECT set_config('app.tenant_id', $1, true)", str(tenant))
        for statement in await settings_for(conn, "iterative on"):
            await conn.execute(statement)
        lines = [re.sub(r"'\[[^\]]*\]'", "'[...]'", row[0])
                 for row in await conn.fetch("EXPLAIN (ANALYZE, COSTS, TIMING OFF) " + BY_MEANING, query, "bench", K)]
    text = "\n".join(lines)
    if "assets_embedding_hnsw" in text:
        chosen = "Index Scan using assets_embedding_hnsw"
    elif "Bitmap" in text:
        chosen = "Bitmap scan (" + ", ".join(sorted(set(re.findall(r"on (assets_\w+)", text)))) + ") + Sort"
    else:
        chosen = "Seq Scan + Sort" if "Seq Scan" in text else lines[0].strip()
    estimate = re.search(r"Scan.*?rows=(\d+)", text)
    removed = re.search(r"Rows Removed by Filter: (\d+)", text)
    chosen += f" (estimated rows {estimate.group(1) if estimate else '?'}, "
    chosen += f"removed by filter {removed.group(1) if removed else 0})"
    return chosen, lines


async def main(options: RunOptions) -> Report:
    total = 10_000 if options.quick else 100_000
    per_tenant_queries = 20 if options.quick else 50
    rng = np.random.default_rng(20261125)
    owner, vectors = synthesize(total, rng)
    tenant_ids = [uuid.UUID(int=int(rng.integers(0, 2**63)) << 64 | t, version=4) for t in range(TENANTS)]
    ids = [uuid.UUID(int=int(x), version=4) for x in rng.integers(0, 2**62, size=total)]
    sizes = np.bincount(owner, minlength=TENANTS)
    picks = {"small": int(np.argmin(np.abs(sizes - 0.002 * total))),
             "medium": int(np.argmin(np.abs(sizes - 0.02 * total))),
             "large": int(np.argmax(sizes))}
    rows: list[Row] = []
    notes: list[str] = []
    details: dict = {"tenant_sizes": sizes.tolist(), "plans": {}}

    async with bench_infra("vectors") as infra:
        admin = await asyncpg.connect(with_database(infra.admin_url, infra.database))
        try:
            await register_vector(admin)
            await admin.execute("DROP INDEX assets.assets_embedding_hnsw")
            load_seconds = await load(admin, tenant_ids, owner, vectors, ids)
            await admin.execute("SET maintenance_work_mem = '1GB'")
            await admin.execute("SET max_parallel_maintenance_workers = 1")  # leader + 1 on two cores
            build_s, size_mb = await build_index(admin, "assets_embedding_hnsw", "(embedding vector_cosine_ops)")
            half_s, half_mb = await build_index(admin, "assets_embedding_half",
                                                f"((embedding::halfvec({DIM})) halfvec_cosine_ops)")
            await admin.execute("DROP INDEX assets.assets_embedding_half")
            await admin.execute("ANALYZE assets.assets")
            versions = await admin.fetchrow("SELECT current_setting('server_version') AS pg, "
                                            "(SELECT extversion FROM pg_extension WHERE extname = 'vector') AS pgv")
        finally:
            await admin.close()

        service = await asyncpg.connect(infra.service_url("assets"))
        results: dict[tuple[str, str], ModeResult] = {}
        try:
            await register_vector(service)
            for label, tenant in picks.items():
                members = np.flatnonzero(owner == tenant)
                queries = [vectors[rng.choice(members)] + rng.standard_normal(DIM, dtype=np.float32) * QUERY_NOISE
                           for _ in range(per_tenant_queries)]
                truth = [exact_top(vectors, members, q) for q in queries]
                index_of = {ids[i]: i for i in members}
                chosen, plan = await explain(service, tenant_ids[tenant], queries[0])
                details["plans"][label] = plan
                notes.append(f"plan, {label} tenant ({len(members)} rows), iterative on: {chosen}")
                for mode in MODES:
                    for q in queries[:WARMUP]:
                        await search(service, tenant_ids[tenant], mode, q)
                    result = ModeResult()
                    started = time.perf_counter()
                    for q, expected in zip(queries, truth, strict=True):
                        found, seconds = await search(service, tenant_ids[tenant], mode, q)
                        got = {index_of.get(r["id"], -1) for r in found}
                        result.recalls.append(len(got & expected) / K)
                        result.latencies.append(seconds)
                    result.seconds = time.perf_counter() - started
                    results[(label, mode)] = result
        finally:
            await service.close()

    rows.append(Row(metric="HNSW build, vector(1536)", unit="s", platform=build_s, reference=half_s))
    rows.append(Row(metric="HNSW size, vector(1536)", unit="MB", platform=size_mb, reference=half_mb))
    for label, tenant in picks.items():
        on, off, exact = (results[(label, m)] for m in MODES)
        name = f"{label} ({sizes[tenant]} rows)"
        ok = on.recall >= TARGET_RECALL and on.p(50) <= TARGET_P50_MS
        rows.append(Row(metric=f"{name} recall@10, iterative on", unit="", platform=on.recall,
                        reference=exact.recall, target=f">= {TARGET_RECALL}", verdict=verdict(ok)))
        rows.append(Row(metric=f"{name} p50, iterative on", unit="ms", platform=on.p(50), reference=exact.p(50),
                        target=f"<= {TARGET_P50_MS:g} ms", verdict=verdict(ok)))
        rows.append(Row(metric=f"{name} p99, iterative on", unit="ms", platform=on.p(99), reference=exact.p(99)))
        rows.append(Row(metric=f"{name} queries/s, iterative on", unit="/s", platform=on.qps, reference=exact.qps))
        rows.append(Row(metric=f"{name} recall@10, iterative off", unit="", platform=off.recall,
                        reference=exact.recall))
        rows.append(Row(metric=f"{name} p50, iterative off", unit="ms", platform=off.p(50), reference=exact.p(50)))
        rows.append(Row(metric=f"{name} queries/s, iterative off", unit="/s", platform=off.qps,
                        reference=exact.qps))
    details["modes"] = {f"{label} / {mode}": {"recall@10": r.recall, "p50_ms": r.p(50), "p99_ms": r.p(99),
                                              "qps": r.qps}
                        for (label, mode), r in results.items()}
    details.update(load_seconds=load_seconds, rows=total, queries_per_tenant=per_tenant_queries)
    notes[:0] = [
        f"{total:,} unit vectors, {DIM} dims, {CENTROIDS} centroids + noise, {TENANTS} tenants "
        f"(Zipf s={ZIPF_S}: largest {sizes.max():,}, smallest {sizes.min()}); COPY load {load_seconds:.1f} s",
        f"PostgreSQL {versions['pg']}, pgvector {versions['pgv']}; HNSW m=16, ef_construction=64 (the "
        f"migration's defaults), ef_search 40 (platform mode: 120), maintenance_work_mem 1GB, 1 parallel worker",
        "build/size rows: reference = the same index on embedding::halfvec(1536) (built, measured, dropped)",
        "search rows: as assets_svc, tenant set per transaction, RLS filtering, LIMIT 10; reference = exact "
        "(enable_indexscan off); latency is the SELECT alone, queries/s includes the per-transaction set_config calls",
        "recall@10 against exact neighbours in numpy over the tenant's rows; the target needs recall and p50 together",
    ]
    return Report(title="tenant-filtered vector search: shared HNSW + RLS, iterative scan vs exact",
                  platform_label="HNSW", reference_label="exact / halfvec", rows=rows, notes=notes,
                  details=details)

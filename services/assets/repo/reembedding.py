"""Re-embedding jobs, and the stale vectors they replace."""

from __future__ import annotations

import uuid
from datetime import datetime

import asyncpg
from pgvector import Vector

from . import Tx, declare_sweep

JOB_COLUMNS = "id, model, status, total, done, error, created_at, updated_at, finished_at"
SELECT_STALE_TENANTS = """
SELECT DISTINCT tenant_id FROM assets.assets WHERE status = 'described' AND embedding_model IS DISTINCT FROM $1
"""
SELECT_DUE_JOBS = """
SELECT tenant_id, id FROM assets.reembed_jobs
WHERE status IN ('queued', 'running') AND (lease_until IS NULL OR lease_until < now())
ORDER BY created_at LIMIT $1
"""
OPEN_JOB = f"""
INSERT INTO assets.reembed_jobs (tenant_id, id, model, requested_by) VALUES ($1, $2, $3, $4)
ON CONFLICT (tenant_id) WHERE status IN ('queued', 'running') DO NOTHING
RETURNING {JOB_COLUMNS}
"""
SELECT_OPEN_JOB = f"SELECT {JOB_COLUMNS} FROM assets.reembed_jobs WHERE status IN ('queued', 'running')"
SELECT_JOB = f"SELECT {JOB_COLUMNS} FROM assets.reembed_jobs WHERE id = $1"
SELECT_JOBS = f"SELECT {JOB_COLUMNS} FROM assets.reembed_jobs ORDER BY created_at DESC LIMIT 20"
# Taking the lease counts the work the first time: progress is done / total.
LEASE = """
UPDATE assets.reembed_jobs j SET status = 'running', model = $2, lease_until = now() + make_interval(secs => $3),
       total = CASE WHEN j.status = 'queued' THEN (
         SELECT count(*) FROM assets.assets a WHERE a.status = 'described' AND a.embedding_model IS DISTINCT FROM $2)
         ELSE j.total END,
       updated_at = now()
WHERE id = $1 AND status IN ('queued', 'running') AND (lease_until IS NULL OR lease_until < now())
RETURNING id, done, total
"""
STALE_BATCH = """
SELECT id, filename, alt_text, ai_description, tags, updated_at FROM assets.assets
WHERE status = 'described' AND embedding_model IS DISTINCT FROM $1 AND id > $2
ORDER BY id LIMIT $3
"""
STORE_VECTORS = """
UPDATE assets.assets a SET embedding = v.embedding, embedding_model = $2
FROM unnest($1::uuid[], $3::vector[], $4::timestamptz[]) AS v(id, embedding, updated_at)
WHERE a.id = v.id AND a.updated_at = v.updated_at AND a.status = 'described'
"""
# The lease holder alone writes progress, and renews its lease with it.
PROGRESS = """
UPDATE assets.reembed_jobs SET done = $2, lease_until = now() + make_interval(secs => $3), updated_at = now()
WHERE id = $1
"""
FINISH = """
UPDATE assets.reembed_jobs SET status = $2, error = $3, lease_until = NULL, finished_at = now(), updated_at = now()
WHERE id = $1
"""


async def open_job(tx: Tx, tenant_id: uuid.UUID, model: str, requested_by: uuid.UUID | None) -> asyncpg.Record | None:
    """The new job, or None if the tenant has one open already."""
    return await tx.fetchrow(OPEN_JOB, tenant_id, uuid.uuid4(), model, requested_by)


async def open_job_of_tenant(tx: Tx) -> asyncpg.Record | None:
    return await tx.fetchrow(SELECT_OPEN_JOB)


async def job(tx: Tx, job_id: uuid.UUID) -> asyncpg.Record | None:
    return await tx.fetchrow(SELECT_JOB, job_id)


async def recent_jobs(tx: Tx) -> list[asyncpg.Record]:
    return await tx.fetch(SELECT_JOBS)


async def stale_tenants(tx: Tx, model: str) -> list[uuid.UUID]:
    """Tenants holding vectors of another model (as the sweeper, for the rest of the transaction)."""
    await declare_sweep(tx)
    return [row["tenant_id"] for row in await tx.fetch(SELECT_STALE_TENANTS, model)]


async def due_jobs(tx: Tx, limit: int) -> list[asyncpg.Record]:
    """(tenant_id, id) of open jobs no one holds (as the sweeper, for the rest of the transaction)."""
    await declare_sweep(tx)
    return await tx.fetch(SELECT_DUE_JOBS, limit)


async def lease(tx: Tx, job_id: uuid.UUID, model: str, seconds: float) -> asyncpg.Record | None:
    """(id, done, total) of the job, now held for `seconds`; None if another holds it or it ended."""
    return await tx.fetchrow(LEASE, job_id, model, seconds)


async def stale_batch(tx: Tx, model: str, after: uuid.UUID, limit: int) -> list[asyncpg.Record]:
    return await tx.fetch(STALE_BATCH, model, after, limit)


async def store_vectors(tx: Tx, ids: list[uuid.UUID], model: str, vectors: list[list[float]],
                        updated_at: list[datetime]) -> None:
    """Each vector only if its asset's words did not change since they were read."""
    # Vector objects: a list of plain arrays would be sent as one 2-D array.
    await tx.execute(STORE_VECTORS, ids, model, [Vector(v) for v in vectors], updated_at)


async def record_progress(tx: Tx, job_id: uuid.UUID, done: int, lease_seconds: float) -> None:
    await tx.execute(PROGRESS, job_id, done, lease_seconds)


async def finish(tx: Tx, job_id: uuid.UUID, status: str, error: str | None) -> None:
    await tx.execute(FINISH, job_id, status, error)

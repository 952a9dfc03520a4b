"""Re-embedding a tenant's library when the embedding model changes.

Vectors of different models never compare, so search by meaning only looks at vectors of
the model in use; the rest are stale until re-embedded. At start the service opens a job
for every tenant holding stale vectors (an OWNER can also ask), and a worker works through
each job in batches, recording progress. A job is leased, so of several replicas one works
on it, and another takes over if that one dies. Re-embedding is the platform's cost, not
the tenant's: the tenant paid for the description, and the model change was ours."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import uuid

import asyncpg
from pgvector import Vector

from shared.ai import AIError, AIProvider
from shared.auth import Caller, Role
from shared.db import Database

from .describe import DECLARE_SWEEP, searchable
from .schemas import ReembedJob

log = logging.getLogger("assets.reembed")

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
RETURNING id
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
PROGRESS = """
UPDATE assets.reembed_jobs SET done = least(total, done + $2), lease_until = now() + make_interval(secs => $3),
       updated_at = now()
WHERE id = $1
"""
FINISH = """
UPDATE assets.reembed_jobs SET status = $2, error = $3, lease_until = NULL, finished_at = now(), updated_at = now()
WHERE id = $1
"""


async def request_reembed(db: Database, provider: AIProvider, caller: Caller) -> tuple[ReembedJob, bool]:
    """(the tenant's open job, whether it is new): asking twice does not start two."""
    tenant_id = caller.require(Role.OWNER)
    async with db.tenant_tx(tenant_id) as tx:
        row = await tx.fetchrow(OPEN_JOB, tenant_id, uuid.uuid4(), provider.embedding_model, caller.account_id)
        created = row is not None
        row = row or await tx.fetchrow(SELECT_OPEN_JOB)
    return job_out(row), created


async def reembed_job(db: Database, caller: Caller, job_id: uuid.UUID) -> ReembedJob:
    return job_out(await db.one(caller.require(Role.VIEWER), SELECT_JOB, job_id, missing="no such re-embedding job"))


async def reembed_jobs(db: Database, caller: Caller) -> list[ReembedJob]:
    async with db.tenant_tx(caller.require(Role.VIEWER)) as tx:
        return [job_out(row) for row in await tx.fetch(SELECT_JOBS)]


def job_out(row: asyncpg.Record) -> ReembedJob:
    return ReembedJob(**dict(row))


class Reembedder:
    def __init__(self, db: Database, provider: AIProvider, *, batch: int = 64, lease_seconds: float = 60) -> None:
        self.db, self.provider = db, provider
        self.batch, self.lease_seconds = batch, lease_seconds
        self.wake = asyncio.Event()

    async def run(self, interval: float = 10.0) -> None:
        try:
            await self.open_jobs_for_stale_tenants()
        except Exception:
            log.exception("looking for stale vectors failed; jobs can still be asked for")
        while True:
            try:
                async with self.db.system_tx() as tx:
                    await tx.execute(DECLARE_SWEEP)
                    due = await tx.fetch(SELECT_DUE_JOBS, 4)
                for row in due:
                    await self.work_on(row["tenant_id"], row["id"])
            except Exception:
                log.exception("re-embedding round failed; trying again")
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self.wake.wait(), interval)
            self.wake.clear()

    async def open_jobs_for_stale_tenants(self) -> int:
        model = self.provider.embedding_model
        async with self.db.system_tx() as tx:
            await tx.execute(DECLARE_SWEEP)
            tenants = [row["tenant_id"] for row in await tx.fetch(SELECT_STALE_TENANTS, model)]
        for tenant_id in tenants:
            async with self.db.tenant_tx(tenant_id) as tx:
                await tx.fetchrow(OPEN_JOB, tenant_id, uuid.uuid4(), model, None)
        if tenants:
            log.info("embedding model is %s: re-embedding the libraries of %d tenants", model, len(tenants))
        return len(tenants)

    async def work_on(self, tenant_id: uuid.UUID, job_id: uuid.UUID) -> str:
        model = self.provider.embedding_model
        async with self.db.tenant_tx(tenant_id) as tx:
            if await tx.fetchval(LEASE, job_id, model, self.lease_seconds) is None:
                return "taken"
        after = uuid.UUID(int=0)
        while True:
            async with self.db.tenant_tx(tenant_id) as tx:
                rows = await tx.fetch(STALE_BATCH, model, after, self.batch)
            if not rows:
                break
            after = rows[-1]["id"]
            texts = [searchable(r["filename"], r["alt_text"], r["ai_description"], list(r["tags"]))[0] for r in rows]
            try:
                vectors = await self.provider.embed(texts)
            except AIError as exc:
                async with self.db.tenant_tx(tenant_id) as tx:
                    await tx.execute(FINISH, job_id, "failed", f"{exc.reason}: {exc}"[:300])
                return "failed"
            async with self.db.tenant_tx(tenant_id) as tx:
                # Vector objects: a list of plain arrays would be sent as one 2-D array.
                await tx.execute(STORE_VECTORS, [r["id"] for r in rows], vectors.model,
                                 [Vector(v) for v in vectors.vectors], [r["updated_at"] for r in rows])
                await tx.execute(PROGRESS, job_id, len(rows), self.lease_seconds)
        async with self.db.tenant_tx(tenant_id) as tx:
            await tx.execute(FINISH, job_id, "done", None)
        return "done"

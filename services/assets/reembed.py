"""Re-embedding a tenant's library when the embedding model changes.

Vectors of different models never compare, so search by meaning only looks at vectors of
the model in use; the rest are stale until re-embedded. At start the service opens a job
for every tenant holding stale vectors (an OWNER can also ask: service.request_reembed), and
this worker works through each job in batches, recording progress. A job is leased, so of
several replicas one works on it, and another takes over if that one dies. Re-embedding is
the platform's cost, not the tenant's: the tenant paid for the description, and the model
change was ours."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import uuid

from shared.ai import AIError, AIProvider
from shared.db import Database
from shared.errors import log_failed_round

from .domain import progressed, searchable
from .repo import reembedding as jobs

log = logging.getLogger("assets.reembed")


class Reembedder:
    def __init__(self, db: Database, provider: AIProvider, *, batch: int = 64, lease_seconds: float = 60) -> None:
        self.db, self.provider = db, provider
        self.batch, self.lease_seconds = batch, lease_seconds
        self.wake = asyncio.Event()

    async def run(self, interval: float = 10.0) -> None:
        try:
            await self.open_jobs_for_stale_tenants()
        except Exception as exc:
            log_failed_round(log, exc, "looking for stale vectors failed; jobs can still be asked for")
        while True:
            try:
                async with self.db.system_tx() as tx:
                    due = await jobs.due_jobs(tx, 4)
                for row in due:
                    await self.work_on(row["tenant_id"], row["id"])
            except Exception as exc:
                log_failed_round(log, exc, "re-embedding round failed; trying again")
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self.wake.wait(), interval)
            self.wake.clear()

    async def open_jobs_for_stale_tenants(self) -> int:
        model = self.provider.embedding_model
        async with self.db.system_tx() as tx:
            tenants = await jobs.stale_tenants(tx, model)
        for tenant_id in tenants:
            async with self.db.tenant_tx(tenant_id) as tx:
                await jobs.open_job(tx, tenant_id, model, None)
        if tenants:
            log.info("embedding model is %s: re-embedding the libraries of %d tenants", model, len(tenants))
        return len(tenants)

    async def work_on(self, tenant_id: uuid.UUID, job_id: uuid.UUID) -> str:
        model = self.provider.embedding_model
        async with self.db.tenant_tx(tenant_id) as tx:
            held = await jobs.lease(tx, job_id, model, self.lease_seconds)
        if held is None:
            return "taken"
        done, total = held["done"], held["total"]
        after = uuid.UUID(int=0)
        while True:
            async with self.db.tenant_tx(tenant_id) as tx:
                rows = await jobs.stale_batch(tx, model, after, self.batch)
            if not rows:
                break
            after = rows[-1]["id"]
            texts = [searchable(r["filename"], r["alt_text"], r["ai_description"], list(r["tags"]))[0] for r in rows]
            try:
                vectors = await self.provider.embed(texts)
            except AIError as exc:
                async with self.db.tenant_tx(tenant_id) as tx:
                    await jobs.finish(tx, job_id, "failed", f"{exc.reason}: {exc}"[:300])
                return "failed"
            done = progressed(done, total, len(rows))
            async with self.db.tenant_tx(tenant_id) as tx:
                await jobs.store_vectors(tx, [r["id"] for r in rows], vectors.model, vectors.vectors,
                                         [r["updated_at"] for r in rows])
                await jobs.record_progress(tx, job_id, done, self.lease_seconds)
        async with self.db.tenant_tx(tenant_id) as tx:
            await jobs.finish(tx, job_id, "done", None)
        return "done"

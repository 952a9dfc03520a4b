"""Assets' operator commands (run through `python -m services.admin`): re-embed a tenant's
library, and assets' invariants for `check`. Commands act as assets, with its own database
role; which tenants are live they ask identity's registry (`shared.cli.tenant_registry`)."""

from __future__ import annotations

import asyncio
import uuid
from typing import Annotated

import asyncpg
import typer

from shared.ai import AISettings, create_provider
from shared.cli import bar, fail, group, load, run, stderr, tenant_registry
from shared.db import Database
from shared.errors import NotFound
from shared.invariants import outbox_drained
from shared.migrate import OWNER_ROLE, MigrateSettings, role_url, with_credentials

from .reembed import Reembedder
from .repo import reembedding as jobs
from .search_indexes import index_large_tenants

app = typer.Typer()  # its commands join `admin`'s own
assets_app = group("Assets: re-embed a tenant's library.")
app.add_typer(assets_app, name="assets")

INVARIANTS = [outbox_drained("assets")]
JOB_FINISHED = ("done", "failed")


@assets_app.command("reembed", short_help="Re-embed a tenant's library, with progress.")
def assets_reembed(
    ctx: typer.Context,
    tenant: Annotated[uuid.UUID, typer.Option(help="the tenant's id")],
    here: Annotated[bool, typer.Option(help="do the work in this process, with the embedding provider this "
                                            "environment configures (OPENAI_API_KEY, AI_EMBEDDING_MODEL as for "
                                            "assets; it must match the service's)")] = False,
    timeout: Annotated[float, typer.Option(help="seconds to follow the job before giving up on watching "
                                                "(the job itself carries on)")] = 3600.0,
) -> None:
    """Open a re-embedding job for the tenant's library (or join the open one) and follow it
    with a progress bar until it is done. Without --here a running assets service takes the
    job within about ten seconds. Jobs are leased: --here never works on a job a replica
    holds, and a replica takes over one that --here left unfinished."""
    config = load(MigrateSettings)
    registry = tenant_registry(ctx)

    async def work() -> None:
        found = await registry.find(config, tenant)
        if found is None:
            fail(f"no live tenant {tenant}")
        await reembed(config, found.id, found.slug, here=here, timeout=timeout)

    run(work())


async def reembed(config: MigrateSettings, tenant_id: uuid.UUID, slug: str, *, here: bool, timeout: float) -> None:
    provider = create_provider(load(AISettings))
    db = await Database.connect(role_url(config, "assets"), name="admin-cli", max_size=3, vector=True)
    worker: asyncio.Task[str] | None = None
    try:
        # The same job the OWNER's request opens; no account asked, so requested_by stays empty
        # as for the jobs the service opens itself.
        async with db.tenant_tx(tenant_id) as tx:
            row = await jobs.open_job(tx, tenant_id, provider.embedding_model, None)
            opened = row is not None
            row = row or await jobs.open_job_of_tenant(tx)
        stderr().print(f"{'opened' if opened else 'joined the open'} re-embedding job {row['id']} for {slug}"
                       + (f" (embedding with {provider.embedding_model} here)" if here else ""), markup=False)
        if here:
            worker = asyncio.create_task(Reembedder(db, provider).work_on(tenant_id, row["id"]))
        job = await follow_job(db, tenant_id, row["id"], worker, timeout)
    finally:
        if worker is not None and not worker.done():
            worker.cancel()  # the lease runs out and a replica takes the job over
            await asyncio.gather(worker, return_exceptions=True)
        await db.close()
        await provider.aclose()
    if job["status"] == "failed":
        fail(f"re-embedding failed after {job['done']} of {job['total']}: {job['error']}")
    if job["status"] != "done":
        fail(f"the job is still {job['status']} ({job['done']} of {job['total']}) after {timeout:g} s; it stays "
             "open and the assets service carries on")
    typer.echo(f"re-embedded {job['done']} of {job['total']} assets of {slug} with {job['model']}")


async def follow_job(db: Database, tenant_id: uuid.UUID, job_id: uuid.UUID, worker: asyncio.Task[str] | None,
                     timeout: float) -> asyncpg.Record:
    loop = asyncio.get_running_loop()
    started = loop.time()
    hinted = False
    with bar() as progress:
        task = progress.add_task("re-embedding", total=None)
        while True:
            async with db.tenant_tx(tenant_id) as tx:
                job = await jobs.job(tx, job_id)
            if job is None:
                raise NotFound("the job disappeared (tenant purged?)")
            if job["status"] != "queued":
                progress.update(task, total=job["total"], completed=job["done"])
            if job["status"] in JOB_FINISHED or loop.time() - started > timeout:
                return job
            if worker is not None and worker.done() and worker.result() == "taken" and not hinted:
                progress.console.print("an assets replica holds the job's lease: following its progress", markup=False)
                hinted = True
            if worker is None and job["status"] == "queued" and loop.time() - started > 30 and not hinted:
                progress.console.print("no assets worker has taken the job yet: is the assets service running "
                                       "(RUN_WORKERS on)? --here does the work in this process", markup=False)
                hinted = True
            await asyncio.sleep(0.2 if worker is not None else 1.0)


@assets_app.command("index-large-tenants", short_help="Build large tenants' own search indexes (idempotent).")
def assets_index_large_tenants(
    dry_run: Annotated[bool, typer.Option(help="say what would be built or dropped, change nothing")] = False,
) -> None:
    """Give every tenant past the exact scan's limit its own HNSW index for search by meaning
    (CREATE INDEX CONCURRENTLY ... WHERE tenant_id = '<id>': writes go on), and drop those of
    tenants that shrank or were purged. DDL needs the table's owner, which the service's role
    is not: this connects as platform_owner (DATABASE_URL, DB_ROLE_PASSWORD as for `migrate`)
    and reads sizes as assets. Run it after migrating and from a scheduler (hourly, say)."""
    config = load(MigrateSettings)

    async def work() -> None:
        db = await Database.connect(role_url(config, "assets"), name="admin-cli", max_size=1, vector=True)
        owner = await asyncpg.connect(with_credentials(config.database_url, user=OWNER_ROLE,
                                                       password=config.db_role_password,
                                                       database=config.database_name))
        try:
            changes = await index_large_tenants(db, owner, dry_run=dry_run)
        finally:
            await owner.close()
            await db.close()
        for change in changes:
            typer.echo(f"{change.action} the index of tenant {change.tenant_id} ({change.described} described)"
                       + (f" in {change.seconds:.1f} s" if change.action == "built" else ""))
        typer.echo(f"{len(changes)} change(s)" + (" (dry run)" if dry_run else ""))

    run(work())

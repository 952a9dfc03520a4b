"""Tenants' own HNSW indexes, kept by the operator's command `assets index-large-tenants`.

A tenant past domain.EXACT_SCAN_LIMIT described assets is searched on a graph of its own
rows (a partial index, `... WHERE tenant_id = '<id>'`), which row-level security does not
thin out, so its recall does not depend on how the shared graph came out. DDL needs the
table's owner and the service's role owns nothing, so this runs from the operator's
command (as `platform_owner`, as migrations do), by hand or from a scheduler: it is
idempotent, builds CONCURRENTLY (writes go on) and search uses an index once it is valid."""

from __future__ import annotations

import time
import uuid
from dataclasses import dataclass

import asyncpg

from shared.db import Database

from .domain import EXACT_SCAN_LIMIT, OWN_INDEX_PREFIX, own_index_name, own_index_work, tenant_of_index
from .repo import indexes as repo


@dataclass(frozen=True)
class IndexChange:
    tenant_id: uuid.UUID
    action: str  # built, dropped (or "would build", "would drop" on a dry run)
    described: int
    seconds: float = 0.0


async def index_large_tenants(db: Database, owner: asyncpg.Connection, *, dry_run: bool = False) -> list[IndexChange]:
    """Build the own index of every tenant past the limit that lacks one; drop those no
    longer needed. `db` reads as the assets service (its sweeper), `owner` owns the table."""
    indexed = {tenant: valid for name, valid in (await repo.own_indexes(owner, OWN_INDEX_PREFIX)).items()
               if (tenant := tenant_of_index(name)) is not None}
    async with db.system_tx() as tx:
        large = await repo.large_tenants(tx, EXACT_SCAN_LIMIT)
    async with db.system_tx() as tx:
        sizes = await repo.tenant_sizes(tx, list(indexed))
    work = own_index_work(large, indexed, sizes)
    changes = []
    for tenant_id in work.drop:
        if not dry_run:
            await repo.drop_index(owner, own_index_name(tenant_id))
        changes.append(IndexChange(tenant_id, "would drop" if dry_run else "dropped", sizes.get(tenant_id, 0)))
    for tenant_id in work.build:
        started = time.perf_counter()
        if not dry_run:
            if tenant_id in indexed:  # invalid: a concurrent build that failed
                await repo.drop_index(owner, own_index_name(tenant_id))
            await repo.create_own_index(owner, own_index_name(tenant_id), tenant_id)
        changes.append(IndexChange(tenant_id, "would build" if dry_run else "built", large[tenant_id],
                                   time.perf_counter() - started))
    return changes

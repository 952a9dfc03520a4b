"""What every service does for a tenant's life cycle, in that tenant's transaction (row-level
security scopes every statement to it):
- export: answer `cmd.<service>.tenant.export.v1` with the rows of its export queries, for
  the OWNER's archive;
- purge: when identity announces that a deleted tenant's grace period ended, run the
  service's purge statements."""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable, Mapping, Sequence

import asyncpg
import msgspec

from shared.contracts import ExportTenantData, TenantDataExport, TenantPurgedV1
from shared.messaging import EventConsumer, serve_command
from shared.web import Runtime


async def serve_tenant_export(runtime: Runtime, queries: Mapping[str, str]) -> None:
    async def export(command: ExportTenantData) -> TenantDataExport:
        tables = {}
        async with runtime.db.tenant_tx(command.tenant_id) as tx:
            for table, query in queries.items():
                tables[table] = [msgspec.to_builtins(dict(row)) for row in await tx.fetch(query)]
        return TenantDataExport(service=runtime.name, tables=tables)

    await serve_command(runtime.nc, ExportTenantData, export, subject=ExportTenantData.subject_for(runtime.name))


def start_tenant_purge(runtime: Runtime, statements: Sequence[str],
                       also: Callable[[uuid.UUID], Awaitable[None]] | None = None) -> None:
    """`also` removes what lives outside the database (stored files); it runs before the
    rows go and must be idempotent: a failed purge is delivered again."""

    async def purge(tx: asyncpg.Connection, event: TenantPurgedV1) -> None:
        if also is not None:
            await also(event.tenant_id)
        for statement in statements:
            await tx.execute(statement)

    consumer = EventConsumer(runtime.db, runtime.js, durable=f"{runtime.name}-tenant-purge",
                             events=[TenantPurgedV1], handler=purge)
    runtime.spawn(consumer.run(), f"{runtime.name}-tenant-purge")

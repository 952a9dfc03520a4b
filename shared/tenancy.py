"""What every service does at the end of a tenant's life: when identity announces that a
deleted tenant's grace period ended, run the service's purge statements in that tenant's
transaction (row-level security scopes each one to the tenant)."""

from __future__ import annotations

from collections.abc import Sequence

import asyncpg

from shared.contracts import TenantPurgedV1
from shared.messaging import EventConsumer
from shared.web import Runtime


def start_tenant_purge(runtime: Runtime, statements: Sequence[str]) -> None:
    async def purge(tx: asyncpg.Connection, event: TenantPurgedV1) -> None:
        for statement in statements:
            await tx.execute(statement)

    consumer = EventConsumer(runtime.db, runtime.js, durable=f"{runtime.name}-tenant-purge",
                             events=[TenantPurgedV1], handler=purge)
    runtime.spawn(consumer.run(), f"{runtime.name}-tenant-purge")

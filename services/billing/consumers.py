"""Billing's subscriptions: events and commands -> use cases."""

from __future__ import annotations

from shared.contracts import TenantCreatedV1
from shared.messaging import EventConsumer
from shared.tenancy import serve_tenant_export, start_tenant_purge
from shared.web import Runtime

from . import service
from .repo import CLOSE_ACCOUNT, EXPORT_QUERIES
from .settings import Settings


async def start(runtime: Runtime) -> None:
    settings: Settings = runtime.settings  # type: ignore[assignment]

    async def open_account(tx, event: TenantCreatedV1) -> None:  # type: ignore[no-untyped-def]
        await service.open_account(tx, event, grant=settings.signup_grant_credits)

    consumer = EventConsumer(runtime.db, runtime.js, durable="billing-accounts",
                             events=[TenantCreatedV1], handler=open_account)
    runtime.spawn(consumer.run(), "billing-accounts")
    start_tenant_purge(runtime, [CLOSE_ACCOUNT])


async def serve(runtime: Runtime) -> None:
    await serve_tenant_export(runtime, EXPORT_QUERIES)

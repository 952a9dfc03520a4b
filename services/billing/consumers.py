"""Billing's subscriptions: events and commands -> use cases."""

from __future__ import annotations

import asyncpg

from shared.contracts import (
    AssetDescribedV1,
    AssetDescriptionFailedV1,
    PageGeneratedV1,
    PageGenerationFailedV1,
    ReserveCredits,
    TenantCreatedV1,
)
from shared.messaging import EventConsumer, serve_command
from shared.tenancy import serve_tenant_export, start_tenant_purge
from shared.web import Runtime

from . import service, subscriptions, webhooks
from .payments import Payments
from .repo import CLOSE_ACCOUNT, DELETE_PRODUCTS, EXPORT_QUERIES
from .settings import Settings


async def settle_page_generation(tx: asyncpg.Connection, event: PageGeneratedV1 | PageGenerationFailedV1) -> None:
    if isinstance(event, PageGeneratedV1):
        await service.capture(tx, event.tenant_id, event.hold_id, event.credits)
    else:
        await service.release(tx, event.hold_id)


async def settle_asset_description(tx: asyncpg.Connection,
                                   event: AssetDescribedV1 | AssetDescriptionFailedV1) -> None:
    if event.hold_id is None:
        return  # described without a charge (e.g. re-embedding after an edit)
    if isinstance(event, AssetDescribedV1):
        await service.capture(tx, event.tenant_id, event.hold_id, event.credits)
    else:
        await service.release(tx, event.hold_id)


async def serve(runtime: Runtime) -> None:
    await serve_tenant_export(runtime, EXPORT_QUERIES)
    await serve_command(runtime.nc, ReserveCredits, lambda command: service.reserve_credits(runtime.db, command))


async def start(runtime: Runtime, payments: Payments | None) -> None:
    settings: Settings = runtime.settings  # type: ignore[assignment]

    async def open_account(tx: asyncpg.Connection, event: TenantCreatedV1) -> None:
        await service.open_account(tx, event, grant=settings.signup_grant_credits)

    # Settlements are the hot path: several pullers on one durable overlap their tenant
    # transactions (each settles under the account's row lock; the inbox drops repeats).
    for durable, events, handler, pullers in (
        ("billing-accounts", [TenantCreatedV1], open_account, 1),
        ("billing-page-generations", [PageGeneratedV1, PageGenerationFailedV1], settle_page_generation,
         settings.settlement_pullers),
        ("billing-asset-descriptions", [AssetDescribedV1, AssetDescriptionFailedV1], settle_asset_description,
         settings.settlement_pullers),
    ):
        for n in range(pullers):
            consumer = EventConsumer(runtime.db, runtime.js, durable=durable, events=events, handler=handler)
            runtime.spawn(consumer.run(), f"{durable}-{n}")
    start_tenant_purge(runtime, [CLOSE_ACCOUNT, DELETE_PRODUCTS])
    runtime.spawn(service.expire_holds_forever(runtime.db, settings.hold_sweep_interval), "billing-hold-expiry")
    runtime.spawn(subscriptions.grant_monthly_forever(runtime.db, settings), "billing-monthly-grants")
    if payments is not None:
        runtime.spawn(webhooks.reconcile_forever(runtime.db, payments, settings, settings.reconcile_interval),
                      "billing-stripe-reconcile")

"""cms's subscriptions: events and commands -> use cases.

The event handlers run in the consumer's transaction, which also records the event in the
inbox (so a redelivered event has no second effect): they take `(tx, event)` rather than
opening a transaction of their own."""

from __future__ import annotations

import asyncpg

from shared.contracts import (
    CreditsDebitedV1,
    DomainRemovedV1,
    DomainVerifiedV1,
    Event,
    ProductChangedV1,
    ProductCreatedV1,
    ProductDeletedV1,
    ShopChangedV1,
    TenantCreatedV1,
    TenantUpdatedV1,
)
from shared.messaging import EventConsumer, live_pages_bucket
from shared.tenancy import serve_tenant_export, start_tenant_purge

from . import ai_history, catalogue, live_replica, sites
from .context import Ctx
from .repo.tenant_data import EXPORT_QUERIES, PURGE_TENANT


async def serve(ctx: Ctx) -> None:
    await serve_tenant_export(ctx.runtime, EXPORT_QUERIES)


async def start(ctx: Ctx) -> None:
    start_tenant_purge(ctx.runtime, PURGE_TENANT)
    bucket = await live_pages_bucket(ctx.js, replicas=ctx.settings.stream_replicas)
    ctx.spawn(live_replica.refresh_after_new_renderer(bucket, ctx.db, ctx.settings.public_base_url, nc=ctx.nc),
              "cms-renderer-refresh")

    async def replicate(tx: asyncpg.Connection, event: Event) -> None:
        await live_replica.replicate(bucket, tx, event.tenant_id, ctx.settings.public_base_url, nc=ctx.nc)

    for durable, events, handler in (
        ("cms-sites", [TenantCreatedV1, TenantUpdatedV1, DomainVerifiedV1, DomainRemovedV1],
         sites.apply_identity_event),
        ("cms-products", [ProductCreatedV1, ProductChangedV1, ProductDeletedV1], catalogue.apply_product_event),
        ("cms-shop", [ShopChangedV1], catalogue.apply_shop_event),
        ("cms-ai-charges", [CreditsDebitedV1], ai_history.record_charge),
        ("cms-live-replica", live_replica.CHANGES, replicate),
        ("cms-live-replica-gone", live_replica.GONE, replicate),
    ):
        consumer = EventConsumer(ctx.db, ctx.js, durable=durable, handler=handler, events=events)
        ctx.spawn(consumer.run(), durable)

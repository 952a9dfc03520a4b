"""cms's subscriptions: events and commands -> use cases.

The event handlers run in the consumer's transaction, which also records the event in the
inbox (so a redelivered event has no second effect): they take `(tx, event)` rather than
opening a transaction of their own."""

from __future__ import annotations

from shared.contracts import (
    CreditsDebitedV1,
    DomainRemovedV1,
    DomainVerifiedV1,
    ProductChangedV1,
    ProductCreatedV1,
    ProductDeletedV1,
    TenantCreatedV1,
    TenantUpdatedV1,
)
from shared.messaging import EventConsumer
from shared.tenancy import serve_tenant_export, start_tenant_purge

from . import ai_history, catalogue, sites
from .context import Ctx
from .repo.tenant_data import EXPORT_QUERIES, PURGE_TENANT


async def serve(ctx: Ctx) -> None:
    await serve_tenant_export(ctx.runtime, EXPORT_QUERIES)


async def start(ctx: Ctx) -> None:
    start_tenant_purge(ctx.runtime, PURGE_TENANT)
    for durable, events, handler in (
        ("cms-sites", [TenantCreatedV1, TenantUpdatedV1, DomainVerifiedV1, DomainRemovedV1],
         sites.apply_identity_event),
        ("cms-products", [ProductCreatedV1, ProductChangedV1, ProductDeletedV1], catalogue.apply_product_event),
        ("cms-ai-charges", [CreditsDebitedV1], ai_history.record_charge),
    ):
        consumer = EventConsumer(ctx.db, ctx.js, durable=durable, handler=handler, events=events)
        ctx.spawn(consumer.run(), durable)

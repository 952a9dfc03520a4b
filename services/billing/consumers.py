"""Billing's event subscriptions: each event -> its use case, in the consumer's transaction."""

from __future__ import annotations

from functools import partial

from shared.contracts import (
    AssetDescribedV1,
    AssetDescriptionFailedV1,
    PageGeneratedV1,
    PageGenerationFailedV1,
    SiteGeneratedV1,
    TenantCreatedV1,
)
from shared.messaging import EventConsumer

from . import service
from .context import Ctx


def subscribe(ctx: Ctx) -> None:
    """Settlements are the hot path: several pullers on one durable overlap their tenant
    transactions (each settles under the account's row lock; the inbox drops repeats)."""
    pullers = ctx.settings.settlement_pullers
    for durable, events, use_case, count in (
        ("billing-accounts", [TenantCreatedV1], service.open_account, 1),
        ("billing-page-generations", [PageGeneratedV1, SiteGeneratedV1, PageGenerationFailedV1],
         service.settle_page_generation, pullers),
        ("billing-asset-descriptions", [AssetDescribedV1, AssetDescriptionFailedV1],
         service.settle_asset_description, pullers),
    ):
        for n in range(count):
            consumer = EventConsumer(ctx.db, ctx.js, durable=durable, events=events, handler=partial(use_case, ctx))
            ctx.spawn(consumer.run(), f"{durable}-{n}")

"""cms's projection of the tenant's catalogue (what a ProductGrid shows) and of whether its
shop can take charges (whether the grid has Buy buttons) from billing's events, which carry
the whole state and may arrive out of order."""

from __future__ import annotations

import asyncpg

from shared.contracts import CatalogueSyncedV1, ProductChangedV1, ProductDeletedV1, ShopChangedV1, SiteChangedV1
from shared.messaging import add_event

from .repo import projections


async def apply_product_event(tx: asyncpg.Connection, event: ProductChangedV1 | ProductDeletedV1) -> None:
    """Keep the product as billing last described it (in the consumer's transaction)."""
    if isinstance(event, ProductDeletedV1):
        await projections.delete_product(tx, event.product_id)
    else:
        await projections.upsert_product(tx, event)
    # Only now do rendered grids change: the gateway's cached pages go on this, not on
    # billing's event (which can overtake the projection).
    await add_event(tx, CatalogueSyncedV1(tenant_id=event.tenant_id, product_id=event.product_id))


async def apply_shop_event(tx: asyncpg.Connection, event: ShopChangedV1) -> None:
    """Keep whether the shop can take charges as billing last said (in the consumer's transaction)."""
    if await projections.upsert_shop(tx, event.tenant_id, event.charges_enabled, event.occurred_at):
        # Every live page with a grid gains or loses its Buy buttons: the stored renderings
        # (their catalogue stamp names this state), the live replica and the gateway's cache
        # follow SiteChangedV1, which names no product.
        await add_event(tx, SiteChangedV1(tenant_id=event.tenant_id))

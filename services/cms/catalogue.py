"""cms's projection of the tenant's catalogue (what a ProductGrid shows) from billing's
events, which carry a product's whole state and may arrive out of order."""

from __future__ import annotations

import asyncpg

from shared.contracts import CatalogueSyncedV1, ProductChangedV1, ProductDeletedV1
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

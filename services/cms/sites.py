"""cms's projection of each tenant's site (name, theme, canonical host) from identity's
events. Events carry the tenant's whole current state and may arrive out of order, so
an event older than the one last applied is ignored."""

from __future__ import annotations

import asyncpg

from shared.contracts import DomainRemovedV1, DomainVerifiedV1, SiteChangedV1, TenantCreatedV1, TenantUpdatedV1
from shared.messaging import add_event

from .repo import projections


async def apply_identity_event(tx: asyncpg.Connection,
                               event: TenantCreatedV1 | TenantUpdatedV1 | DomainVerifiedV1 | DomainRemovedV1) -> None:
    """Keep the site as identity last described it (in the consumer's transaction)."""
    if isinstance(event, TenantCreatedV1 | TenantUpdatedV1):
        await projections.upsert_site(tx, event.tenant_id, event.slug, event.name, event.theme or {},
                                      event.occurred_at)
    elif isinstance(event, DomainVerifiedV1):
        await projections.set_domain(tx, event.domain, event.occurred_at)
    elif isinstance(event, DomainRemovedV1):
        await projections.set_domain(tx, None, event.occurred_at)
    # Only now do rendered pages change: the gateway's cached pages and the live replica go on
    # this, not on identity's event (which can overtake the projection).
    await add_event(tx, SiteChangedV1(tenant_id=event.tenant_id))

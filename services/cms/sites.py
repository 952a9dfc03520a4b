"""cms's projection of each tenant's site (name, theme, canonical host) from identity's
events. Events carry the tenant's whole current state and may arrive out of order, so
an event older than the one last applied is ignored.

A tenant's first requests can overtake its TenantCreatedV1 (sign-up answers before cms
has consumed it), so `current_site` is the one way cms reads the site: when the projection
lacks the tenant it asks identity (DescribeTenant) and applies the answer under the same
ordering rule, so the event, arriving later, changes nothing."""

from __future__ import annotations

import logging
import uuid

import asyncpg
from nats.aio.client import Client as NATS

from shared.contracts import (
    DescribedTenant,
    DescribeTenant,
    DomainRemovedV1,
    DomainVerifiedV1,
    SiteChangedV1,
    TenantCreatedV1,
    TenantUpdatedV1,
)
from shared.errors import AppError
from shared.messaging import add_event, request

from .repo import projections

log = logging.getLogger("cms.sites")

# How long a request waits for identity when cms does not know the tenant yet: a sign-up's
# first request waits this at most, once; without an answer it gets what it got before.
DESCRIBE_TIMEOUT = 2.0


async def current_site(tx: asyncpg.Connection, nc: NATS | None, tenant_id: uuid.UUID) -> asyncpg.Record | None:
    """The tenant's site (slug, name, theme, custom_domain, synced_at): the projection, or,
    when it lacks the tenant, identity's answer applied in `tx` now. None when identity knows
    no live tenant, or does not answer in time."""
    site = await projections.site(tx)
    if site is not None or nc is None:
        return site
    try:
        described: DescribedTenant = await request(nc, DescribeTenant(tenant_id=tenant_id), timeout=DESCRIBE_TIMEOUT)
    except AppError as exc:
        log.warning("the site of tenant %s is not known yet and identity did not describe it: %s", tenant_id, exc)
        return None
    if described.tenant_id != tenant_id:
        return None
    await apply_described_tenant(tx, described)
    return await projections.site(tx)


async def apply_described_tenant(tx: asyncpg.Connection, described: DescribedTenant) -> None:
    """Keep the site as identity described it `as_of` (older than a change already applied: skipped)."""
    assert described.tenant_id is not None
    await projections.upsert_site(tx, described.tenant_id, described.slug, described.name, described.theme or {},
                                  described.as_of)
    await projections.set_domain(tx, described.custom_domain, described.as_of)
    await add_event(tx, SiteChangedV1(tenant_id=described.tenant_id))


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

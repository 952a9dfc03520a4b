"""cms's projection of each tenant's site (name, theme, canonical host) from identity's
events. Events carry the tenant's whole current state and may arrive out of order, so
an event older than the one last applied is ignored."""

from __future__ import annotations

from typing import Any

import asyncpg

from shared.contracts import DomainRemovedV1, DomainVerifiedV1, TenantCreatedV1, TenantUpdatedV1

UPSERT_SITE = """
INSERT INTO cms.sites AS s (tenant_id, slug, name, theme, synced_at) VALUES ($1, $2, $3, $4, $5)
ON CONFLICT (tenant_id) DO UPDATE SET slug = excluded.slug, name = excluded.name,
  theme = coalesce(excluded.theme, s.theme), synced_at = excluded.synced_at
WHERE s.synced_at <= excluded.synced_at
"""
SET_DOMAIN = """
UPDATE cms.sites SET custom_domain = $1, synced_at = greatest(synced_at, $2) WHERE synced_at <= $2
"""
SELECT_SITE = "SELECT slug, name, theme, custom_domain, synced_at FROM cms.sites"


async def apply_identity_event(tx: asyncpg.Connection, event: Any) -> None:
    if isinstance(event, TenantCreatedV1 | TenantUpdatedV1):
        await tx.execute(UPSERT_SITE, event.tenant_id, event.slug, event.name, event.theme or {}, event.occurred_at)
    elif isinstance(event, DomainVerifiedV1):
        await tx.execute(SET_DOMAIN, event.domain, event.occurred_at)
    elif isinstance(event, DomainRemovedV1):
        await tx.execute(SET_DOMAIN, None, event.occurred_at)


async def site(tx: asyncpg.Connection) -> asyncpg.Record | None:
    return await tx.fetchrow(SELECT_SITE)

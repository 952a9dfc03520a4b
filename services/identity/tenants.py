"""The tenant itself: read, rename, theme, delete; host resolution for the gateway and the
tenant's current state for cms."""

from __future__ import annotations

import logging
import uuid
from typing import Any

import asyncpg
import msgspec

from shared.auth import Caller, Role
from shared.contracts import (
    DescribedTenant,
    DescribeTenant,
    ResolvedHost,
    ResolveHost,
    TenantDeletedV1,
    TenantPurgedV1,
    TenantUpdatedV1,
    now,
)
from shared.errors import Conflict, NotFound
from shared.messaging import add_event

from . import domain, repo
from .context import Ctx
from .schemas import AuditEntryOut, TenantOut, TenantPatch
from .theme import parse_theme

log = logging.getLogger("identity.tenants")


def tenant_out(row: asyncpg.Record) -> TenantOut:
    return TenantOut(id=row["id"], slug=row["slug"], name=row["name"], custom_domain=row["custom_domain"],
                     theme=row["theme_config"], deleted_at=row["deleted_at"], purge_after=row["purge_after"])


async def get_tenant(ctx: Ctx, caller: Caller) -> TenantOut:
    tenant_id = caller.require(Role.VIEWER)
    async with ctx.db.tenant_tx(tenant_id) as tx:
        row = await repo.tenant(tx, tenant_id)
    if row is None:
        raise NotFound("no such tenant")
    return tenant_out(row)


async def update_tenant(ctx: Ctx, caller: Caller, patch: TenantPatch) -> TenantOut:
    """Rename the tenant or change its slug. The old slug stops resolving at once, and stays
    the tenant's for RELEASED_SLUG_HOLD: nobody else may take the address its visitors know."""
    tenant_id = caller.require(Role.OWNER)
    try:
        async with ctx.db.tenant_tx(tenant_id) as tx:
            current = await repo.tenant(tx, tenant_id)
            if current is None or current["deleted_at"] is not None:
                raise NotFound("no such tenant")
            slug = domain.check_slug(patch.slug) if patch.slug is not None else current["slug"]
            name = domain.check_name(patch.name) if patch.name is not None else current["name"]
            if slug != current["slug"]:
                if await repo.slug_taken(tx, slug, tenant_id):
                    raise Conflict(f"the slug '{slug}' is taken")
                await repo.take_back_slug(tx, slug, tenant_id)
                await repo.hold_released_slug(tx, current["slug"], tenant_id, ctx.settings.released_slug_hold)
            await repo.update_tenant_names(tx, tenant_id, slug, name)
            await repo.audit(tx, tenant_id, caller.account_id, "tenant.renamed", slug=slug, name=name)
            await _announce(tx, tenant_id, slug, name, previous_slug=current["slug"])
            row = await repo.tenant(tx, tenant_id)
    except asyncpg.UniqueViolationError:
        raise Conflict(f"the slug '{patch.slug}' is taken") from None
    assert row is not None
    return tenant_out(row)


async def update_theme(ctx: Ctx, caller: Caller, document: Any) -> TenantOut:
    tenant_id = caller.require(Role.OWNER)
    theme = msgspec.to_builtins(parse_theme(document))
    async with ctx.db.tenant_tx(tenant_id) as tx:
        current = await repo.tenant(tx, tenant_id)
        if current is None or current["deleted_at"] is not None:
            raise NotFound("no such tenant")
        await repo.update_tenant_theme(tx, tenant_id, theme)
        await repo.audit(tx, tenant_id, caller.account_id, "tenant.theme_changed")
        await _announce(tx, tenant_id, current["slug"], current["name"])
        row = await repo.tenant(tx, tenant_id)
    assert row is not None
    return tenant_out(row)


async def _announce(tx: asyncpg.Connection, tenant_id: uuid.UUID, slug: str, name: str,
                    previous_slug: str | None = None) -> None:
    row = await repo.tenant(tx, tenant_id)
    await add_event(tx, TenantUpdatedV1(tenant_id=tenant_id, slug=slug, name=name,
                                        theme=row["theme_config"] if row else None,
                                        previous_slug=previous_slug if previous_slug != slug else None))


async def delete_tenant(ctx: Ctx, caller: Caller) -> TenantOut:
    """Soft delete: the tenant stops resolving now; its data is purged after the grace period."""
    tenant_id = caller.require(Role.OWNER)
    async with ctx.db.tenant_tx(tenant_id) as tx:
        current = await repo.tenant(tx, tenant_id)
        if current is None or not await repo.mark_tenant_deleted(tx, tenant_id, ctx.settings.tenant_deletion_grace):
            raise NotFound("no such tenant")
        await repo.audit(tx, tenant_id, caller.account_id, "tenant.deleted")
        row = await repo.tenant(tx, tenant_id)
        assert row is not None
        await add_event(tx, TenantDeletedV1(tenant_id=tenant_id, slug=current["slug"],
                                            purge_after=row["purge_after"]))
    return tenant_out(row)


async def resolve_host(ctx: Ctx, query: ResolveHost) -> ResolvedHost:
    """Which live tenant a slug or a verified custom domain belongs to."""
    async with ctx.db.system_tx() as tx:
        if query.slug is not None:
            row = await repo.live_tenant_by_slug(tx, query.slug)
        elif query.domain is not None:
            row = await repo.live_tenant_by_domain(tx, query.domain)
        else:
            row = None
    return ResolvedHost(tenant_id=row["id"], slug=row["slug"]) if row else ResolvedHost()


async def describe_tenant(ctx: Ctx, query: DescribeTenant) -> DescribedTenant:
    """A live tenant's current state, stamped while no change of it can be in flight (the row
    is share-locked): an event stamped before `as_of` describes this state or an older one."""
    async with ctx.db.tenant_tx(query.tenant_id) as tx:
        row = await repo.live_tenant_locked(tx, query.tenant_id)
        as_of = now()
    if row is None:
        return DescribedTenant(as_of=as_of)
    return DescribedTenant(tenant_id=row["id"], slug=row["slug"], name=row["name"], theme=row["theme_config"],
                           custom_domain=row["custom_domain"], as_of=as_of)


async def audit_entries(ctx: Ctx, caller: Caller, limit: int) -> list[AuditEntryOut]:
    tenant_id = caller.require(Role.OWNER)
    async with ctx.db.tenant_tx(tenant_id) as tx:
        rows = await repo.audit_entries(tx, max(1, min(limit, 500)))
    return [AuditEntryOut(**dict(row)) for row in rows]


async def purge_due_tenants(ctx: Ctx, batch: int = 20) -> int:
    """Tenants whose grace period ended: remove their access and tell every context."""
    async with ctx.db.system_tx() as tx:
        due = await repo.due_purges(tx, batch)
    purged = 0
    for row in due:
        async with ctx.db.tenant_tx(row["id"]) as tx:
            if not await repo.claim_purge(tx, row["id"]):
                continue  # another replica got there first
            await repo.purge_tenant_access(tx)
            await repo.audit(tx, row["id"], None, "tenant.purged")
            await add_event(tx, TenantPurgedV1(tenant_id=row["id"], slug=row["slug"]))
        purged += 1
    return purged

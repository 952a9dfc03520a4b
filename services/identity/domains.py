"""Custom domains: prove ownership with a DNS TXT record; only verified domains resolve.

A verified domain is re-checked on a schedule. If its TXT record vanished, the domain may
have been handed to someone else, who could then point it at us and serve pages under the
tenant's name (a dangling-domain takeover): it is flagged and stops resolving at once."""

from __future__ import annotations

import logging
import secrets

import asyncpg

from shared.auth import Caller, Role
from shared.contracts import DomainRemovedV1, DomainVerifiedV1
from shared.errors import Conflict, Invalid, NotFound
from shared.hostnames import NotAHost, claimable_domain
from shared.messaging import add_event

from . import repo
from .context import Ctx
from .schemas import DomainIn, DomainOut

log = logging.getLogger("identity.domains")


def normalize_domain(raw: str, platform_domain: str) -> str:
    """The canonical name a tenant claims, or 422 saying why it may not be claimed: the one
    rule in shared/hostnames.py (no IP address in any spelling, no single label, no reserved
    or internal suffix, not the platform's own domain), applied before any DNS work."""
    try:
        return claimable_domain(raw, platform_domain)
    except NotAHost as exc:
        raise Invalid(str(exc), errors=[{"field": "domain", "reason": str(exc)}]) from None


def domain_out(ctx: Ctx, row: asyncpg.Record) -> DomainOut:
    return DomainOut(domain=row["domain"], txt_name=f"{ctx.settings.domain_verify_label}.{row['domain']}",
                     txt_value=row["token"], verified_at=row["verified_at"], flagged_at=row["flagged_at"],
                     last_checked_at=row["last_checked_at"])


async def set_domain(ctx: Ctx, caller: Caller, data: DomainIn) -> DomainOut:
    """Start verifying a domain; returns the TXT record to create. Replaces any previous one."""
    tenant_id = caller.require(Role.OWNER)
    name = normalize_domain(data.domain, ctx.settings.platform_domain)
    async with ctx.db.tenant_tx(tenant_id) as tx:
        previous = await repo.domain(tx)
        row = await repo.upsert_domain(tx, tenant_id, name, f"sb-verify={secrets.token_urlsafe(24)}")
        if previous is not None and previous["verified_at"] is not None:
            await repo.set_tenant_domain(tx, tenant_id, None)
            await add_event(tx, DomainRemovedV1(tenant_id=tenant_id, domain=previous["domain"], reason="replaced"))
        await repo.audit(tx, tenant_id, caller.account_id, "domain.set", domain=name)
    return domain_out(ctx, row)


async def get_domain(ctx: Ctx, caller: Caller) -> DomainOut:
    row = await ctx.db.one(caller.require(Role.VIEWER), repo.domain, missing="this tenant has no custom domain")
    return domain_out(ctx, row)


async def verify_domain(ctx: Ctx, caller: Caller) -> DomainOut:
    """Check the TXT record now; on success the domain resolves to this tenant."""
    tenant_id = caller.require(Role.OWNER)
    row = await ctx.db.one(tenant_id, repo.domain, missing="set a domain first")
    found = await ctx.txt_checker.has(f"{ctx.settings.domain_verify_label}.{row['domain']}", row["token"])
    try:
        async with ctx.db.tenant_tx(tenant_id) as tx:
            checked = await repo.record_domain_check(tx, found)
            if checked is None:
                raise NotFound("the domain was removed meanwhile")
            if found:
                await repo.set_tenant_domain(tx, tenant_id, checked["domain"])  # unique across tenants
                if row["verified_at"] is None or row["flagged_at"] is not None:
                    await add_event(tx, DomainVerifiedV1(tenant_id=tenant_id, domain=checked["domain"]))
                await repo.audit(tx, tenant_id, caller.account_id, "domain.verified", domain=checked["domain"])
    except asyncpg.UniqueViolationError:
        raise Conflict(f"{row['domain']} is already verified by another tenant") from None
    if not found:
        raise Invalid(f"no TXT record {ctx.settings.domain_verify_label}.{row['domain']} with the expected value "
                      "was found yet; DNS changes can take a while to appear",
                      errors=[{"field": "domain", "txt_value": row["token"]}])
    return domain_out(ctx, checked)


async def remove_domain(ctx: Ctx, caller: Caller) -> None:
    tenant_id = caller.require(Role.OWNER)
    async with ctx.db.tenant_tx(tenant_id) as tx:
        removed = await repo.delete_domain(tx)
        if removed is None:
            raise NotFound("this tenant has no custom domain")
        await repo.set_tenant_domain(tx, tenant_id, None)
        await repo.audit(tx, tenant_id, caller.account_id, "domain.removed", domain=removed)
        await add_event(tx, DomainRemovedV1(tenant_id=tenant_id, domain=removed))


async def recheck_domains(ctx: Ctx) -> int:
    """Re-verify every resolving domain; flag and unhook those whose proof vanished."""
    async with ctx.db.system_tx() as tx:
        tenant_ids = await repo.tenants_with_domains(tx)
    flagged = 0
    for tenant_id in tenant_ids:
        async with ctx.db.tenant_tx(tenant_id) as tx:
            row = await repo.domain(tx)
        if row is None:
            continue
        found = await ctx.txt_checker.has(f"{ctx.settings.domain_verify_label}.{row['domain']}", row["token"])
        async with ctx.db.tenant_tx(tenant_id) as tx:
            await repo.record_domain_check(tx, found)
            if not found:
                flagged += 1
                await repo.set_tenant_domain(tx, tenant_id, None)
                await repo.audit(tx, tenant_id, None, "domain.flagged", domain=row["domain"])
                await add_event(tx, DomainRemovedV1(tenant_id=tenant_id, domain=row["domain"], reason="txt-missing"))
                log.warning("domain %s of tenant %s lost its TXT proof; it no longer resolves", row["domain"],
                            tenant_id)
    return flagged

"""Per-tenant API keys for server-to-server use: shown once, stored hashed, revocable."""

from __future__ import annotations

import uuid

from shared.auth import Caller, Role
from shared.contracts import VerifiedApiKey, VerifyApiKey
from shared.errors import NotFound

from . import repo
from .context import Ctx
from .schemas import ApiKeyIn, ApiKeyOut
from .tokens import digest, new_secret

KEY_PREFIX = "sbk"


async def create_api_key(ctx: Ctx, caller: Caller, data: ApiKeyIn) -> ApiKeyOut:
    tenant_id = caller.require(Role.OWNER)
    assert caller.account_id is not None
    key, key_hash = new_secret(KEY_PREFIX)
    async with ctx.db.tenant_tx(tenant_id) as tx:
        row = await repo.insert_api_key(tx, tenant_id, data.name.strip(), key[:12], key_hash, data.role,
                                        caller.account_id)
        await repo.audit(tx, tenant_id, caller.account_id, "api_key.created", key_id=str(row["id"]),
                         name=data.name, role=data.role)
    return ApiKeyOut(**dict(row), key=key)


async def list_api_keys(ctx: Ctx, caller: Caller) -> list[ApiKeyOut]:
    return [ApiKeyOut(**dict(row)) for row in await ctx.db.all(caller.require(Role.OWNER), repo.api_keys)]


async def revoke_api_key(ctx: Ctx, caller: Caller, key_id: uuid.UUID) -> None:
    tenant_id = caller.require(Role.OWNER)
    async with ctx.db.tenant_tx(tenant_id) as tx:
        if not await repo.revoke_api_key(tx, key_id):
            raise NotFound("no live API key with that id")
        await repo.audit(tx, tenant_id, caller.account_id, "api_key.revoked", key_id=str(key_id))


async def verify_api_key(ctx: Ctx, query: VerifyApiKey) -> VerifiedApiKey:
    """For the gateway: is this a live key of the tenant whose host it came to?"""
    if not query.key.startswith(KEY_PREFIX + "_") or len(query.key) > 200:
        return VerifiedApiKey()
    async with ctx.db.tenant_tx(query.tenant_id) as tx:
        row = await repo.active_api_key(tx, digest(query.key))
    return VerifiedApiKey(key_id=row["id"], role=row["role"]) if row else VerifiedApiKey()

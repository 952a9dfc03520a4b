"""Identity's use cases."""

from __future__ import annotations

import asyncio
import uuid

import asyncpg

from shared.auth import Role, SigningKey
from shared.contracts import ResolvedHost, ResolveHost, TenantCreatedV1
from shared.db import Database
from shared.errors import Conflict, Unauthorized
from shared.messaging import add_event

from . import domain, repo
from .schemas import LoginIn, SignupIn, SignupOut, TokenOut


class Tokens:
    """Issues access tokens with identity's signing key."""

    def __init__(self, key: SigningKey, ttl: int) -> None:
        self.key = key
        self.ttl = ttl

    def issue(self, account_id: uuid.UUID, tenant_id: uuid.UUID, role: str) -> TokenOut:
        token = self.key.issue(account_id=account_id, tenant_id=tenant_id, role=role, ttl=self.ttl)
        return TokenOut(access_token=token, tenant_id=tenant_id, account_id=account_id, role=role,
                        expires_in=self.ttl)


async def sign_up(db: Database, tokens: Tokens, data: SignupIn) -> SignupOut:
    """Create a tenant and its first OWNER in one transaction, announcing the tenant."""
    slug = domain.check_slug(data.slug)
    email = domain.check_email(data.email)
    name = data.name.strip() or slug
    domain.check_password(data.password)
    new_hash = await asyncio.to_thread(domain.hash_password, data.password)
    tenant_id = uuid.uuid4()
    try:
        async with db.tenant_tx(tenant_id) as tx:
            account = await repo.account_by_email(tx, email)
            if account is None:
                account_id = uuid.uuid4()
                await repo.insert_account(tx, account_id, email, new_hash)
            else:
                account_id = account["id"]
                if not await asyncio.to_thread(domain.password_matches, data.password, account["password_hash"]):
                    raise Conflict("an account with this e-mail exists; sign up with its password")
            await repo.insert_tenant(tx, tenant_id, slug, name)
            await repo.insert_membership(tx, tenant_id, account_id, Role.OWNER.name)
            await add_event(tx, TenantCreatedV1(tenant_id=tenant_id, slug=slug, name=name,
                                                owner_account_id=account_id, owner_email=email))
    except asyncpg.UniqueViolationError as exc:
        if exc.constraint_name == "tenants_slug_key":
            raise Conflict(f"the slug '{slug}' is taken", suggestion=await _free_slug(db, slug)) from None
        raise Conflict("sign-up clashed with a concurrent one; try again") from None
    return SignupOut(tenant_id=tenant_id, slug=slug, name=name,
                     token=tokens.issue(account_id, tenant_id, Role.OWNER.name))


async def _free_slug(db: Database, slug: str) -> str:
    async with db.system_tx() as tx:
        for n in range(2, 100):
            candidate = f"{slug[:60]}-{n}"
            if not await repo.slug_taken(tx, candidate):
                return candidate
    return f"{slug[:50]}-{uuid.uuid4().hex[:8]}"


async def log_in(db: Database, tokens: Tokens, tenant_id: uuid.UUID, data: LoginIn) -> TokenOut:
    """A token for the host's tenant, if the credentials are right and the account belongs there."""
    async with db.tenant_tx(tenant_id) as tx:
        account = await repo.account_by_email(tx, data.email.strip())
        role = await repo.membership_role(tx, account["id"]) if account else None
    # Hash even when the account is unknown, so timing does not reveal which e-mails exist.
    stored = account["password_hash"] if account else domain.hash_password("not-a-password")
    matches = await asyncio.to_thread(domain.password_matches, data.password, stored)
    if account is None or role is None or not matches:
        raise Unauthorized("wrong e-mail or password for this site")
    return tokens.issue(account["id"], tenant_id, role)


async def resolve_host(db: Database, query: ResolveHost) -> ResolvedHost:
    """Which live tenant a slug or a verified custom domain belongs to."""
    async with db.system_tx() as tx:
        if query.slug is not None:
            row = await repo.tenant_by_slug(tx, query.slug)
        elif query.domain is not None:
            row = await repo.tenant_by_domain(tx, query.domain)
        else:
            row = None
    return ResolvedHost(tenant_id=row["id"], slug=row["slug"]) if row else ResolvedHost()

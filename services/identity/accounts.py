"""Sign-up, log-in, sessions with rotating refresh tokens, password reset, throttling."""

from __future__ import annotations

import asyncio
import uuid

import asyncpg
import msgspec

from shared.auth import Role
from shared.contracts import TenantCreatedV1
from shared.errors import Conflict, Forbidden, Invalid, Unauthorized
from shared.messaging import add_event

from . import domain, repo
from .context import Ctx
from .schemas import (
    LoginIn,
    MembershipOut,
    PasswordResetIn,
    PasswordResetRequestIn,
    SessionOut,
    SignupIn,
    SignupOut,
    TenantTokenIn,
    TokenOut,
)
from .theme import parse_theme
from .tokens import digest, new_secret

WRONG_CREDENTIALS = "wrong e-mail or password"


class TooManyAttempts(Unauthorized):
    status, code, title = 429, "rate-limited", "Too many failed attempts"


async def sign_up(ctx: Ctx, data: SignupIn) -> SignupOut:
    """Create a tenant and its first OWNER in one transaction, announcing the tenant."""
    slug = domain.check_slug(data.slug)
    email = domain.check_email(data.email)
    name = domain.check_name(data.name)
    domain.check_password(data.password)
    new_hash = await asyncio.to_thread(ctx.passwords.hash, data.password)
    tenant_id = uuid.uuid4()
    try:
        async with ctx.db.tenant_tx(tenant_id) as tx:
            account = await repo.account_by_email(tx, email)
            if account is None:
                account_id = uuid.uuid4()
                await repo.insert_account(tx, account_id, email, new_hash)
            else:
                account_id = account["id"]
                if not await asyncio.to_thread(ctx.passwords.matches, data.password, account["password_hash"]):
                    raise Conflict("an account with this e-mail exists; sign up with its password")
            theme = msgspec.to_builtins(parse_theme({}))
            await repo.insert_tenant(tx, tenant_id, slug, name, theme)
            await repo.insert_membership(tx, tenant_id, account_id, Role.OWNER.name)
            await repo.audit(tx, tenant_id, account_id, "tenant.created", slug=slug)
            await add_event(tx, TenantCreatedV1(tenant_id=tenant_id, slug=slug, name=name, theme=theme,
                                                owner_account_id=account_id, owner_email=email))
    except asyncpg.UniqueViolationError as exc:
        if exc.constraint_name == "tenants_slug_key":
            raise Conflict(f"the slug '{slug}' is taken", suggestion=await free_slug(ctx, slug)) from None
        raise Conflict("sign-up clashed with a concurrent one; try again") from None
    return SignupOut(tenant_id=tenant_id, slug=slug, name=name,
                     token=ctx.tokens.issue(account_id, tenant_id, Role.OWNER.name))


async def free_slug(ctx: Ctx, slug: str) -> str:
    async with ctx.db.system_tx() as tx:
        for n in range(2, 100):
            candidate = f"{slug[:60]}-{n}"
            if not await repo.slug_taken(tx, candidate):
                return candidate
    return f"{slug[:50]}-{uuid.uuid4().hex[:8]}"


async def authenticate(ctx: Ctx, email: str, password: str, client: str) -> uuid.UUID:
    """The account id for these credentials; throttled per e-mail and per client address.
    The answer is the same for an unknown e-mail and a wrong password."""
    keys = [f"email:{email.strip().lower()}", f"ip:{client}"]
    async with ctx.db.system_tx() as tx:
        locked = await repo.locked_until(tx, keys)
        if locked is not None and locked > await tx.fetchval("SELECT now()"):
            raise TooManyAttempts("too many failed log-ins; wait a moment and try again",
                                  retry_after=str(locked))
        account = await repo.account_by_email(tx, email.strip())
    stored = account["password_hash"] if account else None
    matches = await asyncio.to_thread(ctx.passwords.matches, password, stored)
    async with ctx.db.system_tx() as tx:
        if not matches:
            # An address is shared by many people (an office, a NAT): it gets ten times the allowance.
            await repo.record_login_failure(tx, keys[0], ctx.settings.login_max_failures)
            await repo.record_login_failure(tx, keys[1], ctx.settings.login_max_failures * 10)
        else:
            await repo.clear_login_failures(tx, keys[0])
            if ctx.passwords.needs_rehash(stored or ""):
                await repo.update_password(tx, account["id"], await asyncio.to_thread(ctx.passwords.hash, password))
    if not matches:  # raised after the commit, so the failure is counted
        raise Unauthorized(WRONG_CREDENTIALS)
    return account["id"]


async def log_in(ctx: Ctx, data: LoginIn, client: str) -> SessionOut:
    """A platform log-in: a session (refresh token) and the tenants the account belongs to."""
    account_id = await authenticate(ctx, data.email, data.password, client)
    async with ctx.db.system_tx() as tx:
        refresh_token = await open_session(ctx, tx, account_id)
        tenants = await repo.memberships_of(tx, account_id)
    return SessionOut(refresh_token=refresh_token, account_id=account_id,
                      tenants=[MembershipOut(**dict(row)) for row in tenants])


async def log_in_to_tenant(ctx: Ctx, tenant_id: uuid.UUID, data: LoginIn, client: str) -> TokenOut:
    """Log-in on a tenant's own host: an access token for it, and a session."""
    account_id = await authenticate(ctx, data.email, data.password, client)
    async with ctx.db.tenant_tx(tenant_id) as tx:
        role = await repo.role_of(tx, account_id)
        if role is None:
            raise Unauthorized(WRONG_CREDENTIALS)  # not revealing that the account exists elsewhere
        await repo.audit(tx, tenant_id, account_id, "member.signed_in")
        refresh_token = await open_session(ctx, tx, account_id)
    return ctx.tokens.issue(account_id, tenant_id, role, refresh_token)


async def open_session(ctx: Ctx, tx: asyncpg.Connection, account_id: uuid.UUID) -> str:
    session_id = uuid.uuid4()
    await repo.insert_session(tx, session_id, account_id)
    token, token_hash = new_secret("sbr")
    await repo.insert_refresh_token(tx, token_hash, session_id, ctx.settings.refresh_token_ttl)
    return token


async def rotate(ctx: Ctx, tx: asyncpg.Connection, refresh_token: str) -> tuple[uuid.UUID, str]:
    """Spend `refresh_token` and issue its successor in the same session. A token spent
    before comes back only if someone copied it: the whole session is revoked."""
    token_hash = digest(refresh_token)
    row = await repo.refresh_token_for_update(tx, token_hash)
    if row is None or row["revoked_at"] is not None:
        raise Unauthorized("this session has ended; log in again")
    if row["used_at"] is not None:
        raise ReusedRefreshToken(row["session_id"])
    if row["expires_at"] <= await tx.fetchval("SELECT now()"):
        raise Unauthorized("this session has expired; log in again")
    await repo.mark_refresh_token_used(tx, token_hash)
    successor, successor_hash = new_secret("sbr")
    await repo.insert_refresh_token(tx, successor_hash, row["session_id"], ctx.settings.refresh_token_ttl)
    return row["account_id"], successor


class ReusedRefreshToken(Unauthorized):
    """A spent refresh token came back: a copy is in someone else's hands."""

    def __init__(self, session_id: uuid.UUID) -> None:
        super().__init__("this refresh token was already used; the session is revoked")
        self.session_id = session_id


async def tenant_token(ctx: Ctx, data: TenantTokenIn) -> TokenOut:
    """An access token for one of the session's tenants (and the rotated refresh token)."""
    try:
        async with ctx.db.tenant_tx(data.tenant_id) as tx:
            account_id, successor = await rotate(ctx, tx, data.refresh_token)
            role = await repo.role_of(tx, account_id)
            if role is None:
                raise Forbidden("you are not a member of this tenant")
    except ReusedRefreshToken as reuse:
        # Revoked in a transaction of its own: the refused request's one rolls back.
        async with ctx.db.system_tx() as tx:
            await repo.revoke_session(tx, reuse.session_id, "refresh token reused")
        raise
    return ctx.tokens.issue(account_id, data.tenant_id, role, successor)


async def session_tenants(ctx: Ctx, refresh_token: str) -> list[MembershipOut]:
    async with ctx.db.system_tx() as tx:
        row = await repo.refresh_token_for_update(tx, digest(refresh_token))
        if row is None or row["revoked_at"] is not None or row["used_at"] is not None:
            raise Unauthorized("this session has ended; log in again")
        return [MembershipOut(**dict(r)) for r in await repo.memberships_of(tx, row["account_id"])]


async def log_out(ctx: Ctx, refresh_token: str) -> None:
    async with ctx.db.system_tx() as tx:
        row = await repo.refresh_token_for_update(tx, digest(refresh_token))
        if row is not None:
            await repo.revoke_session(tx, row["session_id"], "logged out")


async def request_password_reset(ctx: Ctx, data: PasswordResetRequestIn) -> None:
    """Mail a reset link if the account exists; the answer is the same either way."""
    async with ctx.db.system_tx() as tx:
        account = await repo.account_by_email(tx, data.email.strip())
        if account is None:
            return
        token, token_hash = new_secret("sbp")
        await repo.insert_password_reset(tx, token_hash, account["id"], ctx.settings.password_reset_ttl)
        link = f"{ctx.settings.public_base_url}/reset-password?token={token}"
        await repo.queue_mail(tx, account["email"], "Reset your password",
                              f"Someone asked to reset your password. If it was you, open:\n\n{link}\n\n"
                              f"The link works once, for {ctx.settings.password_reset_ttl // 60} minutes.")


async def reset_password(ctx: Ctx, data: PasswordResetIn) -> None:
    domain.check_password(data.password)
    new_hash = await asyncio.to_thread(ctx.passwords.hash, data.password)
    async with ctx.db.system_tx() as tx:
        row = await repo.password_reset_for_update(tx, digest(data.token))
        if row is None or row["used_at"] is not None or row["expires_at"] <= await tx.fetchval("SELECT now()"):
            raise Invalid("this reset link is not valid any more; ask for a new one")
        await repo.use_password_reset(tx, digest(data.token))
        await repo.update_password(tx, row["account_id"], new_hash)
        await repo.revoke_account_sessions(tx, row["account_id"], "password reset")

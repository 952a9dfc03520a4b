"""Sign-up (confirmed by e-mail), log-in, sessions with rotating refresh tokens, password reset,
and the one throttle they share."""

from __future__ import annotations

import asyncio
import math
import uuid
from collections.abc import Awaitable, Callable
from typing import NamedTuple

import asyncpg
import msgspec

from shared.auth import Role
from shared.contracts import TenantCreatedV1
from shared.errors import Conflict, Forbidden, Invalid, TooManyRequests, Unauthorized
from shared.messaging import add_event

from . import domain, repo
from .browser_sessions import CsrfRefused
from .context import Ctx
from .schemas import (
    LoginIn,
    MembershipOut,
    PasswordResetIn,
    PasswordResetRequestIn,
    SessionOut,
    SessionsRevokedOut,
    SignupConfirmIn,
    SignupIn,
    SignupOut,
    SignupRequestedOut,
    TokenOut,
)
from .theme import parse_theme
from .tokens import csrf_matches, csrf_token, device_of, device_token, digest, new_secret

WRONG_CREDENTIALS = "wrong e-mail or password"


class TooManyAttempts(TooManyRequests):
    code, title = "rate-limited", "Too many attempts"


SIGNUP_SENT = ("we sent a link to this address; open it to create the site "
               "(it works for {hours} hours)")


async def request_sign_up(ctx: Ctx, data: SignupIn, client: str) -> SignupRequestedOut:
    """Mail a confirmation link; nothing is created until it is opened. The answer, its
    timing and what is stored are the same whether or not the e-mail has an account: a new
    address gets a link that creates its account, an existing one a link that adds the site
    to it (its password untouched). Throttled with log-ins and password resets."""
    slug = domain.check_slug(data.slug)
    email = domain.check_email(data.email)
    name = domain.check_name(data.name)
    domain.check_password(data.password)
    # Hashed in both cases, so the answer takes as long whether the account exists or not.
    new_hash = await asyncio.to_thread(ctx.passwords.hash, data.password)
    async with ctx.db.system_tx() as tx:
        await refuse_if_locked(tx, login_keys(email, client))
        if await repo.slug_taken(tx, slug):
            raise Conflict(f"the slug '{slug}' is taken", suggestion=await free_slug(ctx, slug))
        account = await repo.account_by_email(tx, email)
        token, token_hash = new_secret("sbs")
        await repo.insert_signup(tx, token_hash, email, slug, name, new_hash, ctx.settings.signup_ttl)
        link = ctx.platform_url(f"/studio/confirm-signup?token={token}")
        hours = ctx.settings.signup_ttl // 3600
        if account is None:
            await queue_mail(ctx, tx, email, f"Confirm your e-mail to create {name}",
                             f"Open this link to create your site {name} ({slug}):\n\n{link}\n\n"
                             f"It works once, for {hours} hours. If you did not sign up, ignore this mail.",
                             client=client)
        else:
            await queue_mail(ctx, tx, email, f"Add {name} to your account?",
                             f"Someone asked to create the site {name} ({slug}) with this e-mail, which "
                             f"already has an account. If it was you, open this link to add the site to "
                             f"your account (your password stays as it is):\n\n{link}\n\n"
                             f"It works once, for {hours} hours. If it was not you, ignore this mail: "
                             f"nothing changes.", client=client)
    ctx.mail_queued()
    return SignupRequestedOut(email=email, detail=SIGNUP_SENT.format(hours=hours))


async def confirm_sign_up(ctx: Ctx, data: SignupConfirmIn) -> SignupOut:
    """Create the tenant and its first OWNER from a confirmed sign-up. The link proves the
    mailbox: it creates the account, or adds the site to the existing one."""
    token_hash = digest(data.token)

    async def claim(tx: asyncpg.Connection) -> tuple[str, str, str, str | None]:
        pending = await repo.signup_for_update(tx, token_hash)
        if pending is None or pending["used_at"] is not None or pending["expired"]:
            raise Invalid("this sign-up link is not valid any more; sign up again", errors=[{"field": "token"}])
        await repo.use_signup(tx, token_hash)
        return pending["slug"], pending["name"], pending["email"], pending["password_hash"]

    return await create_tenant(ctx, claim)


async def create_tenant_for_operator(ctx: Ctx, data: SignupIn) -> SignupOut:
    """An operator's sign-up (`admin create-tenant`), with no mail: an existing account's
    password must be given, since no mailbox vouches for the person."""
    slug, email, name = domain.check_slug(data.slug), domain.check_email(data.email), domain.check_name(data.name)
    domain.check_password(data.password)
    new_hash = await asyncio.to_thread(ctx.passwords.hash, data.password)

    async def checked(tx: asyncpg.Connection) -> tuple[str, str, str, str | None]:
        account = await repo.account_by_email(tx, email)
        if account is not None and not await asyncio.to_thread(ctx.passwords.matches, data.password,
                                                               account["password_hash"]):
            raise Conflict("an account with this e-mail exists; give its password")
        return slug, name, email, new_hash

    return await create_tenant(ctx, checked)


async def create_tenant(ctx: Ctx, claim: Callable[[asyncpg.Connection], Awaitable[tuple[str, str, str, str | None]]]
                        ) -> SignupOut:
    """The tenant, its OWNER (a new account, or the e-mail's existing one) and a session, in one
    transaction with the TenantCreated event; `claim` decides (slug, name, e-mail, password
    hash) inside it, or refuses."""
    tenant_id = uuid.uuid4()
    slug = ""
    try:
        async with ctx.db.tenant_tx(tenant_id) as tx:
            slug, name, email, password_hash = await claim(tx)
            if await repo.slug_taken(tx, slug):  # a renamed tenant's old slug, held since the link was sent
                raise Conflict(f"the slug '{slug}' is taken; sign up again with another",
                               suggestion=await free_slug(ctx, slug))
            account = await repo.account_by_email(tx, email)
            if account is None:
                account_id = uuid.uuid4()
                await repo.insert_account(tx, account_id, email, password_hash)
            else:
                account_id = account["id"]
            theme = msgspec.to_builtins(parse_theme({}))
            await repo.insert_tenant(tx, tenant_id, slug, name, theme)
            await repo.insert_membership(tx, tenant_id, account_id, Role.OWNER.name)
            await repo.audit(tx, tenant_id, account_id, "tenant.created", slug=slug)
            await add_event(tx, TenantCreatedV1(tenant_id=tenant_id, slug=slug, name=name, theme=theme,
                                                owner_account_id=account_id, owner_email=email))
            session = await open_session(ctx, tx, account_id)
    except asyncpg.UniqueViolationError as exc:
        if exc.constraint_name == "tenants_slug_key":
            raise Conflict(f"the slug '{slug}' is taken; sign up again with another",
                           suggestion=await free_slug(ctx, slug)) from None
        raise Conflict("sign-up clashed with a concurrent one; try again") from None
    return SignupOut(tenant_id=tenant_id, slug=slug, name=name, email=email,
                     token=ctx.tokens.issue(account_id, tenant_id, Role.OWNER.name, *session))


async def free_slug(ctx: Ctx, slug: str) -> str:
    async with ctx.db.system_tx() as tx:
        for n in range(2, 100):
            candidate = f"{slug[:60]}-{n}"
            if not await repo.slug_taken(tx, candidate):
                return candidate
    return f"{slug[:50]}-{uuid.uuid4().hex[:8]}"


def new_device_token(ctx: Ctx, email: str) -> str:
    """The token a browser keeps once it logged into the account of `email` (see login_keys)."""
    return device_token(ctx.settings.internal_secret, domain.normal_email(email))


def login_keys(email: str, client: str, device: str | None = None) -> list[str]:
    """The e-mail's key is its normal form, the very value the account is stored and found by:
    every spelling that logs into an account spends that account's allowance. A browser the
    account logged in from before (`device`, its token's nonce) spends its own allowance
    instead: whoever locks the e-mail out from elsewhere does not lock its owner out there."""
    first = f"device:{device}" if device is not None else f"email:{domain.normal_email(email)}"
    return [first, f"ip:{client}"]


async def refuse_if_locked(tx: asyncpg.Connection, keys: list[str], what: str = "too many attempts") -> None:
    """429 while any of `keys` is locked out (a log-in, sign-up or reset asked too often).
    Holds the keys until the transaction ends, so requests at once are counted one after
    another, not all let through by a check none of them has written yet."""
    await repo.hold_throttle_keys(tx, keys)
    locked = await repo.locked_until(tx, keys)
    now = await repo.now(tx)
    if locked is not None and locked > now:
        wait = max(1, math.ceil((locked - now).total_seconds()))
        raise TooManyAttempts(f"{what}; try again in {wait} s", retry_after=wait)


async def spend_mail_allowance(ctx: Ctx, tx: asyncpg.Connection, to: str, *, client: str | None = None,
                               tenant_id: uuid.UUID | None = None) -> None:
    """The one rule for every mail identity sends: it counts against its recipient
    (`MAILS_PER_EMAIL`, by the address's normal form) and against who asked for it, a client
    address (`MAILS_PER_ADDRESS`) or a tenant (`MAILS_PER_TENANT_HOUR` in any hour and
    `MAILS_PER_TENANT_DAY` in any day); past any, 429 and, as the caller's transaction rolls
    back, nothing is written. Counted whether or not the address has an account, so the
    count tells nothing."""
    settings = ctx.settings
    keys = [f"mail:{domain.normal_email(to)}", *([f"mail-ip:{client}"] if client is not None else [])]
    await refuse_if_locked(tx, keys, "too many mails to this address or from this client")
    if tenant_id is not None:
        for window, allowed, name in ((3600, settings.mails_per_tenant_hour, "hour"),
                                      (86400, settings.mails_per_tenant_day, "day")):
            wait = await repo.tenant_mail_wait(tx, tenant_id, allowed, window)
            if wait is not None:
                seconds = max(1, math.ceil(wait))
                raise TooManyAttempts(f"this site has sent {allowed} mails in the last {name}; "
                                      f"try again in {seconds} s", retry_after=seconds)
    await repo.record_attempt(tx, keys[0], settings.mails_per_email, settings.lock_floor_seconds)
    if client is not None:
        await repo.record_attempt(tx, keys[1], settings.mails_per_address, settings.lock_floor_seconds)


async def queue_mail(ctx: Ctx, tx: asyncpg.Connection, to: str, subject: str, body: str, *,
                     client: str | None = None, tenant_id: uuid.UUID | None = None) -> None:
    """Queue a mail in the caller's transaction, once its allowance is spent: the only way
    identity sends mail (the worker in mail.py delivers it after the commit)."""
    await spend_mail_allowance(ctx, tx, to, client=client, tenant_id=tenant_id)
    await repo.queue_mail(tx, to, subject, body, tenant_id)


async def authenticate(ctx: Ctx, email: str, password: str, client: str, device: str | None = None) -> uuid.UUID:
    """The account id for these credentials; throttled per e-mail (or per known browser: the
    `device` token a log-in for this account gave it) and per client address. The answer is
    the same for an unknown e-mail and a wrong password."""
    keys = login_keys(email, client, device_of(ctx.settings.internal_secret, domain.normal_email(email), device))
    settings = ctx.settings
    # An address is shared by many people (an office, a NAT): it gets ten times the allowance.
    allowances = (settings.login_max_failures, settings.login_max_failures * 10)
    async with ctx.db.system_tx() as tx:
        await refuse_if_locked(tx, keys)
        # Every attempt counts as a failure until the password proves right: guesses sent at
        # once are counted one after another, and none finds the allowance unspent.
        for key, allowance in zip(keys, allowances, strict=True):
            await repo.record_attempt(tx, key, allowance, settings.lock_floor_seconds)
        account = await repo.account_by_email(tx, email)
    stored = account["password_hash"] if account else None
    if not await asyncio.to_thread(ctx.passwords.matches, password, stored):
        raise Unauthorized(WRONG_CREDENTIALS)  # counted already
    async with ctx.db.system_tx() as tx:  # it was the owner: the e-mail's count starts again, the address's is refunded
        await repo.clear_attempts(tx, keys[0])
        await repo.refund_attempt(tx, keys[1], allowances[1])
        if ctx.passwords.needs_rehash(stored or ""):
            await repo.update_password(tx, account["id"], await asyncio.to_thread(ctx.passwords.hash, password))
    return account["id"]


async def log_in(ctx: Ctx, data: LoginIn, client: str, device: str | None = None) -> SessionOut:
    """A platform log-in: a session (refresh token) and the tenants the account belongs to."""
    account_id = await authenticate(ctx, data.email, data.password, client, device)
    async with ctx.db.system_tx() as tx:
        session = await open_session(ctx, tx, account_id)
        tenants = await repo.memberships_of(tx, account_id)
    return SessionOut(account_id=account_id, tenants=[MembershipOut(**dict(row)) for row in tenants],
                      refresh_token=session.refresh_token, csrf_token=session.csrf_token)


async def log_in_to_tenant(ctx: Ctx, tenant_id: uuid.UUID, data: LoginIn, client: str,
                           device: str | None = None) -> TokenOut:
    """Log-in on a tenant's own host: an access token for it, and a session."""
    account_id = await authenticate(ctx, data.email, data.password, client, device)
    async with ctx.db.tenant_tx(tenant_id) as tx:
        role = await repo.role_of(tx, account_id)
        if role is None:
            raise Unauthorized(WRONG_CREDENTIALS)  # not revealing that the account exists elsewhere
        await repo.audit(tx, tenant_id, account_id, "member.signed_in")
        session = await open_session(ctx, tx, account_id)
    return ctx.tokens.issue(account_id, tenant_id, role, *session)


class NewSession(NamedTuple):
    """A session's refresh token, and its CSRF token (which only a browser's session uses:
    http.py moves both to cookies, or leaves the CSRF token out of a JSON answer)."""

    refresh_token: str
    csrf_token: str


async def open_session(ctx: Ctx, tx: asyncpg.Connection, account_id: uuid.UUID) -> NewSession:
    session_id = uuid.uuid4()
    await repo.insert_session(tx, session_id, account_id)
    token, token_hash = new_secret("sbr")
    await repo.insert_refresh_token(tx, token_hash, session_id, ctx.settings.refresh_token_ttl)
    return NewSession(token, csrf_token(ctx.settings.internal_secret, session_id))


async def session_of(ctx: Ctx, tx: asyncpg.Connection, refresh_token: str, csrf: str | None) -> asyncpg.Record | None:
    """The refresh token's row (locked), once a browser's CSRF token (`csrf`, None for a token
    sent in a JSON body) proved to be its session's; before anything else, so a refused
    request changes nothing."""
    row = await repo.refresh_token_for_update(tx, digest(refresh_token))
    if csrf is not None and row is not None and not csrf_matches(ctx.settings.internal_secret,
                                                                 row["session_id"], csrf):
        raise CsrfRefused("the X-CSRF-Token belongs to another session", missing="X-CSRF-Token")
    return row


async def rotate(ctx: Ctx, tx: asyncpg.Connection, refresh_token: str,
                 csrf: str | None = None) -> tuple[uuid.UUID, NewSession]:
    """Spend `refresh_token` and issue its successor in the same session. A token spent
    before comes back only if someone copied it: the whole session is revoked."""
    token_hash = digest(refresh_token)
    row = await session_of(ctx, tx, refresh_token, csrf)
    if row is None or row["revoked_at"] is not None:
        raise Unauthorized("this session has ended; log in again")
    if row["used_at"] is not None:
        raise ReusedRefreshToken(row["session_id"])
    if row["expires_at"] <= await repo.now(tx):
        raise Unauthorized("this session has expired; log in again")
    await repo.mark_refresh_token_used(tx, token_hash)
    successor, successor_hash = new_secret("sbr")
    await repo.insert_refresh_token(tx, successor_hash, row["session_id"], ctx.settings.refresh_token_ttl)
    return row["account_id"], NewSession(successor, csrf_token(ctx.settings.internal_secret, row["session_id"]))


class ReusedRefreshToken(Unauthorized):
    """A spent refresh token came back: a copy is in someone else's hands."""

    def __init__(self, session_id: uuid.UUID) -> None:
        super().__init__("this refresh token was already used; the session is revoked")
        self.session_id = session_id


async def tenant_token(ctx: Ctx, tenant_id: uuid.UUID, refresh_token: str, csrf: str | None = None) -> TokenOut:
    """An access token for one of the session's tenants (and the rotated refresh token)."""
    try:
        async with ctx.db.tenant_tx(tenant_id) as tx:
            account_id, successor = await rotate(ctx, tx, refresh_token, csrf)
            role = await repo.role_of(tx, account_id)
            if role is None:
                raise Forbidden("you are not a member of this tenant")
    except ReusedRefreshToken as reuse:
        # Revoked in a transaction of its own: the refused request's one rolls back.
        async with ctx.db.system_tx() as tx:
            await repo.revoke_session(tx, reuse.session_id, "refresh token reused")
        raise
    return ctx.tokens.issue(account_id, tenant_id, role, *successor)


def live(row: asyncpg.Record | None) -> asyncpg.Record:
    """The row of a refresh token that can still be spent, or 401."""
    if row is None or row["revoked_at"] is not None or row["used_at"] is not None:
        raise Unauthorized("this session has ended; log in again")
    return row


async def session_tenants(ctx: Ctx, refresh_token: str, csrf: str | None = None) -> list[MembershipOut]:
    async with ctx.db.system_tx() as tx:
        row = live(await session_of(ctx, tx, refresh_token, csrf))
        return [MembershipOut(**dict(r)) for r in await repo.memberships_of(tx, row["account_id"])]


async def log_out(ctx: Ctx, refresh_token: str, csrf: str | None = None) -> None:
    async with ctx.db.system_tx() as tx:
        row = await session_of(ctx, tx, refresh_token, csrf)
        if row is not None:
            await repo.revoke_session(tx, row["session_id"], "logged out")


async def log_out_everywhere(ctx: Ctx, refresh_token: str, csrf: str | None = None) -> SessionsRevokedOut:
    """End every session of the account this live refresh token belongs to (every browser and
    API client it logged in; access tokens already issued run out within their 15 minutes)."""
    async with ctx.db.system_tx() as tx:
        row = live(await session_of(ctx, tx, refresh_token, csrf))
        revoked = await repo.revoke_account_sessions(tx, row["account_id"], "logged out everywhere")
    return SessionsRevokedOut(revoked=revoked)


async def request_password_reset(ctx: Ctx, data: PasswordResetRequestIn, client: str) -> None:
    """Mail a reset link if the account exists; the answer is the same either way."""
    async with ctx.db.system_tx() as tx:
        account = await repo.account_by_email(tx, data.email)
        if account is None:
            await spend_mail_allowance(ctx, tx, data.email, client=client)  # as if mailed: the count tells nothing
            return
        token, token_hash = new_secret("sbp")
        await repo.insert_password_reset(tx, token_hash, account["id"], ctx.settings.password_reset_ttl)
        link = ctx.platform_url(f"/studio/reset-password?token={token}")
        await queue_mail(ctx, tx, account["email"], "Reset your password",
                         f"Someone asked to reset your password. If it was you, open:\n\n{link}\n\n"
                         f"The link works once, for {ctx.settings.password_reset_ttl // 60} minutes.", client=client)
    ctx.mail_queued()


async def reset_password(ctx: Ctx, data: PasswordResetIn) -> None:
    domain.check_password(data.password)
    new_hash = await asyncio.to_thread(ctx.passwords.hash, data.password)
    async with ctx.db.system_tx() as tx:
        row = await repo.password_reset_for_update(tx, digest(data.token))
        if row is None or row["used_at"] is not None or row["expires_at"] <= await repo.now(tx):
            raise Invalid("this reset link is not valid any more; ask for a new one")
        await repo.use_password_reset(tx, digest(data.token))
        await repo.update_password(tx, row["account_id"], new_hash)
        await repo.revoke_account_sessions(tx, row["account_id"], "password reset")


async def sweep_spent(ctx: Ctx) -> int:
    """Lapsed sign-ups (each with a password hash nobody confirmed), resets, refresh tokens,
    sent mail (it carried live links) and stale throttle counts: gone a week after they end."""
    async with ctx.db.system_tx() as tx:
        return await repo.sweep_spent(tx, ctx.settings.spent_kept_for)

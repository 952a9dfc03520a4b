"""Members, roles and invitations."""

from __future__ import annotations

import asyncio
import uuid

import asyncpg

from shared.auth import Caller, Role
from shared.contracts import MemberAddedV1, MemberRemovedV1, MemberRoleChangedV1
from shared.errors import Conflict, Invalid, NotFound, Unauthorized
from shared.messaging import add_event

from . import domain, repo
from .accounts import authenticate, open_session, queue_mail
from .context import Ctx
from .schemas import AcceptIn, InvitationOut, InviteIn, MemberOut, RoleIn, TokenOut
from .tokens import digest, new_secret


async def list_members(ctx: Ctx, caller: Caller) -> list[MemberOut]:
    tenant_id = caller.require(Role.VIEWER)
    async with ctx.db.tenant_tx(tenant_id) as tx:
        rows = await repo.members(tx)
    return [MemberOut(account_id=r["account_id"], email=r["email"], role=r["role"], since=r["created_at"])
            for r in rows]


async def _guard_last_owner(tx: asyncpg.Connection, account_id: uuid.UUID, new_role: str | None) -> str:
    """The member's current role; refuses to leave the tenant without an OWNER."""
    owners = await repo.owners_for_update(tx)  # locks them: concurrent demotions serialise here
    role = await repo.role_of(tx, account_id)
    if role is None:
        raise NotFound("no such member")
    if role == Role.OWNER.name and new_role != Role.OWNER.name and owners == [account_id]:
        raise Conflict("the last OWNER cannot leave or be demoted; make someone else OWNER first")
    return role


async def change_role(ctx: Ctx, caller: Caller, account_id: uuid.UUID, data: RoleIn) -> MemberOut:
    tenant_id = caller.require(Role.OWNER)
    async with ctx.db.tenant_tx(tenant_id) as tx:
        previous = await _guard_last_owner(tx, account_id, data.role)
        if previous != data.role:
            await repo.update_role(tx, account_id, data.role)
            await repo.audit(tx, tenant_id, caller.account_id, "member.role_changed",
                             account_id=str(account_id), role=data.role, previous_role=previous)
            await add_event(tx, MemberRoleChangedV1(tenant_id=tenant_id, account_id=account_id, role=data.role,
                                                    previous_role=previous))
        member = next(r for r in await repo.members(tx) if r["account_id"] == account_id)
    return MemberOut(account_id=account_id, email=member["email"], role=member["role"], since=member["created_at"])


async def remove_member(ctx: Ctx, caller: Caller, account_id: uuid.UUID) -> None:
    """An OWNER removes anyone; any member may remove themselves (leave)."""
    tenant_id = caller.require(Role.VIEWER if account_id == caller.account_id else Role.OWNER)
    async with ctx.db.tenant_tx(tenant_id) as tx:
        await _guard_last_owner(tx, account_id, None)
        await repo.delete_membership(tx, account_id)
        await repo.audit(tx, tenant_id, caller.account_id, "member.removed", account_id=str(account_id))
        await add_event(tx, MemberRemovedV1(tenant_id=tenant_id, account_id=account_id))


async def invite(ctx: Ctx, caller: Caller, data: InviteIn) -> InvitationOut:
    """A single-use, expiring invitation, mailed to the address: within the recipient's mail
    allowance and the tenant's hourly one, or 429 and nothing is written."""
    tenant_id = caller.require(Role.OWNER)
    assert caller.account_id is not None
    email = domain.check_email(data.email)
    token, token_hash = new_secret("sbi")
    async with ctx.db.tenant_tx(tenant_id) as tx:
        tenant = await repo.tenant(tx, tenant_id)
        assert tenant is not None
        existing = await repo.account_by_email(tx, email)
        if existing is not None and await repo.role_of(tx, existing["id"]) is not None:
            raise Conflict(f"{email} is already a member")
        row = await repo.insert_invitation(tx, tenant_id, email, data.role, token_hash, caller.account_id,
                                           ctx.settings.invitation_ttl)
        # The studio's page on the tenant's host: same origin as the API it accepts with.
        link = ctx.site_url(tenant["slug"], f"/studio/accept-invitation?token={token}")
        await queue_mail(ctx, tx, email, f"You are invited to {tenant['name']}",
                         f"You have been invited to {tenant['name']} as {data.role}.\n\nAccept: {link}\n\n"
                         f"The link works once and expires in {ctx.settings.invitation_ttl // 86400} days.",
                         tenant_id=tenant_id)
        await repo.audit(tx, tenant_id, caller.account_id, "member.invited", email=email, role=data.role)
    ctx.mail_queued()
    return InvitationOut(**dict(row))


async def list_invitations(ctx: Ctx, caller: Caller) -> list[InvitationOut]:
    return [InvitationOut(**dict(row)) for row in await ctx.db.all(caller.require(Role.OWNER), repo.invitations)]


async def revoke_invitation(ctx: Ctx, caller: Caller, invitation_id: uuid.UUID) -> None:
    tenant_id = caller.require(Role.OWNER)
    async with ctx.db.tenant_tx(tenant_id) as tx:
        if not await repo.revoke_invitation(tx, invitation_id):
            raise NotFound("no open invitation with that id")
        await repo.audit(tx, tenant_id, caller.account_id, "member.invitation_revoked",
                         invitation_id=str(invitation_id))


EXISTING_ACCOUNT = "this e-mail has an account: give its password, or none and log in later"


async def accept_invitation(ctx: Ctx, tenant_id: uuid.UUID, data: AcceptIn, client: str) -> TokenOut:
    """Join the tenant of the host; the credential is created if the e-mail has none. With a
    password (a new account's, or the existing one's, checked) the answer opens a session too.
    An existing account's password is checked as a log-in checks it, in the same throttle."""
    new_hash = None
    checked = False
    if data.password is not None:
        domain.check_password(data.password)
        async with ctx.db.tenant_tx(tenant_id) as tx:
            invitation = await repo.invitation_by_token_for_update(tx, digest(data.token))
            account = await repo.account_by_email(tx, invitation["email"]) if invitation else None
        if account is not None:
            try:
                await authenticate(ctx, invitation["email"], data.password, client)
            except Unauthorized:
                raise Invalid(EXISTING_ACCOUNT) from None
            checked = True
        else:
            new_hash = await asyncio.to_thread(ctx.passwords.hash, data.password)
    async with ctx.db.tenant_tx(tenant_id) as tx:
        invitation = await repo.invitation_by_token_for_update(tx, digest(data.token))
        now = await repo.now(tx)
        if invitation is None or invitation["revoked_at"] is not None:
            raise Invalid("this invitation is not valid")
        if invitation["accepted_at"] is not None:
            raise Conflict("this invitation was already used")
        if invitation["expires_at"] <= now:
            raise Invalid("this invitation has expired; ask for a new one")
        account = await repo.account_by_email(tx, invitation["email"])
        if account is None:
            if new_hash is None:
                raise Invalid("choose a password to create your account", errors=[{"field": "password"}])
            account_id = uuid.uuid4()
            await repo.insert_account(tx, account_id, invitation["email"], new_hash)
        else:
            account_id = account["id"]
            if data.password is not None and not checked:  # made since the check above
                raise Invalid(EXISTING_ACCOUNT)
        if await repo.role_of(tx, account_id) is not None:
            raise Conflict("you are already a member")
        await repo.accept_invitation(tx, invitation["id"])
        await repo.insert_membership(tx, tenant_id, account_id, invitation["role"])
        await repo.audit(tx, tenant_id, account_id, "member.joined", role=invitation["role"])
        await add_event(tx, MemberAddedV1(tenant_id=tenant_id, account_id=account_id, role=invitation["role"]))
        session = await open_session(ctx, tx, account_id) if data.password is not None else None
    return ctx.tokens.issue(account_id, tenant_id, invitation["role"], *(session or ()))

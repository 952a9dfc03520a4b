"""Identity's HTTP routes: parse, call one use case, answer."""

from __future__ import annotations

import uuid
from typing import Any

from litestar import Request, Response, delete, get, patch, post, put
from litestar.params import JSONBody

from shared.auth import Caller, NotTenantHost, Role
from shared.errors import Forbidden

from . import accounts, domains, exports, keys, members, tenants, theme
from .context import Ctx
from .schemas import (
    AcceptIn,
    ApiKeyIn,
    ApiKeyOut,
    AuditEntryOut,
    DomainIn,
    DomainOut,
    InvitationOut,
    InviteIn,
    LoginIn,
    MemberOut,
    MembershipOut,
    MeOut,
    PasswordResetIn,
    PasswordResetRequestIn,
    RefreshIn,
    RoleIn,
    SessionOut,
    SignupConfirmIn,
    SignupIn,
    SignupOut,
    SignupRequestedOut,
    TenantOut,
    TenantPatch,
    TenantTokenIn,
    TokenOut,
)


def client_address(request: Request[Any, Any, Any]) -> str:
    """The address the gateway saw (it appends it last to X-Forwarded-For)."""
    forwarded = request.headers.get("x-forwarded-for", "")
    return forwarded.rsplit(",", 1)[-1].strip() or (request.client.host if request.client else "")


def platform_only(caller: Caller) -> None:
    if caller.tenant_id is not None:
        raise Forbidden("use the platform's own host for this, not a tenant's")


def tenant_host(caller: Caller) -> uuid.UUID:
    if caller.tenant_id is None:
        raise NotTenantHost("use your site's host for this")
    return caller.tenant_id


# sign-up, log-in, sessions -------------------------------------------------------------


@post("/signup", status_code=202, summary="Ask for a tenant: a confirmation link is mailed "
                                          "(the answer never says if the e-mail has an account)")
async def sign_up(data: JSONBody[SignupIn], caller: Caller, ctx: Ctx,
                  request: Request[Any, Any, Any]) -> SignupRequestedOut:
    platform_only(caller)
    return await accounts.request_sign_up(ctx, data, client_address(request))


@post("/signup/confirm", status_code=201, summary="Open a mailed sign-up link: the tenant, its first owner, a session")
async def confirm_sign_up(data: JSONBody[SignupConfirmIn], caller: Caller, ctx: Ctx) -> SignupOut:
    platform_only(caller)
    return await accounts.confirm_sign_up(ctx, data)


@post("/login", status_code=200, summary="Log in: on the platform host a session, on a tenant host a token")
async def log_in(data: JSONBody[LoginIn], caller: Caller, ctx: Ctx,
                 request: Request[Any, Any, Any]) -> SessionOut | TokenOut:
    if caller.tenant_id is None:
        return await accounts.log_in(ctx, data, client_address(request))
    return await accounts.log_in_to_tenant(ctx, caller.tenant_id, data, client_address(request))


@post("/sessions/tenants", status_code=200, summary="The tenants this session may get tokens for")
async def session_tenants(data: JSONBody[RefreshIn], ctx: Ctx) -> list[MembershipOut]:
    return await accounts.session_tenants(ctx, data.refresh_token)


@post("/token", status_code=200, summary="An access token for one tenant; rotates the refresh token")
async def tenant_token(data: JSONBody[TenantTokenIn], ctx: Ctx) -> TokenOut:
    return await accounts.tenant_token(ctx, data)


@post("/logout", status_code=204, summary="End the session of this refresh token")
async def log_out(data: JSONBody[RefreshIn], ctx: Ctx) -> None:
    await accounts.log_out(ctx, data.refresh_token)


@post("/password-reset", status_code=202, summary="Mail a reset link (the answer never says if the e-mail exists)")
async def request_password_reset(data: JSONBody[PasswordResetRequestIn], ctx: Ctx,
                                 request: Request[Any, Any, Any]) -> None:
    await accounts.request_password_reset(ctx, data, client_address(request))


@post("/password-reset/confirm", status_code=204, summary="Set a new password with a reset token")
async def reset_password(data: JSONBody[PasswordResetIn], ctx: Ctx) -> None:
    await accounts.reset_password(ctx, data)


@get("/me", summary="The signed-in account in this tenant", sync_to_thread=False)
def me(caller: Caller) -> MeOut:
    tenant_id = caller.require(Role.VIEWER)
    assert caller.account_id is not None and caller.role is not None
    return MeOut(tenant_id=tenant_id, account_id=caller.account_id, role=caller.role)


@get("/.well-known/jwks.json", summary="Public keys that verify access tokens", sync_to_thread=False)
def jwks(ctx: Ctx) -> dict[str, list[dict[str, str]]]:
    return ctx.tokens.jwks()


# the tenant ---------------------------------------------------------------------------------


@get("/tenant", summary="This tenant")
async def get_tenant(caller: Caller, ctx: Ctx) -> TenantOut:
    return await tenants.get_tenant(ctx, caller)


@patch("/tenant", summary="Rename the tenant or change its slug (OWNER)")
async def update_tenant(data: JSONBody[TenantPatch], caller: Caller, ctx: Ctx) -> TenantOut:
    return await tenants.update_tenant(ctx, caller, data)


@put("/tenant/theme", summary="Choose a preset and what to override (OWNER); the preset fills the rest")
async def update_theme(data: JSONBody[dict[str, Any]], caller: Caller, ctx: Ctx) -> TenantOut:
    return await tenants.update_theme(ctx, caller, data)


@get("/theme/options", summary="Theme presets, allowed fonts and densities, for a theme picker (any member)",
     sync_to_thread=False)
def theme_options(caller: Caller) -> theme.ThemeOptions:
    caller.require(Role.VIEWER)
    return theme.options()


@delete("/tenant", status_code=200, summary="Delete the tenant after a grace period (OWNER)")
async def delete_tenant(caller: Caller, ctx: Ctx) -> TenantOut:
    return await tenants.delete_tenant(ctx, caller)


@get("/tenant/audit", summary="Security-relevant actions, newest first (OWNER)")
async def audit_log(caller: Caller, ctx: Ctx, limit: int = 100) -> list[AuditEntryOut]:
    return await tenants.audit_entries(ctx, caller, limit)


@get("/tenant/export", summary="All of the tenant's data, in every context, as one zip archive (OWNER)",
     media_type="application/zip")
async def export_tenant(caller: Caller, ctx: Ctx) -> Response[bytes]:
    name, archive = await exports.export_tenant(ctx, caller)
    return Response(archive, media_type="application/zip",
                    headers={"content-disposition": f'attachment; filename="{name}"'})


# members and invitations ----------------------------------------------------------------------


@get("/members", summary="Members of this tenant")
async def list_members(caller: Caller, ctx: Ctx) -> list[MemberOut]:
    return await members.list_members(ctx, caller)


@put("/members/{account_id:uuid}/role", summary="Change a member's role (OWNER)")
async def change_role(account_id: uuid.UUID, data: JSONBody[RoleIn], caller: Caller, ctx: Ctx) -> MemberOut:
    return await members.change_role(ctx, caller, account_id, data)


@delete("/members/{account_id:uuid}", status_code=204, summary="Remove a member (OWNER), or leave (yourself)")
async def remove_member(account_id: uuid.UUID, caller: Caller, ctx: Ctx) -> None:
    await members.remove_member(ctx, caller, account_id)


@post("/invitations", status_code=201, summary="Invite an e-mail with a role (OWNER)")
async def invite(data: JSONBody[InviteIn], caller: Caller, ctx: Ctx) -> InvitationOut:
    return await members.invite(ctx, caller, data)


@get("/invitations", summary="Invitations of this tenant (OWNER)")
async def list_invitations(caller: Caller, ctx: Ctx) -> list[InvitationOut]:
    return await members.list_invitations(ctx, caller)


@delete("/invitations/{invitation_id:uuid}", status_code=204, summary="Revoke an open invitation (OWNER)")
async def revoke_invitation(invitation_id: uuid.UUID, caller: Caller, ctx: Ctx) -> None:
    await members.revoke_invitation(ctx, caller, invitation_id)


@post("/invitations/accept", status_code=200, summary="Accept an invitation on the tenant's host")
async def accept_invitation(data: JSONBody[AcceptIn], caller: Caller, ctx: Ctx) -> TokenOut:
    return await members.accept_invitation(ctx, tenant_host(caller), data)


# API keys and domains ---------------------------------------------------------------------------


@post("/api-keys", status_code=201, summary="Create an API key; the key is shown only in this answer (OWNER)")
async def create_api_key(data: JSONBody[ApiKeyIn], caller: Caller, ctx: Ctx) -> ApiKeyOut:
    return await keys.create_api_key(ctx, caller, data)


@get("/api-keys", summary="API keys of this tenant, without the keys (OWNER)")
async def list_api_keys(caller: Caller, ctx: Ctx) -> list[ApiKeyOut]:
    return await keys.list_api_keys(ctx, caller)


@delete("/api-keys/{key_id:uuid}", status_code=204, summary="Revoke an API key (OWNER)")
async def revoke_api_key(key_id: uuid.UUID, caller: Caller, ctx: Ctx) -> None:
    await keys.revoke_api_key(ctx, caller, key_id)


@put("/domain", summary="Set the custom domain; returns the TXT record that proves ownership (OWNER)")
async def set_domain(data: JSONBody[DomainIn], caller: Caller, ctx: Ctx) -> DomainOut:
    return await domains.set_domain(ctx, caller, data)


@get("/domain", summary="The custom domain and its verification state")
async def get_domain(caller: Caller, ctx: Ctx) -> DomainOut:
    return await domains.get_domain(ctx, caller)


@post("/domain/verify", status_code=200, summary="Check the TXT record now (OWNER)")
async def verify_domain(caller: Caller, ctx: Ctx) -> DomainOut:
    return await domains.verify_domain(ctx, caller)


@delete("/domain", status_code=204, summary="Remove the custom domain; it stops resolving at once (OWNER)")
async def remove_domain(caller: Caller, ctx: Ctx) -> None:
    await domains.remove_domain(ctx, caller)


ROUTES = [sign_up, confirm_sign_up, log_in, session_tenants, tenant_token, log_out, request_password_reset,
          reset_password, me, jwks,
          get_tenant, update_tenant, update_theme, theme_options, delete_tenant, audit_log, export_tenant, list_members,
          change_role,
          remove_member, invite, list_invitations, revoke_invitation, accept_invitation, create_api_key,
          list_api_keys, revoke_api_key, set_domain, get_domain, verify_domain, remove_domain]

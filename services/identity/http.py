"""Identity's HTTP routes: parse, call one use case, answer."""

from __future__ import annotations

import uuid
from typing import Any, TypeVar

import msgspec
from litestar import Request, Response, delete, get, patch, post, put
from litestar.params import JSONBody

from shared.auth import Caller, NotTenantHost, Role
from shared.errors import Forbidden, Unauthorized
from shared.hostnames import SITE_ORIGIN_HEADER

from . import accounts, browser_sessions, domains, exports, handoffs, keys, members, tenants, theme
from .context import Ctx
from .schemas import (
    AcceptIn,
    ApiKeyIn,
    ApiKeyOut,
    AuditEntryOut,
    DomainIn,
    DomainOut,
    HandoffIn,
    HandoffOut,
    HandoffRedeemIn,
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
    SessionsRevokedOut,
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


# browser sessions (README: Browser sessions) -------------------------------------------

Answer = TypeVar("Answer", TokenOut, SessionOut, SignupOut)


def own_origin(request: Request[Any, Any, Any], caller: Caller, ctx: Ctx) -> str:
    """The origin of the host the request came to: the tenant's, as the gateway resolved it,
    or the platform's own."""
    if caller.tenant_id is not None:
        return request.headers.get(SITE_ORIGIN_HEADER, "")
    return ctx.settings.public_base_url


def session_token(data_token: str | None, request: Request[Any, Any, Any], caller: Caller,
                  ctx: Ctx) -> tuple[str, str | None]:
    """(refresh token, CSRF token) of a call: the token from a JSON body (no CSRF token: a
    page cannot make another site's page send it), or the browser session's cookie once the
    request passed the CSRF defences."""
    if data_token is not None:
        return data_token, None
    refresh, csrf = browser_sessions.cookie_call(request.headers, request.cookies, own_origin(request, caller, ctx))
    if not refresh:
        raise Unauthorized("no refresh_token in the body and no session cookie; log in")
    return refresh, csrf


def opens_cookie_session(request: Request[Any, Any, Any], caller: Caller, ctx: Ctx) -> bool:
    """Whether a call that opens a session asked for a browser's (`X-Session: cookie`); if so,
    from a page of this very host, checked before anything happens (nobody logs a visitor of
    another site into their own account)."""
    if not browser_sessions.wants_cookie(request.headers):
        return False
    browser_sessions.check_same_origin(request.headers, own_origin(request, caller, ctx))
    return True


def with_session(answer: Answer, request: Request[Any, Any, Any], caller: Caller, ctx: Ctx,
                 *, cookie: bool) -> Answer | Response[Answer]:
    """The session an answer carries, as the client takes it: in the JSON body (API clients),
    or in cookies, with the access token and the CSRF token in the body for the page to keep
    in memory (`cookie`: it asked with `X-Session: cookie`, or it refreshed by the cookie)."""
    token = answer.token if isinstance(answer, SignupOut) else answer
    if token.refresh_token is None or token.csrf_token is None:
        return answer
    if not cookie:
        return replace_token(answer, csrf_token=None)
    origin = own_origin(request, caller, ctx)
    cookies = browser_sessions.session_cookies(token.refresh_token, token.csrf_token,
                                               max_age=ctx.settings.refresh_token_ttl,
                                               secure=browser_sessions.cookies_secure(request.headers, origin))
    return Response(replace_token(answer, refresh_token=None), cookies=cookies)


def replace_token(answer: Answer, **changes: Any) -> Answer:
    if isinstance(answer, SignupOut):
        return msgspec.structs.replace(answer, token=msgspec.structs.replace(answer.token, **changes))
    return msgspec.structs.replace(answer, **changes)


def session_ended(request: Request[Any, Any, Any], caller: Caller, ctx: Ctx, answer: Any = None) -> Response[Any]:
    """An answer that also makes the browser forget its session cookies (harmless to a JSON client)."""
    secure = browser_sessions.cookies_secure(request.headers, own_origin(request, caller, ctx))
    return Response(answer, status_code=200 if answer is not None else 204,
                    cookies=browser_sessions.cleared_cookies(secure=secure))


# sign-up, log-in, sessions -------------------------------------------------------------


@post("/signup", status_code=202, summary="Ask for a tenant: a confirmation link is mailed "
                                          "(the answer never says if the e-mail has an account)")
async def sign_up(data: JSONBody[SignupIn], caller: Caller, ctx: Ctx,
                  request: Request[Any, Any, Any]) -> SignupRequestedOut:
    platform_only(caller)
    return await accounts.request_sign_up(ctx, data, client_address(request))


@post("/signup/confirm", status_code=201, summary="Open a mailed sign-up link: the tenant, its first owner, a session")
async def confirm_sign_up(data: JSONBody[SignupConfirmIn], caller: Caller, ctx: Ctx,
                          request: Request[Any, Any, Any]) -> SignupOut:
    platform_only(caller)
    cookie = opens_cookie_session(request, caller, ctx)
    return with_session(await accounts.confirm_sign_up(ctx, data), request, caller, ctx,  # type: ignore[return-value]
                        cookie=cookie)


@post("/login", status_code=200, summary="Log in: on the platform host a session, on a tenant host a token")
async def log_in(data: JSONBody[LoginIn], caller: Caller, ctx: Ctx,
                 request: Request[Any, Any, Any]) -> SessionOut | TokenOut:
    cookie = opens_cookie_session(request, caller, ctx)
    device = request.cookies.get(browser_sessions.DEVICE_COOKIE)
    if caller.tenant_id is None:
        answer: SessionOut | TokenOut = await accounts.log_in(ctx, data, client_address(request), device)
    else:
        answer = await accounts.log_in_to_tenant(ctx, caller.tenant_id, data, client_address(request), device)
    session = with_session(answer, request, caller, ctx, cookie=cookie)
    if isinstance(session, Response):  # a browser: now one the account logged in from, with a count of its own
        secure = browser_sessions.cookies_secure(request.headers, own_origin(request, caller, ctx))
        session.cookies.append(browser_sessions.device_cookie(accounts.new_device_token(ctx, data.email),
                                                              secure=secure))
    return session  # type: ignore[return-value]


@post("/sessions/tenants", status_code=200, summary="The tenants this session may get tokens for")
async def session_tenants(data: JSONBody[RefreshIn], caller: Caller, ctx: Ctx,
                          request: Request[Any, Any, Any]) -> list[MembershipOut]:
    return await accounts.session_tenants(ctx, *session_token(data.refresh_token, request, caller, ctx))


@post("/token", status_code=200, summary="An access token for one tenant; rotates the refresh token")
async def tenant_token(data: JSONBody[TenantTokenIn], caller: Caller, ctx: Ctx,
                       request: Request[Any, Any, Any]) -> TokenOut:
    refresh, csrf = session_token(data.refresh_token, request, caller, ctx)
    token = await accounts.tenant_token(ctx, data.tenant_id, refresh, csrf)
    return with_session(token, request, caller, ctx, cookie=csrf is not None)  # type: ignore[return-value]


@post("/logout", status_code=204, summary="End the session of this refresh token (or of the browser's cookie)")
async def log_out(data: JSONBody[RefreshIn], caller: Caller, ctx: Ctx, request: Request[Any, Any, Any]) -> None:
    await accounts.log_out(ctx, *session_token(data.refresh_token, request, caller, ctx))
    return session_ended(request, caller, ctx)  # type: ignore[return-value]


@post("/sessions/revoke-all", status_code=200,
      summary="Log out everywhere: end every session of this refresh token's account (or the browser cookie's)")
async def log_out_everywhere(data: JSONBody[RefreshIn], caller: Caller, ctx: Ctx,
                             request: Request[Any, Any, Any]) -> SessionsRevokedOut:
    revoked = await accounts.log_out_everywhere(ctx, *session_token(data.refresh_token, request, caller, ctx))
    return session_ended(request, caller, ctx, revoked)  # type: ignore[return-value]


@post("/handoffs", status_code=201,
      summary="From the platform host: a one-time code (a minute, once) that signs this session's account in "
              "on one of its sites' hosts, and that host's page which redeems it")
async def create_handoff(data: JSONBody[HandoffIn], caller: Caller, ctx: Ctx,
                         request: Request[Any, Any, Any]) -> HandoffOut:
    # Only the platform's host hands off: a page on one site's host (its published pages share
    # the origin) never gets a way into the account's other sites.
    platform_only(caller)
    return await handoffs.create_handoff(ctx, data.tenant_id, *session_token(data.refresh_token, request, caller, ctx))


@post("/handoffs/redeem", status_code=200,
      summary="On a site's host: trade a hand-off code made for this site for a session (cookies with X-Session)")
async def redeem_handoff(data: JSONBody[HandoffRedeemIn], caller: Caller, ctx: Ctx,
                         request: Request[Any, Any, Any]) -> TokenOut:
    cookie = opens_cookie_session(request, caller, ctx)
    token = await handoffs.redeem_handoff(ctx, tenant_host(caller), data)
    return with_session(token, request, caller, ctx, cookie=cookie)  # type: ignore[return-value]


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
async def accept_invitation(data: JSONBody[AcceptIn], caller: Caller, ctx: Ctx,
                            request: Request[Any, Any, Any]) -> TokenOut:
    cookie = opens_cookie_session(request, caller, ctx)
    token = await members.accept_invitation(ctx, tenant_host(caller), data, client_address(request))
    return with_session(token, request, caller, ctx, cookie=cookie)  # type: ignore[return-value]


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


ROUTES = [sign_up, confirm_sign_up, log_in, session_tenants, tenant_token, log_out, log_out_everywhere,
          create_handoff, redeem_handoff,
          request_password_reset,
          reset_password, me, jwks,
          get_tenant, update_tenant, update_theme, theme_options, delete_tenant, audit_log, export_tenant, list_members,
          change_role,
          remove_member, invite, list_invitations, revoke_invitation, accept_invitation, create_api_key,
          list_api_keys, revoke_api_key, set_domain, get_domain, verify_domain, remove_domain]

"""The gateway's routes: API proxying by host and token, and (later) the public site."""

from __future__ import annotations

from typing import Any

from litestar import Request, Response, get, post, route
from litestar.datastructures import State
from litestar.response import Stream

from shared.auth import Caller
from shared.errors import NotFound

from .hosts import PLATFORM, Tenant
from .proxy import forward

ALL_METHODS = ["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"]


async def resolve_tenant(request: Request[Any, Any, Any], state: State) -> Tenant | str:
    host = request.headers.get("host", "")
    forwarded = request.headers.get("x-forwarded-host")
    if forwarded and request.client and request.client.host in state.settings.trusted_proxies:
        host = forwarded.split(",")[0]
    tenant = await state.hosts.resolve(host)
    if tenant is None:
        raise NotFound(f"no site is served at {host!r}")
    return tenant


@route("/api/{service:str}/{path:path}", http_method=ALL_METHODS, include_in_schema=False)
async def proxy_api(request: Request[Any, Any, Any], state: State, service: str, path: str) -> Stream:
    base_url = state.settings.upstreams().get(service)
    if base_url is None:
        raise NotFound(f"no service named {service!r}")
    site = await resolve_tenant(request, state)
    tenant_id = site.id if isinstance(site, Tenant) else None
    principal = await state.edge_auth.authenticate(request.headers.get("authorization"), tenant_id)
    # On the platform host a token names no tenant to act in: the caller stays anonymous.
    acting = principal if principal is not None and tenant_id is not None else None
    caller = Caller(tenant_id=tenant_id, account_id=acting.id if acting else None,
                    role=acting.role if acting else None, request_id=request.scope["state"]["request_id"])
    return await forward(state.http, request, base_url=base_url, path=path, caller=caller,
                         secret=state.settings.internal_secret, timeout=state.settings.upstream_timeout,
                         body_limit=state.settings.body_limit(service))


@get("/health", include_in_schema=False, sync_to_thread=False)
def health() -> dict[str, str]:
    return {"status": "ok"}


@route(["/", "/{path:path}"], http_method=["GET", "HEAD"], include_in_schema=False)
async def site_page(request: Request[Any, Any, Any], state: State, path: str = "/") -> Response[Any] | Stream:
    """Everything outside /api on a tenant's host is its public site, rendered by cms."""
    site = await resolve_tenant(request, state)
    if site == PLATFORM:
        return Response({"service": "sitebuilder platform", "signup": "/api/identity/signup"})
    assert isinstance(site, Tenant)
    caller = Caller(tenant_id=site.id, request_id=request.scope["state"]["request_id"])
    if path.startswith("/assets/"):  # the site's images, from the media library
        return await forward(state.http, request, base_url=state.settings.assets_url,
                             path="/files/" + path.removeprefix("/assets/"), caller=caller,
                             secret=state.settings.internal_secret, timeout=state.settings.upstream_timeout,
                             body_limit=0)
    return await forward(state.http, request, base_url=state.settings.cms_url, path=f"/site{path}", caller=caller,
                         secret=state.settings.internal_secret, timeout=state.settings.upstream_timeout,
                         body_limit=0)


@post("/__forms", include_in_schema=False)
async def site_form(request: Request[Any, Any, Any], state: State) -> Stream:
    """A visitor's contact-form post on a tenant's host, for cms to store."""
    site = await resolve_tenant(request, state)
    if not isinstance(site, Tenant):
        raise NotFound("forms live on a site's host")
    caller = Caller(tenant_id=site.id, request_id=request.scope["state"]["request_id"])
    return await forward(state.http, request, base_url=state.settings.cms_url, path="/site/__forms", caller=caller,
                         secret=state.settings.internal_secret, timeout=state.settings.upstream_timeout,
                         body_limit=16_384)


ROUTES = [proxy_api, health, site_page, site_form]

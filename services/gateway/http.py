"""The gateway's routes: API proxying by host and token, the public sites (cached), and the
TLS `ask` answer for Caddy."""

from __future__ import annotations

from typing import Any

from litestar import Request, Response, get, post, route
from litestar.datastructures import State
from litestar.response import Stream

from shared.auth import Caller
from shared.errors import AppError, BadRequest, NotFound
from shared.hostnames import NotAHost, parse_host_header
from shared.metrics import PAGE_CACHE
from shared.telemetry import set_tenant

from .edge import client_address, cors_headers
from .hosts import PLATFORM, Tenant, requested_host
from .page_cache import Entry, PageCache
from .proxy import drain, fetch, forward

# The services' own routes, for operators on their own ports, never for the public. Checked
# on the normalised path (services/gateway/paths.py); each service also refuses them to any
# request the gateway signed (shared/web.py GatewayOnly), in case one slips past this list.
OPERATOR_ROUTES = frozenset({"metrics", "health", "ready", "schema"})
ALL_METHODS = ["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"]


async def resolve_tenant(request: Request[Any, Any, Any], state: State) -> Tenant | str:
    """The tenant (or the platform) the request's host names. The client's rate is checked
    first, then the Host header against the grammar (400 outside it), and only then is the
    host looked up; X-Forwarded-Host counts only from a trusted proxy."""
    await state.limits.check_address(address_of(request, state))
    headers = request.scope["headers"]
    forwarded = next((value for name, value in headers if name == b"x-forwarded-host"), None)
    peer = request.client.host if request.client else ""
    try:
        host = requested_host([value for name, value in headers if name == b"host"],
                               forwarded if peer in state.proxies else None)
    except NotAHost as exc:
        raise BadRequest(str(exc)) from None
    tenant = await state.hosts.resolve(host)
    if tenant is None:
        raise NotFound(f"no site is served at {host.name!r}")
    if isinstance(tenant, Tenant):
        await state.limits.check_tenant(tenant.id)
        request.scope["state"]["site_origin"] = tenant.origin
        set_tenant(tenant.id)
    return tenant


def address_of(request: Request[Any, Any, Any], state: State) -> str:
    peer = request.client.host if request.client else ""
    return client_address(peer, request.headers.get("x-forwarded-for", ""), state.proxies)


def operator_route(path: str) -> bool:
    """Whether a (normalised) path under /api/<service> names one of the operator routes."""
    return path.lstrip("/").split("/", 1)[0] in OPERATOR_ROUTES


@route("/api/{service:str}/{path:path}", http_method=ALL_METHODS, include_in_schema=False)
async def proxy_api(request: Request[Any, Any, Any], state: State, service: str, path: str) -> Stream:
    upstream = state.pools.get(service)
    if upstream is None or operator_route(path):
        raise NotFound(f"no such route: /api/{service}/{path.strip('/')}")
    site = await resolve_tenant(request, state)
    cors = cors_headers(request.headers.get("origin", ""), state.editor_origins,
                        preflight=request.method == "OPTIONS")
    if request.method == "OPTIONS" and "access-control-request-method" in request.headers:
        return Response(b"", status_code=204 if cors else 403, headers=cors)  # type: ignore[return-value]
    tenant_id = site.id if isinstance(site, Tenant) else None
    try:
        principal = await state.edge_auth.authenticate(request.headers.get("authorization"), tenant_id)
    except AppError:
        # Refused before the body was read: read it first (to a cap), or a client still
        # sending an upload sees a reset connection instead of the 401/403.
        await drain(request)
        raise
    # On the platform host a token names no tenant to act in: the caller stays anonymous.
    acting = principal if principal is not None and tenant_id is not None else None
    caller = Caller(tenant_id=tenant_id, account_id=acting.id if acting else None,
                    role=acting.role if acting else None, request_id=request.scope["state"]["request_id"])
    return await forward(state.http, request, upstream=upstream, path=path, caller=caller,
                         secret=state.settings.internal_secret, timeout=state.settings.upstream_timeout,
                         body_limit=state.settings.body_limit(service), extra_headers=cors)


@get("/health", include_in_schema=False, sync_to_thread=False)
def health() -> dict[str, str]:
    return {"status": "ok"}


@route(["/", "/{path:path}"], http_method=["GET", "HEAD"], include_in_schema=False)
async def site_page(request: Request[Any, Any, Any], state: State, path: str = "/") -> Response[Any] | Stream:
    """Everything outside /api on a tenant's host is its public site, rendered by cms."""
    site = await resolve_tenant(request, state)
    if site == PLATFORM:
        if path != "/":
            raise NotFound("the platform's host serves no pages; sites live on their own hosts")
        return Response({"service": "sitebuilder platform", "signup": "/api/identity/signup"})
    assert isinstance(site, Tenant)
    caller = Caller(tenant_id=site.id, request_id=request.scope["state"]["request_id"])
    if path.startswith("/assets/"):  # the site's images, from the media library
        return await forward(state.http, request, upstream=state.pools["assets"],
                             path="/files/" + path.removeprefix("/assets/"), caller=caller,
                             secret=state.settings.internal_secret, timeout=state.settings.upstream_timeout,
                             body_limit=0)
    cache: PageCache = state.pages
    key = cache.key(site.id, path, request.url.query, request.headers)
    entry = cache.get(key) if key is not None else None
    hit = entry is not None
    PAGE_CACHE.labels("hit" if hit else "miss").inc()
    if entry is None:
        epoch = cache.epoch(site.id)
        fetched = await fetch(state.http, request, upstream=state.pools["cms"],
                              path=f"/site{path}",
                              caller=caller, secret=state.settings.internal_secret,
                              timeout=state.settings.upstream_timeout)
        if not isinstance(fetched, tuple):
            return fetched
        status, headers, body = fetched
        entry = cache.put(key, status, headers, body, epoch) if key is not None else \
            Entry(status=status, headers=headers, body=body, expires=0, encoded={})
    return cached_response(cache, entry, request, hit)


def cached_response(cache: PageCache, entry: Entry, request: Request[Any, Any, Any], hit: bool) -> Response[bytes]:
    """The entry for this client: 304 when its ETag matches, compressed when it accepts it."""
    etag = entry.headers.get("etag")
    if etag and etag in request.headers.get("if-none-match", ""):
        headers = entry.headers_for(None, hit=hit)
        headers.pop("content-type", None)
        return Response(b"", status_code=304, headers=headers)
    coding = cache.coding_for(entry, request.headers.get("accept-encoding", ""))
    headers = entry.headers_for(coding, hit=hit)
    body = entry.encoded[coding] if coding else entry.body
    # content-type stays a header: as media_type, Litestar would add a second charset.
    return Response(b"" if request.method == "HEAD" else body, status_code=entry.status, headers=headers)


async def visitor_post(request: Request[Any, Any, Any], state: State, service: str, path: str,
                       body_limit: int) -> Stream:
    """A visitor's form on a tenant's site (no token: the caller is the host's tenant)."""
    site = await resolve_tenant(request, state)
    if not isinstance(site, Tenant):
        raise NotFound("this form lives on a site's host")
    caller = Caller(tenant_id=site.id, request_id=request.scope["state"]["request_id"])
    return await forward(state.http, request, upstream=state.pools[service], path=path, caller=caller,
                         secret=state.settings.internal_secret, timeout=state.settings.upstream_timeout,
                         body_limit=body_limit)


@post("/__forms", include_in_schema=False)
async def site_form(request: Request[Any, Any, Any], state: State) -> Stream:
    """A contact form, for cms to store."""
    return await visitor_post(request, state, "cms", "/site/__forms", 16_384)


@post("/__checkout", include_in_schema=False)
async def site_checkout(request: Request[Any, Any, Any], state: State) -> Stream:
    """A Buy button, for billing to turn into a Checkout page."""
    return await visitor_post(request, state, "billing", "/storefront/checkout-form", 4096)


@get("/__tls/ask", include_in_schema=False)
async def tls_ask(request: Request[Any, Any, Any], state: State, domain: str = "") -> Response[bytes]:
    """Caddy's on-demand TLS asks before it gets a certificate: yes only for the platform's
    own host, a tenant's subdomain, and a verified custom domain (never for strangers, who
    would make it spend Let's Encrypt's rate limits). Rate-limited like any client: each
    unknown name costs identity a lookup."""
    await state.limits.check_address(address_of(request, state))
    try:
        known = await state.hosts.resolve(parse_host_header(domain))
    except NotAHost:
        known = None
    return Response(b"", status_code=200 if known is not None else 404)


ROUTES = [proxy_api, health, site_page, site_form, site_checkout, tls_ask]

"""The gateway's routes: API proxying by host and token, a site's images and visitors' forms,
and the TLS `ask` answer for Caddy. A site's pages are answered before routing (pages.py)."""

from __future__ import annotations

from typing import Any

from litestar import Request, Response, get, post, route
from litestar.response import Stream

from shared.auth import Caller
from shared.errors import AppError, NotFound
from shared.hostnames import NotAHost, parse_host_header
from shared.telemetry import set_tenant

from .context import Ctx
from .edge import Visitor, admit, cors_headers
from .hosts import PLATFORM, Tenant
from .proxy import drain, forward

# The services' own routes, for operators on their own ports, never for the public. Checked
# on the normalised path (services/gateway/paths.py); each service also refuses them to any
# request the gateway signed (shared/web.py GatewayOnly), in case one slips past this list.
OPERATOR_ROUTES = frozenset({"metrics", "health", "ready", "schema"})
ALL_METHODS = ["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"]


async def resolve_tenant(request: Request[Any, Any, Any], ctx: Ctx) -> Tenant | str:
    """The tenant (or the platform) the request's host names, once admitted (edge.admit)."""
    visitor = Visitor(request.scope, ctx.proxies)
    site = await admit(visitor, ctx.limits, ctx.hosts)
    # The scheme as the door decided it (a client's own X-Forwarded-Proto never passes):
    # identity marks its session cookies Secure by it.
    request.scope["state"]["forwarded_proto"] = "https" if visitor.tls else "http"
    if isinstance(site, Tenant):
        request.scope["state"]["site_origin"] = site.origin
        set_tenant(site.id)
    return site


def operator_route(path: str) -> bool:
    """Whether a (normalised) path under /api/<service> names one of the operator routes."""
    return path.lstrip("/").split("/", 1)[0] in OPERATOR_ROUTES


@route("/api/{service:str}/{path:path}", http_method=ALL_METHODS, include_in_schema=False)
async def proxy_api(request: Request[Any, Any, Any], ctx: Ctx, service: str, path: str) -> Stream:
    upstream = ctx.pools.get(service)
    if upstream is None or operator_route(path):
        raise NotFound(f"no such route: /api/{service}/{path.strip('/')}")
    site = await resolve_tenant(request, ctx)
    cors = cors_headers(request.headers.get("origin", ""), ctx.editor_origins,
                        preflight=request.method == "OPTIONS")
    if request.method == "OPTIONS" and "access-control-request-method" in request.headers:
        return Response(b"", status_code=204 if cors else 403, headers=cors)  # type: ignore[return-value]
    tenant_id = site.id if isinstance(site, Tenant) else None
    try:
        principal = await ctx.edge_auth.authenticate(request.headers.get("authorization"), tenant_id)
    except AppError:
        # Refused before the body was read: read it first (to a cap), or a client still
        # sending an upload sees a reset connection instead of the 401/403.
        await drain(request)
        raise
    # On the platform host a token names no tenant to act in: the caller stays anonymous.
    acting = principal if principal is not None and tenant_id is not None else None
    caller = Caller(tenant_id=tenant_id, account_id=acting.id if acting else None,
                    role=acting.role if acting else None, request_id=request.scope["state"]["request_id"])
    return await forward(ctx.http, request, upstream=upstream, path=path, caller=caller,
                         secret=ctx.settings.internal_secret, timeout=ctx.settings.upstream_timeout,
                         body_limit=ctx.settings.body_limit(service), extra_headers=cors)


@get("/health", include_in_schema=False, sync_to_thread=False)
def health() -> dict[str, str]:
    return {"status": "ok"}


@route(["/", "/{path:path}"], http_method=["GET", "HEAD"], include_in_schema=False)
async def site_asset(request: Request[Any, Any, Any], ctx: Ctx, path: str = "/") -> Stream:
    """A site's images, from the media library. Its pages never get here: pages.py answers
    them before routing (this route keeps other methods on a page's address a 405)."""
    site = await resolve_tenant(request, ctx)
    if not isinstance(site, Tenant) or not path.startswith("/assets/"):
        raise NotFound("the platform's host serves no pages; sites live on their own hosts"
                       if site == PLATFORM else f"no such route: {path}")
    caller = Caller(tenant_id=site.id, request_id=request.scope["state"]["request_id"])
    return await forward(ctx.http, request, upstream=ctx.pools["assets"],
                         path="/files/" + path.removeprefix("/assets/"), caller=caller,
                         secret=ctx.settings.internal_secret, timeout=ctx.settings.upstream_timeout,
                         body_limit=0)


async def visitor_post(request: Request[Any, Any, Any], ctx: Ctx, service: str, path: str,
                       body_limit: int) -> Stream:
    """A visitor's form on a tenant's site (no token: the caller is the host's tenant)."""
    site = await resolve_tenant(request, ctx)
    if not isinstance(site, Tenant):
        raise NotFound("this form lives on a site's host")
    caller = Caller(tenant_id=site.id, request_id=request.scope["state"]["request_id"])
    return await forward(ctx.http, request, upstream=ctx.pools[service], path=path, caller=caller,
                         secret=ctx.settings.internal_secret, timeout=ctx.settings.upstream_timeout,
                         body_limit=body_limit)


@post("/__forms", include_in_schema=False)
async def site_form(request: Request[Any, Any, Any], ctx: Ctx) -> Stream:
    """A contact form, for cms to store. cms answers a browser with a page in the site's
    design (what to fix, with status 422 or 429, or a redirect to the thank-you below) and
    a JSON client with JSON."""
    return await visitor_post(request, ctx, "cms", "/site/__forms", 16_384)


@get("/__forms", include_in_schema=False)
async def site_form_sent(request: Request[Any, Any, Any], ctx: Ctx) -> Stream:
    """The thank-you page a sent form redirects to (never cached: it is not a page of the site)."""
    return await visitor_post(request, ctx, "cms", "/site/__forms", 0)


@post("/__checkout", include_in_schema=False)
async def site_checkout(request: Request[Any, Any, Any], ctx: Ctx) -> Stream:
    """A Buy button, for billing to turn into a Checkout page (or, refused, into a redirect
    to the page below; a JSON client gets the problem)."""
    return await visitor_post(request, ctx, "billing", "/storefront/checkout-form", 4096)


@get("/__checkout", include_in_schema=False)
async def site_checkout_refused(request: Request[Any, Any, Any], ctx: Ctx) -> Stream:
    """Why a Buy button did not lead to Stripe: cms's page in the site's design (never cached)."""
    return await visitor_post(request, ctx, "cms", "/checkout-refused", 0)


@get("/__tls/ask", include_in_schema=False)
async def tls_ask(request: Request[Any, Any, Any], ctx: Ctx, domain: str = "") -> Response[bytes]:
    """Caddy's on-demand TLS asks before it gets a certificate: yes only for the platform's
    own host, a tenant's subdomain, and a verified custom domain (never for strangers, who
    would make it spend Let's Encrypt's rate limits). Rate-limited like any client: each
    unknown name costs identity a lookup."""
    await ctx.limits.check_address(Visitor(request.scope, ctx.proxies).address)
    try:
        known = await ctx.hosts.resolve(parse_host_header(domain))
    except NotAHost:
        known = None
    return Response(b"", status_code=200 if known is not None else 404)


ROUTES = [proxy_api, health, site_asset, site_form, site_form_sent, site_checkout, site_checkout_refused, tls_ask]

"""Wires the gateway process: no database, only NATS (host map) and pooled HTTP clients.

As served, a request meets the door first (door.py: its Host by the grammar, its path
normalised, or 400), then the cache fast path (fast_pages.py), then the app. Prometheus
reads the gateway's metrics on a listener of their own (METRICS_PORT), never on the public
one."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import aiohttp
import prometheus_client
from litestar import Litestar
from litestar.types import ASGIApp, Receive, Scope, Send

from shared import settings as settings_loader
from shared.auth import H_REQUEST_ID
from shared.errors import EXCEPTION_HANDLERS
from shared.messaging import connect_nats
from shared.metrics import red_metrics
from shared.telemetry import setup_logging, setup_tracing, traced_http

from .door import front_door
from .edge import Proxies, RateLimits, security_headers
from .edge_auth import EdgeAuth
from .fast_pages import cached_pages_first
from .hosts import HostResolver
from .http import ROUTES
from .page_cache import PageCache
from .settings import Settings
from .upstreams import check_health, pools


def request_ids(app: ASGIApp) -> ASGIApp:
    """Keeps a well-formed incoming X-Request-Id or makes one; echoes it on the response."""

    async def middleware(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await app(scope, receive, send)
            return
        incoming = dict(scope["headers"]).get(H_REQUEST_ID.encode(), b"").decode("latin-1")
        request_id = incoming if 0 < len(incoming) <= 128 and incoming.isprintable() else uuid.uuid4().hex
        scope.setdefault("state", {})["request_id"] = request_id

        async def send_with_id(message: dict) -> None:  # type: ignore[type-arg]
            if message["type"] == "http.response.start":
                message["headers"] = [*message.get("headers", []), (H_REQUEST_ID.encode(), request_id.encode())]
            await send(message)

        await app(scope, receive, send_with_id)

    return middleware


def create_app(settings: Settings) -> Litestar:
    @asynccontextmanager
    async def lifespan(app: Litestar) -> AsyncIterator[None]:
        setup_tracing("gateway", environment=settings.environment)
        setup_logging("gateway")
        nc = await connect_nats(settings.nats_url, name="gateway")
        connector = aiohttp.TCPConnector(limit=512, limit_per_host=256, keepalive_timeout=30)
        session = aiohttp.ClientSession(connector=connector, auto_decompress=False)
        app.state.http = session
        app.state.hosts = HostResolver(nc, platform_domain=settings.platform_domain,
                                       public_base_url=settings.public_base_url,
                                       ttl=settings.host_cache_ttl, negative_ttl=settings.negative_cache_ttl)
        await app.state.hosts.start()
        app.state.pages = PageCache(max_bytes=settings.page_cache_bytes, ttl=settings.page_cache_ttl)
        await app.state.pages.start(nc)
        app.state.pools = pools(settings.upstreams())
        health = asyncio.create_task(check_health(session, app.state.pools, settings.health_check_interval))
        app.state.edge_auth = EdgeAuth(session, nc, settings.identity_url.rstrip("/") + "/.well-known/jwks.json")
        scrape = prometheus_client.start_http_server(settings.metrics_port, addr=settings.metrics_host) \
            if settings.metrics_port else None
        try:
            yield
        finally:
            if scrape is not None:
                scrape[0].shutdown()
            health.cancel()
            await session.close()
            await nc.drain()

    # Body limits are the proxy's, per upstream (settings.body_limit), not Litestar's global one.
    proxies = Proxies(settings.trusted_proxies)

    def secured(app: ASGIApp) -> ASGIApp:
        return security_headers(app, trusted=proxies)

    app = Litestar(route_handlers=ROUTES, lifespan=[lifespan],
                   middleware=[secured, request_ids, red_metrics("gateway")], plugins=[traced_http()],
                   request_max_body_size=None,
                   exception_handlers=EXCEPTION_HANDLERS,  # type: ignore[arg-type]
                   openapi_config=None)
    app.state.settings = settings
    app.state.limits = RateLimits(per_address=settings.rate_limit_per_address,
                                  per_tenant=settings.rate_limit_per_tenant)
    app.state.editor_origins = set(settings.editor_origins)
    app.state.proxies = proxies
    return app


def create_app_with_fast_pages(settings: Settings) -> ASGIApp:
    """The gateway as served: the Host header and the path checked first (door.py), then
    cache hits answered before the app (fast_pages.py)."""
    app = create_app(settings)
    return front_door(cached_pages_first(app, app.state))


def create_app_from_env() -> ASGIApp:
    return create_app_with_fast_pages(settings_loader.load_or_exit(Settings))

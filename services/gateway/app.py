"""Wires the gateway process: no database, only NATS (host map) and pooled HTTP clients.

As served, a request meets the door first (door.py: its Host by the grammar, its path
normalised, or 400), then the page path (pages.py: every page, cached or not), then the app. Prometheus
reads the gateway's metrics on a listener of their own (METRICS_PORT), never on the public
one."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import aiohttp
import prometheus_client
from litestar import Litestar
from litestar.di import Provide
from litestar.types import ASGIApp, Receive, Scope, Send

from shared import settings as settings_loader
from shared.auth import H_REQUEST_ID
from shared.errors import EXCEPTION_HANDLERS
from shared.messaging import connect_nats
from shared.metrics import red_metrics
from shared.telemetry import setup_logging, setup_tracing, traced_http

from .api_docs import API_DOC_ROUTES
from .context import Ctx, Opened
from .door import front_door
from .edge import Proxies, RateLimits, request_id_of, security_headers
from .edge_auth import EdgeAuth
from .hosts import HostResolver
from .http import ROUTES
from .live_pages import LiveReplica
from .page_cache import PageCache
from .pages import pages_first
from .settings import Settings
from .studio import studio_first
from .upstreams import check_health, pools


def request_ids(app: ASGIApp) -> ASGIApp:
    """Keeps a well-formed incoming X-Request-Id or makes one; echoes it on the response."""

    async def middleware(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await app(scope, receive, send)
            return
        request_id = request_id_of(dict(scope["headers"]).get(H_REQUEST_ID.encode(), b""))
        scope.setdefault("state", {})["request_id"] = request_id

        async def send_with_id(message: dict) -> None:  # type: ignore[type-arg]
            if message["type"] == "http.response.start":
                message["headers"] = [*message.get("headers", []), (H_REQUEST_ID.encode(), request_id.encode())]
            await send(message)

        await app(scope, receive, send_with_id)

    return middleware


def create_app(settings: Settings, opened: Opened | None = None) -> Litestar:
    """The gateway's routes; `opened` receives the context once the lifespan has built it."""
    opened = opened or Opened()
    proxies = Proxies(settings.trusted_proxies)
    limits = RateLimits(per_address=settings.rate_limit_per_address, per_tenant=settings.rate_limit_per_tenant)

    @asynccontextmanager
    async def lifespan(app: Litestar) -> AsyncIterator[None]:
        setup_tracing("gateway", environment=settings.environment)
        setup_logging("gateway")
        nc = await connect_nats(settings.nats_url, name="gateway")
        connector = aiohttp.TCPConnector(limit=512, limit_per_host=256, keepalive_timeout=30)
        session = aiohttp.ClientSession(connector=connector, auto_decompress=False)
        hosts = HostResolver(nc, platform_domain=settings.platform_domain, public_base_url=settings.public_base_url,
                             ttl=settings.host_cache_ttl, negative_ttl=settings.negative_cache_ttl)
        await hosts.start()
        pages = PageCache(max_bytes=settings.page_cache_bytes, ttl=settings.page_cache_ttl)
        await pages.start(nc)
        live = LiveReplica(nc, timeout=settings.live_replica_timeout)
        await live.start(pages)
        upstream_pools = pools(settings.upstreams())
        health = asyncio.create_task(check_health(session, upstream_pools, settings.health_check_interval))
        opened.open(Ctx(settings=settings, http=session, hosts=hosts, pages=pages, live=live, pools=upstream_pools,
                        edge_auth=EdgeAuth(session, nc, settings.identity_url.rstrip("/") + "/.well-known/jwks.json"),
                        limits=limits, proxies=proxies, editor_origins=frozenset(settings.editor_origins)))
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
    def secured(app: ASGIApp) -> ASGIApp:
        return security_headers(app, trusted=proxies)

    return Litestar(route_handlers=[*API_DOC_ROUTES, *ROUTES], lifespan=[lifespan],
                    middleware=[secured, request_ids, red_metrics("gateway")], plugins=[traced_http()],
                    dependencies={"ctx": Provide(opened.ctx, sync_to_thread=False)},
                    request_max_body_size=None,
                    exception_handlers=EXCEPTION_HANDLERS,  # type: ignore[arg-type]
                    openapi_config=None)


def create_app_with_pages(settings: Settings) -> ASGIApp:
    """The gateway as served: the Host header and the path checked first (door.py), then
    the studio (studio.py) and pages answered before the app (pages.py)."""
    opened = Opened()
    return front_door(studio_first(pages_first(create_app(settings, opened), opened), opened))


def create_app_from_env() -> ASGIApp:
    return create_app_with_pages(settings_loader.load_or_exit(Settings))

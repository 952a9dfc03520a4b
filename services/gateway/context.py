"""What the gateway's routes and its page path need, built once per process in app.py. The
gateway has no database: its context is its settings, the HTTP pool to the services, the host
map, the page cache, cms's live replica, identity's keys, the rate limits and the proxies it trusts."""

from __future__ import annotations

from dataclasses import dataclass

import aiohttp

from .edge import Proxies, RateLimits
from .edge_auth import EdgeAuth
from .hosts import HostResolver
from .live_pages import LiveReplica
from .page_cache import PageCache
from .settings import Settings
from .upstreams import Pool


@dataclass(frozen=True, kw_only=True)
class Ctx:
    settings: Settings
    http: aiohttp.ClientSession
    hosts: HostResolver
    pages: PageCache
    live: LiveReplica
    pools: dict[str, Pool]
    edge_auth: EdgeAuth
    limits: RateLimits
    proxies: Proxies
    editor_origins: frozenset[str]


class Opened:
    """The context once the app's lifespan has opened NATS and the HTTP pool: handed to the
    routes (as `ctx`) and to the page path in front of them."""

    def __init__(self) -> None:
        self._ctx: Ctx | None = None

    def open(self, ctx: Ctx) -> None:
        self._ctx = ctx

    def ctx(self) -> Ctx:
        if self._ctx is None:
            raise RuntimeError("the gateway's context is opened by its lifespan; it has not started")
        return self._ctx

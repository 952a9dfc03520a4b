"""What the door does for every request, before and after the route: who the client really
is and which host it names (the one place that decides whose X-Forwarded-* headers count),
whether it is over its rate, and the headers every answer carries (security, CORS). Pages
(pages.py) and the routes (http.py) admit a request by the same function, `admit`.

Rates are counted in memory per gateway process with the `limits` library (sliding window
counters): per client address on every request, and per tenant on its host. Behind several
gateway replicas each counts alone, so a limit is per replica; a shared store (Redis) is
one setting of `limits` away when that matters."""

from __future__ import annotations

import functools
import ipaddress
import math
import random
import time
import uuid
from collections.abc import Iterable

from limits import RateLimitItem, parse
from limits.aio.storage import MemoryStorage
from limits.aio.strategies import SlidingWindowCounterRateLimiter
from litestar.types import ASGIApp, Message, Receive, Scope, Send

from shared.errors import BadRequest, NotFound, TooManyRequests
from shared.hostnames import Host, NotAHost
from shared.metrics import RATE_LIMITED

from .hosts import HostResolver, Tenant, requested_host


class Proxies:
    """The proxies in front of the gateway (Caddy, a load balancer), by address or network."""

    def __init__(self, entries: Iterable[str]) -> None:
        self.networks = [ipaddress.ip_network(entry.strip(), strict=False) for entry in entries if entry.strip()]
        # Asked on every request, mostly about the same few peers (the proxies themselves):
        # an address is parsed once, not once per request.
        self._trusts = functools.lru_cache(maxsize=4096)(self._parsed_and_matched)

    def __contains__(self, address: object) -> bool:
        return bool(self.networks) and self._trusts(str(address))

    def _parsed_and_matched(self, address: str) -> bool:
        try:
            ip = ipaddress.ip_address(address)
        except ValueError:
            return False
        return any(ip in network for network in self.networks)


def client_address(peer: str, forwarded_for: str, trusted: Proxies) -> str:
    """The client's address: the peer, or, when the peer is a trusted proxy, the nearest
    address in X-Forwarded-For that is not one of ours (the rest can be forged)."""
    if peer not in trusted:
        return peer
    for hop in reversed([part.strip() for part in forwarded_for.split(",") if part.strip()]):
        if hop not in trusted:
            return hop
    return peer


def came_over_tls(scheme: str, forwarded_proto: bytes, *, trusted: bool) -> bool:
    """Whether the client reached us over TLS: directly, or as a trusted proxy says."""
    return scheme == "https" or (trusted and forwarded_proto.split(b",")[0].strip() == b"https")


class Visitor:
    """Who sent a request and what it asks for, read once from its headers: the client's
    address, the host it names and whether it came over TLS. X-Forwarded-For, -Host and
    -Proto count only when the peer is one of our proxies."""

    __slots__ = ("_forwarded_host", "_hosts", "address", "tls")

    def __init__(self, scope: Scope, proxies: Proxies) -> None:
        forwarded_for, forwarded_proto = "", b""
        self._hosts: list[bytes] = []
        self._forwarded_host: bytes | None = None
        for name, value in scope["headers"]:
            if name == b"host":
                self._hosts.append(value)
            elif name == b"x-forwarded-host":
                self._forwarded_host = value
            elif name == b"x-forwarded-for":
                forwarded_for = value.decode("latin-1")
            elif name == b"x-forwarded-proto":
                forwarded_proto = value
        peer = scope["client"][0] if scope.get("client") else ""
        trusted = peer in proxies
        if not trusted:
            self._forwarded_host = None
        self.address = client_address(peer, forwarded_for, proxies) if trusted else peer
        self.tls = came_over_tls(scope.get("scheme", "http"), forwarded_proto, trusted=trusted)

    def host(self) -> Host:
        """The host the request names (hosts.requested_host); BadRequest outside the grammar."""
        try:
            return requested_host(self._hosts, self._forwarded_host)
        except NotAHost as exc:
            raise BadRequest(str(exc)) from None


async def admit(visitor: Visitor, limits: RateLimits, hosts: HostResolver) -> Tenant | str:
    """The tenant (or the platform) a request is for, if it may be served: the client's rate
    first, then its Host by the grammar (400 outside it), only then the host looked up (404
    for none), then the tenant's rate (429 with Retry-After when either is over)."""
    await limits.check_address(visitor.address)
    host = visitor.host()
    site = await hosts.resolve(host)
    if site is None:
        raise NotFound(f"no site is served at {host.name!r}")
    if isinstance(site, Tenant):
        await limits.check_tenant(site.id)
    return site


def request_id_of(incoming: bytes) -> str:
    """A well-formed incoming X-Request-Id, or a new one."""
    text = incoming.decode("latin-1")
    return text if 0 < len(text) <= 128 and text.isprintable() else new_request_id()


def new_request_id() -> str:
    """32 hex digits, unique but not secret: from the process's Mersenne Twister (reseeded
    in every forked worker) rather than uuid4's os.urandom, a system call per request."""
    return f"{random.getrandbits(128):032x}"


class RateLimits:
    def __init__(self, *, per_address: str, per_tenant: str) -> None:
        self.limiter = SlidingWindowCounterRateLimiter(MemoryStorage())
        self.per_address, self.per_tenant = parse(per_address), parse(per_tenant)
        self.refused = 0

    async def check(self, address: str, tenant_id: uuid.UUID | None) -> None:
        """429 with Retry-After when the client or the tenant is over its rate."""
        await self.check_address(address)
        if tenant_id is not None:
            await self.check_tenant(tenant_id)

    async def check_address(self, address: str) -> None:
        """The client's rate alone: checked before its host is looked up, so a flood of
        made-up hosts is refused here rather than costing identity a lookup each."""
        await self._hit(self.per_address, "address", address, "this address sends")

    async def check_tenant(self, tenant_id: uuid.UUID) -> None:
        await self._hit(self.per_tenant, "tenant", str(tenant_id), "this site receives")

    async def _hit(self, limit: RateLimitItem, kind: str, key: str, who: str) -> None:
        if not await self.limiter.hit(limit, kind, key):
            self.refused += 1
            RATE_LIMITED.labels(kind).inc()
            stats = await self.limiter.get_window_stats(limit, kind, key)
            wait = max(1, math.ceil(stats.reset_time - time.time()))
            raise TooManyRequests(f"{who} more than {limit}; try again in {wait} s", retry_after=wait)


SECURITY_HEADERS = [(b"x-content-type-options", b"nosniff"), (b"referrer-policy", b"strict-origin-when-cross-origin")]
HSTS = (b"strict-transport-security", b"max-age=31536000; includeSubDomains")


def security_headers(app: ASGIApp, *, trusted: Proxies) -> ASGIApp:
    """nosniff and a referrer policy on every answer; HSTS when the client came over TLS
    (directly, or as a trusted proxy says). Pages carry cms's CSP (frame-ancestors included)."""

    async def middleware(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await app(scope, receive, send)
            return
        peer = scope["client"][0] if scope.get("client") else ""
        tls = came_over_tls(scope.get("scheme", "http"), dict(scope["headers"]).get(b"x-forwarded-proto", b""),
                            trusted=peer in trusted)

        async def send_secured(message: Message) -> None:
            if message["type"] == "http.response.start":
                present = {name.lower() for name, _ in message.get("headers", [])}
                extra = [pair for pair in SECURITY_HEADERS if pair[0] not in present]
                if tls and HSTS[0] not in present:
                    extra.append(HSTS)
                message["headers"] = [*message.get("headers", []), *extra]
            await send(message)

        await app(scope, receive, send_secured)

    return middleware


def cors_headers(origin: str, allowed: set[str], *, preflight: bool) -> dict[str, str]:
    """CORS for an editor at `origin`, if it may call this host's API (empty otherwise).
    Credentials are never allowed: the API takes bearer tokens, not cookies."""
    if not origin or origin not in allowed:
        return {}
    headers = {"access-control-allow-origin": origin, "vary": "Origin",
               "access-control-expose-headers": "ETag, Location, Retry-After, X-Request-Id"}
    if preflight:
        headers.update({"access-control-allow-methods": "GET, POST, PUT, PATCH, DELETE, OPTIONS",
                        "access-control-allow-headers": "Authorization, Content-Type, If-Match, If-None-Match, "
                                                        "X-Request-Id, Traceparent",
                        "access-control-max-age": "600"})
    return headers

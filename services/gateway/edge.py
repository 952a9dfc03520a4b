"""What the door does for every request, before and after the route: who the client really
is, whether it is over its rate, and the headers every answer carries (security, CORS).

Rates are counted in memory per gateway process with the `limits` library (sliding window
counters): per client address on every request, and per tenant on its host. Behind several
gateway replicas each counts alone, so a limit is per replica; a shared store (Redis) is
one setting of `limits` away when that matters."""

from __future__ import annotations

import ipaddress
import math
import time
import uuid
from collections.abc import Iterable

from limits import RateLimitItem, parse
from limits.aio.storage import MemoryStorage
from limits.aio.strategies import SlidingWindowCounterRateLimiter
from litestar.types import ASGIApp, Message, Receive, Scope, Send

from shared.errors import TooManyRequests
from shared.metrics import RATE_LIMITED


class Proxies:
    """The proxies in front of the gateway (Caddy, a load balancer), by address or network."""

    def __init__(self, entries: Iterable[str]) -> None:
        self.networks = [ipaddress.ip_network(entry.strip(), strict=False) for entry in entries if entry.strip()]

    def __contains__(self, address: object) -> bool:
        try:
            ip = ipaddress.ip_address(str(address))
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
        headers = dict(scope["headers"])
        peer = scope["client"][0] if scope.get("client") else ""
        tls = scope.get("scheme") == "https" or (
            peer in trusted and headers.get(b"x-forwarded-proto", b"").split(b",")[0].strip() == b"https")

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

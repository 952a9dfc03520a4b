"""Host -> tenant: `<slug>.<platform domain>` by slug, other hosts as verified custom
domains, the bare platform domain for platform routes, anything else unknown.

Answers are cached in memory; identity's events evict entries the moment a slug, domain
or tenant changes, and a miss asks identity once (negative answers are cached briefly).
"""

from __future__ import annotations

import time
import uuid

import msgspec
from nats.aio.client import Client as NATS
from nats.aio.msg import Msg

from shared.contracts import ResolvedHost, ResolveHost, decode_event
from shared.messaging import request


class Tenant(msgspec.Struct, frozen=True):
    id: uuid.UUID
    slug: str


PLATFORM = "platform"


def normalize_host(raw: str) -> str:
    """Lowercase, without port or trailing dot, internationalized names as punycode."""
    host = raw.strip().lower()
    if host.startswith("["):
        return host.split("]")[0] + "]"
    host = host.rsplit(":", 1)[0] if host.count(":") == 1 else host
    host = host.rstrip(".")
    try:
        return host.encode("idna").decode("ascii")
    except UnicodeError:
        return host


class HostResolver:
    def __init__(self, nc: NATS, *, platform_domain: str, ttl: float, negative_ttl: float) -> None:
        self.nc = nc
        self.platform_domain = normalize_host(platform_domain)
        self.ttl = ttl
        self.negative_ttl = negative_ttl
        self._cache: dict[str, tuple[float, Tenant | None]] = {}
        self.hits = 0
        self.misses = 0

    async def start(self) -> None:
        await self.nc.subscribe("identity.tenant.>", cb=self._on_identity_event)

    async def _on_identity_event(self, msg: Msg) -> None:
        try:
            event = decode_event(msg.data)
        except msgspec.DecodeError:
            return
        # Evict every host of the tenant, and any negative entry for a host it now owns.
        stale = [host for host, (_, tenant) in self._cache.items()
                 if tenant is None or tenant.id == event.tenant_id]
        for host in stale:
            self._cache.pop(host, None)

    def known(self, raw_host: str) -> Tenant | None:
        """The tenant of a host already in the map, without asking anyone (the fast path)."""
        cached = self._cache.get(normalize_host(raw_host))
        if cached is not None and cached[0] > time.monotonic():
            return cached[1]
        return None

    async def resolve(self, raw_host: str) -> Tenant | str | None:
        """A `Tenant`, `PLATFORM` for the platform's own host, or None for unknown hosts."""
        host = normalize_host(raw_host)
        if host == self.platform_domain:
            return PLATFORM
        cached = self._cache.get(host)
        if cached is not None and cached[0] > time.monotonic():
            self.hits += 1
            return cached[1]
        self.misses += 1
        suffix = "." + self.platform_domain
        if host.endswith(suffix):
            label = host[: -len(suffix)]
            query = ResolveHost(slug=label) if "." not in label else None
        else:
            query = ResolveHost(domain=host)
        answer: ResolvedHost = await request(self.nc, query) if query else ResolvedHost()
        tenant = Tenant(answer.tenant_id, answer.slug or "") if answer.tenant_id else None
        self._cache[host] = (time.monotonic() + (self.ttl if tenant else self.negative_ttl), tenant)
        return tenant

"""Host -> tenant: `<slug>.<platform domain>` by slug, other hosts as verified custom
domains, the bare platform domain for platform routes, anything else unknown.

Which host a request names is decided once, by the grammar in shared/hostnames.py: a Host
header outside it is refused before any lookup (edge.admit, for pages and routes alike), so
a refused host never matches a cached tenant.

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
from shared.hostnames import Host, NotAHost, canonical_name, parse_host_header, public_origin
from shared.messaging import request


class Tenant(msgspec.Struct, frozen=True):
    id: uuid.UUID
    slug: str
    origin: str  # the site as visitors reach it, from the host record (never the client's Host header)


PLATFORM = "platform"
MAX_ENTRIES = 100_000  # the host map's bound: made-up hosts must not grow it without end


def requested_host(hosts: list[bytes], forwarded_host: bytes | None) -> Host:
    """The host a request names: its one Host header, or the first X-Forwarded-Host entry
    when (and only when) the caller passes it because the peer is a trusted proxy.
    NotAHost for none, several, or one outside the grammar."""
    if len(hosts) != 1:
        raise NotAHost("one Host header, please" if hosts else "the request names no host")
    raw = forwarded_host.split(b",")[0].strip() if forwarded_host else hosts[0]
    # UTF-8 for internationalized names; bytes that are not UTF-8 become U+FFFD, which no
    # host name may hold.
    return parse_host_header(raw.decode("utf-8", "replace"))


def normalize_host(raw: str) -> str:
    """The canonical name of a Host header's value (NotAHost when it is none)."""
    return parse_host_header(raw).name


class HostResolver:
    def __init__(self, nc: NATS, *, platform_domain: str, public_base_url: str, ttl: float,
                 negative_ttl: float) -> None:
        self.nc = nc
        self.platform_domain = canonical_name(platform_domain)
        self.public_base_url = public_base_url
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

    async def resolve(self, host: Host) -> Tenant | str | None:
        """A `Tenant`, `PLATFORM` for the platform's own host, or None for unknown hosts."""
        name = host.name
        if name == self.platform_domain:
            return PLATFORM
        cached = self._cache.get(name)
        if cached is not None and cached[0] > time.monotonic():
            self.hits += 1
            return cached[1]
        self.misses += 1
        suffix = "." + self.platform_domain
        query: ResolveHost | None = None
        if name.startswith("["):
            query = None  # an IPv6 literal is never a tenant's host
        elif name.endswith(suffix):
            label = name[: -len(suffix)]
            query = ResolveHost(slug=label) if "." not in label else None
        else:
            query = ResolveHost(domain=name)
        answer: ResolvedHost = await request(self.nc, query) if query else ResolvedHost()
        tenant = None
        if answer.tenant_id is not None and answer.slug:
            # The origin is the record's: its slug under the platform domain, or the verified
            # domain identity matched (the name asked for, canonical by the grammar).
            site = f"{answer.slug}.{self.platform_domain}" if query and query.slug is not None else name
            tenant = Tenant(answer.tenant_id, answer.slug, public_origin(site, self.public_base_url))
        self._remember(name, tenant)
        return tenant

    def _remember(self, name: str, tenant: Tenant | None) -> None:
        now = time.monotonic()
        if len(self._cache) >= MAX_ENTRIES:
            self._cache = {key: entry for key, entry in self._cache.items() if entry[0] > now}
            while len(self._cache) >= MAX_ENTRIES:
                self._cache.pop(next(iter(self._cache)))
        self._cache[name] = (now + (self.ttl if tenant else self.negative_ttl), tenant)

"""Which host a request names and what it resolves to: one grammar on both paths, the
origin built from the host record, and the client's rate checked before any lookup."""

from __future__ import annotations

import asyncio
import uuid
from typing import Any

import pytest
from litestar import Request
from litestar.datastructures import State

from services.gateway import hosts as hosts_module
from services.gateway.edge import Proxies, RateLimits
from services.gateway.hosts import PLATFORM, HostResolver, Tenant, normalize_host, requested_host
from services.gateway.http import operator_route, resolve_tenant
from shared.contracts import ResolvedHost, ResolveHost
from shared.errors import BadRequest, NotFound, TooManyRequests
from shared.hostnames import Host, NotAHost

TENANT_ID = uuid.uuid4()


@pytest.mark.parametrize(("raw", "expected"), [
    ("Demo.Localhost:8000", "demo.localhost"),
    ("demo.localhost.", "demo.localhost"),
    ("bücher.example", "xn--bcher-kva.example"),
    ("[::1]:8000", "[::1]"),
])
def test_hosts_are_normalized(raw: str, expected: str) -> None:
    assert normalize_host(raw) == expected


def test_the_request_names_one_host_and_a_proxys_forwarded_host_only_when_passed() -> None:
    assert requested_host([b"shop.localhost:8000"], None) == Host("shop.localhost", 8000)
    assert requested_host([b"caddy.internal"], b"Shop.Localhost, evil.example") == Host("shop.localhost")
    assert requested_host(["bücher.example".encode()], None) == Host("xn--bcher-kva.example")
    for hosts, forwarded in (([], None), ([b"a.localhost", b"b.localhost"], None),
                             ([b"shop.localhost:8000@evil.example"], None), ([b"caddy"], b"a@evil.example"),
                             ([b"b\xff.localhost"], None)):
        with pytest.raises(NotAHost):
            requested_host(hosts, forwarded)


class FakeIdentity:
    """identity's answers to ResolveHost, counted."""

    def __init__(self) -> None:
        self.asked: list[ResolveHost] = []

    async def __call__(self, nc: Any, query: ResolveHost) -> ResolvedHost:
        self.asked.append(query)
        if query.slug == "shop" or query.domain == "www.example-shop.com":
            return ResolvedHost(tenant_id=TENANT_ID, slug="shop")
        return ResolvedHost()


@pytest.fixture
def identity(monkeypatch: pytest.MonkeyPatch) -> FakeIdentity:
    fake = FakeIdentity()
    monkeypatch.setattr(hosts_module, "request", fake)
    return fake


def resolver() -> HostResolver:
    return HostResolver(None, platform_domain="LocalHost", public_base_url="http://localhost:8000",  # type: ignore[arg-type]
                        ttl=60, negative_ttl=5)


def test_the_origin_comes_from_the_host_record_not_the_header(identity: FakeIdentity) -> None:
    hosts = resolver()

    async def resolve(raw: str) -> Tenant | str | None:
        return await hosts.resolve(requested_host([raw.encode()], None))

    by_slug = asyncio.run(resolve("SHOP.localhost.:9999"))
    assert isinstance(by_slug, Tenant) and by_slug.origin == "http://shop.localhost:8000"
    by_domain = asyncio.run(resolve("WWW.Example-Shop.com"))
    assert isinstance(by_domain, Tenant) and by_domain.origin == "http://www.example-shop.com:8000"
    assert asyncio.run(resolve("localhost:8000")) == PLATFORM
    assert asyncio.run(resolve("stranger.example")) is None
    assert asyncio.run(resolve("[::1]:8000")) is None  # an IP literal is never asked about
    assert ResolveHost(domain="[::1]") not in identity.asked
    # Another spelling of a known host is answered from the map, by the same canonical name.
    asked = len(identity.asked)
    assert asyncio.run(resolve("shop.LOCALHOST")) == by_slug and len(identity.asked) == asked


def request_for(host: bytes, peer: str = "203.0.113.9") -> Request[Any, Any, Any]:
    return Request({"type": "http", "method": "GET", "path": "/", "raw_path": b"/", "query_string": b"",
                    "headers": [(b"host", host)], "client": (peer, 5000), "state": {},
                    "app": None})  # type: ignore[typeddict-unknown-key]


def state(per_address: str = "1000/minute") -> State:
    return State({"hosts": resolver(), "proxies": Proxies([]),
                  "limits": RateLimits(per_address=per_address, per_tenant="1000/minute")})


def test_a_flood_of_made_up_hosts_meets_the_rate_limit_before_any_lookup(identity: FakeIdentity) -> None:
    limited = state(per_address="3/minute")

    async def flood() -> list[str]:
        outcomes = []
        for _ in range(10):
            try:
                await resolve_tenant(request_for(f"{uuid.uuid4().hex}.example.com".encode()), limited)
            except (NotFound, TooManyRequests) as exc:
                outcomes.append(type(exc).__name__)
        return outcomes

    outcomes = asyncio.run(flood())
    assert outcomes == ["NotFound"] * 3 + ["TooManyRequests"] * 7
    assert len(identity.asked) == 3  # the refused ones cost identity nothing


def test_a_host_outside_the_grammar_is_400_before_any_lookup(identity: FakeIdentity) -> None:
    open_state = state()
    with pytest.raises(BadRequest, match="user information"):
        asyncio.run(resolve_tenant(request_for(b"shop.localhost:8000@evil.example"), open_state))
    assert identity.asked == []
    request = request_for(b"shop.localhost:8000")  # the allowed twin
    tenant = asyncio.run(resolve_tenant(request, open_state))
    assert isinstance(tenant, Tenant) and request.scope["state"]["site_origin"] == "http://shop.localhost:8000"


@pytest.mark.parametrize(("path", "internal"), [
    ("/metrics", True), ("/metrics/", True), ("/health", True), ("/ready", True), ("/schema", True),
    ("/schema/openapi.json", True), ("metrics", True),
    ("/pages", False), ("/metrics-report", False), ("/site/metrics", False), ("/.well-known/jwks.json", False),
])
def test_operator_routes_are_named_by_their_first_segment(path: str, internal: bool) -> None:
    assert operator_route(path) is internal

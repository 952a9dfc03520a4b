"""The gateway's door rules, through the running gateway, with the probe's reproductions
and variants written from each rule: Host headers by one grammar (400 outside it, never the
tenant), a site's origin from its host record (Stripe Checkout sends the buyer back there),
paths normalised before any routing or access decision, the services' operator routes out
of the public's reach, and custom domains that may not name an IP or an internal host.
Requests go over raw sockets where a client library would tidy them up first (httpx
removes dot-segments itself). Every refusal has its allowed twin."""

from __future__ import annotations

import asyncio
import json
import time
import uuid

import httpx
import msgspec
import pytest

from shared.auth import Caller, sign_caller
from tests.e2e.platform_client import PlatformClient, SignedUp, eventually, home_replicated
from tests.e2e.test_billing_top_ups import ready
from tests.e2e.test_cms_site import publish
from tests.e2e.test_commerce import onboarded, product
from tests.e2e.test_gateway import page
from tests.servers.stripe_compatible import FakeStripe

SERVICES = ("identity", "cms", "assets", "billing")
OPERATOR_ROUTES = ("/metrics", "/health", "/ready", "/schema", "/schema/openapi.json")
# What an operator route's answer would carry: Prometheus text, a health or readiness body,
# an OpenAPI document.
OPERATOR_MARKS = (b"# HELP", b"# TYPE", b'"status":"ok"', b'"status":"ready"', b'"openapi"', b"<!doctype html")
REFUSED = (400, 404)


class Answer(msgspec.Struct):
    status: int
    headers: dict[str, str]
    body: bytes


async def raw(port: int, method: str, target: str, headers: list[tuple[str, str]], body: bytes = b"") -> Answer:
    """One request written byte for byte (the target and Host exactly as given)."""
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    lines = [f"{method} {target} HTTP/1.1", *(f"{name}: {value}" for name, value in headers), "Connection: close"]
    if body or method in ("POST", "PUT", "PATCH"):
        lines.append(f"Content-Length: {len(body)}")
    writer.write(("\r\n".join(lines) + "\r\n\r\n").encode("utf-8") + body)
    await writer.drain()
    data = await asyncio.wait_for(reader.read(-1), 10)
    writer.close()
    head, _, payload = data.partition(b"\r\n\r\n")
    status_line, *header_lines = head.decode("latin-1").split("\r\n")
    parsed = dict(line.split(":", 1) for line in header_lines if ":" in line)
    parsed = {name.strip().lower(): value.strip() for name, value in parsed.items()}
    if parsed.get("transfer-encoding") == "chunked":
        payload = dechunk(payload)
    return Answer(int(status_line.split(" ", 2)[1]), parsed, payload)


def dechunk(payload: bytes) -> bytes:
    out, rest = b"", payload
    while rest:
        size_line, _, rest = rest.partition(b"\r\n")
        size = int(size_line.split(b";")[0] or b"0", 16)
        if size == 0:
            break
        out, rest = out + rest[:size], rest[size + 2:]
    return out


def port_of(client: PlatformClient) -> int:
    return client.stack.ports["gateway"]


async def get(client: PlatformClient, target: str, host: str, token: str | None = None) -> Answer:
    headers = [("Host", host)] + ([("Authorization", f"Bearer {token}")] if token else [])
    return await raw(port_of(client), "GET", target, headers)


def operator_content(answer: Answer) -> list[bytes]:
    body = answer.body.lower()
    return [mark for mark in OPERATOR_MARKS if mark.lower() in body]


# hosts --------------------------------------------------------------------------------


@pytest.fixture(scope="module")
async def tenant(client: PlatformClient) -> SignedUp:
    return await client.sign_up("edge")


def bad_hosts(slug: str, port: int) -> list[str]:
    """Host headers outside the grammar, each naming (or hiding) the tenant somewhere."""
    return [
        "a@b", f"{slug}.localhost:{port}@evil.example", f"evil.example@{slug}.localhost",
        f"user:pw@{slug}.localhost:{port}",
        "::1", f"::1:{port}", "[::1", f"[::1]{port}",
        f"{slug}.localhost:0", f"{slug}.localhost:65536", f"{slug}.localhost:99999", f"{slug}.localhost:+80",
        f"{slug}.localhost:", f"{slug}.localhost:80a", f"{slug}.localhost:8_0",
        f"{slug}.localhost/x", f"{slug}.localhost/api/identity/tenant", f"{slug}.localhost?x=1", f"{slug}.localhost#x",
        f"{slug}.localhost\\x", f"{slug} .localhost", f"{slug}.local host",
        f"{slug}%2elocalhost", f"{slug}..localhost", f"under_{slug}.localhost",
    ]


async def test_a_host_outside_the_grammar_is_400_and_never_the_tenant(client: PlatformClient,
                                                                      tenant: SignedUp) -> None:
    port = port_of(client)
    failures = []
    for host in bad_hosts(tenant.slug, port):
        answer = await get(client, "/api/identity/tenant", host, tenant.token)
        if answer.status != 400 or answer.headers.get("content-type") != "application/problem+json" \
                or tenant.tenant_id.encode() in answer.body:
            failures.append(f"{host!r} -> {answer.status} {answer.body[:120]!r}")
    assert failures == []
    # The allowed twins: the same tenant in every spelling the grammar accepts.
    for host in (f"{tenant.slug}.localhost:{port}", f"{tenant.slug}.localhost", f"{tenant.slug.upper()}.LOCALHOST",
                 f"{tenant.slug}.localhost.", f"{tenant.slug}.localhost.:{port}"):
        answer = await get(client, "/api/identity/tenant", host, tenant.token)
        assert answer.status == 200 and json.loads(answer.body)["slug"] == tenant.slug, host


async def test_ip_literals_are_well_formed_hosts_of_no_site(client: PlatformClient, tenant: SignedUp) -> None:
    port = port_of(client)
    for host in ("[::1]", f"[::1]:{port}", "127.0.0.1", f"127.0.0.1:{port}"):
        answer = await get(client, "/", host)
        assert answer.status == 404 and answer.headers["content-type"] == "application/problem+json", host
    assert (await get(client, "/api/identity/tenant", f"{tenant.slug}.localhost", tenant.token)).status == 200


async def test_the_cache_fast_path_parses_the_host_by_the_same_rule(client: PlatformClient) -> None:
    owner = await client.sign_up("fast")
    await publish(client, owner, "/", page("Fast path headline"))
    host = f"{owner.slug}.localhost:{port_of(client)}"

    async def hit() -> str:
        return (await get(client, "/", host)).headers.get("x-cache", "")

    assert await eventually(lambda: home_replicated(client, owner.slug), True, within=15)
    for _ in range(100):  # warm: the page is cached once a fetch overlapped no eviction
        if await hit() == "hit":
            break
        await asyncio.sleep(0.05)
    assert await hit() == "hit"
    for bad in (f"{owner.slug}.localhost:{port_of(client)}@evil.example", f"evil.example@{owner.slug}.localhost",
                f"{owner.slug}.localhost:0", f"{owner.slug}.localhost/x"):
        answer = await get(client, "/", bad)
        assert answer.status == 400 and b"Fast path headline" not in answer.body, bad
    # Two Host headers: refused rather than guessed, on the fast path too.
    twice = await raw(port_of(client), "GET", "/", [("Host", host), ("Host", "evil.example")])
    assert twice.status == 400 and b"Fast path headline" not in twice.body


async def test_x_forwarded_host_from_an_untrusted_peer_is_ignored(client: PlatformClient, tenant: SignedUp) -> None:
    port = port_of(client)
    stranger = await raw(port, "GET", "/api/identity/tenant", [
        ("Host", "evil.example"), ("X-Forwarded-Host", f"{tenant.slug}.localhost"),
        ("Authorization", f"Bearer {tenant.token}")])
    assert stranger.status == 404 and tenant.slug.encode() not in stranger.body
    # Its twin: the header is ignored both ways, so a forged one cannot spoil a good Host either.
    twin = await raw(port, "GET", "/api/identity/tenant", [
        ("Host", f"{tenant.slug}.localhost"), ("X-Forwarded-Host", "a@evil.example"),
        ("Authorization", f"Bearer {tenant.token}")])
    assert twin.status == 200 and json.loads(twin.body)["slug"] == tenant.slug


# the site's origin in Stripe Checkout -------------------------------------------------------


async def test_checkout_sends_the_buyer_back_to_the_tenants_origin_never_the_hosts(
        client: PlatformClient, stripe_server: FakeStripe) -> None:
    shop = await ready(client)
    await onboarded(client, stripe_server, shop)
    loaf = await product(client, shop, slug=f"loaf-{uuid.uuid4().hex[:6]}")
    port = port_of(client)
    body = json.dumps({"items": [{"product_id": loaf["id"]}], "success_path": "/thanks",
                       "cancel_path": "/basket"}).encode()

    async def buy(host: str, *extra: tuple[str, str]) -> Answer:
        return await raw(port, "POST", "/api/billing/storefront/checkout",
                         [("Host", host), ("Content-Type", "application/json"), *extra], body)

    stripe = stripe_server.client()
    for host in (f"{shop.slug}.localhost:{port}@evil.example", f"evil.example@{shop.slug}.localhost",
                 f"{shop.slug}.localhost:{port}/evil.example"):
        before = len(stripe_server.requests)
        refused = await buy(host)
        assert refused.status == 400, (host, refused.body)
        assert not [r for r in stripe_server.requests[before:] if r.path == "/v1/checkout/sessions"], host
    # The allowed twin, with forged origin headers that the gateway strips.
    started = await buy(f"{shop.slug}.localhost:{port}", ("X-Site-Origin", "https://evil.example"),
                        ("X-Site-Host", "evil.example"))
    assert started.status == 201, started.body
    session = await stripe.v1.checkout.sessions.retrieve_async(json.loads(started.body)["checkout_session_id"])
    origin = f"http://{shop.slug}.localhost:{port}"
    assert session.success_url == f"{origin}/thanks" and session.cancel_url == f"{origin}/basket"
    # The same origin whatever spelling of the host the buyer used.
    upper = await buy(f"{shop.slug.upper()}.LOCALHOST.")
    assert upper.status == 201, upper.body
    again = await stripe.v1.checkout.sessions.retrieve_async(json.loads(upper.body)["checkout_session_id"])
    assert again.success_url == f"{origin}/thanks"


# paths and the services' operator routes ----------------------------------------------------


def path_variants(service: str, route: str) -> list[str]:
    """Spellings of /api/<service><route> a path step must not let through."""
    name = route.lstrip("/")
    other = next(s for s in SERVICES if s != service)
    return [
        f"/api/{service}/{name}", f"/api/{service}/{name}/", f"/api/{service}/./{name}", f"/api/{service}/x/../{name}",
        f"/api/{service}/%2e/{name}", f"/api/{service}/x/%2e%2e/{name}", f"/api/{service}/x/%2E%2e/{name}",
        f"/api/{service}/x/.%2e/{name}", f"//api//{service}//{name}", f"/api/{other}/../{service}/{name}",
        f"/api/{service}%2f{name}", f"/api/{service}%2F{name}", f"/api/{service}%5c{name}",
        f"/api\\{service}\\{name}", f"/../api/{service}/{name}", f"/%2e%2e/api/{service}/{name}",
        f"/api/{service}/{name}%00",
    ]


async def test_the_probes_reproductions_are_refused(client: PlatformClient, tenant: SignedUp) -> None:
    host = f"{tenant.slug}.localhost"
    for target in ("/api/cms/./metrics", "/api/billing/x/../metrics", "/api/identity/./ready",
                   "/api/billing/../cms/metrics"):
        for token in (None, tenant.token):
            answer = await get(client, target, host, token)
            assert answer.status in REFUSED and not operator_content(answer), (target, answer.status, answer.body[:80])
    # The allowed twins: an API call and the same call through a dot-segment (normalised, then allowed).
    for target in ("/api/cms/pages", "/api/cms/./pages", "/api/billing/x/../../cms/pages", "//api/cms//pages"):
        answer = await get(client, target, host, tenant.token)
        assert answer.status == 200 and b'"pages"' in answer.body, (target, answer.status)


async def test_no_spelling_of_an_operator_route_is_reachable_from_the_public_listener(
        client: PlatformClient, tenant: SignedUp) -> None:
    host = f"{tenant.slug}.localhost"
    targets = [variant for service in SERVICES for route in OPERATOR_ROUTES
               for variant in path_variants(service, route)]
    targets += ["/metrics", "/metrics/", "/./metrics", "//metrics", "/x/../metrics"]  # the gateway's own

    async def probe(target: str, on: str) -> str | None:
        answer = await get(client, target, on)
        if answer.status in REFUSED and not operator_content(answer):
            return None
        return f"{on} {target} -> {answer.status} {answer.body[:80]!r}"

    failures: list[str] = []
    for on in (host, "localhost"):  # a tenant's host and the platform's
        for start in range(0, len(targets), 16):
            failures += [f for f in await asyncio.gather(*(probe(t, on) for t in targets[start:start + 16])) if f]
    assert len(targets) >= 300 and failures == []
    # Their twin: a normal page of the site through the same listener, and its spelling with a dot-segment.
    await publish(client, tenant, "/", page("Edge home"))
    for target in ("/", "/./", "/x/../"):
        answer = await get(client, target, host)
        assert answer.status == 200 and b"Edge home" in answer.body, target


async def test_a_service_refuses_its_operator_routes_to_anything_the_gateway_signed(client: PlatformClient) -> None:
    secret = client.stack.secrets()["internal_secret"]
    async with httpx.AsyncClient(timeout=10) as direct:
        for service in SERVICES:
            base = client.stack.url(service)
            for route in ("/metrics", "/health", "/ready", "/schema/openapi.json"):
                signed = sign_caller(secret, Caller(request_id=uuid.uuid4().hex), method="GET", path=route,
                                     now=time.time())
                refused = await direct.get(base + route, headers=signed)
                assert refused.status_code == 404 and refused.headers["content-type"] == "application/problem+json", \
                    (service, route, refused.status_code)
                # The twin: an operator (Prometheus, the gateway's health checker) asks unsigned.
                assert (await direct.get(base + route)).status_code == 200, (service, route)


# custom domains -----------------------------------------------------------------------------


async def test_a_custom_domain_may_not_name_an_ip_or_an_internal_host(client: PlatformClient) -> None:
    owner = await client.sign_up("claims")
    refused = [
        "127.0.0.1", "169.254.169.254", "10.0.0.1", "2130706433", "0x7f.1", "0x7f000001", "127.1", "0177.0.0.1",
        "[::1]", "::1", "::ffff:127.0.0.1", "metadata.google.internal", "localhost", "shop.localhost",
        "printer.local", "box.localdomain", "nas.home.arpa", "x.in-addr.arpa", "shop.test", "shop.example",
        "shop.invalid", "hidden.onion", "intranet", "singlelabel", f"evil.{client.stack.config.platform_domain}",
        "shop.example.com:8443", "owner@shop.example.com", "shop.example.com/path",
    ]
    failures = []
    for domain in refused:
        answer = await client.call("PUT", "/api/identity/domain", slug=owner.slug, token=owner.token,
                                   json={"domain": domain})
        if answer.status_code != 422 or not answer.json().get("detail"):
            failures.append(f"{domain!r} -> {answer.status_code} {answer.text[:120]}")
    assert failures == []
    reason = await client.call("PUT", "/api/identity/domain", slug=owner.slug, token=owner.token,
                               json={"domain": "metadata.google.internal"})
    assert "reserved" in reason.json()["detail"]
    assert (await client.call("GET", "/api/identity/domain", slug=owner.slug, token=owner.token)).status_code == 404
    allowed = await client.call("PUT", "/api/identity/domain", slug=owner.slug, token=owner.token,
                                json={"domain": "WWW.Example-Shop.com."})
    assert allowed.status_code == 200 and allowed.json()["domain"] == "www.example-shop.com"

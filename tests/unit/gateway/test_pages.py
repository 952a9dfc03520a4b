"""The page path: one sequence for a page the cache has and one it has not (the same
admission, the same 304 and compression, the same headers), whose forwarded headers count,
and a tenant's cached page never served on another host."""

from __future__ import annotations

import asyncio
import gzip
import uuid
from typing import Any

import brotli
import pytest
from litestar.datastructures import State

from services.gateway import hosts as hosts_module
from services.gateway import page_cache, pages
from services.gateway.edge import Proxies, RateLimits, Visitor
from services.gateway.hosts import HostResolver
from services.gateway.page_cache import Entry, PageCache
from shared.contracts import LivePage, ResolvedHost, ResolveHost, live_page_key
from shared.errors import Problem, problem_for_status

SHOP, OTHER = uuid.uuid4(), uuid.uuid4()
PAGE = b"<!doctype html><title>Shop</title>" + b"<p>Fresh bread, baked at dawn.</p>" * 40
PAGE_HEADERS = {"content-type": "text/html; charset=utf-8", "etag": '"v1"', "cache-control": "public, max-age=60",
                "content-security-policy": "default-src 'self'"}


async def identity(nc: Any, query: ResolveHost) -> ResolvedHost:
    known = {"shop": SHOP, "other": OTHER}
    return ResolvedHost(tenant_id=known[query.slug], slug=query.slug) if query.slug in known else ResolvedHost()


class Cms:
    """cms's answers to the gateway's page fetches, counted."""

    def __init__(self) -> None:
        self.asked: list[tuple[uuid.UUID, str, str]] = []
        self.answer: tuple[int, dict[str, str], bytes] | Problem = (200, dict(PAGE_HEADERS), PAGE)

    async def __call__(self, session: Any, incoming: dict[str, str], *, path: str, query: str, caller: Any,
                       **_: Any) -> tuple[int, dict[str, str], bytes] | Problem:
        self.asked.append((caller.tenant_id, path, query))
        return self.answer if isinstance(self.answer, Problem) else (self.answer[0], dict(self.answer[1]),
                                                                     self.answer[2])


class Replica:
    """cms's live replica as the page path sees it: pages by key, lookups counted."""

    def __init__(self) -> None:
        self.pages: dict[str, LivePage] = {}
        self.looked_up: list[str | None] = []

    def hold(self, tenant_id: uuid.UUID, path: str, body: bytes = PAGE, kind: str = "html") -> None:
        self.pages[live_page_key(tenant_id, kind, path) or ""] = LivePage(headers=dict(PAGE_HEADERS), body=body)

    async def get(self, tenant_id: uuid.UUID, kind: str, path: str) -> LivePage | None:
        key = live_page_key(tenant_id, kind, path)
        self.looked_up.append(key)
        return self.pages.get(key) if key else None


@pytest.fixture
def cms(monkeypatch: pytest.MonkeyPatch) -> Cms:
    monkeypatch.setattr(hosts_module, "request", identity)
    fake = Cms()
    monkeypatch.setattr(pages, "fetch", fake)
    return fake


def gateway(per_tenant: str = "1000/minute", proxies: list[str] | None = None) -> State:
    settings = State({"internal_secret": "s", "upstream_timeout": 5.0})
    return State({"hosts": HostResolver(None, platform_domain="localhost",  # type: ignore[arg-type]
                                        public_base_url="http://localhost:8000", ttl=60, negative_ttl=5),
                  "proxies": Proxies(proxies or []), "pages": PageCache(max_bytes=1 << 20, ttl=60),
                  "limits": RateLimits(per_address="1000/minute", per_tenant=per_tenant),
                  "live": Replica(), "http": None, "pools": {"cms": None}, "settings": settings})


def get(state: State, path: str = "/", host: str = "shop.localhost:8000", query: bytes = b"",
        peer: str = "203.0.113.9", **headers: str) -> tuple[int, dict[str, str], bytes]:
    scope = {"type": "http", "method": "GET", "path": path, "raw_path": path.encode(), "query_string": query,
             "scheme": "http", "client": (peer, 5000),
             "headers": [(b"host", host.encode())] + [(name.replace("_", "-").encode(), value.encode())
                                                      for name, value in headers.items()]}
    sent: list[dict[str, Any]] = []

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    asyncio.run(pages.serve_page(scope, send, state))  # type: ignore[arg-type]
    answer = {name.decode(): value.decode() for name, value in sent[0]["headers"]}
    return sent[0]["status"], answer, sent[1]["body"]


def test_a_page_the_cache_had_and_one_it_had_not_are_answered_alike(cms: Cms) -> None:
    state = gateway()
    status, first, body = get(state)
    assert status == 200 and body == PAGE and first["x-cache"] == "miss" and len(cms.asked) == 1
    status, again, body = get(state)
    assert status == 200 and body == PAGE and again["x-cache"] == "hit" and len(cms.asked) == 1
    assert {**first, "x-cache": "", "x-request-id": ""} == {**again, "x-cache": "", "x-request-id": ""}
    assert again["x-content-type-options"] == "nosniff" and again["content-security-policy"] == "default-src 'self'"
    assert cms.asked[0] == (SHOP, "/site/", "")


@pytest.mark.parametrize("query", [b"", b"utm_source=mail"])
def test_revalidation_and_compression_follow_one_rule_cached_or_not(cms: Cms, query: bytes) -> None:
    state = gateway()
    get(state, query=query)
    status, headers, body = get(state, query=query, if_none_match='"v1"')
    assert status == 304 and body == b"" and "content-type" not in headers and headers["etag"] == '"v1"'
    for coding, decode in (("gzip", gzip.decompress), ("br", brotli.decompress)):
        status, headers, body = get(state, query=query, accept_encoding=coding)
        assert headers["content-encoding"] == coding and decode(body) == PAGE
        assert int(headers["content-length"]) == len(body) and "Accept-Encoding" in headers["vary"]
    status, headers, body = get(state, query=query, if_none_match='"v0"', accept_encoding="identity")
    assert status == 200 and body == PAGE and "content-encoding" not in headers
    # A query passes the cache every time; without one, cms was asked once.
    assert len(cms.asked) == (5 if query else 1)
    assert [asked[2] for asked in cms.asked] == [query.decode()] * len(cms.asked)


def test_a_query_passes_the_cache_yet_the_same_bytes_are_not_compressed_again(
        cms: Cms, monkeypatch: pytest.MonkeyPatch) -> None:
    state = gateway()
    get(state, accept_encoding="br")  # held, and compressed once
    compressed: list[bytes] = []
    real = brotli.compress
    monkeypatch.setattr(page_cache.brotli, "compress", lambda body, **kw: compressed.append(body) or real(body, **kw))
    _, headers, body = get(state, query=b"utm_source=mail", accept_encoding="br")
    assert headers["x-cache"] == "miss" and brotli.decompress(body) == PAGE and len(cms.asked) == 2
    assert compressed == []
    cms.answer = (200, dict(PAGE_HEADERS), PAGE + b"<p>new</p>")  # other bytes: compressed for this answer
    body = get(state, query=b"utm_source=mail", accept_encoding="br")[2]
    assert brotli.decompress(body) == PAGE + b"<p>new</p>" and len(compressed) == 1
    assert brotli.decompress(get(state, accept_encoding="br")[2]) == PAGE  # the held page is untouched


def test_a_cached_page_is_never_served_on_another_tenants_host(cms: Cms) -> None:
    state = gateway()
    get(state)
    status, headers, _ = get(state, host="other.localhost")
    assert status == 200 and headers["x-cache"] == "miss" and cms.asked[-1][0] == OTHER
    status, headers, body = get(state, host="stranger.localhost")
    assert status == 404 and headers["content-type"] == "application/problem+json" and b"Fresh" not in body


def test_previews_and_other_uncacheable_answers_are_served_once_not_kept(cms: Cms) -> None:
    state = gateway()
    cms.answer = (200, {**PAGE_HEADERS, "cache-control": "no-store"}, b"draft")
    assert get(state, "/__preview/token")[2] == b"draft"
    assert get(state, "/__preview/token")[1]["x-cache"] == "miss" and len(cms.asked) == 2
    cms.answer = problem_for_status(502, "upstream unreachable")
    status, headers, _ = get(state, "/down")
    assert status == 502 and headers["content-type"] == "application/problem+json" and "x-request-id" in headers


def test_the_rate_limit_refuses_hits_and_misses_alike(cms: Cms) -> None:
    state = gateway(per_tenant="2/minute")
    assert get(state)[0] == 200 and get(state)[0] == 200  # a miss, then a hit
    status, headers, _ = get(state)
    assert status == 429 and int(headers["retry-after"]) >= 1 and len(cms.asked) == 1


def test_the_platform_host_serves_its_home_and_no_pages(cms: Cms) -> None:
    state = gateway()
    status, _, body = get(state, host="localhost:8000")
    assert status == 200 and b"signup" in body
    assert get(state, "/about", host="localhost:8000")[0] == 404 and cms.asked == []


def scope_of(peer: str, *headers: tuple[bytes, bytes]) -> dict[str, Any]:
    return {"type": "http", "scheme": "http", "client": (peer, 5000), "headers": [(b"host", b"caddy"), *headers]}


def test_forwarded_headers_count_only_from_our_proxies() -> None:
    forwarded = ((b"x-forwarded-host", b"shop.localhost"), (b"x-forwarded-for", b"198.51.100.7"),
                 (b"x-forwarded-proto", b"https"))
    proxies = Proxies(["10.0.0.0/8"])
    ours = Visitor(scope_of("10.0.0.2", *forwarded), proxies)  # type: ignore[arg-type]
    assert ours.host().name == "shop.localhost" and ours.address == "198.51.100.7" and ours.tls
    stranger = Visitor(scope_of("203.0.113.9", *forwarded), proxies)  # type: ignore[arg-type]
    assert stranger.host().name == "caddy" and stranger.address == "203.0.113.9" and not stranger.tls


def test_the_wire_headers_are_made_once_per_representation() -> None:
    entry = Entry(status=200, headers=dict(PAGE_HEADERS), body=PAGE, expires=0, encoded={}, wire={})
    assert pages.wire_headers(entry, None, source="hit") is pages.wire_headers(entry, None, source="hit")
    assert (b"x-cache", b"miss") in pages.wire_headers(entry, None, source="miss")


def test_a_page_the_cache_has_not_comes_from_the_live_replica_when_it_holds_it(cms: Cms) -> None:
    state = gateway()
    state.live.hold(SHOP, "/menu")
    status, first, body = get(state, "/menu/")  # the address as cms reads it: '/menu/' is '/menu'
    assert (status, body, first["x-cache"]) == (200, PAGE, "replica") and cms.asked == []
    status, again, _ = get(state, "/menu/")
    assert again["x-cache"] == "hit" and len(state.live.looked_up) == 1  # kept, as a page from cms is
    assert {**first, "x-cache": "", "x-request-id": ""} == {**again, "x-cache": "", "x-request-id": ""}
    # A query passes the cache, not the replica; another tenant's page never answers for this one.
    assert get(state, "/menu", query=b"utm_source=mail")[1]["x-cache"] == "replica" and cms.asked == []
    assert get(state, "/menu", host="other.localhost")[1]["x-cache"] == "miss" and cms.asked[0][0] == OTHER


def test_what_the_replica_never_holds_is_asked_of_cms(cms: Cms) -> None:
    state = gateway()
    state.live.hold(SHOP, "/")
    for path in ("/robots.txt", "/sitemap.xml", "/__preview/token", "/absent"):
        assert get(state, path)[1]["x-cache"] == "miss"
    assert [asked[1] for asked in cms.asked] == ["/site/robots.txt", "/site/sitemap.xml", "/site/__preview/token",
                                                 "/site/absent"]
    assert state.live.looked_up[:3] == [None, None, None]  # no lookup is even made for those
    # The JSON representation is a key of its own.
    assert get(state, "/", accept="application/json")[1]["x-cache"] == "miss"


BROWSER = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"


@pytest.mark.parametrize(("refusal", "status"), [
    ({"host": "stranger.localhost"}, 404),  # a host of no site
    ({"host": "localhost:8000", "path": "/about"}, 404),  # the platform's host has no pages
    ({"cms_down": True}, 502),  # cms cannot be reached
    ({"rate": "1/minute"}, 429),  # over the tenant's rate
])
def test_a_visitors_browser_gets_every_refusal_as_a_page_and_other_clients_problem_json(
        cms: Cms, refusal: dict[str, Any], status: int) -> None:
    state = gateway(per_tenant=refusal.get("rate", "1000/minute"))
    if refusal.get("cms_down"):
        cms.answer = problem_for_status(502, "upstream unreachable: <ConnectError>")
    where = {"path": refusal.get("path", "/"), "host": refusal.get("host", "shop.localhost:8000")}
    if "rate" in refusal:
        get(state, **where)  # the one request the minute allows
    code, headers, body = get(state, **where, accept=BROWSER)
    assert code == status and headers["content-type"] == "text/html; charset=utf-8"
    page = body.decode()
    assert page.startswith("<!doctype html>") and f"Error {status}" in page and '<a href="/">' in page
    assert "<ConnectError>" not in page  # the problem's words, escaped
    assert headers["x-robots-tag"] == "noindex" and "default-src 'none'" in headers["content-security-policy"]
    assert int(headers["content-length"]) == len(body)
    if status == 429:
        assert int(headers["retry-after"]) >= 1
    for accept in ("application/json", "*/*", ""):
        code, headers, body = get(state, **where, **({"accept": accept} if accept else {}))
        assert code == status and headers["content-type"] == "application/problem+json", accept

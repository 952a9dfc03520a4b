"""cms: validate a 1,000-node tree, render a typical 40-node page, and serve a published
page the gateway has not cached (full answer, and a revalidation answered 304: both from cms's
live replica) beside a bare Litestar app (same server, granian) answering with the same bytes,
in the same run; and the same page asked of cms directly (signed as the gateway signs), which
is what a page the replica does not hold costs."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import time
import uuid
from collections.abc import Awaitable
from pathlib import Path
from typing import Any

import aiohttp
import jwt
import msgspec

from bench.harness import Report, Row, RunOptions, verdict
from bench.infra import UNLIMITED, bench_stack, start_platform, stop_platform
from bench.stats import percentile
from services.cms.render import render_page, rich_html
from services.cms.tree import validate, validate_json
from shared.auth import Caller, sign_caller
from shared.dev.embedded import free_port, wait_for_port
from shared.dev.stack import ROOT, Stack

CONCURRENCY = 32


def big_tree(nodes: int) -> dict[str, Any]:
    sections = []
    for s in range(nodes // 25):
        blocks = [{"id": f"s{s}b{b}", "component": "RichText" if b % 2 else "Heading",
                   "props": {"markdown": f"Paragraph {b} of *section* {s}."} if b % 2 else {"text": f"Title {b}"},
                   "children": []} for b in range(24)]
        sections.append({"id": f"s{s}", "component": "Section", "props": {}, "children": blocks})
    return {"root": {"id": "page", "component": "Page", "props": {"title": "Big", "description": "d"},
                     "children": sections}}


def typical_page() -> dict[str, Any]:
    children: list[dict[str, Any]] = [
        {"id": "nav", "component": "Navbar", "props": {"brand": "Acme", "links": [{"label": "Home", "href": "/"}]},
         "children": []},
        {"id": "hero", "component": "Hero", "props": {"headline": "Fresh bread", "cta_label": "Visit",
                                                      "cta_href": "/"}, "children": []}]
    for s in range(6):
        children.append({"id": f"sec{s}", "component": "Section", "props": {}, "children": [
            {"id": f"h{s}", "component": "Heading", "props": {"text": f"Part {s}"}, "children": []},
            {"id": f"t{s}", "component": "RichText", "props": {"markdown": "Some **bold** text and [a link](/)."},
             "children": []},
            {"id": f"f{s}", "component": "FeatureGrid", "props": {"features": [{"title": "A"}, {"title": "B"}]},
             "children": []},
            {"id": f"q{s}", "component": "FAQ", "props": {"items": [{"question": "Q?", "answer": "A."}]},
             "children": []},
            {"id": f"b{s}", "component": "Button", "props": {"label": "Go", "href": "/"}, "children": []}]})
    children.append({"id": "foot", "component": "Footer", "props": {"text": "(c) Acme"}, "children": []})
    return {"root": {"id": "page", "component": "Page",
                     "props": {"title": "Acme", "description": "Bread."}, "children": children}}


def per_second(work, seconds: float) -> float:  # type: ignore[no-untyped-def]
    done, started = 0, time.perf_counter()
    while time.perf_counter() - started < seconds:
        work()
        done += 1
    return done / (time.perf_counter() - started)


def side_by_side(works, seconds: float) -> list[float]:  # type: ignore[no-untyped-def]
    """Calls per second of each work, taken in turns of about 20 ms, so that a neighbour's load
    weighs on all of them alike and their ratio holds."""
    done, spent = [0] * len(works), [0.0] * len(works)
    deadline = time.perf_counter() + seconds
    while time.perf_counter() < deadline:
        for i, work in enumerate(works):
            started = time.perf_counter()
            while time.perf_counter() - started < 0.02:
                work()
                done[i] += 1
            spent[i] += time.perf_counter() - started
    return [count / elapsed for count, elapsed in zip(done, spent, strict=True)]


async def load(url: str, host: str, seconds: float, headers: dict[str, str] | None = None,
               source: str | None = None) -> tuple[float, float]:
    """(requests/s, p50 ms) with CONCURRENCY clients for `seconds`; with `source`, every
    answer must say it came from there (the gateway's `x-cache`)."""
    latencies: list[float] = []
    deadline = time.perf_counter() + seconds
    connector = aiohttp.TCPConnector(limit=CONCURRENCY)
    async with aiohttp.ClientSession(connector=connector) as http:
        async def client() -> None:
            while time.perf_counter() < deadline:
                started = time.perf_counter()
                async with http.get(url, headers={"host": host, **(headers or {})}) as response:
                    await response.read()
                    assert response.status in (200, 304), response.status
                    assert source is None or response.headers.get("x-cache") == source, response.headers
                latencies.append(time.perf_counter() - started)

        started = time.perf_counter()
        await asyncio.gather(*(client() for _ in range(CONCURRENCY)))
        elapsed = time.perf_counter() - started
    return len(latencies) / elapsed, (percentile(latencies, 0.5) or 0) * 1000


async def main(options: RunOptions) -> Report:
    seconds = 2.0 if options.quick else 5.0
    tree = big_tree(1000)
    raw = msgspec.json.encode(tree)
    # as_the_api: what a POST or PATCH of a tree costs cms: shared/bodies.py decodes the body
    # (the JSON decode), then pages.py validates the decoded structure.
    decoded, from_bytes, as_the_api = side_by_side([lambda: msgspec.json.decode(raw), lambda: validate_json(raw),
                                                    lambda: validate(msgspec.json.decode(raw))], seconds)
    page = validate(typical_page())
    # Each render starts with the rich-text memo empty, as a page's first render does: the
    # figure is a page's rendering, not a lookup. The theme's CSS is made once per theme.
    rendered = per_second(lambda: (rich_html.cache_clear(),
                                   render_page(page, site_name="Acme", theme={}, canonical_base="https://a.example",
                                               path="/")), seconds)
    rows = [Row(metric=f"validate a 1,000-node tree from its {len(raw):,} bytes (vs JSON decode alone)",
                unit="/s", platform=from_bytes, reference=decoded, target=">= 0.50x",
                verdict=verdict(from_bytes / decoded >= 0.5)),
            Row(metric="  as the API does: decode, then validate the document", unit="/s", platform=as_the_api,
                reference=decoded),
            Row(metric="render a 40-node page to HTML (its rich text not memoized)", unit="pages/s",
                platform=rendered, target=">= 2,000/s", verdict=verdict(rendered >= 2000))]
    serving_rows, serving_notes = await serving(seconds, rounds=1 if options.quick else 3)
    rows += serving_rows
    notes = ["validate: tree.validate_json(bytes) -> the stored tree (one msgspec decode into the registry's "
             "node types, one pass for ids, depth and count, one to_builtins) vs msgspec.json.decode(bytes) -> "
             "dicts; 'as the API does': msgspec.json.decode then tree.validate(document) (one msgspec.convert "
             "instead of the decode into node types), the path of POST/PATCH /pages, whose body the "
             "CheckedBodies middleware has decoded before the handler runs",
             f"{CONCURRENCY} concurrent clients for {seconds:.0f} s per serving row; one granian worker per process",
             "platform: client -> gateway (host map, rate limits, one lookup in cms's live replica of the "
             "tenant's pages, a JetStream key-value bucket) -> the page as cms stored it at publish; the gateway "
             "answers the 304 and compresses; reference: bare Litestar on granian, same bytes",
             "the URL carries a query, which passes the gateway's page cache (every answer checked to say "
             "x-cache: replica; bench_gateway measures the cache); the bytes are those the cache holds for the "
             "page, so they are sent compressed once already",
             "'cms alone': the same GET sent straight to cms, signed as the gateway signs: what a page the "
             "replica does not hold costs (one SELECT of the page's stored rendering)", *serving_notes]
    return Report(title="cms: validation, rendering and serving", platform_label="platform",
                  reference_label="reference", rows=rows, notes=notes)


def signed_as_gateway(stack: Stack, token: str, path: str) -> dict[str, str]:
    """What the gateway sends cms for a visitor of the token's tenant (good for 60 s)."""
    claims = jwt.decode(token, options={"verify_signature": False})
    caller = Caller(tenant_id=uuid.UUID(claims["tid"]), request_id=uuid.uuid4().hex)
    return {**sign_caller(stack.secrets()["internal_secret"], caller, method="GET", path=path),
            "accept-encoding": "identity", "x-forwarded-for": "127.0.0.1"}


async def serving(seconds: float, *, rounds: int) -> tuple[list[Row], list[str]]:
    stack = bench_stack("cms")
    data_dir = stack.data_dir
    bare: subprocess.Popen[bytes] | None = None
    try:
        await start_platform(stack, {"gateway": UNLIMITED})
        gateway = stack.url("gateway")
        domain, port = stack.config.platform_domain, stack.ports["gateway"]
        slug = f"bench-{uuid.uuid4().hex[:8]}"
        async with aiohttp.ClientSession() as http:
            created = await stack.sign_up(slug, "Bench", f"o@{slug}.example", "a-long-password")
            token = created["token"]["access_token"]  # type: ignore[index]
            auth = {"host": f"{slug}.{domain}:{port}", "authorization": f"Bearer {token}"}
            async with http.post(f"{gateway}/api/cms/pages", headers=auth,
                                 json={"slug": "/", "structure": typical_page()}) as r:
                made = await r.json()
                etag = r.headers["etag"]
            async with http.post(f"{gateway}/api/cms/pages/{made['id']}/publish",
                                 headers={**auth, "if-match": etag}) as r:
                assert r.status == 200, await r.text()
            host = f"{slug}.{domain}:{port}"
            body, page_etag = b"", ""
            # The site projection arrives by event, and events after the publish may still evict
            # the page from the gateway's cache: wait until it holds the page, as after any visit.
            for _ in range(100):
                async with http.get(f"{gateway}/", headers={"host": host}) as r:
                    if r.status == 200 and r.headers.get("x-cache") == "hit":
                        body, page_etag = await r.read(), r.headers["etag"]
                        break
                await asyncio.sleep(0.1)
        assert body, "the published page never became reachable"
        # The page as the load's client receives it from the gateway: compressed, as that
        # client asks. The bare app sends these very bytes, so the client decompresses on
        # both sides and the reference is not spared work the platform's answer costs it.
        async with aiohttp.ClientSession(auto_decompress=False) as raw, \
                raw.get(f"{gateway}/", headers={"host": host}) as r:
            wire, coding = await r.read(), r.headers.get("content-encoding", "")
        page_file = data_dir / "page.html"
        page_file.write_bytes(wire)
        bare_port = free_port()
        bare = subprocess.Popen([str(Path(sys.executable).parent / "granian"), "--interface", "asgi", "--factory",
                                 "--host", "127.0.0.1", "--port", str(bare_port), "--no-access-log",
                                 "bench.bare_page_app:create_app"], cwd=ROOT,
                                env={**os.environ, "BARE_PAGE_FILE": str(page_file), "BARE_PAGE_ENCODING": coding},
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        wait_for_port(bare_port, timeout=30, process=bare, what="bare app")
        # Bare and full in turn, `rounds` times; the pair with the median ratio is kept, so the
        # two figures reported were measured side by side and one disturbed window does not decide.
        # Both warmed up first: without it the first window ran slow on either side (the bare
        # app at ~5,700 req/s where it then held ~8,000).
        def on_bare(window: float) -> Awaitable[tuple[float, float]]:
            return load(f"http://127.0.0.1:{bare_port}/", "bare", window)

        def on_platform(window: float) -> Awaitable[tuple[float, float]]:
            return load(f"{gateway}/?uncached", host, window, source="replica")

        await on_bare(1.0)
        await on_platform(1.0)
        pairs = []
        for _ in range(rounds):
            bare_run = await on_bare(seconds)
            pairs.append((bare_run, await on_platform(seconds)))
        ranked = sorted(pairs, key=lambda pair: pair[1][0] / pair[0][0])
        (bare_rate, bare_p50), (full_rate, full_p50) = ranked[len(ranked) // 2]
        notes = [f"the page on the wire: {len(wire):,} bytes, content-encoding {coding or 'none'}, sent by both",
                 f"serve, full: bare and platform in turn, {rounds} round(s), the pair with the median ratio kept: "
                 + ", ".join(f"{full[0]:,.0f} vs {bare[0]:,.0f} req/s" for bare, full in pairs)]
        cached_rate, cached_p50 = await load(f"{gateway}/?uncached", host, seconds, {"if-none-match": page_etag},
                                             source="replica")
        cms_rate, cms_p50 = await load(f"{stack.url('cms')}/site/?uncached", "cms", seconds,
                                       signed_as_gateway(stack, token, "/site/"))
        ratio = full_rate / bare_rate
        return [Row(metric=f"serve a published page, full ({len(body):,} bytes)", unit="req/s", platform=full_rate,
                    reference=bare_rate, target=">= 0.30x", verdict=verdict(ratio >= 0.30)),
                Row(metric="serve a published page, revalidated (304)", unit="req/s", platform=cached_rate,
                    reference=bare_rate),
                Row(metric="p50 latency, full / bare", unit="ms", platform=full_p50, reference=bare_p50),
                Row(metric="p50 latency, 304 / bare", unit="ms", platform=cached_p50, reference=bare_p50),
                Row(metric="cms alone (no gateway), full: requests/s", unit="req/s", platform=cms_rate,
                    reference=bare_rate),
                Row(metric="cms alone (no gateway), full: p50", unit="ms", platform=cms_p50, reference=bare_p50)], notes
    finally:
        await stop_platform(stack, data_dir, bare)

"""gateway: what the edge costs. A published page through the gateway (its page cache warm)
beside a bare Litestar app replaying the same response, and an authenticated API GET through
the gateway beside the same request signed and sent straight to the service; wrk drives
both sides of each pair in the same run."""

from __future__ import annotations

import asyncio
import os
import shutil
import subprocess
import sys
import uuid
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import NamedTuple

import aiohttp
import jwt
import msgspec

from bench.bare_api_app import Captured
from bench.bench_cms import typical_page
from bench.harness import Report, Row, RunOptions, verdict
from bench.infra import UNLIMITED, bench_stack, start_platform, stop_platform
from shared.auth import Caller, sign_caller
from shared.dev.embedded import free_port, wait_for_port
from shared.dev.stack import ROOT, Stack

CONCURRENCY = 64
API_SERVICE, API_PATH = "cms", "/pages"
# What a browser sends for a page, and an API client for JSON.
BROWSER = {"accept": "text/html,application/xhtml+xml", "accept-encoding": "gzip", "user-agent": "bench-gateway"}
API_CLIENT = {"accept": "application/json", "user-agent": "bench-gateway"}
# One address sending thousands of requests a second is this benchmark, not an abuser: the
# limiter still counts every request (so its cost is in the figures) but never refuses.
# wrk's own summary as one JSON line: exact percentiles from its histogram, and every error.
WRK_REPORT = """
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format('WRK {"requests":%d,"duration_us":%d,"bytes":%d,"socket_errors":%d,"bad_status":%d,'
    .. '"p50_us":%.1f,"p90_us":%.1f,"p99_us":%.1f,"max_us":%.1f}\\n', summary.requests, summary.duration,
    summary.bytes, e.connect + e.read + e.write + e.timeout, e.status, latency:percentile(50),
    latency:percentile(90), latency:percentile(99), latency.max))
end
"""


class Load(msgspec.Struct, frozen=True, kw_only=True):
    """One wrk run."""

    requests: int
    duration_us: int
    bytes: int
    socket_errors: int
    bad_status: int  # answers outside 2xx/3xx
    p50_us: float
    p90_us: float
    p99_us: float
    max_us: float

    @property
    def rate(self) -> float:
        return self.requests / (self.duration_us / 1e6)

    @property
    def p50_ms(self) -> float:
        return self.p50_us / 1000

    @property
    def p99_ms(self) -> float:
        return self.p99_us / 1000

    def as_dict(self) -> dict[str, float | int]:
        return {**msgspec.structs.asdict(self), "rate": round(self.rate, 1)}


class Target(NamedTuple):
    url: str
    headers: Callable[[], Mapping[str, str]]  # made afresh for each wrk run


class Site(msgspec.Struct, frozen=True, kw_only=True):
    """A tenant with a published home page, as the gateway serves it."""

    host: str  # the tenant's Host header
    token: str
    page: Captured


async def main(options: RunOptions) -> Report:
    # Full runs alternate the two sides of each pair three times and keep each side's median
    # run: on two shared cores one window can catch a stall (another job, autovacuum).
    seconds, warmup, rounds = (2, 1, 1) if options.quick else (5, 2, 3)
    if shutil.which("wrk") is None:
        raise RuntimeError("this benchmark needs wrk: apt-get install -y wrk")
    stack = bench_stack("gateway")
    data_dir = stack.data_dir
    bare: subprocess.Popen[bytes] | None = None
    busy_before = await cpu_busy(1.0)  # before our own stack starts: whatever else this machine is doing
    try:
        await start_platform(stack, {"gateway": UNLIMITED})
        script = data_dir / "report.lua"
        script.write_text(WRK_REPORT)
        site = await published_site(stack)
        capture = data_dir / "page.json"
        capture.write_bytes(msgspec.json.encode(site.page))
        bare_port = free_port()
        bare = subprocess.Popen([str(Path(sys.executable).parent / "granian"), "--interface", "asgi", "--factory",
                                 "--host", "127.0.0.1", "--port", str(bare_port), "--workers", "1",
                                 "--no-access-log", "bench.bare_api_app:create_app"], cwd=ROOT,
                                env={**os.environ, "BARE_RESPONSE_FILE": str(capture)},
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        wait_for_port(bare_port, timeout=30, process=bare, what="bare app")

        runs: dict[str, list[Load]] = {}

        async def measure(target: Target, connections: int) -> Load:
            await wrk(target.url, target.headers(), connections=connections, seconds=warmup, script=script)
            return await wrk(target.url, target.headers(), connections=connections, seconds=seconds, script=script)

        async def pair(name: str, ours: Target, theirs: Target, connections: int) -> tuple[Load, Load]:
            """Both sides in turn, `rounds` times; each side's median run."""
            for _ in range(rounds):
                for side, target in ((f"{name}_gateway", ours), (f"{name}_reference", theirs)):
                    runs.setdefault(side, []).append(await measure(target, connections))
            return median_run(runs[f"{name}_gateway"]), median_run(runs[f"{name}_reference"])

        page_headers = {"host": site.host, **BROWSER}
        page_gateway, page_bare = await pair("page", Target(f"{stack.url('gateway')}/", lambda: page_headers),
                                             Target(f"http://127.0.0.1:{bare_port}/", lambda: BROWSER), CONCURRENCY)
        via_gateway, direct = await api_targets(stack, site)
        api: dict[tuple[str, int], Load] = {}
        for connections in (1, CONCURRENCY):
            api["gateway", connections], api["direct", connections] = await pair(
                f"api_c{connections}", via_gateway, direct, connections)

        # Only a cache can answer for a page once cms is gone.
        await asyncio.to_thread(stack.stop_service, "cms")
        async with aiohttp.ClientSession(auto_decompress=False) as http, \
                http.get(f"{stack.url('gateway')}/", headers=page_headers) as r:
            without_cms = r.status
    finally:
        await stop_platform(stack, data_dir, bare)
    return report(site, page_gateway, page_bare, api, without_cms, runs, workers=stack.config.workers_per_service,
                  seconds=seconds, warmup=warmup, rounds=rounds, busy_before=busy_before)


async def published_site(stack: Stack) -> Site:
    """Sign up a tenant, publish `typical_page()` as its home page, and capture the gateway's
    answer to a browser once it serves the page from its cache."""
    gateway = stack.url("gateway")
    domain, port = stack.config.platform_domain, stack.ports["gateway"]
    slug = f"bench-{uuid.uuid4().hex[:8]}"
    host = f"{slug}.{domain}:{port}"
    async with aiohttp.ClientSession(auto_decompress=False) as http:
        created = await stack.sign_up(slug, "Bench", f"o@{slug}.example", "a-long-password")
        token = created["token"]["access_token"]  # type: ignore[index]
        auth = {"host": host, "authorization": f"Bearer {token}"}
        async with http.post(f"{gateway}/api/cms/pages", headers=auth,
                             json={"slug": "/", "structure": typical_page()}) as r:
            assert r.status == 201, await r.text()
            made, etag = await r.json(), r.headers["etag"]
        async with http.post(f"{gateway}/api/cms/pages/{made['id']}/publish", headers={**auth, "if-match": etag}) as r:
            assert r.status == 200, await r.text()
        # The site projection arrives by event, and events after the publish may still evict
        # the page from the gateway's cache: wait for an answer it calls a hit, if it says.
        for _ in range(100):
            async with http.get(f"{gateway}/", headers={"host": host, **BROWSER}) as r:
                if r.status == 200 and r.headers.get("x-cache", "hit") == "hit":
                    page = Captured(status=r.status, body=await r.read(), headers=[
                        (name.decode("latin-1"), value.decode("latin-1")) for name, value in r.raw_headers])
                    return Site(host=host, token=token, page=page)
            await asyncio.sleep(0.1)
    raise AssertionError("the published page never became reachable from the gateway's cache")


async def api_targets(stack: Stack, site: Site) -> tuple[Target, Target]:
    """The API GET through the gateway, and straight to the service, signed as the gateway
    signs it (afresh for each run: a signature is good for 60 s). Both must answer alike."""
    client = {"host": site.host, "authorization": f"Bearer {site.token}", **API_CLIENT}
    via_gateway = Target(f"{stack.url('gateway')}/api/{API_SERVICE}{API_PATH}", lambda: client)
    claims = jwt.decode(site.token, options={"verify_signature": False})
    caller = Caller(tenant_id=uuid.UUID(claims["tid"]), account_id=uuid.UUID(claims["sub"]), role=claims["role"],
                    request_id=uuid.uuid4().hex)
    secret = stack.secrets()["internal_secret"]

    def signed() -> dict[str, str]:  # what the gateway forwards: the client's headers, re-signed
        return {**API_CLIENT, **sign_caller(secret, caller, method="GET", path=API_PATH),
                "x-forwarded-for": "127.0.0.1"}

    direct = Target(f"{stack.url(API_SERVICE)}{API_PATH}", signed)
    async with aiohttp.ClientSession() as http:
        async with http.get(via_gateway.url, headers=via_gateway.headers()) as r:
            through = r.status, await r.read()
        async with http.get(direct.url, headers=direct.headers()) as r:
            straight = r.status, await r.read()
    assert through[0] == 200 and through == straight, f"gateway {through!r} vs direct {straight!r}"
    return via_gateway, direct


def median_run(runs: list[Load]) -> Load:
    """The run with the median rate (its latencies with it), so one disturbed window does not decide."""
    return sorted(runs, key=lambda load: load.rate)[len(runs) // 2]


async def cpu_busy(seconds: float) -> float | None:
    """The share of all cores busy over `seconds` (Linux's /proc/stat), or None elsewhere."""
    def sample() -> tuple[int, int]:
        ticks = [int(part) for part in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
        return sum(ticks), ticks[3] + ticks[4]  # total, idle + iowait

    try:
        total, idle = sample()
        await asyncio.sleep(seconds)
        total_after, idle_after = sample()
    except (OSError, ValueError, IndexError):
        return None
    return 1 - (idle_after - idle) / max(1, total_after - total)


async def wrk(url: str, headers: Mapping[str, str], *, connections: int, seconds: int, script: Path) -> Load:
    """One wrk thread holding `connections` keep-alive connections for `seconds`; any socket
    error or answer outside 2xx/3xx fails the run rather than flattering it."""
    # wrk adds its own Host unless one is spelled exactly "Host".
    args = [f"{'Host' if name.lower() == 'host' else name}: {value}" for name, value in headers.items()]
    process = await asyncio.create_subprocess_exec(
        "wrk", "-t1", f"-c{connections}", f"-d{seconds}s", "--timeout", "10s", "-s", str(script),
        *[part for header in args for part in ("-H", header)], url,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
    out, err = await process.communicate()
    line = next((line for line in out.decode().splitlines() if line.startswith("WRK ")), None)
    if process.returncode or line is None:
        raise RuntimeError(f"wrk failed ({process.returncode}): {err.decode()}{out.decode()}")
    load = msgspec.json.decode(line.removeprefix("WRK "), type=Load)
    if load.socket_errors or load.bad_status:
        raise RuntimeError(f"wrk against {url}: {load.socket_errors} socket errors, {load.bad_status} bad answers")
    return load


def report(site: Site, page_gateway: Load, page_bare: Load, api: dict[tuple[str, int], Load], without_cms: int,
           runs: dict[str, list[Load]], *, workers: int, seconds: int, warmup: int, rounds: int,
           busy_before: float | None) -> Report:
    c, page = CONCURRENCY, site.page
    headers = {name.lower(): value for name, value in page.headers}
    page_ratio = page_gateway.rate / page_bare.rate
    one_gw, one_direct = api["gateway", 1], api["direct", 1]
    many_gw, many_direct = api["gateway", c], api["direct", c]
    added_p50 = one_gw.p50_ms - one_direct.p50_ms
    many_ratio = many_gw.rate / many_direct.rate
    api_name = f"GET /api/{API_SERVICE}{API_PATH}"
    rows = [
        Row(metric=f"page /, c={c}: requests/s (vs bare replay)", unit="req/s", platform=page_gateway.rate,
            reference=page_bare.rate, target=">= 0.60x", verdict=verdict(page_ratio >= 0.60)),
        Row(metric=f"page /, c={c}: p50", unit="ms", platform=page_gateway.p50_ms, reference=page_bare.p50_ms),
        Row(metric=f"page /, c={c}: p99", unit="ms", platform=page_gateway.p99_ms, reference=page_bare.p99_ms),
        Row(metric=f"{api_name}, c=1: p50 (vs direct)", unit="ms", platform=one_gw.p50_ms,
            reference=one_direct.p50_ms),
        Row(metric=f"{api_name}, c=1: added p50", unit="ms", platform=added_p50, target="<= 1 ms",
            verdict=verdict(added_p50 <= 1.0)),
        Row(metric=f"{api_name}, c=1: p99", unit="ms", platform=one_gw.p99_ms, reference=one_direct.p99_ms),
        Row(metric=f"{api_name}, c=1: requests/s", unit="req/s", platform=one_gw.rate, reference=one_direct.rate),
        Row(metric=f"{api_name}, c={c}: requests/s", unit="req/s", platform=many_gw.rate,
            reference=many_direct.rate, target=">= 0.30x", verdict=verdict(many_ratio >= 0.30)),
        Row(metric=f"{api_name}, c={c}: p50", unit="ms", platform=many_gw.p50_ms, reference=many_direct.p50_ms),
        Row(metric=f"{api_name}, c={c}: p99", unit="ms", platform=many_gw.p99_ms, reference=many_direct.p99_ms),
    ]
    encoding = headers.get("content-encoding", "identity")
    framing = "chunked" if "chunked" in headers.get("transfer-encoding", "") else "content-length"
    notes = [
        f"{os.cpu_count()} cores shared by everything: gateway and each service on {workers} granian worker "
        f"(the Stack's default), PostgreSQL, NATS, the bare app (1 worker) and wrk (1 thread); "
        f"{warmup} s warm-up then {seconds} s measured, keep-alive connections; "
        + (f"the two sides of each pair alternated {rounds} times, each figure from that side's median run; "
           if rounds > 1 else "one run per figure (quick: a smoke test, not figures); ")
        + ("" if busy_before is None else f"the cores were {busy_before:.0%} busy in the second before the stack "
           "started (other work on the machine skews every figure)"),
        f"page: GET / on the tenant's host with accept-encoding: gzip; the gateway answered {len(page.body):,} "
        f"bytes, content-encoding {encoding}, framed by {framing}; the bare app (bench/bare_api_app.py, granian) "
        f"replays that status, those headers and bytes (wire bytes per answer: gateway "
        f"{page_gateway.bytes / page_gateway.requests:,.0f}, bare {page_bare.bytes / page_bare.requests:,.0f})",
        "rate limits raised to 1e9/minute for the run (the limiter still counts every request)",
        f"page cache: with cms stopped after the runs the gateway answered the page with {without_cms} "
        f"({'served from its cache' if without_cms == 200 else 'no page cache in play: every request went to cms'})",
        f"API: {api_name} with a bearer token on the tenant's host, vs. the same GET to {API_SERVICE} with the "
        "headers the gateway forwards, signed with shared.auth.sign_caller and the stack's internal secret "
        "(signed before each wrk run; bodies checked equal first)",
    ]
    details = {"page_headers": page.headers, "page_without_cms_status": without_cms,
               "page": {"gateway": page_gateway.as_dict(), "bare": page_bare.as_dict()},
               "api": {f"{side}_c{connections}": load.as_dict() for (side, connections), load in api.items()},
               "rates_per_round": {name: [round(load.rate, 1) for load in loads] for name, loads in runs.items()},
               "cpu_busy_before": busy_before}
    return Report(title="gateway: cached page vs bare app, API GET vs direct to the service",
                  platform_label="gateway", reference_label="bare/direct", rows=rows, notes=notes, details=details)

"""A bounded load run on loopback: 200 simulated editors and visitors across 50 tenants for a
fixed time, mixing page reads, edits, AI generations, uploads and searches. It prints the
throughput and latencies and asserts only correctness: no 5xx, no failed connection, and
afterwards every balance equals its ledger, no hold outlives its expiry, every outbox drains
and nothing reached the dead letters."""

from __future__ import annotations

import asyncio
import copy
import random
import time
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest

from tests.e2e.platform_client import PlatformClient, SignedUp, eventually
from tests.e2e.test_assets import png
from tests.e2e.test_cms_generation import BRIEF, events_of
from tests.e2e.test_cms_pages import HOME, edited
from tests.servers.openai_compatible import FakeOpenAI

TENANTS, USERS, SECONDS = 50, 200, 60
EDITOR_MIX = {"edit": 45, "search": 25, "upload": 20, "generate": 10}  # visitors only read pages
# What each operation may answer besides a 5xx: 412 is two editors' normal conflict, 402 a
# tenant whose signup credits the generations have spent.
EXPECTED = {"read": {200, 304}, "edit": {200, 412}, "publish": {200, 412}, "search": {200},
            "upload": {200, 201}, "generate": {202, 402}}
SERVICES = ("identity", "cms", "assets", "billing")
HOME_PAGE = copy.deepcopy(HOME)
HOME_PAGE["root"]["children"][0]["props"]["cta_href"] = "/"  # a link the publish gate finds on a one-page site


@dataclass
class Site:
    tenant: SignedUp
    page_id: str


@dataclass
class Tally:
    latencies: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    statuses: dict[str, Counter[int]] = field(default_factory=lambda: defaultdict(Counter))
    unexpected: list[str] = field(default_factory=list)
    jobs: Counter[str] = field(default_factory=Counter)

    def add(self, op: str, started: float, response: httpx.Response) -> httpx.Response:
        self.latencies[op].append(time.perf_counter() - started)
        self.statuses[op][response.status_code] += 1
        if response.status_code not in EXPECTED[op] and len(self.unexpected) < 20:
            self.unexpected.append(f"{op} {response.request.method} {response.request.url.path} "
                                   f"{response.status_code}: {response.text[:200]}")
        return response

    def failed(self, op: str, error: Exception) -> None:
        self.statuses[op][0] += 1  # 0: no response at all
        if len(self.unexpected) < 20:
            self.unexpected.append(f"{op}: {type(error).__name__}: {error}")

    def report(self, seconds: float) -> str:
        lines = [f"{'operation':<10}{'count':>8}{'per s':>9}{'p50 ms':>9}{'p99 ms':>9}  statuses"]
        for op in sorted(self.statuses):
            times = sorted(self.latencies[op]) or [0.0]
            count = sum(self.statuses[op].values())
            lines.append(f"{op:<10}{count:>8}{count / seconds:>9.1f}{percentile(times, 50):>9.1f}"
                         f"{percentile(times, 99):>9.1f}  {dict(sorted(self.statuses[op].items()))}")
        total = sum(sum(c.values()) for c in self.statuses.values())
        lines.append(f"{'all':<10}{total:>8}{total / seconds:>9.1f}   generation jobs: {dict(self.jobs)}")
        return "\n".join(lines)

    def server_errors(self) -> int:
        return sum(n for c in self.statuses.values() for status, n in c.items() if status >= 500 or status == 0)


def percentile(ordered: list[float], p: int) -> float:
    return 1000 * ordered[min(len(ordered) - 1, int(len(ordered) * p / 100))]


async def timed(tally: Tally, op: str, request: Any) -> httpx.Response | None:
    started = time.perf_counter()
    try:
        return tally.add(op, started, await request)
    except httpx.HTTPError as error:
        tally.failed(op, error)
        return None


async def open_site(client: PlatformClient) -> Site:
    """A tenant with a published home page."""
    tenant = await client.sign_up("load")
    page = await client.call("POST", "/api/cms/pages", slug=tenant.slug, token=tenant.token,
                             json={"slug": "/", "structure": HOME_PAGE})
    assert page.status_code == 201, page.text
    published = await client.call("POST", f"/api/cms/pages/{page.json()['id']}/publish", slug=tenant.slug,
                                  token=tenant.token, headers={"if-match": page.headers["etag"]})
    assert published.status_code == 200, published.text
    return Site(tenant, page.json()["id"])


async def visitor(client: PlatformClient, site: Site, tally: Tally, until: float) -> None:
    while time.monotonic() < until:
        await timed(tally, "read", client.call("GET", "/", slug=site.tenant.slug))


async def editor(client: PlatformClient, site: Site, tally: Tally, until: float, rng: random.Random) -> None:
    tenant, n = site.tenant, 0
    as_owner = {"slug": tenant.slug, "token": tenant.token}
    while time.monotonic() < until:
        n += 1
        op = rng.choices(list(EDITOR_MIX), weights=list(EDITOR_MIX.values()))[0]
        if op == "edit":
            url = f"/api/cms/pages/{site.page_id}"
            current = await client.call("GET", url, **as_owner)
            change = {"structure": edited(current.json()["structure"], f"Edit {n} by {id(rng)}.")}
            response = await timed(tally, "edit", client.call("PATCH", url, **as_owner, json=change,
                                                               headers={"if-match": current.headers["etag"]}))
            if response is not None and response.status_code == 200 and rng.random() < 0.2:
                await timed(tally, "publish", client.call("POST", f"{url}/publish", **as_owner,
                                                          headers={"if-match": response.headers["etag"]}))
        elif op == "search":
            await timed(tally, "search", client.call("GET", "/api/assets/assets/search", **as_owner,
                                                     params={"q": rng.choice(["red", "photo", "loaf", "blue"])}))
        elif op == "upload":
            colour = (rng.randrange(256), rng.randrange(256), rng.randrange(256))
            await timed(tally, "upload", client.call("POST", "/api/assets/assets", **as_owner,
                                                     files={"file": ("load.png", png(8, 8, colour), "image/png")}))
        else:
            started = await timed(tally, "generate", client.call(
                "POST", "/api/cms/generations", **as_owner, json={"prompt": BRIEF, "slug": f"/gen-{id(rng)}-{n}"}))
            if started is not None and started.status_code == 202:
                try:
                    events = await events_of(client, tenant, started.json()["events_url"])
                    tally.jobs[events[-1][1].get("status", "?") if events else "no events"] += 1
                except (httpx.HTTPError, AssertionError) as error:
                    tally.jobs[type(error).__name__] += 1


async def dead_letters(nats_client: Any) -> int:
    return (await nats_client.jetstream().stream_info("DEAD_LETTERS")).state.messages


async def check_invariants(admin_sql: Any) -> None:
    async def overdue_holds() -> int:
        return await admin_sql.fetchval(
            "SELECT count(*) FROM billing.holds WHERE status = 'held' AND expires_at < now() - interval '2 seconds'")

    assert await eventually(overdue_holds, 0, within=10) == 0, "holds still held past their expiry"
    unbalanced = await admin_sql.fetch("""
        SELECT a.tenant_id, a.balance, coalesce(sum(t.amount), 0) AS ledger
        FROM billing.accounts a LEFT JOIN billing.credit_transactions t USING (tenant_id)
        GROUP BY a.tenant_id, a.balance HAVING a.balance <> coalesce(sum(t.amount), 0)""")
    assert not unbalanced, f"balances that are not their ledger's sum: {[dict(r) for r in unbalanced[:5]]}"
    for service in SERVICES:
        async def pending(service: str = service) -> int:
            return await admin_sql.fetchval(f"SELECT count(*) FROM {service}.outbox")

        assert await eventually(pending, 0, within=10) == 0, f"{service}.outbox did not drain"


@pytest.mark.long
async def test_two_hundred_users_on_fifty_tenants(client: PlatformClient, admin_sql, nats_client,  # type: ignore[no-untyped-def]
                                                  ai_server: FakeOpenAI) -> None:
    stack = client.stack
    original = dict(stack.extra_env.get("gateway", {}))
    # The suite's per-tenant limit (400 per 10 s) is below what four users of a tenant send here.
    stack.stop_service("gateway")
    stack.start_service("gateway", extra_env={**original, "RATE_LIMIT_PER_TENANT": "1000000/minute"})
    stack.wait_ready("gateway")
    try:
        limits = httpx.Limits(max_connections=USERS + 50, max_keepalive_connections=USERS + 50)
        async with httpx.AsyncClient(base_url=stack.url("gateway"), timeout=30, limits=limits) as http:
            load = PlatformClient(http, stack)
            sites = await asyncio.gather(*(open_site(load) for _ in range(TENANTS)))

            async def serving(site: Site = sites[-1]) -> int:
                return (await load.call("GET", "/", slug=site.tenant.slug)).status_code

            assert await eventually(serving, 200, within=5) == 200
            ai_server.reset()
            before = await dead_letters(nats_client)
            tally, rng = Tally(), random.Random(12)
            started = time.monotonic()
            until = started + SECONDS
            await asyncio.gather(*(
                visitor(load, sites[i % TENANTS], tally, until) if i % 2 == 0 else
                editor(load, sites[i % TENANTS], tally, until, random.Random(rng.random()))
                for i in range(USERS)))
            elapsed = time.monotonic() - started
        print(f"\n{USERS} users on {TENANTS} tenants for {elapsed:.0f} s\n{tally.report(elapsed)}")
        if tally.unexpected:
            print("unexpected answers:\n  " + "\n  ".join(tally.unexpected))
        assert tally.server_errors() == 0, tally.unexpected
        assert not tally.unexpected, tally.unexpected
        assert all(tally.statuses[op] for op in EXPECTED), "every operation ran"
        await check_invariants(admin_sql)
        assert await dead_letters(nats_client) == before, "events reached the dead letters during the run"
    finally:
        stack.stop_service("gateway")
        stack.start_service("gateway", extra_env=original)
        stack.wait_ready("gateway")

"""Faults under way: NATS restarted while events flow, PostgreSQL restarted while requests
flow, billing killed (SIGKILL) in the middle of an outbox relay batch.

These restart the session's shared infrastructure, so each test puts everything back in
`finally` (servers running, every service ready, whatever happened in between) and any test
may run before or after them.
"""

from __future__ import annotations

import asyncio
import json
import signal
import time
import uuid
from collections import Counter
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from urllib.parse import urlsplit

import asyncpg
import httpx
import nats
import pytest

from shared.contracts import AccountOpenedV1, decode_event
from shared.dev.embedded import port_is_free
from shared.dev.stack import SERVICES, Stack
from shared.migrate import with_credentials
from tests.e2e.platform_client import PlatformClient, SignedUp, eventually, signed_up

BOUND = 10.0  # no request may take longer than this, outage or not
GAP = 3.0  # seconds a server stays down
SIGNUP_GRANT = 100


@asynccontextmanager
async def admin(stack: Stack) -> AsyncIterator[asyncpg.Connection]:
    """A fresh administrator's connection (the session's own would not survive a restart)."""
    parts = urlsplit(stack.admin_url)
    conn = await asyncpg.connect(with_credentials(stack.admin_url, user=parts.username or "postgres",
                                                  password=parts.password, database=stack.config.database_name))
    try:
        yield conn
    finally:
        await conn.close()


async def bounded(call: Awaitable[httpx.Response]) -> tuple[httpx.Response, float]:
    """The response and how long it took; fails the test if it took longer than BOUND."""
    started = time.monotonic()
    try:
        response = await asyncio.wait_for(call, BOUND)
    except TimeoutError:
        pytest.fail(f"a request hung for more than {BOUND:.0f}s during the outage")
    return response, time.monotonic() - started


def clean_failure(response: httpx.Response) -> bool:
    return response.status_code == 503 and response.headers.get("content-type", "").startswith(
        "application/problem+json")


async def sign_up(client: PlatformClient, prefix: str) -> httpx.Response:
    return await client.request_sign_up(prefix, within=BOUND / 2)


async def balance(client: PlatformClient, tenant: SignedUp) -> int | None:
    response = await client.call("GET", "/api/billing/balance", slug=tenant.slug, token=tenant.token)
    return response.json()["balance"] if response.status_code == 200 else None


async def wallets(stack: Stack, tenant_ids: list[uuid.UUID]) -> tuple[int, Counter[uuid.UUID]]:
    """How many of these tenants have a wallet, and how many sign-up grants each got."""
    async with admin(stack) as sql:
        opened = await sql.fetchval("SELECT count(*) FROM billing.accounts WHERE tenant_id = ANY($1)", tenant_ids)
        grants = await sql.fetch("SELECT tenant_id FROM billing.credit_transactions "
                                 "WHERE tenant_id = ANY($1) AND type = 'SIGNUP_GRANT'", tenant_ids)
    return opened, Counter(row["tenant_id"] for row in grants)


def log_ends(stack: Stack) -> dict[str, int]:
    """Where each process's log ends now, to read what it says from here on."""
    return {name: (stack.data_dir / "logs" / f"{name}.log").stat().st_size for name in (*SERVICES, "gateway")}


def logged_since(stack: Stack, ends: dict[str, int]) -> dict[str, list[dict[str, str]]]:
    lines: dict[str, list[dict[str, str]]] = {}
    for name, end in ends.items():
        with open(stack.data_dir / "logs" / f"{name}.log", "rb") as log:
            log.seek(end)
            lines[name] = [json.loads(line) for line in log.read().splitlines() if line.startswith(b"{")]
    return lines


def errors_in(logged: dict[str, list[dict[str, str]]]) -> list[str]:
    """Error lines, and warnings with a traceback: an outage is retried and reported as
    warning lines a person reads at a glance, so either is a bug's (or a library's noise)."""
    return [f"{name}: {line['level']}: {line['message']}" for name, lines in logged.items() for line in lines
            if line["level"] in ("error", "critical") or "error" in line]


def restore(stack: Stack) -> None:
    """Everything up again, whatever the test left behind: servers, then every service ready."""
    if stack.postgres is not None and stack.postgres.running_port() is None:
        stack.postgres.start()
    if stack.nats is not None and (stack.nats.process is None or stack.nats.process.poll() is not None):
        stack.nats.start()
    for name in (*SERVICES, "gateway"):
        process = stack.processes.get(name)
        if process is None or process.poll() is not None:
            stack.start_service(name)
    for name in (*SERVICES, "gateway"):
        stack.wait_ready(name)


def wait_all_ready(stack: Stack, timeout: float = 30) -> None:
    """The services reconnect on their own: no restart, only waiting for /ready."""
    for name in (*SERVICES, "gateway"):
        stack.wait_ready(name, timeout=timeout)


async def test_events_written_while_nats_is_down_are_delivered_after_it_returns(client: PlatformClient) -> None:
    stack = client.stack
    assert stack.nats is not None, "needs the embedded NATS (NATS_URL unset)"
    before = await client.sign_up("before-nats")
    assert await eventually(lambda: balance(client, before), SIGNUP_GRANT, within=10) == SIGNUP_GRANT
    during: list[SignedUp] = []
    statuses: Counter[int] = Counter()
    ends = log_ends(stack)
    try:
        await asyncio.to_thread(stack.nats.stop)
        gap_ends = time.monotonic() + GAP
        while time.monotonic() < gap_ends or not during:
            # Sign-up needs only identity's database: its event waits in the outbox.
            response, _ = await bounded(sign_up(client, "during-nats"))
            statuses[response.status_code] += 1
            assert response.status_code == 201 or clean_failure(response), (response.status_code, response.text)
            if response.status_code == 201:
                during.append(signed_up(response))
            # A new tenant's host is resolved by a NATS request: it must fail fast and cleanly.
            if during:
                answer, _ = await bounded(client.call("GET", "/api/billing/balance", slug=during[-1].slug,
                                                      token=during[-1].token))
                statuses[answer.status_code] += 1
                assert answer.status_code == 200 or clean_failure(answer), (answer.status_code, answer.text)
            ready, _ = await bounded(client.http.get(stack.url("billing") + "/ready"))
            assert clean_failure(ready), ready.status_code  # billing says NATS is gone
        assert port_is_free(stack.nats.port)
        await asyncio.to_thread(stack.nats.start)  # same port, same store
        await asyncio.to_thread(wait_all_ready, stack)

        ids = [uuid.UUID(tenant.tenant_id) for tenant in during]

        async def opened() -> int:
            return (await wallets(stack, ids))[0]

        assert await eventually(opened, len(ids), within=30) == len(ids)
        await asyncio.sleep(1)  # and nothing more arrives: one grant each
        count, grants = await wallets(stack, ids)
        assert count == len(ids)
        assert all(grants[tenant_id] == 1 for tenant_id in ids), grants
        # The gateway hears of the new tenants too: their hosts answer again.
        for tenant in during:
            assert await eventually(lambda t=tenant: balance(client, t), SIGNUP_GRANT, within=10) == SIGNUP_GRANT
        assert await balance(client, before) == SIGNUP_GRANT
        logged = logged_since(stack, ends)
        assert errors_in(logged) == []
        for name, lines in logged.items():  # said in a few lines, not a traceback per attempt
            told = [line["message"] for line in lines if line["message"].startswith("NATS ")]
            assert 2 <= len(told) <= 3 and told[-1].startswith("NATS reconnected after"), (name, told)
        print(f"\nNATS down {GAP:.0f}s: {len(ids)} sign-ups accepted, statuses {dict(statuses)}")
    finally:
        await asyncio.to_thread(restore, stack)


async def test_postgres_restart_fails_requests_cleanly_and_loses_nothing(client: PlatformClient) -> None:
    stack = client.stack
    assert stack.postgres is not None, "needs the embedded PostgreSQL (DATABASE_URL unset)"
    tenant = await client.sign_up("pg-restart")
    assert await eventually(lambda: balance(client, tenant), SIGNUP_GRANT, within=10) == SIGNUP_GRANT
    tenant_id = uuid.UUID(tenant.tenant_id)
    ledger_query = ("SELECT count(*), coalesce(sum(amount), 0) FROM billing.credit_transactions "
                    "WHERE tenant_id = $1")
    async with admin(stack) as sql:
        ledger_before = tuple(await sql.fetchrow(ledger_query, tenant_id))
    statuses: Counter[int] = Counter()
    slowest = 0.0
    unclean: dict[tuple[str, int], str] = {}  # what each unclean answer said, to tell who gave it
    stop = asyncio.Event()

    async def keep_asking() -> None:
        """Three people at once: one reading the balance, one the pages, one signing up (whose
        confirmation may wait for the database to return, and must not hold the others up)."""

        async def ask(call: Callable[[], Awaitable[httpx.Response]]) -> None:
            nonlocal slowest
            while not stop.is_set():
                response, took = await bounded(call())
                slowest = max(slowest, took)
                statuses[response.status_code] += 1
                if response.status_code >= 500 and not clean_failure(response):
                    unclean[(response.request.url.path, response.status_code)] = (
                        f"{response.headers.get('content-type')}: {response.text[:300]}")
                await asyncio.sleep(0.05)

        await asyncio.gather(
            ask(lambda: client.call("GET", "/api/billing/balance", slug=tenant.slug, token=tenant.token)),
            ask(lambda: client.call("GET", "/api/cms/pages", slug=tenant.slug, token=tenant.token)),
            ask(lambda: sign_up(client, "during-pg")))

    ends = log_ends(stack)
    try:
        asking = asyncio.create_task(keep_asking())
        await asyncio.sleep(0.5)
        await asyncio.to_thread(stack.postgres.stop)
        await asyncio.sleep(GAP)
        await asyncio.to_thread(stack.postgres.start)  # same port, same data folder
        await asyncio.to_thread(wait_all_ready, stack)
        await asyncio.sleep(1)
        stop.set()
        await asyncio.wait_for(asking, BOUND * 3)
        assert await eventually(lambda: balance(client, tenant), SIGNUP_GRANT, within=10) == SIGNUP_GRANT
        async with admin(stack) as sql:
            ledger_after = tuple(await sql.fetchrow(ledger_query, tenant_id))
            account = await sql.fetchval("SELECT balance FROM billing.accounts WHERE tenant_id = $1", tenant_id)
        assert ledger_after == ledger_before
        assert account == ledger_before[1] == SIGNUP_GRANT
        assert (await sign_up(client, "after-pg")).status_code == 201
        print(f"\nPostgreSQL down {GAP:.0f}s: statuses {dict(statuses)}, slowest request {slowest:.2f}s")
        assert not unclean, f"answered other than 503 problem+json while PostgreSQL was away: {unclean}"
        assert statuses[503] > 0, statuses  # the outage was seen, and reported as such
        assert errors_in(logged_since(stack, ends)) == []
    finally:
        stop.set()
        await asyncio.to_thread(restore, stack)


async def account_opened_events(nc: nats.NATS, after_seq: int, tenant_ids: set[uuid.UUID]) -> Counter[uuid.UUID]:
    """AccountOpenedV1 messages stored in BILLING after `after_seq`, counted per tenant."""
    js = nc.jetstream()
    counted: Counter[uuid.UUID] = Counter()
    last = (await js.stream_info("BILLING")).state.last_seq
    for seq in range(after_seq + 1, last + 1):
        event = decode_event((await js.get_msg("BILLING", seq)).data)
        if isinstance(event, AccountOpenedV1) and event.tenant_id in tenant_ids:
            counted[event.tenant_id] += 1
    return counted


@pytest.mark.long  # ~40 s: the killed consumer's unacked batch returns after ack_wait (30 s)
async def test_billing_killed_mid_relay_batch_opens_each_wallet_once(client: PlatformClient) -> None:
    stack = client.stack
    tenants = 120
    nc = await nats.connect(stack.nats_url)
    try:
        start_seq = (await nc.jetstream().stream_info("BILLING")).state.last_seq
        # Billing away while tenants sign up: their TenantCreated events queue in JetStream,
        # so on its return billing opens them in a burst, and its relay publishes in batches.
        await asyncio.to_thread(stack.stop_service, "billing")
        ids: list[uuid.UUID] = []
        for _ in range(tenants // 10):
            responses = await asyncio.gather(*(sign_up(client, "burst") for _ in range(10)))
            assert all(r.status_code == 201 for r in responses), [r.text for r in responses if r.status_code != 201]
            ids += [uuid.UUID(r.json()["tenant_id"]) for r in responses]
        await asyncio.to_thread(stack.start_service, "billing")

        killed_at = 0
        for _ in range(600):
            killed_at, _ = await wallets(stack, ids)
            if killed_at >= tenants // 4:
                break
            await asyncio.sleep(0.01)
        stack.stop_service("billing", signal.SIGKILL)
        async with admin(stack) as sql:
            unpublished = await sql.fetchval("SELECT count(*) FROM billing.outbox")
        await asyncio.to_thread(stack.start_service, "billing")
        await asyncio.to_thread(stack.wait_ready, "billing")

        async def opened() -> int:
            return (await wallets(stack, ids))[0]

        # What the killed process had fetched and not acked comes back after the consumer's
        # ack_wait (30 s): that, not the restart, is the wait here.
        assert await eventually(opened, tenants, within=90) == tenants
        wanted = set(ids)

        async def published() -> int:
            return len(await account_opened_events(nc, start_seq, wanted))

        assert await eventually(published, tenants, within=20) == tenants
        await asyncio.sleep(1)
        count, grants = await wallets(stack, ids)
        assert count == tenants
        assert sorted(grants.values()) == [1] * tenants, grants  # each wallet's grant once
        events = await account_opened_events(nc, start_seq, wanted)
        assert sorted(events.values()) == [1] * tenants, events  # each wallet's event once
        async with admin(stack) as sql:
            assert await sql.fetchval("SELECT count(*) FROM billing.outbox") == 0
            balances = await sql.fetch("SELECT balance FROM billing.accounts WHERE tenant_id = ANY($1)", ids)
        assert {row["balance"] for row in balances} == {SIGNUP_GRANT}
        print(f"\nbilling killed with {killed_at}/{tenants} wallets open, {unpublished} events in its outbox")
    finally:
        await nc.close()
        await asyncio.to_thread(restore, stack)


"""Holds through billing's real entry points: the reserve command over NATS, settlement
by the outcome events cms and assets publish, and the balance over HTTP."""

import asyncio
import uuid
from collections import Counter

import nats
import pytest

from shared.contracts import (
    CreditsReservation,
    PageGeneratedV1,
    PageGenerationFailedV1,
    ReserveCredits,
    encode_event,
)
from shared.messaging import request
from tests.e2e.platform_client import PlatformClient, SignedUp, eventually
from tests.e2e.test_billing_top_ups import ready


@pytest.fixture(scope="module")
async def bus(platform):  # type: ignore[no-untyped-def]
    nc = await nats.connect(platform.nats_url)
    yield nc
    await nc.drain()


async def balance(client: PlatformClient, tenant: SignedUp) -> dict:  # type: ignore[type-arg]
    return (await client.call("GET", "/api/billing/balance", slug=tenant.slug, token=tenant.token)).json()


async def test_a_thousand_concurrent_reserves_make_exactly_a_hundred_holds(client: PlatformClient, bus,  # type: ignore[no-untyped-def]
                                                                           admin_sql) -> None:
    tenant = await ready(client)
    tenant_id = uuid.UUID(tenant.tenant_id)
    references = [f"gen-{n}" for n in range(1000)]
    resent = references[:200]  # 20% sent a second time, concurrently, as a retrying caller would

    async def reserve(reference: str) -> CreditsReservation:
        return await request(bus, ReserveCredits(tenant_id=tenant_id, amount=1, reference=reference,
                                                 ledger_type="AI_PAGE_GENERATION"), timeout=60)

    replies = await asyncio.gather(*(reserve(reference) for reference in [*references, *resent]))
    held = {reply.hold_id for reply in replies if reply.status == "held"}
    assert len(held) == 100
    assert Counter(reply.status for reply in replies)["refused"] >= 900 - 1
    assert all(reply.available >= 0 for reply in replies)
    wallet = await balance(client, tenant)
    assert (wallet["balance"], wallet["held"], wallet["available"]) == (100, 100, 0)
    assert await admin_sql.fetchval("SELECT count(*) FROM billing.holds WHERE tenant_id = $1", tenant_id) == 100
    duplicates = await admin_sql.fetchval("SELECT count(*) - count(DISTINCT reference_id) FROM billing.holds "
                                          "WHERE tenant_id = $1", tenant_id)
    assert duplicates == 0


async def test_outcome_events_settle_holds_once_even_when_delivered_twice(client: PlatformClient, bus) -> None:  # type: ignore[no-untyped-def]
    tenant = await ready(client)
    tenant_id = uuid.UUID(tenant.tenant_id)
    js = bus.jetstream()
    ok = await request(bus, ReserveCredits(tenant_id=tenant_id, amount=10, reference="page-1",
                                           ledger_type="AI_PAGE_GENERATION"))
    failed = await request(bus, ReserveCredits(tenant_id=tenant_id, amount=10, reference="page-2",
                                               ledger_type="AI_PAGE_GENERATION"))
    assert (await balance(client, tenant))["available"] == 80

    generated = PageGeneratedV1(tenant_id=tenant_id, page_id=uuid.uuid4(), generation_id=uuid.uuid4(),
                                hold_id=ok.hold_id, model="gpt-4o-mini", input_tokens=900, output_tokens=1500,
                                credits=4)
    gave_up = PageGenerationFailedV1(tenant_id=tenant_id, generation_id=uuid.uuid4(), hold_id=failed.hold_id,
                                     reason="timeout")
    for event in (generated, generated, gave_up, gave_up):  # each delivered twice, past JetStream's dedupe
        await js.publish(event.subject(), encode_event(event))

    async def settled() -> tuple[int, int]:
        wallet = await balance(client, tenant)
        return wallet["balance"], wallet["held"]

    assert await eventually(settled, (96, 0), within=10) == (96, 0)
    await asyncio.sleep(0.5)
    assert await settled() == (96, 0)  # no second charge
    ledger = (await client.call("GET", "/api/billing/ledger", slug=tenant.slug, token=tenant.token)).json()
    assert [(e["amount"], e["type"]) for e in ledger["entries"]] == [(-4, "AI_PAGE_GENERATION"), (100, "SIGNUP_GRANT")]


async def test_ledger_pages_csv_and_usage(client: PlatformClient, bus) -> None:  # type: ignore[no-untyped-def]
    tenant = await ready(client)
    tenant_id = uuid.UUID(tenant.tenant_id)
    js = bus.jetstream()
    for n in range(5):
        hold = await request(bus, ReserveCredits(tenant_id=tenant_id, amount=2, reference=f"p{n}",
                                                 ledger_type="AI_PAGE_GENERATION"))
        event = PageGeneratedV1(tenant_id=tenant_id, page_id=uuid.uuid4(), generation_id=uuid.uuid4(),
                                hold_id=hold.hold_id, model="m", input_tokens=1, output_tokens=1, credits=1)
        await js.publish(event.subject(), encode_event(event))

    async def balance_now() -> int:
        return (await balance(client, tenant))["balance"]

    assert await eventually(balance_now, 95, within=10) == 95
    first = (await client.call("GET", "/api/billing/ledger?limit=4", slug=tenant.slug, token=tenant.token)).json()
    second = (await client.call("GET", f"/api/billing/ledger?limit=4&cursor={first['next_cursor']}",
                                slug=tenant.slug, token=tenant.token)).json()
    assert len(first["entries"]) == 4 and len(second["entries"]) == 2 and second["next_cursor"] is None
    assert {e["id"] for e in first["entries"]}.isdisjoint({e["id"] for e in second["entries"]})
    only_grants = (await client.call("GET", "/api/billing/ledger?type=SIGNUP_GRANT", slug=tenant.slug,
                                     token=tenant.token)).json()
    assert [e["amount"] for e in only_grants["entries"]] == [100]
    csv = await client.call("GET", "/api/billing/ledger.csv", slug=tenant.slug, token=tenant.token)
    assert csv.headers["content-type"].startswith("text/csv") and len(csv.text.strip().splitlines()) == 7
    usage = (await client.call("GET", "/api/billing/usage", slug=tenant.slug, token=tenant.token)).json()
    assert {row["type"]: row["amount"] for row in usage} == {"AI_PAGE_GENERATION": -5, "SIGNUP_GRANT": 100}
    bad_cursor = await client.call("GET", "/api/billing/ledger?cursor=nonsense", slug=tenant.slug, token=tenant.token)
    assert bad_cursor.status_code == 422

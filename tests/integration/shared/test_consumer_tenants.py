"""A fetched batch holds several tenants' events: the consumer applies it in one transaction,
each event under its own tenant, tenants in one order, and one tenant's failing event does
not hold back another's."""

import asyncio
import uuid
from collections.abc import AsyncIterator

import pytest
from nats.aio.msg import Msg
from nats.js import JetStreamContext
from nats.js.api import AckPolicy, ConsumerConfig, DeliverPolicy

from shared.contracts import TenantDeletedV1, encode_event
from shared.db import Database
from shared.messaging import EventConsumer
from shared.telemetry import CURRENT_TENANT


@pytest.fixture
async def js(nats_client) -> JetStreamContext:  # type: ignore[no-untyped-def]
    return nats_client.jetstream()


@pytest.fixture
async def tenants(billing_db: Database) -> AsyncIterator[list[uuid.UUID]]:
    """Three tenants, each with a billing account: a tenant-scoped row to see or not see."""
    made = sorted(uuid.uuid4() for _ in range(3))
    for tenant in made:
        async with billing_db.tenant_tx(tenant) as tx:
            await tx.execute("INSERT INTO accounts (tenant_id) VALUES ($1)", tenant)
    yield made


async def fetched_together(js: JetStreamContext, events: list[TenantDeletedV1]) -> tuple[list[Msg], str, str]:
    """The events published, then fetched back by a pull consumer of their own that starts
    at the first of them; (our messages in stream order, stream, durable). Another event of
    the type that a service publishes meanwhile is acknowledged and left out."""
    acks = [await js.publish(event.subject(), encode_event(event)) for event in events]
    durable = f"test-tenants-{uuid.uuid4().hex[:8]}"
    sub = await js.pull_subscribe(events[0].subject(), durable=durable, stream=acks[0].stream, config=ConsumerConfig(
        ack_policy=AckPolicy.EXPLICIT, deliver_policy=DeliverPolicy.BY_START_SEQUENCE, opt_start_seq=acks[0].seq))
    ours, messages = {ack.seq for ack in acks}, []
    while len(messages) < len(events):
        for msg in await sub.fetch(len(events) - len(messages), timeout=5):
            if msg.metadata.sequence.stream in ours:
                messages.append(msg)
            else:
                await msg.ack()
    return messages, acks[0].stream, durable


async def ack_pending(js: JetStreamContext, stream: str, durable: str, expected: int) -> int:
    """The consumer's unacknowledged messages, once it says `expected` or after two seconds:
    the server applies acks in the background."""
    for _ in range(40):
        if (pending := (await js.consumer_info(stream, durable)).num_ack_pending) == expected:
            break
        await asyncio.sleep(0.05)
    return pending


async def test_a_batch_is_one_transaction_each_event_under_its_own_tenant(
        billing_db: Database, js: JetStreamContext, tenants: list[uuid.UUID]) -> None:
    first, second, third = tenants
    # Arrival order is not tenant order; the third tenant has two events, which keep theirs.
    events = [TenantDeletedV1(tenant_id=tenant, slug=slug)
              for tenant, slug in ((third, "third-a"), (first, "first"), (third, "third-b"), (second, "second"))]
    messages, stream, durable = await fetched_together(js, events)
    seen: list[dict[str, object]] = []

    async def handler(tx, event: TenantDeletedV1) -> None:  # type: ignore[no-untyped-def]
        seen.append({"slug": event.slug, "tenant": event.tenant_id, "xid": await tx.fetchval("SELECT txid_current()"),
                     "setting": await tx.fetchval("SELECT current_setting('app.tenant_id')"),
                     "visible": [row["tenant_id"] for row in await tx.fetch("SELECT tenant_id FROM accounts")],
                     "logged_as": CURRENT_TENANT.get()})

    consumer = EventConsumer(billing_db, js, durable=durable, events=[TenantDeletedV1], handler=handler)
    try:
        await consumer.handle_batch(messages)
        assert [entry["slug"] for entry in seen] == ["first", "second", "third-a", "third-b"]
        assert len({entry["xid"] for entry in seen}) == 1  # one transaction, one commit
        for entry in seen:
            assert entry["setting"] == entry["logged_as"] == str(entry["tenant"])
            assert entry["visible"] == [entry["tenant"]]  # row-level security follows the switch
        assert consumer.handled == len(events)
        assert await ack_pending(js, stream, durable, 0) == 0
        async with billing_db.system_tx() as tx:
            recorded = await tx.fetchval("SELECT count(*) FROM inbox WHERE consumer = $1", durable)
        assert recorded == len(events)
    finally:
        await js.delete_consumer(stream, durable)


async def test_one_tenants_failing_event_does_not_hold_back_another_tenants(
        billing_db: Database, js: JetStreamContext, tenants: list[uuid.UUID]) -> None:
    first, second, _ = tenants
    poison = TenantDeletedV1(tenant_id=second, slug="poison")
    healthy = TenantDeletedV1(tenant_id=first, slug="healthy")  # applied first: its tenant's turn comes first
    messages, stream, durable = await fetched_together(js, [poison, healthy])
    attempts: dict[str, int] = {}

    async def handler(tx, event: TenantDeletedV1) -> None:  # type: ignore[no-untyped-def]
        attempts[event.slug] = attempts.get(event.slug, 0) + 1
        await tx.execute("UPDATE accounts SET subscription_status = $1", event.slug)
        if event.slug == "poison":
            raise RuntimeError("cannot handle this one")

    consumer = EventConsumer(billing_db, js, durable=durable, events=[TenantDeletedV1], handler=handler,
                             backoff=(30.0,))
    try:
        await consumer.handle_batch(messages)
        # The poison rolled the batch back; it ran again with a savepoint per event, the poison not.
        assert attempts == {"healthy": 2, "poison": 1}
        status = {}
        for tenant in (first, second):
            async with billing_db.tenant_tx(tenant) as tx:
                status[tenant] = await tx.fetchval("SELECT subscription_status FROM accounts")
        assert status == {first: "healthy", second: "none"}
        async with billing_db.system_tx() as tx:
            recorded = {row["event_id"] for row in await tx.fetch(
                "SELECT event_id FROM inbox WHERE consumer = $1", durable)}
        assert recorded == {healthy.event_id}  # the poison is retried: it must find no inbox row
        assert await ack_pending(js, stream, durable, 1) == 1  # the poison, nak'd with a delay; the healthy one acked
    finally:
        await js.delete_consumer(stream, durable)


async def test_after_commit_is_told_once_the_batch_is_visible(
        billing_db: Database, js: JetStreamContext, tenants: list[uuid.UUID]) -> None:
    """A worker woken for what a handler wrote (assets' describer, when credits arrive) must
    find it: woken from inside the handler, it could look before the commit."""
    first, second, _ = tenants
    messages, stream, durable = await fetched_together(
        js, [TenantDeletedV1(tenant_id=first, slug="woken"), TenantDeletedV1(tenant_id=second, slug="woken")])
    handled: list[uuid.UUID] = []
    told: list[tuple[int, bool]] = []

    async def handler(tx, event: TenantDeletedV1) -> None:  # type: ignore[no-untyped-def]
        await tx.execute("UPDATE accounts SET subscription_status = $1", event.slug)
        handled.append(event.tenant_id)

    def woken() -> None:
        # How many handlers had run, and whether the batch's connection was back in the pool,
        # i.e. its transaction over (this test holds none meanwhile).
        told.append((len(handled), billing_db.pool.get_idle_size() == billing_db.pool.get_size()))

    consumer = EventConsumer(billing_db, js, durable=durable, events=[TenantDeletedV1], handler=handler,
                             after_commit=woken)
    try:
        await consumer.handle_batch(messages)
        assert told == [(2, True)]
        for tenant in (first, second):
            async with billing_db.tenant_tx(tenant) as tx:
                assert await tx.fetchval("SELECT subscription_status FROM accounts") == "woken"
    finally:
        await js.delete_consumer(stream, durable)

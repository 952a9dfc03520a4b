"""The outbox publishes what committed, only that, and exactly once."""

import asyncio
import uuid

import pytest
from nats.js import JetStreamContext

from shared.contracts import AccountOpenedV1
from shared.db import Database
from shared.messaging import OutboxRelay, add_event
from tests.conftest import KERNEL_DATABASE
from tests.integration.stream_log import drain, event_ids_since, last_seq

COUNT_OUTBOX_EVENT = "SELECT count(*) FROM outbox WHERE event_id = $1"


class Crash(Exception):
    pass


async def outbox_holds(db: Database, event_id: uuid.UUID) -> int:
    async with db.system_tx() as tx:
        return await tx.fetchval(COUNT_OUTBOX_EVENT, event_id)


async def test_rolled_back_event_is_never_published_and_committed_one_is(
        billing_db: Database, nats_client, tenant_id: uuid.UUID) -> None:
    js = nats_client.jetstream()
    start = await last_seq(js, "BILLING")
    rolled_back = AccountOpenedV1(tenant_id=tenant_id, balance=1)
    committed = AccountOpenedV1(tenant_id=tenant_id, balance=2)

    with pytest.raises(Crash):
        async with billing_db.tenant_tx(tenant_id) as tx:
            await add_event(tx, rolled_back)
            raise Crash
    async with billing_db.tenant_tx(tenant_id) as tx:
        await add_event(tx, committed)

    await drain(OutboxRelay(billing_db, js, channel="billing_outbox"))
    published = await event_ids_since(js, "BILLING", start)
    assert published.count(committed.event_id) == 1
    assert rolled_back.event_id not in published
    assert await outbox_holds(billing_db, committed.event_id) == 0


async def test_relay_crash_between_publish_and_commit_still_publishes_once(
        billing_db: Database, nats_client, tenant_id: uuid.UUID) -> None:
    js = nats_client.jetstream()
    start = await last_seq(js, "BILLING")
    event = AccountOpenedV1(tenant_id=tenant_id, balance=3)
    async with billing_db.tenant_tx(tenant_id) as tx:
        await add_event(tx, event)

    relay = OutboxRelay(billing_db, js, channel="billing_outbox")
    with pytest.raises(Crash):
        async with billing_db.system_tx() as tx:
            rows = await relay.claim(tx)
            assert event.event_id in [row["event_id"] for row in rows]
            await relay.publish(rows)  # JetStream has it now...
            raise Crash  # ...but the relay dies before its delete commits
    assert await outbox_holds(billing_db, event.event_id) == 1
    assert (await event_ids_since(js, "BILLING", start)).count(event.event_id) == 1

    await drain(OutboxRelay(billing_db, js, channel="billing_outbox"))  # a restarted relay
    assert await outbox_holds(billing_db, event.event_id) == 0
    assert (await event_ids_since(js, "BILLING", start)).count(event.event_id) == 1


async def test_concurrent_relays_publish_each_event_once(
        billing_db: Database, nats_client, tenant_id: uuid.UUID) -> None:
    js = nats_client.jetstream()
    start = await last_seq(js, "BILLING")
    events = [AccountOpenedV1(tenant_id=tenant_id, balance=n) for n in range(300)]
    async with billing_db.tenant_tx(tenant_id) as tx:
        for event in events:
            await add_event(tx, event)
    relays = [OutboxRelay(billing_db, js, channel="billing_outbox", batch_size=16) for _ in range(3)]
    await asyncio.gather(*(drain(relay) for relay in relays))
    published = await event_ids_since(js, "BILLING", start)
    ours = [event_id for event_id in published if event_id in {e.event_id for e in events}]
    assert sorted(ours) == sorted(e.event_id for e in events)
    assert sum(relay.published for relay in relays) >= len(events)


async def published_within_5s(db: Database, js: JetStreamContext, tenant_id: uuid.UUID) -> bool:
    """Commit an event and watch the stream for it: with a relay polling once a minute, only
    its NOTIFY can publish it this soon."""
    start = await last_seq(js, "BILLING")
    event = AccountOpenedV1(tenant_id=tenant_id, balance=4)
    async with db.tenant_tx(tenant_id) as tx:
        await add_event(tx, event)
    for _ in range(100):
        if event.event_id in await event_ids_since(js, "BILLING", start):
            return True
        await asyncio.sleep(0.05)
    return False


@pytest.mark.usefixtures("empty_billing_outbox")
async def test_relay_wakes_on_commit_without_polling(billing_db: Database, nats_client,
                                                     tenant_id: uuid.UUID) -> None:
    js = nats_client.jetstream()
    relay = OutboxRelay(billing_db, js, channel="billing_outbox", idle_poll=60)  # polling would be too late
    task = asyncio.create_task(relay.run())
    try:
        await asyncio.sleep(0.3)  # listening
        assert await published_within_5s(billing_db, js, tenant_id)
    finally:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)


@pytest.mark.usefixtures("empty_billing_outbox")
async def test_relay_listens_again_at_once_when_its_connection_dies(stack, nats_client,  # type: ignore[no-untyped-def]
                                                                   tenant_id: uuid.UUID) -> None:
    js = nats_client.jetstream()
    db = await Database.connect(stack.database_url("billing", KERNEL_DATABASE), name="tests-relay-listen")
    relay = OutboxRelay(db, js, channel="billing_outbox", idle_poll=60)  # polling would be too late
    task = asyncio.create_task(relay.run())
    try:
        await asyncio.sleep(0.3)  # listening
        async with db.system_tx() as tx:  # as a database restart ends it (same role: allowed)
            ended = await tx.fetch(
                "SELECT pg_terminate_backend(pid) AS ended FROM pg_stat_activity "
                "WHERE application_name = 'tests-relay-listen' AND query LIKE 'LISTEN%'")
        assert [row["ended"] for row in ended] == [True]
        await asyncio.sleep(1.0)  # the relay's own pause before it listens again
        assert await published_within_5s(db, js, tenant_id)
    finally:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
        await db.close()

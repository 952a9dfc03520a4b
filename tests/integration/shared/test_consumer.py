"""Consumers apply each event once, retry failures, and dead-letter what never succeeds."""

import asyncio
import uuid
from collections import Counter

import msgspec

from shared.contracts import TenantDeletedV1, encode_event
from shared.db import Database
from shared.messaging import EventConsumer
from tests.integration.stream_log import last_seq


async def run_until(consumer: EventConsumer, done, timeout: float = 15) -> None:  # type: ignore[no-untyped-def]
    task = asyncio.create_task(consumer.run())
    try:
        for _ in range(int(timeout / 0.05)):
            if done():
                return
            await asyncio.sleep(0.05)
    finally:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)


async def test_a_redelivered_event_has_no_second_effect(billing_db: Database, nats_client,
                                                       tenant_id: uuid.UUID) -> None:
    js = nats_client.jetstream()
    event = TenantDeletedV1(tenant_id=tenant_id, slug="gone")
    other = TenantDeletedV1(tenant_id=tenant_id, slug="also-gone")
    # The same event arrives twice, as after a redelivery outside the duplicate window
    # (no Nats-Msg-Id, so JetStream keeps both copies); a distinct event is the control.
    for message in (event, event, other):
        await js.publish(message.subject(), encode_event(message))
    effects: Counter[uuid.UUID] = Counter()

    async def handler(tx, received: TenantDeletedV1) -> None:  # type: ignore[no-untyped-def]
        effects[received.event_id] += 1

    consumer = EventConsumer(billing_db, js, durable=f"test-inbox-{uuid.uuid4().hex[:8]}",
                             events=[TenantDeletedV1], handler=handler)
    await run_until(consumer, lambda: effects[other.event_id] == 1)
    await asyncio.sleep(0.2)
    assert effects[event.event_id] == 1
    assert effects[other.event_id] == 1


async def test_failures_are_retried_then_dead_lettered(billing_db: Database, nats_client,
                                                       tenant_id: uuid.UUID) -> None:
    js = nats_client.jetstream()
    poison = TenantDeletedV1(tenant_id=tenant_id, slug="poison")
    healthy = TenantDeletedV1(tenant_id=tenant_id, slug="healthy")
    dlq_start = await last_seq(js, "DEAD_LETTERS")
    for message in (poison, healthy):
        await js.publish(message.subject(), encode_event(message))
    attempts: Counter[str] = Counter()
    handled: list[str] = []

    async def handler(tx, received: TenantDeletedV1) -> None:  # type: ignore[no-untyped-def]
        if received.tenant_id != tenant_id:
            return
        attempts[received.slug] += 1
        if received.slug == "poison":
            raise RuntimeError("cannot handle this one")
        handled.append(received.slug)

    durable = f"test-dlq-{uuid.uuid4().hex[:8]}"
    consumer = EventConsumer(billing_db, js, durable=durable, events=[TenantDeletedV1], handler=handler,
                             max_deliver=3, backoff=(0.05, 0.05, 0.05))

    async def dead_lettered() -> list[bytes]:
        return [(await js.get_msg("DEAD_LETTERS", seq)).data
                for seq in range(dlq_start + 1, await last_seq(js, "DEAD_LETTERS") + 1)]

    task = asyncio.create_task(consumer.run())
    try:
        for _ in range(300):
            if any(msgspec.json.decode(d)["event_id"] == str(poison.event_id) for d in await dead_lettered()):
                break
            await asyncio.sleep(0.05)
    finally:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
    assert attempts["poison"] == 3
    assert handled == ["healthy"]
    letters = [msgspec.json.decode(d) for d in await dead_lettered()]
    assert [letter["event_id"] for letter in letters].count(str(poison.event_id)) == 1
    # A failed attempt rolled back its inbox row, so the retries really ran the handler.
    async with billing_db.system_tx() as tx:
        recorded = await tx.fetchval("SELECT count(*) FROM inbox WHERE consumer = $1 AND event_id = $2",
                                     durable, poison.event_id)
    assert recorded == 0


async def test_a_database_outage_holds_events_instead_of_dead_lettering_them(
        billing_db: Database, nats_client, tenant_id: uuid.UUID) -> None:
    import asyncpg

    js = nats_client.jetstream()
    event = TenantDeletedV1(tenant_id=tenant_id, slug="outage")
    dlq_start = await last_seq(js, "DEAD_LETTERS")
    await js.publish(event.subject(), encode_event(event))
    attempts: Counter[str] = Counter()

    async def handler(tx, received: TenantDeletedV1) -> None:  # type: ignore[no-untyped-def]
        if received.event_id != event.event_id:
            return
        attempts["calls"] += 1
        if attempts["calls"] <= 4:  # more failures than max_deliver allows for event errors
            raise asyncpg.PostgresConnectionError("connection lost")

    consumer = EventConsumer(billing_db, js, durable=f"test-outage-{uuid.uuid4().hex[:8]}",
                             events=[TenantDeletedV1], handler=handler, max_deliver=2)
    await run_until(consumer, lambda: attempts["calls"] >= 5, timeout=20)
    assert attempts["calls"] == 5
    assert await last_seq(js, "DEAD_LETTERS") == dlq_start

"""A consumer's fetch takes what is there at once and waits only while nothing is: an
event is never held back until a batch fills up (nats-py's own fetch could do that)."""

import asyncio
import time
import uuid

from shared.contracts import TenantDeletedV1, encode_event
from shared.messaging import EventConsumer


async def publish(js, count: int, tenant_id: uuid.UUID) -> None:  # type: ignore[no-untyped-def]
    for n in range(count):
        event = TenantDeletedV1(tenant_id=tenant_id, slug=f"fetch-{n}")
        await js.publish(event.subject(), encode_event(event))


async def test_a_fetch_returns_what_is_there_without_waiting_for_a_full_batch(
        billing_db, nats_client, tenant_id: uuid.UUID) -> None:  # type: ignore[no-untyped-def]
    js = nats_client.jetstream()
    consumer = EventConsumer(billing_db, js, durable=f"test-fetch-{uuid.uuid4().hex[:8]}",
                             events=[TenantDeletedV1], handler=lambda tx, event: asyncio.sleep(0))
    sub = await consumer.subscribe()
    try:
        # Other tests' events of the stream first; then it holds nothing and the wait runs out.
        while await sub.fetch(256, timeout=0.3):
            pass
        started = time.monotonic()
        assert await sub.fetch(256, timeout=0.3) == []
        assert 0.25 < time.monotonic() - started < 1.0

        await publish(js, 3, tenant_id)
        started = time.monotonic()
        held = await sub.fetch(256, timeout=5)
        assert len(held) == 3
        assert time.monotonic() - started < 1.0
        for msg in held:
            await msg.ack()

        # Waiting with nothing there: the first event to arrive ends the wait.
        waiting = asyncio.create_task(sub.fetch(256, timeout=5))
        await asyncio.sleep(0.3)
        await publish(js, 1, tenant_id)
        published = time.monotonic()
        arrived = await waiting
        assert len(arrived) == 1
        assert time.monotonic() - published < 1.0
        await arrived[0].ack()

        # The answer to an earlier pull arriving late, while a fetch waits (here a status
        # saying "nothing"), may end that fetch early; every event is still handed over at
        # once. nats-py's fetch took such a status as its cue to send a pull that lingers
        # until a whole batch is there, and the fetches after it waited on that one.
        waiting = asyncio.create_task(sub.fetch(256, timeout=5))
        await asyncio.sleep(0.1)
        await nats_client.publish(sub.next_subject, b'{"batch": 1, "no_wait": true}', reply=sub.inbox)
        for _ in range(3):
            await asyncio.sleep(0.3)
            await publish(js, 1, tenant_id)
            published = time.monotonic()
            arrived = await waiting
            while not arrived and time.monotonic() - published < 1.0:  # a late status may end a fetch empty
                arrived = await sub.fetch(256, timeout=5)
            assert len(arrived) == 1
            assert time.monotonic() - published < 1.0
            await arrived[0].ack()
            waiting = asyncio.create_task(sub.fetch(256, timeout=5))
        waiting.cancel()
    finally:
        await sub.unsubscribe()
        await js.delete_consumer(consumer.stream, consumer.durable)

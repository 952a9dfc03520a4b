"""The platform path: outbox row committed -> OutboxRelay -> JetStream -> EventConsumer.

Laid out as two services would run it: the writing service's pool and NATS connection
serve the writers and the relay, the consuming service has a pool and a connection of
its own. Both log in as billing_svc, as the events are billing's and so is the inbox.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
import uuid
from collections.abc import AsyncIterator
from typing import Any

import nats
from nats.js import JetStreamContext

from bench.arrivals import Arrivals
from bench.infra import Infra
from bench.stats import Throughput
from shared.contracts import AccountOpenedV1
from shared.db import Database
from shared.messaging import EventConsumer, OutboxRelay, add_events

log = logging.getLogger("bench.outbox")

RELAY_CHANNEL = "billing_outbox"
SETTLE_TIMEOUT = 30.0


class OutboxPipeline:
    def __init__(self, writer_db: Database, arrivals: Arrivals) -> None:
        self.writer_db = writer_db
        self.arrivals = arrivals
        self.tenant_id = uuid.uuid4()

    async def commit(self, count: int) -> tuple[list[uuid.UUID], float]:
        """`count` events in one tenant transaction: their ids and when the commit returned."""
        events = [AccountOpenedV1(tenant_id=self.tenant_id, balance=n) for n in range(count)]
        async with self.writer_db.tenant_tx(self.tenant_id) as tx:
            await add_events(tx, events)
        return [event.event_id for event in events], time.perf_counter()

    async def latencies(self, count: int, *, timeout_each: float, deadline: float) -> tuple[list[float], int]:
        """One event per transaction, each awaited until handled; (latencies, events sent)."""
        committed_at: dict[uuid.UUID, float] = {}
        for _ in range(count):
            if time.perf_counter() > deadline:
                break
            ids, at = await self.commit(1)
            committed_at[ids[0]] = at
            await self.arrivals.wait_for(ids, timeout_each)
        return self.arrivals.latencies(committed_at), len(committed_at)

    async def throughput(self, batches: list[int], *, writers: int,
                         timeout: float) -> tuple[Throughput, list[float]]:
        """Commit `batches` (events per transaction) from `writers` concurrent tasks as fast
        as they go; (throughput from first commit to last handled, per-event latencies)."""
        committed_at: dict[uuid.UUID, float] = {}
        queue = list(reversed(batches))

        async def writer() -> None:
            while queue:
                ids, at = await self.commit(queue.pop())
                committed_at.update(dict.fromkeys(ids, at))

        started = time.perf_counter()
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(asyncio.gather(*(writer() for _ in range(writers))), timeout)
        last_commit = max(committed_at.values(), default=started)
        handled = await self.arrivals.wait_for(committed_at.keys(), timeout)
        last = self.arrivals.last_arrival(committed_at.keys()) or started
        throughput = Throughput(sent=len(committed_at), handled=handled, seconds=last - started,
                                send_seconds=last_commit - started)
        return throughput, self.arrivals.latencies(committed_at)


@contextlib.asynccontextmanager
async def outbox_pipeline(infra: Infra, producer: JetStreamContext,
                          consumer: JetStreamContext) -> AsyncIterator[OutboxPipeline]:
    """Pools, a running relay and a running consumer with a durable of its own."""
    arrivals = Arrivals()

    async def record(tx: Any, event: AccountOpenedV1) -> None:
        arrivals.record(event.event_id)

    durable = f"bench-outbox-{uuid.uuid4().hex[:8]}"
    async with contextlib.AsyncExitStack() as stack:
        writer_db = await Database.connect(infra.service_url("billing"), name="bench-writer")
        stack.push_async_callback(writer_db.close)
        consumer_db = await Database.connect(infra.service_url("billing"), name="bench-consumer")
        stack.push_async_callback(consumer_db.close)
        relay = OutboxRelay(writer_db, producer, channel=RELAY_CHANNEL)
        event_consumer = EventConsumer(consumer_db, consumer, durable=durable, events=[AccountOpenedV1],
                                       handler=record)
        stack.push_async_callback(_delete_consumer, consumer, event_consumer)
        tasks = [asyncio.create_task(relay.run(), name="bench-relay"),
                 asyncio.create_task(event_consumer.run(), name="bench-consumer")]
        for task in tasks:
            task.add_done_callback(_report_crash)
        stack.push_async_callback(_cancel, tasks)
        await _caught_up(consumer, event_consumer, tasks)
        yield OutboxPipeline(writer_db, arrivals)


async def _caught_up(js: JetStreamContext, consumer: EventConsumer, tasks: list[asyncio.Task[None]]) -> None:
    """Wait until the durable exists and has nothing pending: against a shared server the
    BILLING stream may hold other runs' events, which must not land in the figures."""
    deadline = time.perf_counter() + SETTLE_TIMEOUT
    while time.perf_counter() < deadline:
        for task in tasks:
            if task.done():
                task.result()  # a relay or consumer that died at start: say why
        with contextlib.suppress(nats.js.errors.NotFoundError):
            info = await js.consumer_info(consumer.stream, consumer.durable)
            if info.num_pending == 0 and info.num_ack_pending == 0:
                return
        await asyncio.sleep(0.05)
    raise TimeoutError(f"consumer {consumer.durable} did not catch up within {SETTLE_TIMEOUT:.0f}s")


def _report_crash(task: asyncio.Task[None]) -> None:
    """A dead relay or consumer shows up as missing events; this says why."""
    if not task.cancelled() and task.exception() is not None:
        log.error("%s stopped", task.get_name(), exc_info=task.exception())


async def _cancel(tasks: list[asyncio.Task[None]]) -> None:
    for task in tasks:
        task.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)


async def _delete_consumer(js: JetStreamContext, consumer: EventConsumer) -> None:
    with contextlib.suppress(nats.errors.Error):
        await js.delete_consumer(consumer.stream, consumer.durable)

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
from collections.abc import AsyncIterator, Sequence
from typing import Any

import asyncpg
import msgspec
import nats
from nats.aio.msg import Msg
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


class Stages(msgspec.Struct, kw_only=True):
    """Where an event's time went: seconds per event from commit to publish acknowledged,
    from there to fetched by the consumer, and from there to handled."""

    published: list[float]
    fetched: list[float]
    handled: list[float]


class TimedRelay(OutboxRelay):
    """The kernel's relay, noting when each event's publish was acknowledged."""

    def __init__(self, *args: Any, published: Arrivals, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.published_at = published

    async def publish(self, rows: Sequence[asyncpg.Record]) -> None:
        await super().publish(rows)
        for row in rows:
            self.published_at.record(row["event_id"])


class TimedConsumer(EventConsumer):
    """The kernel's consumer, noting when each event came back from a fetch."""

    def __init__(self, *args: Any, fetched: Arrivals, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fetched_at = fetched

    async def handle_batch(self, messages: Sequence[Msg]) -> None:
        for msg in messages:
            self.fetched_at.record(uuid.UUID(msg.headers["Nats-Msg-Id"]))
        await super().handle_batch(messages)


class OutboxPipeline:
    def __init__(self, writer_db: Database, arrivals: Arrivals, published: Arrivals, fetched: Arrivals) -> None:
        self.writer_db = writer_db
        self.arrivals = arrivals
        self.published = published  # when JetStream acknowledged each event's publish
        self.fetched = fetched  # when each event came back from the consumer's fetch
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
                         timeout: float) -> tuple[Throughput, list[float], Stages]:
        """Commit `batches` (events per transaction) from `writers` concurrent tasks as fast
        as they go; (throughput from first commit to last handled, per-event latencies, and
        where those latencies went)."""
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
        return throughput, self.arrivals.latencies(committed_at), self.stages(committed_at)

    def stages(self, committed_at: dict[uuid.UUID, float]) -> Stages:
        """The breakdown for the events that got all the way."""
        done = [key for key in committed_at
                if key in self.published.at and key in self.fetched.at and key in self.arrivals.at]
        return Stages(published=[self.published.at[key] - committed_at[key] for key in done],
                      fetched=[self.fetched.at[key] - self.published.at[key] for key in done],
                      handled=[self.arrivals.at[key] - self.fetched.at[key] for key in done])


@contextlib.asynccontextmanager
async def outbox_pipeline(infra: Infra, producer: JetStreamContext,
                          consumer: JetStreamContext) -> AsyncIterator[OutboxPipeline]:
    """Pools, a running relay and a running consumer with a durable of its own."""
    arrivals, published, fetched = Arrivals(), Arrivals(), Arrivals()

    async def record(tx: Any, event: AccountOpenedV1) -> None:
        arrivals.record(event.event_id)

    durable = f"bench-outbox-{uuid.uuid4().hex[:8]}"
    async with contextlib.AsyncExitStack() as stack:
        writer_db = await Database.connect(infra.service_url("billing"), name="bench-writer")
        stack.push_async_callback(writer_db.close)
        consumer_db = await Database.connect(infra.service_url("billing"), name="bench-consumer")
        stack.push_async_callback(consumer_db.close)
        relay = TimedRelay(writer_db, producer, channel=RELAY_CHANNEL, published=published)
        event_consumer = TimedConsumer(consumer_db, consumer, durable=durable, events=[AccountOpenedV1],
                                       handler=record, fetched=fetched)
        stack.push_async_callback(_delete_consumer, consumer, event_consumer)
        tasks = [asyncio.create_task(relay.run(), name="bench-relay"),
                 asyncio.create_task(event_consumer.run(), name="bench-consumer")]
        for task in tasks:
            task.add_done_callback(_report_crash)
        stack.push_async_callback(_cancel, tasks)
        await _caught_up(consumer, event_consumer, tasks)
        yield OutboxPipeline(writer_db, arrivals, published, fetched)


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

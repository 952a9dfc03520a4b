"""The reference: JetStream alone, publish -> pull consumer on the same server, no database.

It uses the same payload, a `Nats-Msg-Id` header, the duplicate window and the consumer
settings of the platform's streams, so the difference to the outbox path is what the
outbox, the relay and the inbox add.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
import uuid
from collections.abc import AsyncIterator

import nats
from nats.js import JetStreamContext
from nats.js.api import AckPolicy, ConsumerConfig, DeliverPolicy, StreamConfig

from bench.arrivals import Arrivals
from bench.stats import Throughput

STREAM = "BENCH_BARE"
SUBJECT = "bench.bare.message"
FETCH_BATCH = 64  # as EventConsumer
STALL_TIMEOUT = 5.0  # publish_async gives up rather than wait forever for its in-flight limit


class BareJetStream:
    def __init__(self, publisher: JetStreamContext, payload: bytes) -> None:
        self.publisher = publisher
        self.payload = payload
        self.arrivals = Arrivals()

    async def latencies(self, count: int, *, timeout_each: float, deadline: float) -> tuple[list[float], int]:
        """One message at a time, each awaited until consumed; (latencies, messages sent)."""
        sent_at: dict[str, float] = {}
        for _ in range(count):
            if time.perf_counter() > deadline:
                break
            msg_id = uuid.uuid4().hex
            sent_at[msg_id] = time.perf_counter()
            await self.publish(msg_id)
            await self.arrivals.wait_for([msg_id], timeout_each)
        return self.arrivals.latencies(sent_at), len(sent_at)

    async def pipelined_throughput(self, count: int, *, timeout: float) -> Throughput:
        """Every publish in flight at once from one client (publish_async), then all acks."""
        msg_ids = [uuid.uuid4().hex for _ in range(count)]
        started = time.perf_counter()
        acks = [await self.publisher.publish_async(SUBJECT, self.payload, headers=_headers(msg_id),
                                                   wait_stall=STALL_TIMEOUT) for msg_id in msg_ids]
        await asyncio.wait(acks, timeout=timeout)
        return await self._throughput(msg_ids, started, time.perf_counter(), timeout)

    async def awaited_throughput(self, count: int, *, timeout: float) -> Throughput:
        """Each publish awaits its ack before the next one goes out."""
        msg_ids = [uuid.uuid4().hex for _ in range(count)]
        started = time.perf_counter()
        for msg_id in msg_ids:
            await self.publish(msg_id)
        return await self._throughput(msg_ids, started, time.perf_counter(), timeout)

    async def publish(self, msg_id: str) -> None:
        await self.publisher.publish(SUBJECT, self.payload, headers=_headers(msg_id))

    async def _throughput(self, msg_ids: list[str], started: float, sent: float, timeout: float) -> Throughput:
        handled = await self.arrivals.wait_for(msg_ids, timeout)
        last = self.arrivals.last_arrival(msg_ids) or started
        return Throughput(sent=len(msg_ids), handled=handled, seconds=last - started, send_seconds=sent - started)

    async def consume(self, sub: JetStreamContext.PullSubscription) -> None:
        try:
            while True:
                try:
                    messages = await sub.fetch(FETCH_BATCH, timeout=5)
                except nats.errors.TimeoutError:
                    continue
                for msg in messages:
                    self.arrivals.record(msg.headers["Nats-Msg-Id"])
                    await msg.ack()
        finally:
            await sub.unsubscribe()


def _headers(msg_id: str) -> dict[str, str]:
    return {"Nats-Msg-Id": msg_id}


@contextlib.asynccontextmanager
async def bare_jetstream(publisher: JetStreamContext, consumer: JetStreamContext,
                         payload: bytes) -> AsyncIterator[BareJetStream]:
    """A stream and a running pull consumer of its own, deleted afterwards."""
    await publisher.add_stream(StreamConfig(name=STREAM, subjects=["bench.bare.>"], duplicate_window=120.0))
    bare = BareJetStream(publisher, payload)
    task: asyncio.Task[None] | None = None
    try:
        durable = f"bench-bare-{uuid.uuid4().hex[:8]}"
        await consumer.add_consumer(STREAM, ConsumerConfig(durable_name=durable, ack_policy=AckPolicy.EXPLICIT,
                                                           deliver_policy=DeliverPolicy.ALL, ack_wait=30.0))
        sub = await consumer.pull_subscribe_bind(durable=durable, stream=STREAM)
        task = asyncio.create_task(bare.consume(sub), name="bench-bare-consumer")
        yield bare
    finally:
        if task is not None:
            task.cancel()
            await asyncio.gather(task, return_exceptions=True)
        with contextlib.suppress(nats.errors.Error):
            await publisher.delete_stream(STREAM)

"""Events through a transactional outbox to JetStream, and back out through an inbox.

- `add_event(tx, event)` writes the outbox row in the caller's transaction: an event is
  published if and only if the change that caused it committed.
- `OutboxRelay` wakes on LISTEN/NOTIFY, claims rows with FOR UPDATE SKIP LOCKED (safe with
  many replicas), publishes them pipelined with `Nats-Msg-Id = event_id`, and deletes them
  in the same transaction. A crash after publishing and before committing republishes the
  rows; JetStream's duplicate window and the consumers' inbox make that harmless. Through a
  burst it polls instead, and writers skip the NOTIFY, which would make them commit one at
  a time (migrations/platform/0003).
- `EventConsumer` runs a durable pull consumer with explicit ack. A fetched batch is handled
  in one transaction, each event under its own tenant (`switch_tenant` between tenants),
  which also records `(consumer, event_id)` in the inbox, so a redelivered event has no
  second effect. After `max_deliver` failures it goes to `dlq.`.
  A fetch takes what the consumer holds at once and waits only while it holds nothing, so
  an event is never held back waiting for a batch to fill.

Outbox, inbox and their NOTIFY trigger live in every service schema (see migrations);
SQL here is unqualified and resolves through the service role's search_path.
"""

from __future__ import annotations

import asyncio
import collections
import contextlib
import logging
import time
from collections.abc import Awaitable, Callable, Sequence
from typing import Any

import asyncpg
import msgspec
import nats
from nats.aio.client import Client as NATS
from nats.aio.msg import Msg
from nats.aio.subscription import Subscription
from nats.js import JetStreamContext
from nats.js.api import AckPolicy, ConsumerConfig, DeliverPolicy, KeyValueConfig, StreamConfig
from nats.js.errors import APIError, NotFoundError
from nats.js.kv import KeyValue
from opentelemetry import trace

from shared.contracts import (
    DEAD_LETTER_STREAM,
    LIVE_PAGE_MAX_BYTES,
    LIVE_PAGES_BUCKET,
    STREAMS,
    Command,
    CommandFailed,
    Event,
    decode_event,
    decode_reply,
    encode_event,
)
from shared.db import Database, savepoint, switch_tenant
from shared.errors import INFRASTRUCTURE_ERRORS, AppError, Unavailable, log_failed_round
from shared.metrics import DEAD_LETTERS, EVENT_PENDING, EVENT_REDELIVERIES, EVENTS_HANDLED, OUTBOX_AGE, OUTBOX_BACKLOG
from shared.telemetry import extract_context, inject_headers, set_tenant, tracer

log = logging.getLogger("messaging")
_tracer = tracer("shared.messaging")

# outbox ---------------------------------------------------------------------------

INSERT_OUTBOX = """
INSERT INTO outbox (event_id, subject, payload, headers) VALUES ($1, $2, $3, $4)
"""

H_EVENT_TENANT = "Tenant-Id"  # on outbox rows and NATS messages: whose event it is
MEASURE_EVERY = 5.0  # seconds between measurements of the outbox for the metrics
MEASURE_OUTBOX = "SELECT count(*) AS backlog, extract(epoch FROM now() - min(created_at)) AS age FROM outbox"
# Advisory locks shared with the outbox's trigger (migrations/platform/0003), keyed by channel.
START_POLLING = "SELECT pg_try_advisory_lock(hashtext('outbox relay polling'), hashtext($1))"
STOP_POLLING = "SELECT pg_advisory_unlock(hashtext('outbox relay polling'), hashtext($1))"
# Taken and let go at once: true when no writer that may have skipped its NOTIFY is in flight.
NO_WRITER_IN_FLIGHT = """
SELECT CASE WHEN pg_try_advisory_lock(hashtext('outbox writer in flight'), hashtext($1))
            THEN pg_advisory_unlock(hashtext('outbox writer in flight'), hashtext($1)) ELSE false END
"""
CLAIM_OUTBOX_BATCH = """
DELETE FROM outbox
WHERE id IN (SELECT id FROM outbox ORDER BY id LIMIT $1 FOR UPDATE SKIP LOCKED)
RETURNING id, event_id, subject, payload, headers
"""


async def add_event(tx: asyncpg.Connection, event: Event) -> None:
    """Record `event` for publication when (and only if) `tx` commits, with the trace it
    belongs to and its tenant (for the relay's span; consumers may read it too)."""
    await tx.execute(INSERT_OUTBOX, event.event_id, event.subject(), encode_event(event),
                     inject_headers({H_EVENT_TENANT: str(event.tenant_id)}))


async def add_events(tx: asyncpg.Connection, events: Sequence[Event]) -> None:
    """`add_event` for many events in one round trip."""
    if len(events) == 1:  # asyncpg's executemany costs several times a plain execute
        return await add_event(tx, events[0])
    headers = inject_headers()
    await tx.executemany(INSERT_OUTBOX, [(event.event_id, event.subject(), encode_event(event),
                                          {**headers, H_EVENT_TENANT: str(event.tenant_id)}) for event in events])


async def connect_nats(url: str, *, name: str) -> NATS:
    """`url` may list several servers of a cluster, comma-separated: any one gets us in."""
    servers = [part.strip() for part in url.split(",") if part.strip()]
    outage = NatsOutageLog()
    return await nats.connect(servers, name=name, max_reconnect_attempts=-1, reconnect_time_wait=0.5,
                              error_cb=outage.error, disconnected_cb=outage.disconnected,
                              reconnected_cb=outage.reconnected)


# What a server that is away or restarting makes the client raise, on every reconnect attempt.
NATS_AWAY = (OSError, TimeoutError, nats.errors.UnexpectedEOF, nats.errors.ConnectionClosedError,
             nats.errors.StaleConnectionError, nats.errors.NoServersError)


class NatsOutageLog:
    """An outage in three lines (why it failed first, that the connection is gone, back after
    so long) rather than nats-py's default: a traceback at error level on every attempt,
    twice a second, for as long as the server is away."""

    def __init__(self) -> None:
        self.since: float | None = None  # the first sign of this outage
        self.lost = False
        self.attempts = 0

    async def disconnected(self) -> None:
        self.since = self.since or time.monotonic()
        if not self.lost:
            self.lost = True
            log.warning("NATS connection lost; reconnecting")

    async def error(self, exc: Exception) -> None:
        if not isinstance(exc, NATS_AWAY):
            log.error("NATS: %s", type(exc).__name__, exc_info=exc)
            return
        self.since = self.since or time.monotonic()
        self.attempts += 1
        if self.attempts == 1:
            log.warning("NATS unreachable (%s: %s); retrying until it answers", type(exc).__name__, exc)

    async def reconnected(self) -> None:
        away = time.monotonic() - self.since if self.since else 0.0
        log.warning("NATS reconnected after %.1f s (%d failed attempts)", away, self.attempts)
        self.since, self.lost, self.attempts = None, False, 0


async def ensure_streams(js: JetStreamContext, *, replicas: int = 1) -> None:
    """Create (or align) one stream per context and the dead-letter stream; idempotent."""
    for name, subject in (*STREAMS.items(), DEAD_LETTER_STREAM):
        config = StreamConfig(name=name, subjects=[subject], num_replicas=replicas,
                              duplicate_window=120.0)
        try:
            await js.stream_info(name)
        except NotFoundError:
            with contextlib.suppress(nats.js.errors.BadRequestError):  # a replica created it first
                await js.add_stream(config)
        else:
            await js.update_stream(config)
    await live_pages_bucket(js, replicas=replicas)


async def live_pages_bucket(js: JetStreamContext, *, replicas: int = 1) -> KeyValue:
    """The replica of every tenant's live pages (shared/contracts.py), created if missing.
    No size bound: a full bucket refuses the deletions that take a page offline too."""
    config = KeyValueConfig(bucket=LIVE_PAGES_BUCKET, history=1, replicas=replicas, direct=True,
                            max_value_size=LIVE_PAGE_MAX_BYTES + 64 * 1024,
                            description="live pages by tenant, kind and path; written by cms, read by the gateway")
    try:
        return await js.create_key_value(config)
    except nats.js.errors.BadRequestError:  # it exists, with settings of another release: keep it
        return await js.key_value(LIVE_PAGES_BUCKET)


class OutboxRelay:
    """Moves committed outbox rows of one schema to JetStream."""

    def __init__(self, db: Database, js: JetStreamContext, *, channel: str,
                 batch_size: int = 512, idle_poll: float = 1.0, publish_timeout: float = 10.0,
                 gather_window: float = 0.002, busy_poll: float = 0.002, busy_linger: float = 0.1) -> None:
        self.db = db
        self.js = js
        self.channel = channel
        self.batch_size = batch_size
        self.idle_poll = idle_poll  # a safety net only: NOTIFY normally wakes the relay
        self.publish_timeout = publish_timeout
        self.gather_window = gather_window
        self.busy_poll = busy_poll  # between claims while polling through a burst
        self.busy_linger = busy_linger  # how long a burst must have been over before polling stops
        self._wake = asyncio.Event()
        self._measured = 0.0
        self.published = 0

    async def run(self) -> None:
        """Relay until cancelled. The LISTEN connection is taken again as soon as it dies (a
        database restart), and what committed meanwhile is published first."""
        while True:
            try:
                async with self.db.session() as listener:
                    await self._listen_and_relay(listener)
                log.warning("outbox relay's LISTEN connection closed; listening again")
            except INFRASTRUCTURE_ERRORS as exc:
                log.warning("outbox relay lost its database connection (%s); listening again", exc)
            await asyncio.sleep(0.5)

    async def _listen_and_relay(self, listener: asyncpg.Connection) -> None:
        lost = asyncio.Event()

        def on_close(_: object) -> None:
            lost.set()
            self._wake.set()  # listen again now, not after the idle poll

        listener.add_termination_listener(on_close)
        await listener.add_listener(self.channel, self._on_notify)
        try:
            await self._relay_while_open(listener, lost)
        finally:
            with contextlib.suppress(*INFRASTRUCTURE_ERRORS):  # a closed one is already released
                listener.remove_termination_listener(on_close)
                await listener.remove_listener(self.channel, self._on_notify)

    async def _relay_while_open(self, listener: asyncpg.Connection, lost: asyncio.Event) -> None:
        last = 0
        while not lost.is_set():
            try:
                while (last := await self.relay_batch()) == self.batch_size:
                    pass
                if last > 1:  # a burst is under way
                    await self._poll_through_burst(listener)
                    last = 0
                await self._measure_now_and_then()
            except Exception as exc:
                log_failed_round(log, exc, "outbox relay batch failed; retrying")
                with contextlib.suppress(Exception):  # the age must grow while publishing fails
                    await self.measure()
                await asyncio.sleep(0.5)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), self.idle_poll)
            if last > 1:
                # A burst is under way: a moment's wait turns a NOTIFY per commit into
                # one batch for many. A lone event (last <= 1) goes out at once.
                await asyncio.sleep(self.gather_window)
            self._wake.clear()

    def _on_notify(self, *_: Any) -> None:
        self._wake.set()

    async def _poll_through_burst(self, listener: asyncpg.Connection) -> None:
        """Claim again and again, without waiting to be told, until the burst has been over
        for `busy_linger`. Meanwhile writers see the lock this holds and skip their NOTIFY.
        Polling stops only when no writer that may have skipped it is still in flight; then
        one more drain takes what they committed. Another relay polling already: nothing to do.
        The locks are the listener session's: if this ends any other way, the session goes."""
        if not await listener.fetchval(START_POLLING, self.channel):
            return
        settled = False  # the locks let go as planned
        try:
            quiet_since = time.monotonic()
            while True:
                if await self.relay_batch():
                    quiet_since = time.monotonic()
                    await self._measure_now_and_then()
                    continue
                if time.monotonic() - quiet_since < self.busy_linger:
                    await asyncio.sleep(self.busy_poll)
                    continue
                await listener.execute(STOP_POLLING, self.channel)  # writers notify from now on
                if await listener.fetchval(NO_WRITER_IN_FLIGHT, self.channel):
                    break
                if not await listener.fetchval(START_POLLING, self.channel):
                    settled = True
                    return  # another relay polls now, and waits for those writers in turn
                await asyncio.sleep(self.busy_poll)
            settled = True
        finally:
            if not settled:
                listener.terminate()  # its session's locks go with it; run() listens again
        self._wake.clear()
        while await self.relay_batch() == self.batch_size:
            pass

    async def _measure_now_and_then(self) -> None:
        if time.monotonic() - self._measured > MEASURE_EVERY:
            self._measured = time.monotonic()
            await self.measure()

    async def relay_batch(self) -> int:
        """Publish one batch; the rows are deleted only if every publish was acknowledged."""
        async with self.db.system_tx() as tx:
            rows = await self.claim(tx)
            if rows:
                await self.publish(rows)
        self.published += len(rows)
        return len(rows)

    async def claim(self, tx: asyncpg.Connection) -> list[asyncpg.Record]:
        rows = await tx.fetch(CLAIM_OUTBOX_BATCH, self.batch_size)
        return sorted(rows, key=lambda row: row["id"])

    async def publish(self, rows: Sequence[asyncpg.Record]) -> None:
        acks = []
        for row in rows:
            # A span in the trace of the request that wrote the row; consumers continue it.
            with _tracer.start_as_current_span(f"publish {row['subject']}", kind=trace.SpanKind.PRODUCER,
                                               context=extract_context(row["headers"]),
                                               attributes={"messaging.system": "nats",
                                                           "messaging.destination.name": row["subject"],
                                                           "tenant.id": (row["headers"] or {}).get(H_EVENT_TENANT,
                                                                                                   "")}):
                headers = inject_headers({**(row["headers"] or {}), "Nats-Msg-Id": str(row["event_id"])})
                acks.append(await self.js.publish_async(row["subject"], row["payload"], headers=headers))
        await asyncio.wait_for(asyncio.gather(*acks), self.publish_timeout)

    async def measure(self) -> None:
        """The outbox's backlog and the age of its oldest row, for the metrics."""
        async with self.db.system_tx() as tx:
            row = await tx.fetchrow(MEASURE_OUTBOX)
        service = self.channel.removesuffix("_outbox")
        OUTBOX_BACKLOG.labels(service).set(row["backlog"])
        OUTBOX_AGE.labels(service).set(row["age"] or 0.0)


# inbox and consumers --------------------------------------------------------------

# One statement records a whole batch; RETURNING names the events not seen before.
RECORD_INBOX_BATCH = """
INSERT INTO inbox (consumer, event_id) SELECT $1, unnest($2::uuid[]) ON CONFLICT DO NOTHING RETURNING event_id
"""
FORGET_INBOX = "DELETE FROM inbox WHERE consumer = $1 AND event_id = $2"
FETCH_WAIT = 5.0  # seconds a fetch waits when the consumer holds nothing

# Failures of the database or the network, not of the event: retried without spending
# the message's deliveries, so an outage cannot push good events to the dead letters.

Handler = Callable[[asyncpg.Connection, Any], Awaitable[None]]


class EventConsumer:
    """A durable JetStream consumer that applies each event exactly once per consumer.

    Handlers get the tenant transaction and should only write to the database: a batch
    that fails is rolled back and re-run, so a handler may run more than once, but only one
    run's effects are ever committed (calls to paid APIs belong before the event, not here).
    A worker that should act on what they wrote is woken by `after_commit`, once it is there."""

    def __init__(self, db: Database, js: JetStreamContext, *, durable: str,
                 events: Sequence[type[Event]], handler: Handler, max_deliver: int = 5,
                 ack_wait: float = 30.0, backoff: Sequence[float] = (0.2, 1.0, 5.0, 15.0),
                 batch_size: int = 256, after_commit: Callable[[], None] | None = None) -> None:
        if not events:
            raise ValueError("a consumer needs at least one event type")
        streams = {_stream_of(event) for event in events}
        if len(streams) != 1:
            raise ValueError(f"{durable}: events of one consumer must share a stream, got {streams}")
        self.db = db
        self.js = js
        self.durable = durable
        self.stream = streams.pop()
        self.subjects = [event.subject() for event in events]
        self.handler = handler
        self.max_deliver = max_deliver
        self.ack_wait = ack_wait
        self.backoff = list(backoff)
        self.batch_size = batch_size
        self.after_commit = after_commit  # told when a batch's writes are visible: wake a worker then, not before
        self.handled = 0
        self.service = durable.split("-", 1)[0]  # durables are named <service>-<purpose>

    async def subscribe(self) -> PullConsumer:
        config = ConsumerConfig(
            durable_name=self.durable, ack_policy=AckPolicy.EXPLICIT, deliver_policy=DeliverPolicy.ALL,
            filter_subjects=self.subjects, max_deliver=self.max_deliver, ack_wait=self.ack_wait,
        )
        await self.js.add_consumer(self.stream, config)  # idempotent for an identical config
        return await PullConsumer.bind(self.js, stream=self.stream, durable=self.durable)

    async def run(self) -> None:
        sub = await self.subscribe()
        try:
            while True:
                try:
                    messages = await sub.fetch(self.batch_size, timeout=FETCH_WAIT)
                except TimeoutError:  # no answer at all (a reconnect): nothing known to be pending
                    EVENT_PENDING.labels(self.service, self.durable).set(0)
                    continue
                except Exception as exc:  # reconnecting, a server hiccup: a consumer must not die of it
                    log.warning("%s: fetch failed (%s: %s); retrying", self.durable, type(exc).__name__, exc)
                    await asyncio.sleep(0.5)
                    continue
                if not messages:  # nothing arrived while we waited
                    EVENT_PENDING.labels(self.service, self.durable).set(0)
                    continue
                EVENT_PENDING.labels(self.service, self.durable).set(messages[-1].metadata.num_pending)
                await self.handle_batch(messages)
        finally:
            # A pull subscription left behind would hold the connection's drain open.
            await sub.unsubscribe()

    async def handle_batch(self, messages: Sequence[Msg]) -> None:
        """Apply a fetched batch in one transaction (one commit, however many tenants'
        events it holds), each tenant's events under that tenant, then ack or retry."""
        items: list[tuple[Msg, Event]] = []
        for msg in messages:
            try:
                items.append((msg, decode_event(msg.data)))
            except msgspec.DecodeError as exc:
                await self._dead_letter(msg, f"undecodable: {exc}")
        if not items:
            return
        failures = await self._apply_until_stored(items)
        if self.after_commit is not None:
            self.after_commit()
        for msg, event in items:
            failure = failures.get(event.event_id)
            if msg.metadata.num_delivered > 1:
                EVENT_REDELIVERIES.labels(self.service, self.durable).inc()
            if failure is None:
                await self._settle(msg.ack())
                self.handled += 1
                EVENTS_HANDLED.labels(self.service, self.durable, "ok").inc()
            else:
                EVENTS_HANDLED.labels(self.service, self.durable, "failed").inc()
                await self._retry_or_dead_letter(msg, event, failure)

    async def _apply_until_stored(self, items: list[tuple[Msg, Event]]) -> dict[Any, Exception]:
        by_tenant: dict[Any, list[tuple[Msg, Event]]] = {}
        for msg, event in items:
            by_tenant.setdefault(event.tenant_id, []).append((msg, event))
        # Every consumer takes the tenants' row locks in one order, so two batches never
        # wait on each other in a circle; each tenant's events keep their order.
        groups = sorted(by_tenant.items())
        delay = 0.2
        while True:
            try:
                try:
                    return await self._apply(groups, isolate=False)
                except _HandlerFailed as failed:
                    # Rare: redo the batch with a savepoint per event, so the others still commit;
                    # the event that failed is not run twice in one delivery.
                    return await self._apply(groups, isolate=True, known={failed.event_id: failed.error})
            except INFRASTRUCTURE_ERRORS as exc:
                log.warning("%s: database unavailable (%s); holding %d events", self.durable, exc, len(items))
                for msg, _ in items:
                    await self._settle(msg.in_progress())  # keeps them ours without a redelivery
                await asyncio.sleep(delay)
                delay = min(delay * 2, 5.0)

    async def _apply(self, groups: list[tuple[Any, list[tuple[Msg, Event]]]], *, isolate: bool,
                     known: dict[Any, Exception] | None = None) -> dict[Any, Exception]:
        """Run the handlers in one transaction, switching to each group's tenant in turn.
        Without `isolate`, the first failure aborts the batch (two round trips a savepoint
        are saved on the common, happy path)."""
        failures: dict[Any, Exception] = dict(known or {})
        first_tenant = groups[0][0]
        async with self.db.tenant_tx(first_tenant) as tx:
            fresh = {row["event_id"] for row in await tx.fetch(
                RECORD_INBOX_BATCH, self.durable, [event.event_id for _, group in groups for _, event in group])}
            for tenant_id, group in groups:
                if tenant_id != first_tenant:
                    await switch_tenant(tx, tenant_id)
                for msg, event in group:
                    if event.event_id not in fresh:
                        continue  # seen before: a redelivery, or a second copy within this batch
                    fresh.discard(event.event_id)
                    await self._apply_one(tx, msg, event, isolate=isolate, failures=failures)
        return failures

    async def _apply_one(self, tx: asyncpg.Connection, msg: Msg, event: Event, *, isolate: bool,
                         failures: dict[Any, Exception]) -> None:
        """Run the handler on one fresh event. A failure aborts the batch, or, with `isolate`,
        is noted in `failures` with the event's inbox row taken back, so that it is retried."""
        if event.event_id in failures:  # failed already in this delivery: not run twice
            await tx.execute(FORGET_INBOX, self.durable, event.event_id)
            return
        with _tracer.start_as_current_span(
            f"consume {event.subject()}", context=extract_context(msg.headers), kind=trace.SpanKind.CONSUMER,
            attributes={"messaging.consumer.group.name": self.durable, "tenant.id": str(event.tenant_id)},
        ) as span:
            try:
                if isolate:
                    async with savepoint(tx):
                        await self.handler(tx, event)
                else:
                    await self.handler(tx, event)
            except INFRASTRUCTURE_ERRORS:
                raise
            except Exception as exc:
                span.record_exception(exc)
                if not isolate:
                    raise _HandlerFailed(event.event_id, exc) from exc
                failures[event.event_id] = exc
                await tx.execute(FORGET_INBOX, self.durable, event.event_id)

    async def _retry_or_dead_letter(self, msg: Msg, event: Event, failure: Exception) -> None:
        delivered = msg.metadata.num_delivered
        if delivered >= self.max_deliver:
            await self._dead_letter(msg, f"{type(failure).__name__}: {failure}")
            return
        log.warning("%s failed on %s (delivery %d): %s", self.durable, event.event_id, delivered, failure)
        await self._settle(msg.nak(delay=self.backoff[min(delivered, len(self.backoff)) - 1]))

    async def _settle(self, acknowledgement: Awaitable[None]) -> None:
        """An ack lost to a reconnect only means a redelivery, which the inbox absorbs."""
        try:
            await acknowledgement
        except (nats.errors.Error, nats.js.errors.Error) as exc:
            log.warning("%s: could not settle a message (%s); it will be redelivered", self.durable, exc)

    async def _dead_letter(self, msg: Msg, reason: str) -> None:
        log.error("%s: dead-lettering %s: %s", self.durable, msg.subject, reason)
        headers = {**(msg.headers or {}), "Dlq-Reason": reason[:500], "Dlq-Subject": msg.subject,
                   "Dlq-Consumer": self.durable}
        headers.pop("Nats-Msg-Id", None)
        DEAD_LETTERS.labels(self.service, msg.subject).inc()
        await self.js.publish(f"dlq.{self.durable}", msg.data, headers=headers)
        await msg.term()


class PullConsumer:
    """Fetches of a durable pull consumer that take whatever it holds at once, or, when it
    holds nothing, the first messages to arrive within the wait.

    nats-py's `fetch(batch)` takes a status that arrives late (the expiry of its previous
    pull is due just as the client gives up on it) for the answer to its own first pull,
    and sends a second pull that lingers until `batch` messages are there. The server
    serves that pull first, so the fetches after it wait on it: a burst's events were held
    back until 256 of them had come, or for five seconds. Here every fetch is one `no_wait`
    pull with `expires`: the server waits for the first message, sends what it has and ends
    the pull with a status, so a pull left over never holds on to anything. Messages are
    collected as they are read off the connection, not with a task each (`next_msg`), which
    on a busy event loop made a fetch of fifty take tens of milliseconds."""

    def __init__(self, nc: NATS, *, next_subject: str) -> None:
        self._nc = nc
        self.next_subject = next_subject  # the consumer's pull requests go here
        self.inbox = nc.new_inbox()  # where the server answers this consumer's pulls
        self._sub: Subscription | None = None
        self._arrived: collections.deque[Msg] = collections.deque()  # may hold a late part of an earlier pull
        self._more = asyncio.Event()

    @classmethod
    async def bind(cls, js: JetStreamContext, *, stream: str, durable: str) -> PullConsumer:
        # nats-py keeps the connection and the API prefix of a JetStream context to itself.
        pull = cls(js._nc, next_subject=f"{js._prefix}.CONSUMER.MSG.NEXT.{stream}.{durable}")
        pull._sub = await pull._nc.subscribe(pull.inbox, cb=pull._on_message)
        return pull

    async def _on_message(self, msg: Msg) -> None:
        self._arrived.append(msg)
        self._more.set()

    async def fetch(self, batch: int, timeout: float) -> list[Msg]:
        """Up to `batch` messages, [] if none came within `timeout`. A status left over from
        an earlier pull only ends this one early: what it missed comes with the next."""
        request = msgspec.json.encode({"batch": batch, "expires": int(timeout * 1e9), "no_wait": True})
        await self._nc.publish(self.next_subject, request, reply=self.inbox)
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout + 1.0  # the server's own answer comes at `timeout`
        messages: list[Msg] = []
        while len(messages) < batch:
            if not self._arrived:
                self._more.clear()
                try:
                    await asyncio.wait_for(self._more.wait(), max(deadline - loop.time(), 0.001))
                except TimeoutError:  # the pull's end was lost (a reconnect): keep what came
                    if messages:
                        break
                    raise
                continue
            msg = self._arrived.popleft()
            status = JetStreamContext.is_status_msg(msg)
            if status is None:
                messages.append(msg)
            elif status in ("404", "408"):  # no (more) messages; the wait expired
                break
            elif status != "100":  # 409: a leadership change, the consumer deleted, too many waiting
                if messages:
                    break
                raise APIError.from_msg(msg)
        return messages

    async def unsubscribe(self) -> None:
        if self._sub is not None:
            await self._sub.unsubscribe()


class _HandlerFailed(Exception):
    """A handler failed in a batch run without savepoints; the batch is redone with them."""

    def __init__(self, event_id: Any, error: Exception) -> None:
        super().__init__(str(error))
        self.event_id = event_id
        self.error = error


def _stream_of(event: type[Event]) -> str:
    context = event.context()
    for name, subject in STREAMS.items():
        if subject == f"{context}.>":
            return name
    raise ValueError(f"no stream holds {event.subject()}")


# commands (request-reply) ---------------------------------------------------------


async def serve_command(nc: NATS, command: type[Command],
                        handler: Callable[[Any], Awaitable[msgspec.Struct]], *, subject: str | None = None,
                        concurrency: int = 32) -> Any:
    """Answer `command` requests; a queue group spreads them over the service's replicas.
    `subject` overrides the command's own, for commands every service answers on its own.
    nats-py runs one subscription's callbacks one at a time, so each request gets a task
    of its own (at most `concurrency` at once) rather than waiting for the one before."""
    subject = subject or command.SUBJECT
    slots = asyncio.Semaphore(concurrency)
    running: set[asyncio.Task[None]] = set()

    async def on_message(msg: Msg) -> None:
        await slots.acquire()
        task = asyncio.create_task(answer(msg))
        running.add(task)
        task.add_done_callback(lambda done: (running.discard(done), slots.release()))

    async def answer(msg: Msg) -> None:
        with _tracer.start_as_current_span(f"handle {subject}", kind=trace.SpanKind.SERVER,
                                           context=extract_context(msg.headers)):
            try:
                decoded = command.decode(msg.data)
                set_tenant(getattr(decoded, "tenant_id", None))  # each command runs in a task of its own
                reply: msgspec.Struct = await handler(decoded)
            except AppError as exc:
                reply = CommandFailed(error=str(exc), code=exc.code)
            except Exception as exc:  # the caller must hear something rather than time out
                log.exception("command %s failed", subject)
                reply = CommandFailed(error=type(exc).__name__)
            encoded = msgspec.json.encode(reply)
            if len(encoded) > nc.max_payload:
                encoded = msgspec.json.encode(CommandFailed(error=f"the answer ({len(encoded)} bytes) is larger "
                                                                  f"than one message ({nc.max_payload})"))
            await msg.respond(encoded)

    return await nc.subscribe(subject, queue=subject, cb=on_message)


async def request(nc: NATS, command: Command, *, timeout: float = 2.0, subject: str | None = None) -> Any:
    """Send `command` and return its typed reply; `Unavailable` when nobody answers in time."""
    subject = subject or command.SUBJECT
    try:
        msg = await nc.request(subject, command.encode(), timeout=timeout, headers=inject_headers())
    except (nats.errors.TimeoutError, nats.errors.NoRespondersError) as exc:
        raise Unavailable(f"{subject} did not answer: {type(exc).__name__}") from None
    reply = decode_reply(command, msg.data)
    if isinstance(reply, CommandFailed):
        raise Unavailable(f"{subject} failed: {reply.error}")
    return reply

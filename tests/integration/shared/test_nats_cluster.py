"""Killing one node of a three-node JetStream cluster loses no acknowledged event.

The cluster (tests/servers/nats_cluster.py) is what production runs, on loopback:
- three `nats-server` processes routed into one cluster, each with its own store folder;
- every stream replicated 3 times (`ensure_streams(js, replicas=3)`, the services' STREAM_REPLICAS):
  a write is acknowledged once a majority (2 of 3) has stored it, so any one node may die;
- `jetstream.sync_interval: always`: each node fsyncs a write before it counts towards that
  majority. JetStream's default syncs every two minutes, so an acknowledged message may
  exist only in the page cache of two machines; a power cut in one zone then loses it.
  It costs an fsync per write, which the billing stream (money) cannot do without.
- publishers send `Nats-Msg-Id` (the outbox relay does: the event id) and retry what was
  not acknowledged, e.g. during the leader election after a node dies; the stream's
  duplicate window turns a retry of a write that did land into a no-op.
"""

import asyncio
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import msgspec
import nats
import pytest
from nats.js.api import AckPolicy, ConsumerConfig

from shared.contracts import TenantDeletedV1, encode_event
from shared.db import Database
from shared.messaging import EventConsumer, connect_nats, ensure_streams
from tests.servers.nats_cluster import NatsCluster

pytestmark = pytest.mark.long

EVENTS = 2000
KILL_AFTER = 800


@pytest.fixture
def cluster(tmp_path: Path) -> Iterator[NatsCluster]:
    nodes = NatsCluster(tmp_path / "nats-cluster")
    try:
        nodes.start()
        yield nodes
    finally:
        nodes.stop_all()


async def reader_after_failover(js, durable: str):  # type: ignore[no-untyped-def]
    """A fresh durable consumer, asked for until the two survivors have elected the leaders that
    create it: on a loaded machine that can take longer than one request's 5 s."""
    deadline = time.monotonic() + 60
    while True:
        try:
            return await js.pull_subscribe("identity.>", durable=durable, stream="IDENTITY",
                                           config=ConsumerConfig(ack_policy=AckPolicy.EXPLICIT))
        except (nats.errors.TimeoutError, nats.js.errors.ServiceUnavailableError):
            if time.monotonic() > deadline:
                raise
            await asyncio.sleep(0.5)


async def publish_until_acknowledged(js, event: TenantDeletedV1) -> bool:  # type: ignore[no-untyped-def]
    """Publish with the event id as Nats-Msg-Id until acknowledged; True if it was stored
    by an earlier attempt (JetStream reports the retry as a duplicate)."""
    deadline = time.monotonic() + 30
    while True:
        try:
            ack = await js.publish(event.subject(), encode_event(event), timeout=2,
                                   headers={"Nats-Msg-Id": str(event.event_id)})
            return bool(ack.duplicate)
        except (nats.errors.Error, nats.js.errors.Error, TimeoutError):
            if time.monotonic() > deadline:
                raise
            await asyncio.sleep(0.1)  # no leader yet, or our server just died: try again


async def test_a_killed_node_loses_no_acknowledged_event_and_consumers_go_on(
        cluster: NatsCluster, billing_db: Database, tenant_id: uuid.UUID) -> None:
    nc = await connect_nats(cluster.url, name="tests-cluster")
    js = nc.jetstream(timeout=5)
    handled: list[uuid.UUID] = []
    durable = f"test-cluster-{uuid.uuid4().hex[:8]}"
    try:
        await ensure_streams(js, replicas=3)
        info = await js.stream_info("IDENTITY")
        assert info.config.num_replicas == 3
        assert info.cluster is not None and info.cluster.leader
        victim = info.cluster.leader  # the worst node to lose: the stream's leader

        async def handler(tx, event: TenantDeletedV1) -> None:  # type: ignore[no-untyped-def]
            handled.append(event.event_id)

        consumer = EventConsumer(billing_db, js, durable=durable, events=[TenantDeletedV1], handler=handler,
                                 ack_wait=5)
        consuming = asyncio.create_task(consumer.run())

        events = [TenantDeletedV1(tenant_id=tenant_id, slug=f"load-{n}") for n in range(EVENTS)]
        retried_but_stored = 0
        for n, event in enumerate(events):
            if n == KILL_AFTER:
                await asyncio.to_thread(cluster.kill, victim)
                handled_at_kill = len(set(handled))
            retried_but_stored += await publish_until_acknowledged(js, event)

        # Everything acknowledged is in the stream once, read back by a fresh durable consumer.
        sent = [str(event.event_id) for event in events]
        reader = await reader_after_failover(js, f"{durable}-reader")
        read: list[str] = []
        while True:
            try:
                batch = await reader.fetch(500, timeout=3)
            except (TimeoutError, nats.errors.TimeoutError):  # nothing left (the client raises either)
                break
            for msg in batch:
                body = msgspec.json.decode(msg.data)
                if body.get("tenant_id") == str(tenant_id):
                    read.append(body["event_id"])
                await msg.ack()
        assert len(read) == len(set(read)) == EVENTS, (len(read), len(set(read)))
        assert set(read) == set(sent)

        # While the node is still down the consumer goes on (after its failover, however long
        # this machine takes for it): it does not wait for the node to come back.
        for _ in range(300):
            if len(set(handled)) > handled_at_kill:
                break
            await asyncio.sleep(0.1)
        handled_before_restart = len(set(handled))

        # The killed node comes back with its store and catches up with the others.
        await asyncio.to_thread(cluster.restart, victim)
        for _ in range(100):
            info = await js.stream_info("IDENTITY")
            replicas = info.cluster.replicas if info.cluster else []
            if len(replicas) == 2 and all(peer.current for peer in replicas):
                break
            await asyncio.sleep(0.1)
        assert all(peer.current for peer in replicas), replicas

        # The consumer kept going through the kill: every event handled, each effect once.
        for _ in range(300):
            if len(set(handled)) >= EVENTS:
                break
            await asyncio.sleep(0.1)
        consuming.cancel()
        await asyncio.gather(consuming, return_exceptions=True)
        # It did not wait for the node to come back: it handled events while the node was down.
        assert handled_before_restart > handled_at_kill
        assert set(handled) == {event.event_id for event in events}
        async with billing_db.system_tx() as tx:
            recorded = await tx.fetchval("SELECT count(*) FROM inbox WHERE consumer = $1", durable)
        assert recorded == EVENTS
        print(f"\n{EVENTS} events, leader {victim} killed after {KILL_AFTER}; "
              f"{retried_but_stored} retries had been stored already")
    finally:
        await nc.close()

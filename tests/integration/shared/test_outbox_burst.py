"""Through a burst the relay polls and writers skip their NOTIFY (which would make them
commit one at a time); nothing a writer committed meanwhile is left behind when it stops."""

import asyncio
import time
import uuid

import pytest

from shared.contracts import AccountOpenedV1
from shared.db import Database
from shared.messaging import OutboxRelay, add_event
from tests.integration.stream_log import event_ids_since, last_seq

CHANNEL = "billing_outbox"


async def published_within(js, start: int, event_ids: set[uuid.UUID], seconds: float) -> set[uuid.UUID]:  # type: ignore[no-untyped-def]
    """Which of `event_ids` JetStream holds, waiting up to `seconds` for all of them."""
    deadline = time.monotonic() + seconds
    while True:
        found = event_ids & set(await event_ids_since(js, "BILLING", start))
        if found == event_ids or time.monotonic() > deadline:
            return found
        await asyncio.sleep(0.05)


async def commit_one(db: Database, tenant_id: uuid.UUID) -> uuid.UUID:
    event = AccountOpenedV1(tenant_id=tenant_id, balance=1)
    async with db.tenant_tx(tenant_id) as tx:
        await add_event(tx, event)
    return event.event_id


@pytest.mark.usefixtures("empty_billing_outbox")
async def test_writers_skip_notify_while_the_relay_polls_and_a_slow_one_is_not_left_behind(
        billing_db: Database, nats_client, tenant_id: uuid.UUID) -> None:
    js = nats_client.jetstream()
    start = await last_seq(js, "BILLING")
    notified = 0

    def count(*_: object) -> None:
        nonlocal notified
        notified += 1

    # idle_poll=60: only NOTIFY or polling can get these out in time, never the safety net.
    relay = OutboxRelay(billing_db, js, channel=CHANNEL, idle_poll=60, busy_linger=1.0)
    async with billing_db.pool.acquire() as listener:
        await listener.add_listener(CHANNEL, count)
        task = asyncio.create_task(relay.run())
        try:
            await asyncio.sleep(0.3)  # listening
            lone = await commit_one(billing_db, tenant_id)  # no burst: NOTIFY wakes the relay
            assert await published_within(js, start, {lone}, 5) == {lone}
            assert notified == 1

            burst: list[uuid.UUID] = []

            async def writer() -> None:
                for _ in range(25):
                    burst.append(await commit_one(billing_db, tenant_id))

            await asyncio.gather(*(writer() for _ in range(8)))
            # A writer that starts while the relay polls, and commits after the burst has
            # been over for longer than busy_linger: the relay must still be looking then.
            slow = AccountOpenedV1(tenant_id=tenant_id, balance=2)
            async with billing_db.tenant_tx(tenant_id) as tx:
                await add_event(tx, slow)
                await asyncio.sleep(1.5)
            committed = time.monotonic()
            assert await published_within(js, start, {slow.event_id}, 5) == {slow.event_id}
            assert time.monotonic() - committed < 2.0
            assert await published_within(js, start, set(burst), 5) == set(burst)
            assert notified - 1 < len(burst) / 2, f"{notified - 1} NOTIFYs for {len(burst)} commits"

            await asyncio.sleep(1.5)  # the burst is over and polling has stopped: NOTIFY again
            before = notified
            after = await commit_one(billing_db, tenant_id)
            assert await published_within(js, start, {after}, 5) == {after}
            assert notified == before + 1
        finally:
            task.cancel()
            await asyncio.gather(task, return_exceptions=True)
            await listener.remove_listener(CHANNEL, count)

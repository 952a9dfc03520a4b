"""A consumer outlives a fetch that comes back empty (it once died of one, and every
tenant's wallet stopped opening)."""

import asyncio
import contextlib

from shared.contracts import TenantUpdatedV1
from shared.messaging import EventConsumer


class EmptyThenCancelled:
    def __init__(self) -> None:
        self.fetches = 0

    async def fetch(self, batch: int, timeout: float) -> list[object]:
        self.fetches += 1
        if self.fetches > 3:
            raise asyncio.CancelledError
        return []

    async def unsubscribe(self) -> None:
        return None


async def test_an_empty_fetch_is_just_another_round(billing_db, nats_client) -> None:  # type: ignore[no-untyped-def]
    consumer = EventConsumer(billing_db, nats_client.jetstream(), durable="test-empty-fetch",
                             events=[TenantUpdatedV1], handler=lambda tx, event: asyncio.sleep(0))
    subscription = EmptyThenCancelled()

    async def subscribe() -> EmptyThenCancelled:
        return subscription

    consumer.subscribe = subscribe  # type: ignore[method-assign]
    with contextlib.suppress(asyncio.CancelledError):
        await consumer.run()
    assert subscription.fetches == 4  # three empty rounds survived, then stopped from outside

"""When each message arrived at its consumer, and a bounded wait for a set of them."""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Collection, Hashable


class Arrivals:
    """Arrival times (`time.perf_counter()`) by message key, recorded by a consumer."""

    def __init__(self) -> None:
        self.at: dict[Hashable, float] = {}
        self._awaited: set[Hashable] = set()
        self._all_arrived = asyncio.Event()

    def record(self, key: Hashable) -> None:
        self.at[key] = time.perf_counter()
        if self._awaited:
            self._awaited.discard(key)
            if not self._awaited:
                self._all_arrived.set()

    async def wait_for(self, keys: Collection[Hashable], timeout: float) -> int:
        """Wait until every key arrived or `timeout` passed; returns how many arrived."""
        self._awaited = set(keys) - self.at.keys()
        self._all_arrived.clear()
        if self._awaited:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._all_arrived.wait(), timeout)
        self._awaited = set()
        return sum(1 for key in keys if key in self.at)

    def latencies(self, sent_at: dict[Hashable, float]) -> list[float]:
        """Seconds from each send to its arrival, for the keys that arrived."""
        return [self.at[key] - start for key, start in sent_at.items() if key in self.at]

    def last_arrival(self, keys: Collection[Hashable]) -> float | None:
        return max((self.at[key] for key in keys if key in self.at), default=None)

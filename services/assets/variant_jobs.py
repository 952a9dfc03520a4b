"""Copies of images made one at a time per copy, a few at a time in all.

A copy (`?w=`, `?fm=`) is made on its first request: a whole decode and encode, seconds of CPU
and hundreds of megabytes for a large or animated image. Requests for a copy already being
made wait for it rather than make it again, and at most `limit` copies are made at once, so
anonymous requests sent together cannot multiply that work (an outside probe: six at once
doubled the service's memory)."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Hashable
from typing import Any, TypeVar

T = TypeVar("T")


class VariantJobs:
    def __init__(self, limit: int) -> None:
        self.slots = asyncio.Semaphore(limit)
        self.running: dict[Hashable, asyncio.Task[Any]] = {}

    async def once(self, key: Hashable, make: Callable[[], Awaitable[T]]) -> T:
        """`make()`'s result; callers asking while it runs for the same key share it. A caller
        that goes away (a closed connection) leaves the work to finish for the others."""
        task = self.running.get(key)
        if task is None:
            task = asyncio.ensure_future(self._limited(make))
            self.running[key] = task
            task.add_done_callback(lambda done: self._finished(key, done))
        return await asyncio.shield(task)

    async def _limited(self, make: Callable[[], Awaitable[T]]) -> T:
        async with self.slots:
            return await make()

    def _finished(self, key: Hashable, task: asyncio.Task[Any]) -> None:
        self.running.pop(key, None)
        if not task.cancelled():
            task.exception()  # retrieved here, so a failure nobody waited for is not logged as lost

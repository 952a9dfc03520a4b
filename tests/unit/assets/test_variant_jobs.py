"""Copies of images are made once per copy at a time, a few at a time in all: requests sent
together for a copy share its making, and a request that goes away leaves it to the rest."""

from __future__ import annotations

import asyncio

import pytest

from services.assets.variant_jobs import VariantJobs


class Maker:
    def __init__(self) -> None:
        self.made = 0
        self.at_once = 0
        self.most_at_once = 0
        self.release = asyncio.Event()

    async def __call__(self) -> str:
        self.made += 1
        self.at_once += 1
        self.most_at_once = max(self.most_at_once, self.at_once)
        await self.release.wait()
        self.at_once -= 1
        return f"copy {self.made}"


async def test_requests_for_one_copy_at_once_share_one_making() -> None:
    jobs, maker = VariantJobs(limit=2), Maker()
    waiting = [asyncio.create_task(jobs.once(("asset", 640, "webp"), maker)) for _ in range(6)]
    await asyncio.sleep(0.01)
    maker.release.set()
    assert await asyncio.gather(*waiting) == ["copy 1"] * 6 and maker.made == 1
    assert not jobs.running  # and the next request, once the copy is stored, finds it there


async def test_no_more_copies_are_made_at_once_than_the_limit() -> None:
    jobs, maker = VariantJobs(limit=2), Maker()
    waiting = [asyncio.create_task(jobs.once(("asset", width, None), maker)) for width in (320, 640, 960, 1280)]
    await asyncio.sleep(0.01)
    assert maker.made == 2  # the other two wait for a slot
    maker.release.set()
    await asyncio.gather(*waiting)
    assert maker.made == 4 and maker.most_at_once == 2


async def test_a_request_that_goes_away_leaves_the_copy_to_the_others() -> None:
    jobs, maker = VariantJobs(limit=1), Maker()
    first = asyncio.create_task(jobs.once("key", maker))
    second = asyncio.create_task(jobs.once("key", maker))
    await asyncio.sleep(0.01)
    first.cancel()
    maker.release.set()
    assert await second == "copy 1"
    with pytest.raises(asyncio.CancelledError):
        await first


async def test_a_failure_reaches_every_waiter_and_the_next_request_tries_again() -> None:
    jobs, calls = VariantJobs(limit=1), []

    async def broken() -> str:
        calls.append(1)
        await asyncio.sleep(0.01)
        raise OSError("the store is away")

    results = await asyncio.gather(*(jobs.once("key", broken) for _ in range(3)), return_exceptions=True)
    assert all(isinstance(r, OSError) for r in results) and len(calls) == 1
    with pytest.raises(OSError):
        await jobs.once("key", broken)
    assert len(calls) == 2

"""The replicas behind each service: round robin over the healthy ones.

A service's URL setting may list several replicas (`CMS_URL=http://cms-1:8000,http://cms-2:8000`).
Each is asked for `/health` every few seconds; one that fails a check or a connection is
left out until it answers again. When none looks healthy, all are tried: a stale health
view must not take a service down that is in fact up."""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import logging

import aiohttp

log = logging.getLogger("gateway.upstreams")


class Pool:
    def __init__(self, service: str, urls: list[str]) -> None:
        self.service = service
        self.urls = [url.rstrip("/") for url in urls]
        self.healthy = set(self.urls)
        self._turn = itertools.count()

    def pick(self) -> str:
        candidates = [url for url in self.urls if url in self.healthy] or self.urls
        return candidates[next(self._turn) % len(candidates)]

    def failed(self, url: str) -> None:
        if url in self.healthy and len(self.urls) > 1:
            log.warning("%s replica %s is failing; leaving it out until it answers", self.service, url)
        self.healthy.discard(url)

    def answered(self, url: str) -> None:
        self.healthy.add(url)


def pools(urls_by_service: dict[str, str]) -> dict[str, Pool]:
    return {service: Pool(service, [u.strip() for u in urls.split(",") if u.strip()])
            for service, urls in urls_by_service.items()}


async def check_health(session: aiohttp.ClientSession, all_pools: dict[str, Pool], interval: float) -> None:
    async def check(pool: Pool, url: str) -> None:
        try:
            async with session.get(url + "/health", timeout=aiohttp.ClientTimeout(total=2)) as response:
                if response.status == 200:
                    pool.answered(url)
                    return
        except (aiohttp.ClientError, TimeoutError):
            pass
        pool.failed(url)

    while True:
        with contextlib.suppress(Exception):
            await asyncio.gather(*(check(pool, url) for pool in all_pools.values() for url in pool.urls))
        await asyncio.sleep(interval)

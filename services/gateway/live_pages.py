"""cms's replica of every tenant's live pages (shared/contracts.py, LIVE_PAGES_BUCKET), read
when the page cache does not hold a page: one key lookup over the NATS connection the
gateway already has, instead of a signed hop to cms and a query there.

The replica is only ever a shortcut. A page it does not hold (not yet replicated, too
large, a draft preview, the sitemap), a bucket not created yet, or NATS slower than
`timeout`: the page is asked of cms as before. Every write cms makes to a tenant's keys
reaches the gateway as a message on the bucket's subject, and evicts that tenant's cached
pages (moving its epoch, so a lookup still travelling is not kept): the cache never holds
a page longer than the replica it came from."""

from __future__ import annotations

import logging
import time
import uuid

import msgspec
from nats.aio.client import Client as NATS
from nats.aio.msg import Msg
from nats.errors import Error as NatsError
from nats.js.errors import NotFoundError
from nats.js.kv import KeyValue

from shared.contracts import LIVE_PAGES_BUCKET, LivePage, live_page_decoder, live_page_key

from .page_cache import PageCache

log = logging.getLogger("gateway.live_pages")

BIND_RETRY = 5.0  # seconds before asking again for a bucket that was not there


class LiveReplica:
    def __init__(self, nc: NATS, *, timeout: float) -> None:
        self.nc = nc
        self.timeout = timeout
        self._bucket: KeyValue | None = None
        self._bind_after = 0.0

    async def start(self, cache: PageCache) -> None:
        prefix = f"$KV.{LIVE_PAGES_BUCKET}."

        async def on_write(msg: Msg) -> None:
            tenant = msg.subject[len(prefix):].split(".", 1)[0]
            try:
                cache.evict_tenant(uuid.UUID(hex=tenant))
            except ValueError:
                log.warning("a key of %s names no tenant: %s", LIVE_PAGES_BUCKET, msg.subject)

        await self.nc.subscribe(prefix + ">", cb=on_write)

    async def get(self, tenant_id: uuid.UUID, kind: str, path: str) -> LivePage | None:
        """The tenant's live page at `path` in `kind`, if the replica holds it (now)."""
        key = live_page_key(tenant_id, kind, path)
        bucket = await self._bound() if key is not None else None
        if bucket is None or key is None:
            return None
        try:
            entry = await bucket.get(key)  # its request times out by the bucket's context: see _bound
        except NotFoundError:  # never replicated, or deleted
            return None
        except (TimeoutError, NatsError) as exc:
            log.warning("live replica unavailable (%s); asking cms", type(exc).__name__)
            return None
        if not entry.value:
            return None
        try:
            return live_page_decoder.decode(entry.value)
        except msgspec.DecodeError:
            log.warning("live replica entry %s is not a page; asking cms", key)
            return None

    async def _bound(self) -> KeyValue | None:
        if self._bucket is None and time.monotonic() >= self._bind_after:
            try:
                # The context's timeout bounds every lookup's request; a wait_for around each
                # lookup would cost a task per page served.
                self._bucket = await self.nc.jetstream(timeout=self.timeout).key_value(LIVE_PAGES_BUCKET)
            except (TimeoutError, NatsError):  # cms has not created it yet
                self._bind_after = time.monotonic() + BIND_RETRY
        return self._bucket

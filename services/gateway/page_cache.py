"""The gateway's cache of rendered public pages, so a published page costs cms nothing
after its first visitor.

Entries are keyed by tenant, path and representation (HTML or JSON) and hold the page's
bytes and headers as cms answered, plus gzip and brotli copies made on first demand. A
request with a query string passes the cache (pages.py): its answer is not kept, but when it
is the very bytes held for the page, it is sent from the entry, compressed once already. A
tenant's entries are dropped the moment one of its pages is published, unpublished or
deleted, or its theme, name or domains change (cms's events, over NATS), and whenever cms
writes its keys in the live replica (live_pages.py). A
fetch that started before such an event is not stored: each tenant has an epoch that the
events advance, and an answer is kept only if the epoch did not move while it travelled.
Entries also expire after a while, as a safety net for a missed event, and the cache is
bounded in bytes (least recently used out first)."""

from __future__ import annotations

import gzip
import time
import uuid
from collections import OrderedDict
from collections.abc import Mapping

import brotli
import msgspec
from nats.aio.client import Client as NATS
from nats.aio.msg import Msg

from shared.contracts import decode_event

COMPRESSIBLE = ("text/html", "application/json", "application/xml", "text/xml", "text/plain")
MIN_COMPRESS = 512  # smaller bodies gain nothing worth the header
Key = tuple[uuid.UUID, str, str]


class Entry(msgspec.Struct):
    status: int
    headers: dict[str, str]  # lower-case names, as cms sent them (no hop-by-hop, no length)
    body: bytes
    expires: float
    encoded: dict[str, bytes] = {}
    wire: dict[str, list[tuple[bytes, bytes]]] = {}  # ready-made ASGI headers by coding (pages.answer)

    @property
    def size(self) -> int:
        return len(self.body) + sum(len(value) for value in self.encoded.values())

    def compressible(self) -> bool:
        return len(self.body) >= MIN_COMPRESS and self.headers.get("content-type", "").startswith(COMPRESSIBLE)

    def headers_for(self, coding: str | None, *, source: str) -> dict[str, str]:
        """What the answer carries besides cms's own headers: its coding, and where it came
        from (`hit`: this cache; `replica`: cms's live replica; `miss`: cms)."""
        headers = {**self.headers, "vary": "Accept, Accept-Encoding", "x-cache": source}
        if coding:
            headers["content-encoding"] = coding
        return headers

    def encoding_for(self, accept_encoding: str) -> str | None:
        """`br` or `gzip` when the client takes it and the body is worth it, else None."""
        if not self.compressible():
            return None
        offered = {part.split(";")[0].strip().lower(): "q=0" not in part.replace(" ", "")
                   for part in accept_encoding.split(",")}
        for coding in ("br", "gzip"):
            if offered.get(coding):
                if coding not in self.encoded:
                    self.encoded[coding] = brotli.compress(self.body, quality=5) if coding == "br" \
                        else gzip.compress(self.body, compresslevel=6)
                return coding
        return None


class PageCache:
    def __init__(self, *, max_bytes: int, ttl: float) -> None:
        self.max_bytes, self.ttl = max_bytes, ttl
        self._entries: OrderedDict[Key, Entry] = OrderedDict()
        self._bytes = 0
        self._epochs: dict[uuid.UUID, int] = {}
        self.hits = self.misses = 0

    @staticmethod
    def key(tenant_id: uuid.UUID, path: str, accept: str) -> Key:
        return tenant_id, path, "json" if "application/json" in accept else "html"

    def get(self, key: Key) -> Entry | None:
        entry = self._entries.get(key)
        if entry is None or entry.expires < time.monotonic():
            self.misses += 1
            return None
        self._entries.move_to_end(key)
        self.hits += 1
        return entry

    def holding(self, key: Key, status: int, body: bytes) -> Entry | None:
        """The entry under `key` if it holds exactly this answer (with the compressed copies
        already made of it): an answer fetched past the cache need not be compressed again."""
        entry = self._entries.get(key)
        return entry if entry is not None and entry.status == status and entry.body == body else None

    def epoch(self, tenant_id: uuid.UUID) -> int:
        return self._epochs.get(tenant_id, 0)

    def put(self, key: Key, status: int, headers: dict[str, str], body: bytes, epoch: int) -> Entry:
        entry = Entry(status=status, headers=headers, body=body, expires=time.monotonic() + self.ttl, encoded={},
                      wire={})
        if epoch != self.epoch(key[0]) or not cacheable(status, headers) or len(body) > self.max_bytes // 16:
            return entry  # served once, not kept
        old = self._entries.pop(key, None)
        if old is not None:
            self._bytes -= old.size
            if old.body == body:  # fetched again (expired), the same bytes: their compressed copies still fit
                entry.encoded = old.encoded
        self._entries[key] = entry
        self._bytes += entry.size
        while self._bytes > self.max_bytes and self._entries:
            _, dropped = self._entries.popitem(last=False)
            self._bytes -= dropped.size
        return entry

    def coding_for(self, key: Key, entry: Entry, accept_encoding: str) -> str | None:
        """The coding to send `entry` in for this client; a compressed copy made on first
        demand is counted in the cache's bytes when the cache holds the entry (as `key`)."""
        before = entry.size
        coding = entry.encoding_for(accept_encoding)
        if self._entries.get(key) is entry:
            self._bytes += entry.size - before
        return coding

    def evict_tenant(self, tenant_id: uuid.UUID) -> None:
        self._epochs[tenant_id] = self.epoch(tenant_id) + 1
        for key in [key for key in self._entries if key[0] == tenant_id]:
            self._bytes -= self._entries.pop(key).size

    async def start(self, nc: NATS) -> None:
        async def on_event(msg: Msg) -> None:
            try:
                event = decode_event(msg.data)
            except msgspec.DecodeError:
                return
            self.evict_tenant(event.tenant_id)

        # cms's own events, sent once its projections have the change (identity's may come first).
        for subject in ("cms.page.published.>", "cms.page.unpublished.>", "cms.page.deleted.>", "cms.site.changed.>",
                        "cms.catalogue.synced.>"):  # a price or stock change shows in the product grids
            await nc.subscribe(subject, cb=on_event)


def cacheable(status: int, headers: Mapping[str, str]) -> bool:
    control = headers.get("cache-control", "")
    return status == 200 and "set-cookie" not in headers and "no-store" not in control and "private" not in control

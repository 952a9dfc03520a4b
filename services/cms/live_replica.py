"""The replica of a tenant's live pages that the gateway reads (shared/contracts.py,
LIVE_PAGES_BUCKET), so a page its cache does not hold costs one key lookup instead of a
hop to cms and a query.

Only this module writes the bucket, and only from a consumer of the events after which a
rendered page changes (a page published, unpublished or deleted; the site's name, theme or
domain; the catalogue its grids show): cms's own events, each sent after the change it
names committed. A replication makes the tenant's keys what the database says now: every
live page in both kinds (its stored rendering when still current, else rendered and stored
now), and no key for anything else.

Replications may run at once in several cms processes. Each lists the tenant's keys first,
with their revisions, then reads the database, then writes each key only if its revision
is still the one listed: a replication that read older rows than another one wrote loses
the race and starts again with newer rows. The gateway evicts a tenant's cached pages on
every write to its keys, so what it caches never outlives what the bucket holds."""

from __future__ import annotations

import contextlib
import logging
import uuid

import asyncpg
import msgspec
from nats.aio.client import Client as NATS
from nats.js.errors import APIError, KeyNotFoundError, KeyWrongLastSequenceError, NoKeysError
from nats.js.kv import KeyValue

from shared.contracts import (
    LIVE_PAGE_MAX_BYTES,
    CatalogueSyncedV1,
    LivePage,
    PageDeletedV1,
    PagePublishedV1,
    PageUnpublishedV1,
    SiteChangedV1,
    TenantPurgedV1,
    live_page_encoder,
    live_page_key,
)
from shared.db import Database

from . import delivery
from .repo import delivery as rows

log = logging.getLogger("cms.live_replica")

# After these, what a tenant's live pages look like may have changed (cms's own events), or
# its pages are gone (identity's, on another stream: a consumer of its own).
CHANGES = [PagePublishedV1, PageUnpublishedV1, PageDeletedV1, SiteChangedV1, CatalogueSyncedV1]
GONE = [TenantPurgedV1]
KINDS = ("html", "json")
ATTEMPTS = 5  # replications of one tenant racing each other: each loss means newer rows were written
WRONG_REVISION = (10071, 10164)  # JetStream's "wrong last sequence" error codes
RENDERER_KEY = "renderer"  # which renderer made the bucket's pages (no tenant's key: those hold dots)


class Listed(msgspec.Struct, frozen=True):
    revision: int
    value: bytes | None  # None: deleted


async def replicate(kv: KeyValue, tx: asyncpg.Connection, tenant_id: uuid.UUID, public_base_url: str, *,
                    nc: NATS | None = None) -> int:
    """Make the tenant's keys match its live pages; the number of keys written or deleted.
    `nc` reaches assets for the sizes of the images of pages rendered anew."""
    for _ in range(ATTEMPTS - 1):
        try:
            return await _replicate_once(kv, tx, tenant_id, public_base_url, nc)
        except KeyWrongLastSequenceError:
            continue  # another replication wrote first; read again
    return await _replicate_once(kv, tx, tenant_id, public_base_url, nc)


async def _replicate_once(kv: KeyValue, tx: asyncpg.Connection, tenant_id: uuid.UUID, public_base_url: str,
                          nc: NATS | None) -> int:
    listed = await _listed(kv, tenant_id)  # before the rows: see the module's docstring
    wanted = await _live_answers(tx, tenant_id, public_base_url, nc)
    written = 0
    for key, value in wanted.items():
        held = listed.get(key)
        if held is not None and held.value == value:
            continue
        await kv.update(key, value, last=held.revision if held else 0)
        written += 1
    for key, held in listed.items():
        if key not in wanted and held.value is not None:
            await _delete(kv, key, held.revision)
            written += 1
    return written


async def _live_answers(tx: asyncpg.Connection, tenant_id: uuid.UUID, public_base_url: str,
                        nc: NATS | None = None) -> dict[str, bytes]:
    """The encoded answer of every live page in each kind, by key."""
    answers: dict[str, bytes] = {}
    for page in await rows.live_pages(tx):
        slug = page["slug"]
        made = await delivery.current(tx, tenant_id, public_base_url, slug, KINDS, nc=nc)
        for kind, rendered in made.items():
            key = live_page_key(tenant_id, kind, slug)
            if key is None or len(rendered.body) > LIVE_PAGE_MAX_BYTES:
                continue  # not served from the replica: cms answers it
            answer = delivery.live_answer(rendered)
            answers[key] = live_page_encoder.encode(LivePage(headers=answer.headers, body=answer.body))
    return answers


async def _listed(kv: KeyValue, tenant_id: uuid.UUID) -> dict[str, Listed]:
    """The tenant's keys as the bucket holds them now, deleted ones included (a key written
    again must name the revision of its deletion)."""
    watcher = await kv.watch(f"{tenant_id.hex}.>")
    listed: dict[str, Listed] = {}
    try:
        async for entry in watcher:
            if entry is None:  # the bucket's present state has been delivered
                break
            deleted = entry.operation in ("DEL", "PURGE")
            listed[entry.key] = Listed(revision=entry.revision or 0, value=None if deleted else entry.value)
            if not entry.delta:
                break
    finally:
        await watcher.stop()
    return listed


async def _delete(kv: KeyValue, key: str, revision: int) -> None:
    try:
        await kv.delete(key, last=revision)
    except APIError as exc:  # nats-py names this error for updates only
        if exc.err_code in WRONG_REVISION:
            raise KeyWrongLastSequenceError(description=exc.description) from exc
        raise


async def refresh_after_new_renderer(kv: KeyValue, db: Database, public_base_url: str, *,
                                     nc: NATS | None = None) -> int:
    """When the bucket's pages were made by another renderer than this process's (a deploy
    changed how pages render: delivery.RENDERER), replicate every tenant the bucket holds, so
    its pages are rendered anew; the number of tenants. Run once as cms starts; several
    processes may run it at once, as replications may."""
    with contextlib.suppress(KeyNotFoundError):
        if (await kv.get(RENDERER_KEY)).value == delivery.RENDERER.encode():
            return 0
    try:
        keys = await kv.keys()
    except NoKeysError:
        keys = []
    tenants = sorted({uuid.UUID(hex=key.split(".", 1)[0]) for key in keys if "." in key})
    for tenant_id in tenants:
        async with db.tenant_tx(tenant_id) as tx:
            await replicate(kv, tx, tenant_id, public_base_url, nc=nc)
    await kv.put(RENDERER_KEY, delivery.RENDERER.encode())
    log.info("pages of %d site(s) rendered anew for renderer %s", len(tenants), delivery.RENDERER)
    return len(tenants)

"""cms's live replica against a real JetStream bucket: a replication makes a tenant's keys
what the database says, and one that read older rows than another wrote never has the last
word (services/cms/live_replica.py). The rows are given here; the e2e test
(tests/e2e/test_gateway.py) follows a page through publish, theme and unpublish."""

from __future__ import annotations

import contextlib
import uuid
from collections.abc import AsyncIterator
from typing import Any

import pytest
from nats.js.api import KeyValueConfig

from services.cms import delivery, live_replica
from shared.contracts import live_page_key
from shared.messaging import live_pages_bucket


class Rows:
    """What each successive read of the database gives: `answers[i]` for the i-th read, and
    `meanwhile[i]`, if set, run while that read is under way (another cms process writing)."""

    def __init__(self, *answers: dict[str, bytes], meanwhile: dict[int, Any] | None = None) -> None:
        self.answers, self.meanwhile, self.reads = list(answers), meanwhile or {}, 0

    async def __call__(self, tx: Any, tenant_id: uuid.UUID, base: str, nc: Any = None) -> dict[str, bytes]:
        read = self.reads
        self.reads += 1
        if read in self.meanwhile:
            await self.meanwhile[read]()
        return self.answers[min(read, len(self.answers) - 1)]


async def held(bucket: Any, tenant_id: uuid.UUID) -> dict[str, bytes]:
    return {key: entry.value for key, entry in (await live_replica._listed(bucket, tenant_id)).items()
            if entry.value is not None}


@pytest.fixture
async def bucket(nats_client: Any) -> Any:
    return await live_pages_bucket(nats_client.jetstream())


async def test_a_replication_writes_what_changed_and_deletes_what_is_gone(
        bucket: Any, tenant_id: uuid.UUID, monkeypatch: pytest.MonkeyPatch) -> None:
    home, menu = live_page_key(tenant_id, "html", "/"), live_page_key(tenant_id, "html", "/menu")
    assert home and menu
    monkeypatch.setattr(live_replica, "_live_answers", Rows({home: b"home v1", menu: b"menu v1"}))
    assert await live_replica.replicate(bucket, None, tenant_id, "") == 2  # type: ignore[arg-type]
    assert await held(bucket, tenant_id) == {home: b"home v1", menu: b"menu v1"}
    assert await live_replica.replicate(bucket, None, tenant_id, "") == 0  # type: ignore[arg-type]  # unchanged

    monkeypatch.setattr(live_replica, "_live_answers", Rows({home: b"home v2"}))  # menu unpublished
    assert await live_replica.replicate(bucket, None, tenant_id, "") == 2  # type: ignore[arg-type]
    assert await held(bucket, tenant_id) == {home: b"home v2"}
    monkeypatch.setattr(live_replica, "_live_answers", Rows({home: b"home v2", menu: b"menu v3"}))  # back again
    assert await live_replica.replicate(bucket, None, tenant_id, "") == 1  # type: ignore[arg-type]
    assert await held(bucket, tenant_id) == {home: b"home v2", menu: b"menu v3"}
    other = uuid.uuid4()  # another tenant's replication never touches these keys
    monkeypatch.setattr(live_replica, "_live_answers", Rows({}))
    assert await live_replica.replicate(bucket, None, other, "") == 0  # type: ignore[arg-type]
    assert await held(bucket, tenant_id) == {home: b"home v2", menu: b"menu v3"}


@pytest.mark.parametrize("first", ["absent", "present", "deleted"])
async def test_a_replication_that_read_older_rows_never_has_the_last_word(
        bucket: Any, tenant_id: uuid.UUID, monkeypatch: pytest.MonkeyPatch, first: str) -> None:
    key = live_page_key(tenant_id, "html", "/")
    assert key
    if first != "absent":
        await bucket.put(key, b"before")
    if first == "deleted":
        await bucket.delete(key)

    async def newer_replication() -> None:  # another process, which read the rows after the change
        monkeypatch.setattr(live_replica, "_live_answers", Rows({key: b"new"}))
        await live_replica.replicate(bucket, None, tenant_id, "")  # type: ignore[arg-type]
        monkeypatch.setattr(live_replica, "_live_answers", slow)

    # This replication lists the keys, then reads the old rows while the newer one writes.
    slow = Rows({key: b"old"}, {key: b"new"}, meanwhile={0: newer_replication})
    monkeypatch.setattr(live_replica, "_live_answers", slow)
    await live_replica.replicate(bucket, None, tenant_id, "")  # type: ignore[arg-type]
    assert slow.reads == 2  # it lost the race, read again, and found nothing left to write
    assert await held(bucket, tenant_id) == {key: b"new"}


class TenantTransactions:
    """Database.tenant_tx as the refresh uses it: which tenants it opened, in order."""

    def __init__(self) -> None:
        self.opened: list[uuid.UUID] = []

    @contextlib.asynccontextmanager
    async def tenant_tx(self, tenant_id: uuid.UUID) -> AsyncIterator[None]:
        self.opened.append(tenant_id)
        yield None


async def test_pages_another_renderer_made_are_rendered_anew_once(nats_client: Any,
                                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    js = nats_client.jetstream()
    name = f"test-renderer-{uuid.uuid4().hex[:8]}"  # a bucket of its own: the refresh visits every tenant in it
    kv = await js.create_key_value(KeyValueConfig(bucket=name, history=1))
    try:
        tenants = [uuid.uuid4(), uuid.uuid4()]
        keys = {tenant: live_page_key(tenant, "html", "/") for tenant in tenants}
        for key in keys.values():
            await kv.put(key, b"made by the renderer before the deploy")

        async def rendered_now(tx: Any, tenant_id: uuid.UUID, base: str, nc: Any = None) -> dict[str, bytes]:
            return {keys[tenant_id]: b"made by this renderer"}

        monkeypatch.setattr(live_replica, "_live_answers", rendered_now)
        db = TenantTransactions()
        assert await live_replica.refresh_after_new_renderer(kv, db, "") == 2  # type: ignore[arg-type]
        assert sorted(db.opened) == sorted(tenants)
        assert [(await kv.get(key)).value for key in keys.values()] == [b"made by this renderer"] * 2
        assert (await kv.get(live_replica.RENDERER_KEY)).value == delivery.RENDERER.encode()

        assert await live_replica.refresh_after_new_renderer(kv, db, "") == 0  # type: ignore[arg-type]
        assert len(db.opened) == 2  # the same renderer: not a tenant read again
        await kv.put(live_replica.RENDERER_KEY, b"0123456789abcdef")  # another deploy's
        assert await live_replica.refresh_after_new_renderer(kv, db, "") == 2  # type: ignore[arg-type]
    finally:
        await js.delete_key_value(name)


def test_the_renderer_stamp_reads_every_source_it_names() -> None:
    """(tests/e2e/test_cms_site.py follows a page another renderer stored.)"""
    assert len(delivery.RENDERER) == 16 and all(path.is_file() for path in delivery.RENDERER_SOURCES)
    assert delivery._digest_of(delivery.RENDERER_SOURCES[:-1]) != delivery.RENDERER  # every source counts

"""The gateway's reader of cms's live replica against a real NATS server of its own: it
finds what the bucket holds, and a server that stops answering costs a lookup no more than
the reader's timeout, after which the page is asked of cms (services/gateway/live_pages.py)."""

from __future__ import annotations

import os
import signal
import time
import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from nats.aio.client import Client as NATS

from services.gateway.live_pages import LiveReplica
from shared.contracts import LivePage, live_page_encoder, live_page_key
from shared.dev.embedded import EmbeddedNats, free_port
from shared.messaging import connect_nats, live_pages_bucket

TIMEOUT = 0.3
PAGE = LivePage(headers={"content-type": "text/html; charset=utf-8", "etag": '"v1"'}, body=b"<p>Fresh bread</p>")


@pytest.fixture
async def server(tmp_path: Path) -> AsyncIterator[EmbeddedNats]:
    nats = EmbeddedNats(tmp_path / "nats", free_port())
    nats.start()
    try:
        yield nats
    finally:
        assert nats.process is not None
        os.kill(nats.process.pid, signal.SIGCONT)  # should the test have failed while it was stopped
        nats.stop()


@pytest.fixture
async def nc(server: EmbeddedNats) -> AsyncIterator[NATS]:
    client = await connect_nats(server.url, name="tests-gateway-replica")
    yield client
    await client.close()


async def test_a_lookup_finds_the_page_and_a_stalled_server_costs_no_more_than_the_timeout(
        server: EmbeddedNats, nc: NATS) -> None:
    tenant = uuid.uuid4()
    bucket = await live_pages_bucket(nc.jetstream())
    await bucket.put(live_page_key(tenant, "html", "/menu") or "", live_page_encoder.encode(PAGE))
    replica = LiveReplica(nc, timeout=TIMEOUT)
    assert await replica.get(tenant, "html", "/menu/") == PAGE  # '/menu/' is '/menu'
    assert await replica.get(tenant, "html", "/absent") is None
    assert await replica.get(uuid.uuid4(), "html", "/menu") is None  # another tenant's key

    assert server.process is not None
    os.kill(server.process.pid, signal.SIGSTOP)  # up, connected, and answering nothing
    try:
        started = time.monotonic()
        assert await replica.get(tenant, "html", "/menu") is None  # the gateway asks cms instead
        waited = time.monotonic() - started
    finally:
        os.kill(server.process.pid, signal.SIGCONT)
    assert TIMEOUT * 0.9 <= waited < TIMEOUT + 2.0, waited  # it waited for the server, then no longer
    assert await replica.get(tenant, "html", "/menu") == PAGE  # and reads again once it answers

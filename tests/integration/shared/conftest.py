"""What the database-level tests share: an administrator's connection to the test database,
and an empty outbox for the tests of how the relay wakes."""

from __future__ import annotations

from collections.abc import AsyncIterator

import asyncpg
import pytest

from shared.db import Database
from shared.dev.stack import Stack
from shared.messaging import OutboxRelay
from tests.integration.stream_log import drain


@pytest.fixture(scope="module")
async def admin(stack: Stack) -> AsyncIterator[asyncpg.Connection]:
    from urllib.parse import urlsplit

    from shared.migrate import with_credentials

    parts = urlsplit(stack.admin_url)
    conn = await asyncpg.connect(with_credentials(stack.admin_url, user=parts.username or "postgres",
                                                  password=parts.password, database=stack.config.database_name))
    yield conn
    await conn.close()


@pytest.fixture
async def empty_billing_outbox(billing_db: Database, nats_client) -> None:  # type: ignore[no-untyped-def]
    """billing's outbox emptied (published). What other tests left there is a burst to a relay
    that starts: it polls through it, writers skip their NOTIFY meanwhile and its LISTEN
    connection runs the polling statements, which a test of NOTIFY or LISTEN would misread."""
    await drain(OutboxRelay(billing_db, nats_client.jetstream(), channel="billing_outbox"))

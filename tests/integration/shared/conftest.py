"""What the database-level tests share: an administrator's connection to the test database."""

from __future__ import annotations

from collections.abc import AsyncIterator

import asyncpg
import pytest

from shared.dev.stack import Stack


@pytest.fixture(scope="module")
async def admin(stack: Stack) -> AsyncIterator[asyncpg.Connection]:
    from urllib.parse import urlsplit

    from shared.migrate import with_credentials

    parts = urlsplit(stack.admin_url)
    conn = await asyncpg.connect(with_credentials(stack.admin_url, user=parts.username or "postgres",
                                                  password=parts.password, database=stack.config.database_name))
    yield conn
    await conn.close()

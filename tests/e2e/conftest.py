from collections.abc import AsyncIterator

import httpx
import pytest

from shared.dev.stack import Stack
from tests.e2e.platform_client import PlatformClient


@pytest.fixture(scope="session")
async def client(platform: Stack) -> AsyncIterator[PlatformClient]:
    async with httpx.AsyncClient(base_url=platform.url("gateway"), timeout=20) as http:
        yield PlatformClient(http, platform)


@pytest.fixture
async def admin_sql(platform: Stack):  # type: ignore[no-untyped-def]
    """An administrator's connection to the platform's database, to stage what HTTP cannot
    (an invitation that expired yesterday). One per test: a connection kept for the session
    would not outlive the fault tests' PostgreSQL restart, wherever they run."""
    from urllib.parse import urlsplit

    import asyncpg

    from shared.migrate import with_credentials

    parts = urlsplit(platform.admin_url)
    conn = await asyncpg.connect(with_credentials(platform.admin_url, user=parts.username or "postgres",
                                                  password=parts.password, database=platform.config.database_name))
    yield conn
    await conn.close()

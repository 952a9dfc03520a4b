"""What identity's database tests share: the kernel tests' database, as identity_svc."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from shared.db import Database
from shared.dev.stack import Stack
from tests.conftest import KERNEL_DATABASE


@pytest.fixture(scope="module")
async def identity_db(stack: Stack) -> AsyncIterator[Database]:
    # The kernel tests' database: no running identity sweeps or relays behind the test's back.
    db = await Database.connect(stack.database_url("identity", KERNEL_DATABASE), name="tests-identity", max_size=3)
    yield db
    await db.close()

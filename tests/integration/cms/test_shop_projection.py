"""cms's projection of whether a tenant's shop can take charges (services/cms/catalogue.py)
against real PostgreSQL: billing's ShopChangedV1 carries the whole state and may arrive out
of order, so the newest state stays; only an applied change tells the live pages to render
again (SiteChangedV1), and the stored renderings' catalogue stamp moves with it."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import asyncpg
import pytest

from services.cms import catalogue
from services.cms.repo import projections
from services.cms.repo.delivery import CATALOGUE_STAMP
from shared.contracts import ShopChangedV1, SiteChangedV1
from shared.db import Database
from shared.dev.stack import Stack
from tests.conftest import KERNEL_DATABASE

T0 = datetime(2030, 1, 1, 12, 0, tzinfo=UTC)
COUNT_SITE_CHANGES = """
SELECT count(*) FROM outbox WHERE subject = $1 AND convert_from(payload, 'UTF8') LIKE '%' || $2 || '%'
"""


@pytest.fixture(scope="module")
async def cms_db(stack: Stack) -> AsyncIterator[Database]:
    # The kernel tests' database: no running cms consumes events into it behind the test's back.
    db = await Database.connect(stack.database_url("cms", KERNEL_DATABASE), name="tests-cms-shops", max_size=3)
    yield db
    await db.close()


async def applied(tx: asyncpg.Connection, tenant_id: uuid.UUID, charges: bool, at: datetime) -> int:
    """Apply billing's event in `tx`; how many SiteChangedV1 it wrote to the outbox
    (uncommitted, so no relay takes them away before they are counted)."""
    before = await tx.fetchval(COUNT_SITE_CHANGES, SiteChangedV1.subject(), str(tenant_id))
    await catalogue.apply_shop_event(tx, ShopChangedV1(tenant_id=tenant_id, charges_enabled=charges, occurred_at=at))
    return int(await tx.fetchval(COUNT_SITE_CHANGES, SiteChangedV1.subject(), str(tenant_id))) - before


async def test_the_newest_state_stays_whatever_order_the_events_arrive_in(cms_db: Database,
                                                                           tenant_id: uuid.UUID) -> None:
    async with cms_db.tenant_tx(tenant_id) as tx:
        assert await projections.takes_charges(tx) is False  # no word from billing: it cannot
        unknown = await tx.fetchval(f"SELECT {CATALOGUE_STAMP}")
        assert await applied(tx, tenant_id, True, T0) == 1
        assert await projections.takes_charges(tx) is True
        assert await tx.fetchval(f"SELECT {CATALOGUE_STAMP}") != unknown  # stored renderings are stale now
        # an older verdict, delivered late, changes nothing and re-renders nothing
        assert await applied(tx, tenant_id, False, T0 - timedelta(minutes=5)) == 0
        assert await projections.takes_charges(tx) is True
        # the allowed twin: a newer one does
        assert await applied(tx, tenant_id, False, T0 + timedelta(minutes=5)) == 1
        assert await projections.takes_charges(tx) is False


async def test_one_tenants_shop_is_not_anothers(cms_db: Database, tenant_id: uuid.UUID) -> None:
    other = uuid.uuid4()
    async with cms_db.tenant_tx(tenant_id) as tx:
        await applied(tx, tenant_id, True, T0)
    async with cms_db.tenant_tx(other) as tx:
        assert await projections.takes_charges(tx) is False
    async with cms_db.tenant_tx(tenant_id) as tx:
        assert await projections.takes_charges(tx) is True

"""cms's page repository against real PostgreSQL: the question "does some page of the site
show prices?" that the lints ask before letting copy speak of them, asked in SQL of the
stored drafts, for every block the registry says shows prices and nowhere else."""

from __future__ import annotations

import copy
import uuid
from collections.abc import AsyncIterator
from typing import Any

import pytest

from services.cms.registry import COMPONENTS, PRICED, REGISTRY_VERSION
from services.cms.repo import pages
from services.cms.tree import validate
from shared.db import Database
from shared.dev.stack import Stack
from tests.conftest import KERNEL_DATABASE
from tests.unit.cms.test_tree import SAMPLE_PROPS


@pytest.fixture(scope="module")
async def cms_db(stack: Stack) -> AsyncIterator[Database]:
    db = await Database.connect(stack.database_url("cms", KERNEL_DATABASE), name="tests-cms-pages", max_size=2)
    yield db
    await db.close()


def page_holding(component: str) -> dict[str, Any]:
    """A page whose one band holds `component`, so the question reaches inside sections."""
    block = {"id": "block", "component": component, "props": copy.deepcopy(SAMPLE_PROPS[component]), "children": []}
    band = {"id": "band", "component": "Section", "props": {}, "children": [block]}
    return validate({"root": {"id": "page", "component": "Page", "props": {"title": "Prices"}, "children": [band]}})


async def priced_with(db: Database, component: str) -> bool:
    tenant_id = uuid.uuid4()
    async with db.tenant_tx(tenant_id) as tx:
        await pages.insert_page(tx, tenant_id, uuid.uuid4(), "/", page_holding(component), REGISTRY_VERSION,
                                uuid.uuid4())
        return await pages.any_priced(tx)


@pytest.mark.parametrize("component", sorted(PRICED))
async def test_a_block_that_shows_prices_is_found_inside_a_band(cms_db: Database, component: str) -> None:
    assert await priced_with(cms_db, component)


@pytest.mark.parametrize("component", ["FAQ", "FeatureGrid", "RichText", "ContactBlock"])
async def test_other_blocks_show_no_prices(cms_db: Database, component: str) -> None:
    assert component in COMPONENTS and not await priced_with(cms_db, component)

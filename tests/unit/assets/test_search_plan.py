"""Which plan answers a search by meaning, by the tenant's size and whether its own HNSW
index is built; and which tenants the operator's command gives an index or takes it from."""

from __future__ import annotations

import uuid

import pytest

from services.assets.domain import (
    EXACT_FALLBACK_LIMIT,
    EXACT_SCAN_LIMIT,
    OWN_INDEX_EF_SEARCH,
    SHARED_INDEX_EF_SEARCH,
    SIZE_COUNTED_UP_TO,
    keeps_own_index,
    needs_own_index,
    own_index_name,
    own_index_work,
    search_plan,
    tenant_of_index,
)


@pytest.mark.parametrize("described", [0, 1, 200, EXACT_SCAN_LIMIT])
@pytest.mark.parametrize("own_index", [False, True])
def test_a_tenant_within_the_limit_is_scanned_exactly(described: int, own_index: bool) -> None:
    plan = search_plan(described, own_index)
    assert plan.name == "exact" and not plan.on_own_index
    assert plan.settings["enable_indexscan"] == "off"  # no HNSW scan can be chosen: recall 1.0
    assert plan.settings["enable_seqscan"] == "off"  # nor a scan of every tenant's rows


@pytest.mark.parametrize("described", [EXACT_SCAN_LIMIT + 1, EXACT_FALLBACK_LIMIT + 1, 100_000])
def test_past_the_limit_the_tenants_own_index_answers(described: int) -> None:
    plan = search_plan(described, own_index=True)
    assert plan.name == "own index" and plan.on_own_index
    assert plan.settings["hnsw.ef_search"] == str(OWN_INDEX_EF_SEARCH)
    assert plan.settings["hnsw.iterative_scan"] == "relaxed_order"
    # Steered to an index: no bitmap, sequential scan or sort can win on cost.
    assert {plan.settings[name] for name in ("enable_bitmapscan", "enable_seqscan", "enable_sort")} == {"off"}


@pytest.mark.parametrize("described", [EXACT_SCAN_LIMIT + 1, EXACT_FALLBACK_LIMIT])
def test_until_its_index_is_built_a_mid_sized_tenant_is_still_scanned_exactly(described: int) -> None:
    assert search_plan(described, own_index=False).name == "exact"


def test_only_a_tenant_too_large_to_scan_falls_back_to_the_shared_graph_at_full_width() -> None:
    plan = search_plan(EXACT_FALLBACK_LIMIT + 1, own_index=False)
    assert plan.name == "shared index" and not plan.on_own_index
    assert plan.settings["hnsw.ef_search"] == str(SHARED_INDEX_EF_SEARCH) == "1000"  # pgvector's largest


def test_the_bounded_count_still_tells_every_plan_apart() -> None:
    """The search counts a tenant's assets only up to SIZE_COUNTED_UP_TO: a tenant that large
    must not be taken for one small enough to scan."""
    assert search_plan(SIZE_COUNTED_UP_TO, own_index=False).name == "shared index"
    assert search_plan(SIZE_COUNTED_UP_TO, own_index=True).name == "own index"


def test_every_plan_asks_for_custom_plans() -> None:
    """A partial index's predicate (tenant_id = '<id>') is provable only in a custom plan."""
    for described, own in [(10, False), (EXACT_SCAN_LIMIT + 1, True), (EXACT_FALLBACK_LIMIT + 1, False)]:
        assert search_plan(described, own).settings["plan_cache_mode"] == "force_custom_plan"


def test_the_limits_are_in_order() -> None:
    assert 0 < EXACT_SCAN_LIMIT < EXACT_FALLBACK_LIMIT
    assert not needs_own_index(EXACT_SCAN_LIMIT) and needs_own_index(EXACT_SCAN_LIMIT + 1)
    # Hysteresis: a tenant just under the limit keeps the index it has.
    assert keeps_own_index(EXACT_SCAN_LIMIT) and not keeps_own_index(EXACT_SCAN_LIMIT // 2)


def test_an_index_name_names_its_tenant_and_fits_postgres() -> None:
    tenant = uuid.uuid4()
    name = own_index_name(tenant)
    assert len(name) <= 63 and tenant_of_index(name) == tenant
    assert tenant_of_index("assets_embedding_hnsw") is None
    assert tenant_of_index("assets_embedding_t_not-hex") is None


def test_the_command_builds_missing_and_invalid_indexes_of_large_tenants_largest_first() -> None:
    big, bigger, indexed, broken = (uuid.uuid4() for _ in range(4))
    large = {big: EXACT_SCAN_LIMIT + 1, bigger: 50_000, indexed: 9_000, broken: 3_000}
    work = own_index_work(large, indexed={indexed: True, broken: False}, sizes={indexed: 9_000, broken: 3_000})
    assert work.build == [bigger, broken, big]  # a valid index stays; a failed build is redone
    assert work.drop == []


def test_the_command_drops_indexes_no_tenant_needs() -> None:
    shrunk, near, purged, failed = (uuid.uuid4() for _ in range(4))
    indexed = {shrunk: True, near: True, purged: True, failed: False}
    sizes = {shrunk: EXACT_SCAN_LIMIT // 2, near: EXACT_SCAN_LIMIT - 10, failed: 100}  # purged: no rows
    work = own_index_work({}, indexed, sizes)
    assert work.build == []
    assert set(work.drop) == {shrunk, purged, failed}  # `near` keeps its index


def test_nothing_to_do_is_nothing() -> None:
    assert own_index_work({}, {}, {}).build == own_index_work({}, {}, {}).drop == []

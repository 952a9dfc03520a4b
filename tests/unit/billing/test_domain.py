"""Billing's pure rules: the platform's fee, credit packs, holds, carts, refunds, plans."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from services.billing import domain
from shared.contracts import ProductChangedV1, ProductCreatedV1
from shared.errors import Conflict, Invalid

# the platform's fee -----------------------------------------------------------------------------


@pytest.mark.parametrize(("total", "percent", "fee"), [
    (25, 2.0, 1),      # 0.5 rounds up (half up, not to even: 0)
    (24, 2.0, 0),      # 0.48 rounds down
    (125, 2.0, 3),     # 2.5 rounds up (to even would be 2)
    (175, 2.0, 4),     # 3.5 rounds up
    (1000, 2.3, 23),   # 2.3 as a float is 2.2999...: the fee is still exactly 23
    (999, 5.0, 50),    # 49.95
    (0, 5.0, 0),
    (650, 0.0, 0),
    (650, 100.0, 650),
])
def test_the_fee_is_the_percent_rounded_half_up_to_a_minor_unit(total: int, percent: float, fee: int) -> None:
    assert domain.platform_fee(total, percent) == fee


@given(total=st.integers(0, 99_999_999 * 99), percent=st.floats(0, 100, allow_nan=False).map(lambda p: round(p, 2)))
def test_the_fee_is_within_half_a_minor_unit_and_never_above_the_total(total: int, percent: float) -> None:
    fee = domain.platform_fee(total, percent)
    assert 0 <= fee <= total
    assert abs(Decimal(fee) - Decimal(total) * Decimal(str(percent)) / 100) <= Decimal("0.5")


def test_the_fee_percent_is_the_plans_and_an_unknown_plan_pays_the_highest() -> None:
    fees = {"free": 5.0, "pro": 2.0}
    assert domain.fee_percent(fees, "pro") == 2.0
    assert domain.fee_percent(fees, "free") == 5.0
    assert domain.fee_percent(fees, "enterprise") == 5.0
    assert domain.fee_percent({}, "pro") == 0.0


# credit packs and holds ---------------------------------------------------------------------


PACKS = {"100": 500, "500": 2000}


def test_a_pack_is_its_credits_at_its_price() -> None:
    assert domain.credit_pack(PACKS, "500") == (500, 2000)


@pytest.mark.parametrize("pack", ["200", "", "100 ", "five hundred"])
def test_a_pack_not_on_sale_is_refused_naming_those_that_are(pack: str) -> None:
    with pytest.raises(Invalid) as refused:
        domain.credit_pack(PACKS, pack)
    assert refused.value.errors == [{"field": "pack"}]
    assert "100, 500" in str(refused.value)


@pytest.mark.parametrize("ledger_type", sorted(domain.HOLD_TYPES))
@pytest.mark.parametrize("ttl", [1, 900, 24 * 3600])
def test_holds_for_ai_work_live_one_second_to_one_day(ledger_type: str, ttl: int) -> None:
    domain.check_hold(ledger_type, ttl)


@pytest.mark.parametrize(("ledger_type", "ttl"), [
    ("TOP_UP", 900), ("ADJUSTMENT", 900), ("ai_embedding", 900),  # not AI work, or not its exact name
    ("AI_EMBEDDING", 0), ("AI_EMBEDDING", -5), ("AI_EMBEDDING", 24 * 3600 + 1),
])
def test_other_holds_are_refused(ledger_type: str, ttl: int) -> None:
    with pytest.raises(Invalid):
        domain.check_hold(ledger_type, ttl)


# carts ----------------------------------------------------------------------------------------

LOAF, JAM, MUG = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
PRODUCTS: dict[uuid.UUID, dict[str, Any]] = {
    LOAF: {"id": LOAF, "name": "Loaf", "price_amount": 650, "currency": "eur", "inventory": 3},
    JAM: {"id": JAM, "name": "Jam", "price_amount": 425, "currency": "eur", "inventory": None},  # not counted
    MUG: {"id": MUG, "name": "Mug", "price_amount": 1200, "currency": "usd", "inventory": 10},
}


def test_a_product_picked_twice_is_bought_once_with_both_quantities() -> None:
    assert domain.merge_cart([(LOAF, 1), (JAM, 2), (LOAF, 2)]) == {LOAF: 3, JAM: 2}


def test_a_cart_is_priced_from_the_catalogue_with_the_plans_fee() -> None:
    cart = domain.price_cart({LOAF: 3, JAM: 40}, PRODUCTS, 2.0)
    assert cart.total == 3 * 650 + 40 * 425 == 18_950
    assert cart.fee == 379
    assert cart.currency == "eur"
    assert cart.items == [
        {"product_id": str(LOAF), "name": "Loaf", "unit_amount": 650, "quantity": 3},
        {"product_id": str(JAM), "name": "Jam", "unit_amount": 425, "quantity": 40},
    ]


def test_a_cart_beyond_the_stock_is_refused_saying_what_is_left() -> None:
    with pytest.raises(Conflict) as refused:
        domain.price_cart({LOAF: 4}, PRODUCTS, 2.0)
    assert refused.value.extensions == {"product_id": str(LOAF), "available": 3}


def test_a_product_not_for_sale_is_named_before_anything_else() -> None:
    stranger = uuid.uuid4()
    with pytest.raises(Invalid) as refused:
        domain.price_cart({LOAF: 99, stranger: 1}, PRODUCTS, 2.0)
    assert refused.value.errors == [{"product_id": str(stranger)}]


def test_a_cart_is_paid_in_one_currency() -> None:
    with pytest.raises(Invalid):
        domain.price_cart({LOAF: 1, MUG: 1}, PRODUCTS, 2.0)
    assert domain.price_cart({MUG: 1}, PRODUCTS, 2.0).currency == "usd"


# refunds --------------------------------------------------------------------------------------


def test_a_refund_without_an_amount_gives_back_everything_not_yet_refunded() -> None:
    assert domain.refund_amount("paid", 1000, 0, None) == 1000
    assert domain.refund_amount("partially_refunded", 1000, 300, None) == 700


@pytest.mark.parametrize("asked", [1, 699, 700])
def test_a_partial_refund_gives_back_what_is_asked_up_to_what_is_left(asked: int) -> None:
    assert domain.refund_amount("partially_refunded", 1000, 300, asked) == asked


@pytest.mark.parametrize("asked", [701, 0, -1])
def test_a_refund_above_what_is_left_or_of_nothing_is_refused(asked: int) -> None:
    with pytest.raises(Invalid) as refused:
        domain.refund_amount("partially_refunded", 1000, 300, asked)
    assert refused.value.errors == [{"field": "amount"}]


@pytest.mark.parametrize(("status", "refunded"), [
    ("open", 0), ("expired", 0), ("disputed", 0), ("refunded", 1000), ("partially_refunded", 1000),
])
def test_only_a_paid_order_with_something_left_can_be_refunded(status: str, refunded: int) -> None:
    with pytest.raises(Conflict):
        domain.refund_amount(status, 1000, refunded, None)


@given(total=st.integers(0, 10_000), refunded=st.integers(0, 10_000), asked=st.none() | st.integers(-10, 10_000),
       status=st.sampled_from(["paid", "partially_refunded", "refunded", "open"]))
def test_a_refund_is_never_above_what_is_left(total: int, refunded: int, asked: int | None, status: str) -> None:
    try:
        amount = domain.refund_amount(status, total, refunded, asked)
    except (Conflict, Invalid):
        return
    assert 0 < amount <= total - refunded


# products ---------------------------------------------------------------------------------------

CURRENT = {"id": LOAF, "slug": "loaf", "name": "Loaf", "description": "", "price_amount": 650, "currency": "eur",
           "images": [], "active": True, "inventory": 3}


def test_a_patch_changes_what_it_names_and_keeps_the_rest() -> None:
    patched = domain.patched_product(CURRENT, {"name": "Sourdough", "price_amount": None, "inventory": 0,
                                               "untracked": False})
    assert patched == {**CURRENT, "name": "Sourdough", "inventory": 0}


def test_untracked_stops_counting_stock_whatever_inventory_the_patch_names() -> None:
    assert domain.patched_product(CURRENT, {"inventory": 5, "untracked": True})["inventory"] is None
    assert domain.patched_product(CURRENT, {"inventory": 5, "untracked": False})["inventory"] == 5


@pytest.mark.parametrize(("inventory", "in_stock"), [(None, True), (0, False), (1, True)])
def test_a_product_is_announced_whole_and_in_stock_unless_none_is_left(inventory: int | None,
                                                                       in_stock: bool) -> None:
    tenant = uuid.uuid4()
    event = domain.product_announcement(tenant, {**CURRENT, "inventory": inventory}, created=False)
    assert type(event) is ProductChangedV1
    assert (event.tenant_id, event.product_id, event.slug, event.in_stock) == (tenant, LOAF, "loaf", in_stock)
    assert type(domain.product_announcement(tenant, CURRENT, created=True)) is ProductCreatedV1


# plans and grants -----------------------------------------------------------------------------


@pytest.mark.parametrize("status", sorted(domain.ENDED))
def test_an_ended_subscription_puts_the_account_on_free(status: str) -> None:
    assert domain.plan_after(status, "pro", "pro") == "free"


def test_a_live_subscription_is_on_its_prices_plan_or_keeps_the_current_one() -> None:
    assert domain.plan_after("active", "pro", "free") == "pro"
    assert domain.plan_after("past_due", None, "pro") == "pro"


def test_a_tenant_subscribes_again_only_once_the_last_subscription_ended() -> None:
    domain.check_can_subscribe(None, "none")
    domain.check_can_subscribe("sub_1", "canceled")
    for status in ("active", "trialing", "past_due"):
        with pytest.raises(Conflict):
            domain.check_can_subscribe("sub_1", status)


def test_a_months_grant_has_one_reference_for_the_whole_month() -> None:
    first = domain.grant_period(datetime(2026, 12, 1, 0, 0, tzinfo=UTC))
    last = domain.grant_period(datetime(2026, 12, 31, 23, 59, 59, tzinfo=UTC))
    assert first == last == "grant:2026-12"
    assert domain.grant_period(datetime(2027, 1, 1, tzinfo=UTC)) == "grant:2027-01"


# reading the wallet and Stripe's objects --------------------------------------------------------


@pytest.mark.parametrize(("days", "since"), [(30, date(2026, 11, 2)), (1, date(2026, 12, 1)), (0, date(2026, 12, 1)),
                                             (-4, date(2026, 12, 1)), (5000, date(2025, 12, 1))])
def test_usage_covers_the_last_days_up_to_today_from_one_to_366(days: int, since: date) -> None:
    assert domain.usage_window(date(2026, 12, 1), days) == (since, date(2026, 12, 2))


@pytest.mark.parametrize(("asked", "size"), [(0, 1), (-3, 1), (50, 50), (500, 500), (501, 500)])
def test_a_page_holds_one_to_the_most_rows(asked: int, size: int) -> None:
    assert domain.page_size(asked, 500) == size


def test_net_sales_are_what_reached_the_tenant() -> None:
    assert domain.net_sales(gross=10_000, refunded=1_500, platform_fees=170) == 8_330


def test_a_stripe_object_names_its_tenant_in_its_metadata_or_is_not_ours() -> None:
    tenant = uuid.uuid4()
    assert domain.tenant_of({"metadata": {"tenant_id": str(tenant)}}) == tenant
    for foreign in ({}, {"metadata": None}, {"metadata": {}}, {"metadata": {"tenant_id": "acme"}}):
        assert domain.tenant_of(foreign) is None

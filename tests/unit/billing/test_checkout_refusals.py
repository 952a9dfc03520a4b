"""Why a Buy button did not lead to Stripe, in the one word the site's refusal page knows:
each refusal the storefront raises maps to its own, anything else to a generic one."""

from __future__ import annotations

import uuid

import pytest

from services.billing import domain
from shared.errors import AppError, Conflict, Invalid, NotFound, PayloadTooLarge, Unavailable

LOAF = uuid.uuid4()
PRODUCTS = {LOAF: {"name": "Loaf", "price_amount": 650, "currency": "eur", "inventory": 0}}


def refusal_of_cart(wanted: dict[uuid.UUID, int]) -> AppError:
    with pytest.raises(AppError) as refused:
        domain.price_cart(wanted, PRODUCTS, 2.0)
    return refused.value


def test_the_carts_own_refusals_name_their_reason_and_keep_their_status() -> None:
    sold_out = refusal_of_cart({LOAF: 1})
    missing = refusal_of_cart({uuid.uuid4(): 1})
    assert (domain.checkout_refusal(sold_out), sold_out.status) == ("sold-out", 409)
    assert (domain.checkout_refusal(missing), missing.status) == ("unavailable", 422)
    closed = domain.ShopClosed("this shop cannot take payments yet")
    assert (domain.checkout_refusal(closed), closed.status) == ("closed", 409)


@pytest.mark.parametrize(("error", "reason"), [
    (Unavailable("Stripe refused or failed"), "payments-down"), (Invalid("choose a product to buy"), "invalid"),
    (PayloadTooLarge(), "invalid"), (Conflict("some other conflict"), "invalid"), (NotFound(), "invalid")])
def test_other_failures_are_a_payment_outage_or_a_request_that_could_not_start(error: AppError, reason: str) -> None:
    assert domain.checkout_refusal(error) == reason

"""A product's currency is a real ISO 4217 code the shop can charge in (services/billing/
domain.py CURRENCIES), in hundredths like every amount here; the shape check of the schema
(three lower-case letters) lets "xxx" through, this does not."""

from __future__ import annotations

import msgspec
import pytest

from services.billing.domain import CURRENCIES, check_currency
from services.billing.schemas import ProductIn
from shared.errors import Invalid


@pytest.mark.parametrize("code", sorted(CURRENCIES))
def test_every_listed_currency_passes_both_checks(code: str) -> None:
    check_currency(code)
    product = msgspec.convert({"name": "Mug", "slug": "mug", "price_amount": 1200, "currency": code}, ProductIn)
    assert product.currency == code


@pytest.mark.parametrize("code", ["xxx", "abc", "xts", "eux", "jpy", "krw", "kwd", "btc"])
def test_codes_that_are_not_a_chargeable_currency_are_refused(code: str) -> None:
    msgspec.convert({"name": "Mug", "slug": "mug", "price_amount": 1200, "currency": code}, ProductIn)  # the shape
    with pytest.raises(Invalid, match="not a currency the shop can charge in") as refused:
        check_currency(code)
    assert refused.value.errors == [{"field": "currency"}]


@pytest.mark.parametrize("code", ["EUR", "eur\n", "eu", "euro", " eur"])
def test_other_spellings_are_refused_by_the_shape(code: str) -> None:
    with pytest.raises(msgspec.ValidationError):
        msgspec.convert({"name": "Mug", "slug": "mug", "price_amount": 1200, "currency": code}, ProductIn)


def test_the_list_holds_iso_codes_only() -> None:
    assert {"eur", "usd", "gbp", "chf"} <= CURRENCIES
    assert all(len(code) == 3 and code.isascii() and code.islower() for code in CURRENCIES)
    assert not CURRENCIES & {"xxx", "xts", "xau", "xag", "xdr"}  # ISO's test, none, metals and SDR

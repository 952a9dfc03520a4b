"""Billing's rules: pure, no I/O. The wallet's own arithmetic (balance, held, available, the
low-balance crossing) is not here: it runs in the ledger's SQL functions, under the
account's row lock, so that two settlements can never both see the same balance."""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from shared.contracts import ProductChangedV1, ProductCreatedV1
from shared.errors import AppError, Conflict, Invalid

# holds ---------------------------------------------------------------------------------------

HOLD_TYPES = frozenset({"AI_GENERATION", "AI_PAGE_GENERATION", "AI_ASSET_DESCRIPTION", "AI_EMBEDDING"})
LONGEST_HOLD = 24 * 3600  # seconds


def check_hold(ledger_type: str, ttl_seconds: int) -> None:
    """Holds are for AI work, and live between one second and one day."""
    if ledger_type not in HOLD_TYPES:
        raise Invalid(f"holds are for AI work ({', '.join(sorted(HOLD_TYPES))}), not {ledger_type}")
    if not 0 < ttl_seconds <= LONGEST_HOLD:
        raise Invalid("a hold lives between one second and one day")


# reading the wallet --------------------------------------------------------------------------


def page_size(asked: int, most: int) -> int:
    """A page holds at least one row and at most `most`."""
    return max(1, min(asked, most))


def usage_window(today: date, days: int) -> tuple[date, date]:
    """The days [since, until) a usage report covers: the last `days` (1 to 366) up to today."""
    until = today + timedelta(days=1)
    return until - timedelta(days=max(1, min(days, 366))), until


# credit packs and plans ----------------------------------------------------------------------

# Stripe statuses after which a subscription no longer pays for its plan.
ENDED = frozenset({"canceled", "incomplete_expired", "unpaid"})


def credit_pack(packs: Mapping[str, int], pack: str) -> tuple[int, int]:
    """(credits, price in minor units) of a pack, named by its number of credits."""
    price = packs.get(pack)
    if price is None:
        raise Invalid(f"no credit pack {pack!r}; choose one of {', '.join(packs)}", errors=[{"field": "pack"}])
    return int(pack), price


def check_can_subscribe(subscription_id: str | None, status: str) -> None:
    """A tenant subscribes once; a live subscription changes plan in Stripe's portal."""
    if subscription_id and status not in ENDED:
        raise Conflict("this tenant already has a subscription; change it in the billing portal")


def plan_after(status: str, price_plan: str | None, current: str) -> str:
    """The plan an account is on once its subscription has `status`: free when it ended,
    else the plan of the subscribed price (the current one when no plan has that price)."""
    return "free" if status in ENDED else (price_plan or current)


def grant_period(now: datetime) -> str:
    """The reference of a month's grant: one per tenant and month, whoever runs it."""
    return f"grant:{now:%Y-%m}"


# commerce ------------------------------------------------------------------------------------


def fee_percent(fees: Mapping[str, float], plan: str) -> float:
    """The platform's share of a sale on `plan`; an unknown plan pays the highest share."""
    return fees.get(plan, max(fees.values(), default=0.0))


def platform_fee(total: int, percent: float) -> int:
    """`percent` of `total` minor units, rounded half up to a whole minor unit."""
    return int((Decimal(total) * Decimal(str(percent)) / 100).quantize(Decimal(1), rounding=ROUND_HALF_UP))


@dataclass(frozen=True)
class PricedCart:
    items: list[dict[str, Any]]  # what the order keeps: product id, name, unit amount, quantity
    total: int
    fee: int
    currency: str


def merge_cart(items: Iterable[tuple[uuid.UUID, int]]) -> dict[uuid.UUID, int]:
    """Quantities by product; a product picked twice is bought once with both quantities."""
    wanted: dict[uuid.UUID, int] = {}
    for product_id, quantity in items:
        wanted[product_id] = wanted.get(product_id, 0) + quantity
    return wanted


class ShopClosed(Conflict):
    """The tenant's connected account cannot take charges (yet, or any more)."""


class NotForSale(Invalid):
    """A product the cart names is gone, inactive or another tenant's (or never was)."""


class SoldOut(Conflict):
    """Fewer left than the cart wants."""


# A visitor's browser is sent to a page that says which of these stopped the purchase
# (cms renders it in the site's design); API clients get the problem itself.
CHECKOUT_REFUSALS: tuple[tuple[type[AppError], str], ...] = (
    (ShopClosed, "closed"), (NotForSale, "unavailable"), (SoldOut, "sold-out"))


def checkout_refusal(error: AppError) -> str:
    """Why a Buy button did not lead to Stripe, as one word the site's refusal page knows."""
    for kind, reason in CHECKOUT_REFUSALS:
        if isinstance(error, kind):
            return reason
    return "payments-down" if error.status >= 500 else "invalid"


def price_cart(wanted: Mapping[uuid.UUID, int], products: Mapping[uuid.UUID, Mapping[str, Any]],
               percent: float) -> PricedCart:
    """The order for a cart, priced from the catalogue's `products` (active ones, by id) only."""
    missing = [str(product_id) for product_id in wanted if product_id not in products]
    if missing:
        raise NotForSale("some products are not for sale here", errors=[{"product_id": p} for p in missing])
    for product_id, quantity in wanted.items():
        left = products[product_id]["inventory"]
        if left is not None and left < quantity:
            raise SoldOut(f"only {left} of {products[product_id]['name']!r} left", product_id=str(product_id),
                          available=left)
    currencies = {products[product_id]["currency"] for product_id in wanted}
    if len(currencies) > 1:
        raise Invalid("a cart is paid in one currency; these products are priced in several")
    items = [{"product_id": str(product_id), "name": products[product_id]["name"],
              "unit_amount": products[product_id]["price_amount"], "quantity": quantity}
             for product_id, quantity in wanted.items()]
    total = sum(item["unit_amount"] * item["quantity"] for item in items)
    return PricedCart(items=items, total=total, fee=platform_fee(total, percent), currency=currencies.pop())


REFUNDABLE = frozenset({"paid", "partially_refunded"})


def refund_amount(status: str, total: int, refunded: int, asked: int | None) -> int:
    """What a refund gives back: `asked`, or everything not yet refunded; never more than that."""
    left = total - refunded
    if status not in REFUNDABLE or left <= 0:
        raise Conflict(f"an order that is {status} cannot be refunded")
    if asked is not None and not 0 < asked <= left:
        raise Invalid(f"refund between 1 and {left}", errors=[{"field": "amount"}])
    return left if asked is None else asked


def net_sales(gross: int, refunded: int, platform_fees: int) -> int:
    """What reached the tenant of a month's sales."""
    return gross - refunded - platform_fees


# The currencies a product may be priced in: ISO 4217 codes that Stripe charges in and that
# count in hundredths, as every amount here does (minor units: the studio, the site and the
# order all divide by 100). Zero-decimal ones (jpy, krw) and three-decimal ones (kwd) would be
# mispriced a hundredfold or tenfold, so they are not offered until amounts carry their exponent.
CURRENCIES = frozenset({
    "aed", "aud", "brl", "cad", "chf", "cny", "czk", "dkk", "eur", "gbp", "hkd", "idr", "ils", "inr", "mad",
    "mxn", "myr", "nok", "nzd", "php", "pln", "ron", "sar", "sek", "sgd", "thb", "try", "usd", "zar",
})


def check_currency(code: str) -> None:
    """A product's currency is one of CURRENCIES (lower case, as Stripe writes them)."""
    if code not in CURRENCIES:
        raise Invalid(f"{code!r} is not a currency the shop can charge in; use one of {', '.join(sorted(CURRENCIES))}",
                      errors=[{"field": "currency"}])


def patched_product(current: Mapping[str, Any], patch: Mapping[str, Any]) -> dict[str, Any]:
    """A product after a patch: what the patch leaves out (None) keeps its value, and
    `untracked` stops counting the stock, whatever inventory the patch names."""
    values = {**current, **{name: value for name, value in patch.items() if value is not None and name != "untracked"}}
    if patch.get("untracked"):
        values["inventory"] = None
    return values


def product_announcement(tenant_id: uuid.UUID, product: Mapping[str, Any], *, created: bool) -> ProductChangedV1:
    """The product's whole state, as cms keeps it for its ProductGrid."""
    kind = ProductCreatedV1 if created else ProductChangedV1
    return kind(tenant_id=tenant_id, product_id=product["id"], slug=product["slug"], name=product["name"],
                description=product["description"], price_amount=product["price_amount"],
                currency=product["currency"], images=list(product["images"]), active=product["active"],
                in_stock=product["inventory"] is None or product["inventory"] > 0)


# Stripe's objects ----------------------------------------------------------------------------


def tenant_of(obj: Mapping[str, Any]) -> uuid.UUID | None:
    """The tenant a Stripe object names in its metadata, if it names one we could have written."""
    try:
        return uuid.UUID((obj.get("metadata") or {}).get("tenant_id"))
    except (TypeError, ValueError):
        return None

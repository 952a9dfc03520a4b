"""Billing's request and response bodies."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Annotated, Any

import msgspec

from shared.db import INT4_MAX


class BalanceOut(msgspec.Struct, frozen=True):
    tenant_id: uuid.UUID
    balance: int
    held: int
    available: int
    ledger_sum: int
    subscription_status: str


class LedgerEntryOut(msgspec.Struct, frozen=True):
    id: uuid.UUID
    amount: int
    type: str
    reference_id: str
    note: str | None
    created_by: str | None
    hold_id: uuid.UUID | None
    created_at: datetime


class LedgerPage(msgspec.Struct, frozen=True):
    entries: list[LedgerEntryOut]
    next_cursor: str | None


class UsageRow(msgspec.Struct, frozen=True):
    day: date
    type: str
    amount: int
    entries: int


# commerce ----------------------------------------------------------------------------

ProductSlug = Annotated[str, msgspec.Meta(pattern=r"^[a-z0-9]+(?:-[a-z0-9]+)*\Z", max_length=80)]
Currency = Annotated[str, msgspec.Meta(pattern=r"^[a-z]{3}\Z")]
Money = Annotated[int, msgspec.Meta(ge=0, le=99_999_999)]  # minor units
Count = Annotated[int, msgspec.Meta(ge=0, le=INT4_MAX)]  # an integer column


class ProductIn(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    name: Annotated[str, msgspec.Meta(min_length=1, max_length=120)]
    slug: ProductSlug
    price_amount: Money
    currency: Currency
    description: Annotated[str, msgspec.Meta(max_length=5000)] = ""
    images: Annotated[list[uuid.UUID], msgspec.Meta(max_length=12)] = []
    active: bool = True
    inventory: Count | None = None  # None: not counted


class ProductPatch(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    name: Annotated[str, msgspec.Meta(min_length=1, max_length=120)] | None = None
    slug: ProductSlug | None = None
    price_amount: Money | None = None
    currency: Currency | None = None
    description: Annotated[str, msgspec.Meta(max_length=5000)] | None = None
    images: Annotated[list[uuid.UUID], msgspec.Meta(max_length=12)] | None = None
    active: bool | None = None
    inventory: Count | None = None
    untracked: bool = False  # stop counting inventory


class ProductOut(msgspec.Struct, frozen=True):
    id: uuid.UUID
    slug: str
    name: str
    description: str
    price_amount: int
    currency: str
    images: list[uuid.UUID]
    active: bool
    inventory: int | None
    created_at: datetime
    updated_at: datetime


class ProductPage(msgspec.Struct, frozen=True):
    products: list[ProductOut]
    next_cursor: str | None


class CartItem(msgspec.Struct, frozen=True):
    """What a buyer picks. Anything else a client sends (a price, a total) is ignored:
    prices come from the catalogue."""

    product_id: uuid.UUID
    quantity: Annotated[int, msgspec.Meta(ge=1, le=99)] = 1


class CheckoutIn(msgspec.Struct, frozen=True):
    items: Annotated[list[CartItem], msgspec.Meta(min_length=1, max_length=50)]
    success_path: Annotated[str, msgspec.Meta(pattern=r"^/[^\s\x00-\x1f\x7f]*\Z", max_length=300)] = "/"
    cancel_path: Annotated[str, msgspec.Meta(pattern=r"^/[^\s\x00-\x1f\x7f]*\Z", max_length=300)] = "/"


class CheckoutOut(msgspec.Struct, frozen=True):
    order_id: uuid.UUID
    checkout_url: str
    checkout_session_id: str
    amount_total: int
    currency: str


class OrderOut(msgspec.Struct, frozen=True):
    id: uuid.UUID
    status: str
    currency: str
    amount_total: int
    application_fee: int  # what the platform took
    amount_refunded: int
    items: list[dict[str, Any]]
    customer_email: str | None
    created_at: datetime
    paid_at: datetime | None


class OrderPage(msgspec.Struct, frozen=True):
    orders: list[OrderOut]
    next_cursor: str | None


class SalesMonth(msgspec.Struct, frozen=True):
    month: str  # YYYY-MM
    currency: str
    orders: int
    gross: int
    refunded: int
    platform_fees: int
    net: int  # gross - refunded - platform fees: what reached the tenant


class ConnectOut(msgspec.Struct, frozen=True):
    account_id: str | None
    charges_enabled: bool
    payouts_enabled: bool
    details_submitted: bool
    requirements: list[str]
    fee_percent: float

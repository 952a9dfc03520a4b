"""Billing's commerce routes: Connect onboarding, the catalogue, the storefront's checkout,
orders and sales reports."""

from __future__ import annotations

import uuid
from typing import Any

import msgspec
from litestar import Request, Response, delete, get, patch, post
from litestar.params import JSONBody

from shared import bodies
from shared.auth import Caller
from shared.errors import AppError, Invalid, NotFound
from shared.hostnames import SITE_ORIGIN_HEADER

from . import catalogue, connect, domain, storefront
from .context import Ctx
from .schemas import (
    CartItem,
    CheckoutIn,
    CheckoutOut,
    ConnectOut,
    Count,
    OrderPage,
    ProductIn,
    ProductOut,
    ProductPage,
    ProductPatch,
    SalesMonth,
)


@get("/connect", summary="The tenant's connected account: can it take charges and payouts, what Stripe needs (OWNER)")
async def connect_status(caller: Caller, ctx: Ctx) -> ConnectOut:
    return await connect.get_connect_status(ctx, caller)


@post("/connect/onboarding", status_code=201, summary="A fresh Stripe onboarding link (OWNER)")
async def connect_onboarding(caller: Caller, ctx: Ctx) -> dict[str, Any]:
    return await connect.start_onboarding(ctx, caller)


@post("/connect/dashboard-link", status_code=201, summary="A link into the tenant's Stripe Express dashboard (OWNER)")
async def connect_dashboard(caller: Caller, ctx: Ctx) -> dict[str, str]:
    return await connect.create_dashboard_link(ctx, caller)


@post("/products", status_code=201, summary="Add a product to the catalogue (EDITOR)")
async def create_product(data: JSONBody[ProductIn], caller: Caller, ctx: Ctx) -> ProductOut:
    return await catalogue.create_product(ctx, caller, data)


@get("/products", summary="The catalogue, newest first; filter by active")
async def list_products(caller: Caller, ctx: Ctx, cursor: str | None = None, active: bool | None = None,
                        limit: int = 50) -> ProductPage:
    return await catalogue.list_products(ctx, caller, cursor=cursor, active=active, limit=limit)


@get("/products/{product_id:uuid}", summary="One product")
async def get_product(product_id: uuid.UUID, caller: Caller, ctx: Ctx) -> ProductOut:
    return await catalogue.get_product(ctx, caller, product_id)


@patch("/products/{product_id:uuid}", summary="Change a product (EDITOR)")
async def update_product(product_id: uuid.UUID, data: JSONBody[ProductPatch], caller: Caller,
                         ctx: Ctx) -> ProductOut:
    return await catalogue.update_product(ctx, caller, product_id, data)


@delete("/products/{product_id:uuid}", status_code=204, summary="Remove a product (EDITOR); orders keep their copy")
async def delete_product(product_id: uuid.UUID, caller: Caller, ctx: Ctx) -> None:
    await catalogue.delete_product(ctx, caller, product_id)


@get("/storefront/products", summary="The site's active products (public, on the tenant's host)")
async def storefront_products(caller: Caller, ctx: Ctx, cursor: str | None = None, limit: int = 50) -> ProductPage:
    return await catalogue.list_storefront_products(ctx, caller, cursor=cursor, limit=limit)


@post("/storefront/checkout", status_code=201,
      summary="Pay for a cart (public, on the tenant's host): a Stripe Checkout link; prices come from the catalogue")
async def storefront_checkout(data: JSONBody[CheckoutIn], request: Request[Any, Any, Any], caller: Caller,
                              ctx: Ctx) -> CheckoutOut:
    # CheckoutIn takes product ids and quantities; anything else a client sends (a price) is ignored.
    return await storefront.checkout_cart(ctx, caller, data, site_origin(request))


@post("/storefront/checkout-form", status_code=303, include_in_schema=False)
async def storefront_checkout_form(request: Request[Any, Any, Any], caller: Caller, ctx: Ctx) -> Response[bytes]:
    """A site's Buy button (a plain form, no script): straight on to Stripe's Checkout page.
    A visitor's browser that cannot go there is sent to the site's page saying why (cms's,
    in the site's design: GET /__checkout); a JSON client gets the problem."""
    product_id: uuid.UUID | None = None
    try:
        form = await bodies.read_form(request)  # the platform's body rule: UTF-8, bounded
        try:
            product_id = uuid.UUID(str(form.get("product_id", "")))
            item = CartItem(product_id=product_id, quantity=max(1, min(int(str(form.get("quantity", "1"))), 99)))
        except ValueError:
            raise Invalid("choose a product to buy", errors=[{"field": "product_id"}]) from None
        order = await storefront.checkout_cart(ctx, caller, CheckoutIn(items=[item]), site_origin(request))
    except AppError as refused:
        if "application/json" in request.headers.get("accept", "") or caller.tenant_id is None:
            raise
        about = f"&product={product_id}" if product_id else ""
        return Response(b"", status_code=303, headers={
            "location": f"/__checkout?refused={domain.checkout_refusal(refused)}{about}", "cache-control": "no-store"})
    return Response(b"", status_code=303, headers={"location": order.checkout_url})


def site_origin(request: Request[Any, Any, Any]) -> str:
    """The tenant's site as the buyer sees it (Stripe sends the buyer back there), as the
    gateway built it from the host record it resolved, never from the client's Host header
    (shared/hostnames.py public_origin); used as given."""
    origin = request.headers.get(SITE_ORIGIN_HEADER, "")
    if not origin:
        raise NotFound("checkout happens on a site's host")
    return origin


@get("/orders", summary="Storefront orders, newest first, with the platform's fee (OWNER)")
async def list_orders(caller: Caller, ctx: Ctx, cursor: str | None = None, status: str | None = None,
                      limit: int = 50) -> OrderPage:
    return await storefront.list_orders(ctx, caller, cursor=cursor, status=status, limit=limit)


class RefundIn(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    amount: Count | None = None  # minor units; absent: everything not yet refunded


@post("/orders/{order_id:uuid}/refund", status_code=202, summary="Refund an order, in full or in part (OWNER)")
async def refund_order(order_id: uuid.UUID, data: JSONBody[RefundIn], caller: Caller, ctx: Ctx) -> dict[str, Any]:
    return await storefront.refund_order(ctx, caller, order_id, data.amount)


@get("/reports/sales", summary="Gross sales, refunds, platform fees and net, by month (OWNER)")
async def sales_report(caller: Caller, ctx: Ctx) -> list[SalesMonth]:
    return await storefront.get_sales_report(ctx, caller)


COMMERCE_ROUTES = [storefront_checkout_form, connect_status, connect_onboarding, connect_dashboard, create_product,
                   list_products, get_product,
                   update_product, delete_product, storefront_products, storefront_checkout, list_orders,
                   refund_order, sales_report]

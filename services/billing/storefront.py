"""Selling on a tenant's site: a Checkout Session for a cart, orders recorded from Stripe's
events, refunds, and the OWNER's reports.

Destination charges: the platform creates the charge, Stripe moves the amount less the
platform's application fee to the tenant's connected account. We chose them over direct
charges because an Express account has no dashboard of its own to configure checkout, the
events reach the platform's one webhook, and a refund can reverse the transfer and the fee
together. Prices and the destination come from our database only, in the tenant's own
transaction: what a client sends besides product ids and quantities is ignored, and a cart
on tenant A's host can only ever pay tenant A's account."""

from __future__ import annotations

import uuid
from typing import Any

import asyncpg

from shared.auth import Caller, Role
from shared.contracts import OrderPaidV1
from shared.errors import NotFound
from shared.messaging import add_event
from shared.pagination import decode_cursor, encode_cursor

from . import domain
from .context import Ctx
from .repo import catalogue, connect, orders
from .schemas import CheckoutIn, CheckoutOut, OrderOut, OrderPage, SalesMonth


async def checkout_cart(ctx: Ctx, caller: Caller, data: CheckoutIn, site_origin: str) -> CheckoutOut:
    """A Checkout link for a cart on the tenant's site; the order waits for Stripe's word."""
    tenant_id = caller.tenant_id
    if tenant_id is None:
        raise NotFound("checkout happens on a site's host")
    payments = ctx.require_payments()
    wanted = domain.merge_cart((item.product_id, item.quantity) for item in data.items)
    order_id = uuid.uuid4()
    async with ctx.db.tenant_tx(tenant_id) as tx:
        account = await connect.connect_account(tx)
        if account is None or account["stripe_connect_id"] is None or not account["connect_charges_enabled"]:
            raise domain.ShopClosed("this shop cannot take payments yet: its owner has not finished setting up payouts")
        destination = account["stripe_connect_id"]
        products = await catalogue.products_for_sale(tx, list(wanted))
        cart = domain.price_cart(wanted, products, domain.fee_percent(ctx.settings.commerce_fee_percent,
                                                                      account["plan"]))
        await orders.insert_order(tx, tenant_id, order_id, currency=cart.currency, amount_total=cart.total,
                                  application_fee=cart.fee, items=cart.items, connected_account=destination)
    tags = {"kind": "order", "tenant_id": str(tenant_id), "order_id": str(order_id)}
    session = await payments.create_checkout({
        "mode": "payment",
        "line_items": [{"quantity": item["quantity"], "price_data": {
            "currency": cart.currency, "unit_amount": item["unit_amount"], "product_data": {"name": item["name"]}}}
            for item in cart.items],
        "payment_intent_data": {"application_fee_amount": cart.fee,
                                "transfer_data": {"destination": destination}, "metadata": tags},
        "metadata": tags,
        "success_url": f"{site_origin}{data.success_path}",
        "cancel_url": f"{site_origin}{data.cancel_path}",
    }, operation_id=f"order-{order_id}")
    async with ctx.db.tenant_tx(tenant_id) as tx:
        await orders.set_checkout_session(tx, order_id, session.id)
    return CheckoutOut(order_id=order_id, checkout_url=session.url, checkout_session_id=session.id,
                       amount_total=cart.total, currency=cart.currency)


# Stripe's events about orders ---------------------------------------------------------------


async def record_paid_session(ctx: Ctx, session: dict[str, Any]) -> str:
    """checkout.session.completed (or its async success) for an order: paid once, stock
    taken once, announced once, however often Stripe tells us."""
    tenant_id = domain.tenant_of(session)
    order_id = (session.get("metadata") or {}).get("order_id")
    if tenant_id is None or order_id is None:
        return "not an order"
    async with ctx.db.tenant_tx(tenant_id) as tx:
        order = await orders.order_for_update(tx, uuid.UUID(order_id))
        if order is None or order["checkout_session_id"] != session["id"]:
            return "unknown order"
        if session.get("payment_status") != "paid":
            return "awaiting payment"
        if order["status"] != "open":
            return "already recorded"
        email = (session.get("customer_details") or {}).get("email")
        await orders.mark_paid(tx, order["id"], session.get("payment_intent"), email)
        for item in order["items"]:
            product = await catalogue.take_stock(tx, uuid.UUID(item["product_id"]), item["quantity"])
            if product is not None:
                await add_event(tx, domain.product_announcement(tenant_id, product, created=False))
        await add_event(tx, OrderPaidV1(tenant_id=tenant_id, order_id=order["id"], amount_total=order["amount_total"],
                                        currency=order["currency"], application_fee=order["application_fee"],
                                        items=order["items"]))
    return "order paid"


async def record_refund(ctx: Ctx, charge: dict[str, Any]) -> str:
    """charge.refunded: the order follows Stripe's total refunded so far."""
    tenant_id = domain.tenant_of(charge)
    if tenant_id is None or not charge.get("payment_intent"):
        return "not an order"
    async with ctx.db.tenant_tx(tenant_id) as tx:
        order = await orders.order_by_intent_for_update(tx, charge["payment_intent"])
        if order is None:
            return "unknown order"
        await orders.set_refunded(tx, order["id"], int(charge.get("amount_refunded") or 0))
    return "order refunded"


async def record_dispute(ctx: Ctx, dispute: dict[str, Any]) -> str:
    """A dispute names the payment, not the tenant: the payment intent's metadata does."""
    if not dispute.get("payment_intent"):
        return "not an order"
    tenant_id = domain.tenant_of(await ctx.require_payments().payment_intent(dispute["payment_intent"]))
    if tenant_id is None:
        return "not an order"
    async with ctx.db.tenant_tx(tenant_id) as tx:
        order = await orders.order_by_intent_for_update(tx, dispute["payment_intent"])
        if order is None:
            return "unknown order"
        await orders.set_status(tx, order["id"], "disputed", from_=["paid", "partially_refunded", "refunded"])
    return "order disputed"


async def record_expired_session(ctx: Ctx, session: dict[str, Any]) -> str:
    """checkout.session.expired: an open order that was never paid expires."""
    tenant_id = domain.tenant_of(session)
    order_id = (session.get("metadata") or {}).get("order_id")
    if tenant_id is None or order_id is None:
        return "not an order"
    async with ctx.db.tenant_tx(tenant_id) as tx:
        await orders.set_status(tx, uuid.UUID(order_id), "expired", from_=["open"])
    return "order expired"


# the OWNER's orders and reports ---------------------------------------------------------------


def order_out(row: asyncpg.Record) -> OrderOut:
    return OrderOut(**{name: row[name] for name in OrderOut.__struct_fields__})


async def list_orders(ctx: Ctx, caller: Caller, *, cursor: str | None, status: str | None,
                      limit: int) -> OrderPage:
    limit = domain.page_size(limit, 200)
    before = decode_cursor(cursor) if cursor else None
    async with ctx.db.tenant_tx(caller.require(Role.OWNER)) as tx:
        rows = await orders.order_page(tx, before=before, status=status, limit=limit + 1)
    found = [order_out(row) for row in rows[:limit]]
    return OrderPage(orders=found, next_cursor=encode_cursor(found[-1].created_at, found[-1].id)
                     if len(rows) > limit else None)


async def refund_order(ctx: Ctx, caller: Caller, order_id: uuid.UUID, amount: int | None) -> dict[str, Any]:
    """Ask Stripe to refund (all, or `amount`); the order follows when charge.refunded arrives."""
    payments = ctx.require_payments()
    async with ctx.db.tenant_tx(caller.require(Role.OWNER)) as tx:
        order = await orders.order(tx, order_id)
    if order is None:
        raise NotFound("no such order")
    refunding = domain.refund_amount(order["status"], order["amount_total"], order["amount_refunded"], amount)
    # The key names what is refunded from which state: a retry repeats, a second refund is new.
    made = await payments.refund(order["payment_intent_id"], amount,
                                 operation_id=f"refund-{order_id}-{order['amount_refunded']}-{refunding}")
    return {"refund_id": made.id, "status": made.status, "amount": made.amount}


async def get_sales_report(ctx: Ctx, caller: Caller) -> list[SalesMonth]:
    async with ctx.db.tenant_tx(caller.require(Role.OWNER)) as tx:
        rows = await orders.sales_by_month(tx)
    return [SalesMonth(month=r["month"], currency=r["currency"], orders=r["orders"], gross=r["gross"],
                       refunded=r["refunded"], platform_fees=r["platform_fees"],
                       net=domain.net_sales(r["gross"], r["refunded"], r["platform_fees"])) for r in rows]

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
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

import asyncpg

from shared.auth import Caller, Role
from shared.contracts import OrderPaidV1
from shared.db import Database
from shared.errors import Conflict, Invalid, NotFound, Unavailable
from shared.messaging import add_event
from shared.pagination import decode_cursor, encode_cursor

from . import catalogue
from .connect import SELECT_ACCOUNT, fee_percent
from .payments import Payments
from .schemas import CheckoutIn, CheckoutOut, OrderOut, OrderPage, SalesMonth
from .settings import Settings

ORDER_COLUMNS = ("id, status, currency, amount_total, application_fee, amount_refunded, items, customer_email, "
                 "created_at, paid_at")
SELECT_PRODUCTS = """
SELECT id, name, price_amount, currency, inventory FROM billing.products WHERE id = ANY($1) AND active
"""
INSERT_ORDER = """
INSERT INTO billing.orders (tenant_id, id, currency, amount_total, application_fee, items, connected_account)
VALUES ($1, $2, $3, $4, $5, $6, $7)
"""
SET_SESSION = "UPDATE billing.orders SET checkout_session_id = $2, updated_at = now() WHERE id = $1"
SELECT_ORDER_FOR_UPDATE = "SELECT * FROM billing.orders WHERE id = $1 FOR UPDATE"
MARK_PAID = """
UPDATE billing.orders SET status = 'paid', paid_at = now(), payment_intent_id = $2, customer_email = $3,
       updated_at = now()
WHERE id = $1
"""
TAKE_STOCK = f"""
UPDATE billing.products SET inventory = greatest(inventory - $2, 0), updated_at = now()
WHERE id = $1 AND inventory IS NOT NULL RETURNING {catalogue.COLUMNS}
"""
SELECT_ORDER_BY_INTENT = "SELECT * FROM billing.orders WHERE payment_intent_id = $1 FOR UPDATE"
SET_REFUNDED = """
UPDATE billing.orders SET amount_refunded = greatest(amount_refunded, $2),
       status = CASE WHEN status = 'disputed' THEN status WHEN $2 >= amount_total THEN 'refunded'
                     ELSE 'partially_refunded' END,
       updated_at = now()
WHERE id = $1
"""
SET_STATUS = "UPDATE billing.orders SET status = $2, updated_at = now() WHERE id = $1 AND status = ANY($3::text[])"
SELECT_ORDERS = f"""
SELECT {ORDER_COLUMNS} FROM billing.orders
WHERE ($1::timestamptz IS NULL OR (created_at, id) < ($1, $2)) AND ($3::text IS NULL OR status = $3)
ORDER BY created_at DESC, id DESC LIMIT $4
"""
SELECT_ORDER = f"SELECT {ORDER_COLUMNS}, payment_intent_id FROM billing.orders WHERE id = $1"
# The fee kept on a refunded order shrinks in proportion (refunds give the fee back too).
SALES_BY_MONTH = """
SELECT to_char(date_trunc('month', paid_at), 'YYYY-MM') AS month, currency, count(*) AS orders,
       sum(amount_total)::bigint AS gross, sum(amount_refunded)::bigint AS refunded,
       sum(round(application_fee::numeric * (amount_total - amount_refunded) / greatest(amount_total, 1)))::bigint
         AS platform_fees
FROM billing.orders WHERE paid_at IS NOT NULL
GROUP BY 1, 2 ORDER BY 1 DESC, 2
"""


def platform_fee(total: int, percent: float) -> int:
    return int((Decimal(total) * Decimal(str(percent)) / 100).quantize(Decimal(1), rounding=ROUND_HALF_UP))


async def checkout(db: Database, payments: Payments | None, settings: Settings, caller: Caller, data: CheckoutIn,
                   site_origin: str) -> CheckoutOut:
    tenant_id = caller.tenant_id
    if tenant_id is None:
        raise NotFound("checkout happens on a site's host")
    if payments is None:
        raise Unavailable("payments are not configured on this platform")
    wanted: dict[uuid.UUID, int] = {}
    for item in data.items:
        wanted[item.product_id] = wanted.get(item.product_id, 0) + item.quantity
    order_id = uuid.uuid4()
    async with db.tenant_tx(tenant_id) as tx:
        account = await tx.fetchrow(SELECT_ACCOUNT)
        if account is None or account["stripe_connect_id"] is None or not account["connect_charges_enabled"]:
            raise Conflict("this shop cannot take payments yet: its owner has not finished setting up payouts")
        found = {row["id"]: row for row in await tx.fetch(SELECT_PRODUCTS, list(wanted))}
        missing = [str(product_id) for product_id in wanted if product_id not in found]
        if missing:
            raise Invalid("some products are not for sale here", errors=[{"product_id": p} for p in missing])
        for product_id, quantity in wanted.items():
            left = found[product_id]["inventory"]
            if left is not None and left < quantity:
                raise Conflict(f"only {left} of {found[product_id]['name']!r} left", product_id=str(product_id),
                               available=left)
        currencies = {row["currency"] for row in found.values()}
        if len(currencies) > 1:
            raise Invalid("a cart is paid in one currency; these products are priced in several")
        items = [{"product_id": str(product_id), "name": found[product_id]["name"],
                  "unit_amount": found[product_id]["price_amount"], "quantity": quantity}
                 for product_id, quantity in wanted.items()]
        total = sum(item["unit_amount"] * item["quantity"] for item in items)
        fee = platform_fee(total, fee_percent(settings, account["plan"]))
        currency = currencies.pop()
        await tx.execute(INSERT_ORDER, tenant_id, order_id, currency, total, fee, items, account["stripe_connect_id"])
    tags = {"kind": "order", "tenant_id": str(tenant_id), "order_id": str(order_id)}
    session = await payments.create_checkout({
        "mode": "payment",
        "line_items": [{"quantity": item["quantity"], "price_data": {
            "currency": currency, "unit_amount": item["unit_amount"], "product_data": {"name": item["name"]}}}
            for item in items],
        "payment_intent_data": {"application_fee_amount": fee,
                                "transfer_data": {"destination": account["stripe_connect_id"]}, "metadata": tags},
        "metadata": tags,
        "success_url": f"{site_origin}{data.success_path}",
        "cancel_url": f"{site_origin}{data.cancel_path}",
    }, operation_id=f"order-{order_id}")
    async with db.tenant_tx(tenant_id) as tx:
        await tx.execute(SET_SESSION, order_id, session.id)
    return CheckoutOut(order_id=order_id, checkout_url=session.url, checkout_session_id=session.id,
                       amount_total=total, currency=currency)


def _tenant_of(obj: dict[str, Any]) -> uuid.UUID | None:
    try:
        return uuid.UUID((obj.get("metadata") or {}).get("tenant_id"))
    except (TypeError, ValueError):
        return None


async def record_paid_session(db: Database, session: dict[str, Any]) -> str:
    """checkout.session.completed (or its async success) for an order: paid once, stock
    taken once, announced once, however often Stripe tells us."""
    tenant_id = _tenant_of(session)
    order_id = (session.get("metadata") or {}).get("order_id")
    if tenant_id is None or order_id is None:
        return "not an order"
    async with db.tenant_tx(tenant_id) as tx:
        order = await tx.fetchrow(SELECT_ORDER_FOR_UPDATE, uuid.UUID(order_id))
        if order is None or order["checkout_session_id"] != session["id"]:
            return "unknown order"
        if session.get("payment_status") != "paid":
            return "awaiting payment"
        if order["status"] != "open":
            return "already recorded"
        email = (session.get("customer_details") or {}).get("email")
        await tx.execute(MARK_PAID, order["id"], session.get("payment_intent"), email)
        for item in order["items"]:
            product = await tx.fetchrow(TAKE_STOCK, uuid.UUID(item["product_id"]), item["quantity"])
            if product is not None:
                await add_event(tx, catalogue.announced(tenant_id, product, created=False))
        await add_event(tx, OrderPaidV1(tenant_id=tenant_id, order_id=order["id"], amount_total=order["amount_total"],
                                        currency=order["currency"], application_fee=order["application_fee"],
                                        items=order["items"]))
    return "order paid"


async def record_refund(db: Database, charge: dict[str, Any]) -> str:
    tenant_id = _tenant_of(charge)
    if tenant_id is None or not charge.get("payment_intent"):
        return "not an order"
    async with db.tenant_tx(tenant_id) as tx:
        order = await tx.fetchrow(SELECT_ORDER_BY_INTENT, charge["payment_intent"])
        if order is None:
            return "unknown order"
        await tx.execute(SET_REFUNDED, order["id"], int(charge.get("amount_refunded") or 0))
    return "order refunded"


async def record_dispute(db: Database, payments: Payments, dispute: dict[str, Any]) -> str:
    """A dispute names the payment, not the tenant: the payment intent's metadata does."""
    if not dispute.get("payment_intent"):
        return "not an order"
    tenant_id = _tenant_of(await payments.payment_intent(dispute["payment_intent"]))
    if tenant_id is None:
        return "not an order"
    async with db.tenant_tx(tenant_id) as tx:
        order = await tx.fetchrow(SELECT_ORDER_BY_INTENT, dispute["payment_intent"])
        if order is None:
            return "unknown order"
        await tx.execute(SET_STATUS, order["id"], "disputed", ["paid", "partially_refunded", "refunded"])
    return "order disputed"


async def record_expired(db: Database, session: dict[str, Any]) -> str:
    tenant_id = _tenant_of(session)
    order_id = (session.get("metadata") or {}).get("order_id")
    if tenant_id is None or order_id is None:
        return "not an order"
    async with db.tenant_tx(tenant_id) as tx:
        await tx.execute(SET_STATUS, uuid.UUID(order_id), "expired", ["open"])
    return "order expired"


def order_out(row: asyncpg.Record) -> OrderOut:
    return OrderOut(**{name: row[name] for name in OrderOut.__struct_fields__})


async def orders(db: Database, caller: Caller, *, cursor: str | None, status: str | None, limit: int) -> OrderPage:
    limit = max(1, min(limit, 200))
    at, after = decode_cursor(cursor) if cursor else (None, None)
    async with db.tenant_tx(caller.require(Role.OWNER)) as tx:
        rows = await tx.fetch(SELECT_ORDERS, at, after, status, limit + 1)
    found = [order_out(row) for row in rows[:limit]]
    return OrderPage(orders=found, next_cursor=encode_cursor(found[-1].created_at, found[-1].id)
                     if len(rows) > limit else None)


async def refund(db: Database, payments: Payments | None, caller: Caller, order_id: uuid.UUID,
                 amount: int | None) -> dict[str, Any]:
    """Ask Stripe to refund (all, or `amount`); the order follows when charge.refunded arrives."""
    if payments is None:
        raise Unavailable("payments are not configured on this platform")
    async with db.tenant_tx(caller.require(Role.OWNER)) as tx:
        order = await tx.fetchrow(SELECT_ORDER, order_id)
    if order is None:
        raise NotFound("no such order")
    left = order["amount_total"] - order["amount_refunded"]
    if order["status"] not in ("paid", "partially_refunded") or left <= 0:
        raise Conflict(f"an order that is {order['status']} cannot be refunded")
    if amount is not None and not 0 < amount <= left:
        raise Invalid(f"refund between 1 and {left}", errors=[{"field": "amount"}])
    # The key names what is refunded from which state: a retry repeats, a second refund is new.
    made = await payments.refund(order["payment_intent_id"], amount,
                                 operation_id=f"refund-{order_id}-{order['amount_refunded']}-{amount or left}")
    return {"refund_id": made.id, "status": made.status, "amount": made.amount}


async def sales(db: Database, caller: Caller) -> list[SalesMonth]:
    async with db.tenant_tx(caller.require(Role.OWNER)) as tx:
        rows = await tx.fetch(SALES_BY_MONTH)
    return [SalesMonth(month=r["month"], currency=r["currency"], orders=r["orders"], gross=r["gross"],
                       refunded=r["refunded"], platform_fees=r["platform_fees"],
                       net=r["gross"] - r["refunded"] - r["platform_fees"]) for r in rows]

"""Storefront orders, and the sales report read from them."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

import asyncpg

from . import Tx

ORDER_COLUMNS = ("id, status, currency, amount_total, application_fee, amount_refunded, items, customer_email, "
                 "created_at, paid_at")
INSERT_ORDER = """
INSERT INTO billing.orders (tenant_id, id, currency, amount_total, application_fee, items, connected_account)
VALUES ($1, $2, $3, $4, $5, $6, $7)
"""
SET_CHECKOUT_SESSION = "UPDATE billing.orders SET checkout_session_id = $2, updated_at = now() WHERE id = $1"
SELECT_ORDER_FOR_UPDATE = f"SELECT {ORDER_COLUMNS}, checkout_session_id FROM billing.orders WHERE id = $1 FOR UPDATE"
MARK_PAID = """
UPDATE billing.orders SET status = 'paid', paid_at = now(), payment_intent_id = $2, customer_email = $3,
       updated_at = now()
WHERE id = $1
"""
SELECT_ORDER_BY_INTENT_FOR_UPDATE = f"""
SELECT {ORDER_COLUMNS}, payment_intent_id FROM billing.orders WHERE payment_intent_id = $1 FOR UPDATE
"""
SET_REFUNDED = """
UPDATE billing.orders SET amount_refunded = greatest(amount_refunded, $2),
       status = CASE WHEN status = 'disputed' THEN status WHEN $2 >= amount_total THEN 'refunded'
                     ELSE 'partially_refunded' END,
       updated_at = now()
WHERE id = $1
"""
SET_STATUS = "UPDATE billing.orders SET status = $2, updated_at = now() WHERE id = $1 AND status = ANY($3::text[])"
SELECT_ORDER_PAGE = f"""
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


async def insert_order(tx: Tx, tenant_id: uuid.UUID, order_id: uuid.UUID, *, currency: str, amount_total: int,
                       application_fee: int, items: list[dict[str, Any]], connected_account: str) -> None:
    await tx.execute(INSERT_ORDER, tenant_id, order_id, currency, amount_total, application_fee, items,
                     connected_account)


async def set_checkout_session(tx: Tx, order_id: uuid.UUID, checkout_session_id: str) -> None:
    await tx.execute(SET_CHECKOUT_SESSION, order_id, checkout_session_id)


async def order_for_update(tx: Tx, order_id: uuid.UUID) -> asyncpg.Record | None:
    return await tx.fetchrow(SELECT_ORDER_FOR_UPDATE, order_id)


async def mark_paid(tx: Tx, order_id: uuid.UUID, payment_intent_id: str | None, customer_email: str | None) -> None:
    await tx.execute(MARK_PAID, order_id, payment_intent_id, customer_email)


async def order_by_intent_for_update(tx: Tx, payment_intent_id: str) -> asyncpg.Record | None:
    return await tx.fetchrow(SELECT_ORDER_BY_INTENT_FOR_UPDATE, payment_intent_id)


async def set_refunded(tx: Tx, order_id: uuid.UUID, amount_refunded: int) -> None:
    """Stripe's total refunded so far; a late, smaller total never lowers it."""
    await tx.execute(SET_REFUNDED, order_id, amount_refunded)


async def set_status(tx: Tx, order_id: uuid.UUID, status: str, *, from_: list[str]) -> None:
    """Move the order to `status` if it is in one of `from_`."""
    await tx.execute(SET_STATUS, order_id, status, from_)


async def order_page(tx: Tx, *, before: tuple[datetime, uuid.UUID] | None, status: str | None,
                     limit: int) -> list[asyncpg.Record]:
    at, order_id = before if before else (None, None)
    return await tx.fetch(SELECT_ORDER_PAGE, at, order_id, status, limit)


async def order(tx: Tx, order_id: uuid.UUID) -> asyncpg.Record | None:
    return await tx.fetchrow(SELECT_ORDER, order_id)


async def sales_by_month(tx: Tx) -> list[asyncpg.Record]:
    return await tx.fetch(SALES_BY_MONTH)

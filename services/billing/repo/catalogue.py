"""A tenant's products."""

from __future__ import annotations

import uuid
from datetime import datetime

import asyncpg

from . import Tx

PRODUCT_COLUMNS = ("id, slug, name, description, price_amount, currency, images, active, inventory, created_at, "
                   "updated_at")
INSERT_PRODUCT = f"""
INSERT INTO billing.products (tenant_id, id, slug, name, description, price_amount, currency, images, active, inventory)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) RETURNING {PRODUCT_COLUMNS}
"""
SELECT_PRODUCT = f"SELECT {PRODUCT_COLUMNS} FROM billing.products WHERE id = $1"
SELECT_PRODUCT_FOR_UPDATE = f"SELECT {PRODUCT_COLUMNS} FROM billing.products WHERE id = $1 FOR UPDATE"
UPDATE_PRODUCT = f"""
UPDATE billing.products SET slug = $2, name = $3, description = $4, price_amount = $5, currency = $6, images = $7,
       active = $8, inventory = $9, updated_at = now()
WHERE id = $1 RETURNING {PRODUCT_COLUMNS}
"""
DELETE_PRODUCT = "DELETE FROM billing.products WHERE id = $1 RETURNING id"
SELECT_PRODUCT_PAGE = f"""
SELECT {PRODUCT_COLUMNS} FROM billing.products
WHERE ($1::timestamptz IS NULL OR (created_at, id) < ($1, $2)) AND ($3::boolean IS NULL OR active = $3)
ORDER BY created_at DESC, id DESC LIMIT $4
"""
SELECT_PRODUCTS_FOR_SALE = """
SELECT id, name, price_amount, currency, inventory FROM billing.products WHERE id = ANY($1) AND active
"""
TAKE_STOCK = f"""
UPDATE billing.products SET inventory = greatest(inventory - $2, 0), updated_at = now()
WHERE id = $1 AND inventory IS NOT NULL RETURNING {PRODUCT_COLUMNS}
"""


async def insert_product(tx: Tx, tenant_id: uuid.UUID, product_id: uuid.UUID, *, slug: str, name: str,
                         description: str, price_amount: int, currency: str, images: list[uuid.UUID], active: bool,
                         inventory: int | None) -> asyncpg.Record:
    return await tx.fetchrow(INSERT_PRODUCT, tenant_id, product_id, slug, name, description, price_amount, currency,
                             images, active, inventory)


async def product(tx: Tx, product_id: uuid.UUID) -> asyncpg.Record | None:
    return await tx.fetchrow(SELECT_PRODUCT, product_id)


async def product_for_update(tx: Tx, product_id: uuid.UUID) -> asyncpg.Record | None:
    return await tx.fetchrow(SELECT_PRODUCT_FOR_UPDATE, product_id)


async def update_product(tx: Tx, product_id: uuid.UUID, *, slug: str, name: str, description: str,
                         price_amount: int, currency: str, images: list[uuid.UUID], active: bool,
                         inventory: int | None) -> asyncpg.Record:
    return await tx.fetchrow(UPDATE_PRODUCT, product_id, slug, name, description, price_amount, currency, images,
                             active, inventory)


async def delete_product(tx: Tx, product_id: uuid.UUID) -> bool:
    return await tx.fetchval(DELETE_PRODUCT, product_id) is not None


async def product_page(tx: Tx, *, before: tuple[datetime, uuid.UUID] | None, active: bool | None,
                       limit: int) -> list[asyncpg.Record]:
    at, product_id = before if before else (None, None)
    return await tx.fetch(SELECT_PRODUCT_PAGE, at, product_id, active, limit)


async def products_for_sale(tx: Tx, product_ids: list[uuid.UUID]) -> dict[uuid.UUID, asyncpg.Record]:
    """The active ones of these products, by id."""
    return {row["id"]: row for row in await tx.fetch(SELECT_PRODUCTS_FOR_SALE, product_ids)}


async def take_stock(tx: Tx, product_id: uuid.UUID, quantity: int) -> asyncpg.Record | None:
    """The product after `quantity` left its stock; None when its stock is not counted (or it is gone)."""
    return await tx.fetchrow(TAKE_STOCK, product_id, quantity)

"""A tenant's products: EDITOR and up manage them, the tenant's site reads the active ones.
Every change is announced with the product's whole state, so cms can keep a projection
for its ProductGrid without asking."""

from __future__ import annotations

import uuid
from typing import Any

import asyncpg
import msgspec

from shared.auth import Caller, Role
from shared.contracts import ProductChangedV1, ProductCreatedV1, ProductDeletedV1
from shared.db import Database
from shared.errors import Conflict, NotFound
from shared.messaging import add_event
from shared.pagination import decode_cursor, encode_cursor

from .schemas import ProductIn, ProductOut, ProductPage, ProductPatch

COLUMNS = "id, slug, name, description, price_amount, currency, images, active, inventory, created_at, updated_at"
INSERT = f"""
INSERT INTO billing.products (tenant_id, id, slug, name, description, price_amount, currency, images, active, inventory)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) RETURNING {COLUMNS}
"""
SELECT_ONE = f"SELECT {COLUMNS} FROM billing.products WHERE id = $1"
UPDATE = f"""
UPDATE billing.products SET slug = $2, name = $3, description = $4, price_amount = $5, currency = $6, images = $7,
       active = $8, inventory = $9, updated_at = now()
WHERE id = $1 RETURNING {COLUMNS}
"""
DELETE = "DELETE FROM billing.products WHERE id = $1 RETURNING id"
SELECT_PAGE = f"""
SELECT {COLUMNS} FROM billing.products
WHERE ($1::timestamptz IS NULL OR (created_at, id) < ($1, $2)) AND ($3::boolean IS NULL OR active = $3)
ORDER BY created_at DESC, id DESC LIMIT $4
"""


def product_out(row: asyncpg.Record) -> ProductOut:
    return ProductOut(**dict(row))


def announced(tenant_id: uuid.UUID, row: asyncpg.Record, *, created: bool) -> ProductChangedV1:
    kind = ProductCreatedV1 if created else ProductChangedV1
    return kind(tenant_id=tenant_id, product_id=row["id"], slug=row["slug"], name=row["name"],
                description=row["description"], price_amount=row["price_amount"], currency=row["currency"],
                images=list(row["images"]), active=row["active"],
                in_stock=row["inventory"] is None or row["inventory"] > 0)


async def create(db: Database, caller: Caller, data: ProductIn) -> ProductOut:
    tenant_id = caller.require(Role.EDITOR)
    try:
        async with db.tenant_tx(tenant_id) as tx:
            row = await tx.fetchrow(INSERT, tenant_id, uuid.uuid4(), data.slug, data.name, data.description,
                                    data.price_amount, data.currency, data.images, data.active, data.inventory)
            await add_event(tx, announced(tenant_id, row, created=True))
    except asyncpg.UniqueViolationError:
        raise Conflict(f"another product already has the slug {data.slug!r}") from None
    return product_out(row)


async def update(db: Database, caller: Caller, product_id: uuid.UUID, patch: ProductPatch) -> ProductOut:
    tenant_id = caller.require(Role.EDITOR)
    try:
        async with db.tenant_tx(tenant_id) as tx:
            current = await tx.fetchrow(SELECT_ONE + " FOR UPDATE", product_id)
            if current is None:
                raise NotFound("no such product")
            values: dict[str, Any] = {**dict(current), **{k: v for k, v in msgspec.structs.asdict(patch).items()
                                                          if v is not None and k != "untracked"}}
            if patch.untracked:
                values["inventory"] = None
            row = await tx.fetchrow(UPDATE, product_id, values["slug"], values["name"], values["description"],
                                    values["price_amount"], values["currency"], values["images"], values["active"],
                                    values["inventory"])
            await add_event(tx, announced(tenant_id, row, created=False))
    except asyncpg.UniqueViolationError:
        raise Conflict(f"another product already has the slug {patch.slug!r}") from None
    return product_out(row)


async def delete(db: Database, caller: Caller, product_id: uuid.UUID) -> None:
    """Orders keep what they sold (their items are a copy), so a product can always go."""
    tenant_id = caller.require(Role.EDITOR)
    async with db.tenant_tx(tenant_id) as tx:
        if await tx.fetchval(DELETE, product_id) is None:
            raise NotFound("no such product")
        await add_event(tx, ProductDeletedV1(tenant_id=tenant_id, product_id=product_id))


async def get(db: Database, caller: Caller, product_id: uuid.UUID) -> ProductOut:
    return product_out(await db.one(caller.require(Role.VIEWER), SELECT_ONE, product_id, missing="no such product"))


async def page(db: Database, tenant_id: uuid.UUID, *, cursor: str | None, active: bool | None,
               limit: int) -> ProductPage:
    limit = max(1, min(limit, 200))
    at, after = decode_cursor(cursor) if cursor else (None, None)
    async with db.tenant_tx(tenant_id) as tx:
        rows = await tx.fetch(SELECT_PAGE, at, after, active, limit + 1)
    products = [product_out(row) for row in rows[:limit]]
    more = len(rows) > limit
    return ProductPage(products=products,
                       next_cursor=encode_cursor(products[-1].created_at, products[-1].id) if more else None)


async def listed(db: Database, caller: Caller, *, cursor: str | None, active: bool | None,
                 limit: int) -> ProductPage:
    return await page(db, caller.require(Role.VIEWER), cursor=cursor, active=active, limit=limit)


async def storefront(db: Database, caller: Caller, *, cursor: str | None, limit: int) -> ProductPage:
    """The active products, for anyone on the tenant's host (its site's visitors)."""
    if caller.tenant_id is None:
        raise NotFound("products are listed on a site's host")
    return await page(db, caller.tenant_id, cursor=cursor, active=True, limit=limit)

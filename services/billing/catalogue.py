"""A tenant's products: EDITOR and up manage them, the tenant's site reads the active ones.
Every change is announced with the product's whole state, so cms can keep a projection
for its ProductGrid without asking."""

from __future__ import annotations

import uuid

import asyncpg
import msgspec

from shared.auth import Caller, Role
from shared.contracts import ProductDeletedV1
from shared.errors import Conflict, NotFound
from shared.messaging import add_event
from shared.pagination import decode_cursor, encode_cursor

from . import domain
from .context import Ctx
from .repo import catalogue
from .schemas import ProductIn, ProductOut, ProductPage, ProductPatch


def product_out(row: asyncpg.Record) -> ProductOut:
    return ProductOut(**dict(row))


async def create_product(ctx: Ctx, caller: Caller, data: ProductIn) -> ProductOut:
    tenant_id = caller.require(Role.EDITOR)
    domain.check_currency(data.currency)
    try:
        async with ctx.db.tenant_tx(tenant_id) as tx:
            row = await catalogue.insert_product(
                tx, tenant_id, uuid.uuid4(), slug=data.slug, name=data.name, description=data.description,
                price_amount=data.price_amount, currency=data.currency, images=data.images, active=data.active,
                inventory=data.inventory)
            await add_event(tx, domain.product_announcement(tenant_id, row, created=True))
    except asyncpg.UniqueViolationError:
        raise Conflict(f"another product already has the slug {data.slug!r}") from None
    return product_out(row)


async def update_product(ctx: Ctx, caller: Caller, product_id: uuid.UUID, patch: ProductPatch) -> ProductOut:
    tenant_id = caller.require(Role.EDITOR)
    if patch.currency is not None:
        domain.check_currency(patch.currency)
    try:
        async with ctx.db.tenant_tx(tenant_id) as tx:
            current = await catalogue.product_for_update(tx, product_id)
            if current is None:
                raise NotFound("no such product")
            values = domain.patched_product(dict(current), msgspec.structs.asdict(patch))
            row = await catalogue.update_product(
                tx, product_id, slug=values["slug"], name=values["name"], description=values["description"],
                price_amount=values["price_amount"], currency=values["currency"], images=values["images"],
                active=values["active"], inventory=values["inventory"])
            await add_event(tx, domain.product_announcement(tenant_id, row, created=False))
    except asyncpg.UniqueViolationError:
        raise Conflict(f"another product already has the slug {patch.slug!r}") from None
    return product_out(row)


async def delete_product(ctx: Ctx, caller: Caller, product_id: uuid.UUID) -> None:
    """Orders keep what they sold (their items are a copy), so a product can always go."""
    tenant_id = caller.require(Role.EDITOR)
    async with ctx.db.tenant_tx(tenant_id) as tx:
        if not await catalogue.delete_product(tx, product_id):
            raise NotFound("no such product")
        await add_event(tx, ProductDeletedV1(tenant_id=tenant_id, product_id=product_id))


async def get_product(ctx: Ctx, caller: Caller, product_id: uuid.UUID) -> ProductOut:
    return product_out(await ctx.db.one(caller.require(Role.VIEWER), catalogue.product, product_id,
                                        missing="no such product"))


async def list_products(ctx: Ctx, caller: Caller, *, cursor: str | None, active: bool | None,
                        limit: int) -> ProductPage:
    return await _product_page(ctx, caller.require(Role.VIEWER), cursor=cursor, active=active, limit=limit)


async def list_storefront_products(ctx: Ctx, caller: Caller, *, cursor: str | None, limit: int) -> ProductPage:
    """The active products, for anyone on the tenant's host (its site's visitors)."""
    if caller.tenant_id is None:
        raise NotFound("products are listed on a site's host")
    return await _product_page(ctx, caller.tenant_id, cursor=cursor, active=True, limit=limit)


async def _product_page(ctx: Ctx, tenant_id: uuid.UUID, *, cursor: str | None, active: bool | None,
                        limit: int) -> ProductPage:
    limit = domain.page_size(limit, 200)
    before = decode_cursor(cursor) if cursor else None
    async with ctx.db.tenant_tx(tenant_id) as tx:
        rows = await catalogue.product_page(tx, before=before, active=active, limit=limit + 1)
    products = [product_out(row) for row in rows[:limit]]
    more = len(rows) > limit
    return ProductPage(products=products,
                       next_cursor=encode_cursor(products[-1].created_at, products[-1].id) if more else None)

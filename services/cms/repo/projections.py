"""SQL of what cms keeps from other services' events: the tenant's site (identity), its
catalogue, whether its shop can take charges and what billing charged for an AI job
(billing). Events carry the whole current state and may arrive out of order, so a write
older than the one last applied is skipped.
Row-level security scopes every statement to the transaction's tenant."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

import asyncpg

from shared.contracts import ProductChangedV1

Tx = asyncpg.Connection

# the site ----------------------------------------------------------------------------------

UPSERT_SITE = """
INSERT INTO cms.sites AS s (tenant_id, slug, name, theme, synced_at) VALUES ($1, $2, $3, $4, $5)
ON CONFLICT (tenant_id) DO UPDATE SET slug = excluded.slug, name = excluded.name,
  theme = coalesce(excluded.theme, s.theme), synced_at = excluded.synced_at
WHERE s.synced_at <= excluded.synced_at
"""
SET_DOMAIN = """
UPDATE cms.sites SET custom_domain = $1, synced_at = greatest(synced_at, $2) WHERE synced_at <= $2
"""
SELECT_SITE = "SELECT slug, name, theme, custom_domain, synced_at FROM cms.sites"


async def upsert_site(tx: Tx, tenant_id: uuid.UUID, slug: str, name: str, theme: dict[str, Any],
                      at: datetime) -> None:
    await tx.execute(UPSERT_SITE, tenant_id, slug, name, theme, at)


async def set_domain(tx: Tx, domain: str | None, at: datetime) -> None:
    await tx.execute(SET_DOMAIN, domain, at)


async def site(tx: Tx) -> asyncpg.Record | None:
    """The tenant's site (name, theme, canonical host), once identity's events have arrived."""
    return await tx.fetchrow(SELECT_SITE)


# the catalogue -----------------------------------------------------------------------------

UPSERT_PRODUCT = """
INSERT INTO cms.products AS p (tenant_id, product_id, slug, name, description, price_amount, currency, images, active,
                               in_stock, synced_at)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)
ON CONFLICT (tenant_id, product_id) DO UPDATE SET slug = excluded.slug, name = excluded.name,
  description = excluded.description, price_amount = excluded.price_amount, currency = excluded.currency,
  images = excluded.images, active = excluded.active, in_stock = excluded.in_stock, synced_at = excluded.synced_at
WHERE p.synced_at <= excluded.synced_at
"""
DELETE_PRODUCT = "DELETE FROM cms.products WHERE product_id = $1"
SELECT_PRODUCT_IDS = "SELECT product_id FROM cms.products"


async def upsert_product(tx: Tx, product: ProductChangedV1) -> None:
    """The product's whole state as of its event (skipped if a later one was applied)."""
    await tx.execute(UPSERT_PRODUCT, product.tenant_id, product.product_id, product.slug, product.name,
                     product.description, product.price_amount, product.currency, product.images, product.active,
                     product.in_stock, product.occurred_at)


async def delete_product(tx: Tx, product_id: uuid.UUID) -> None:
    await tx.execute(DELETE_PRODUCT, product_id)


async def product_ids(tx: Tx) -> set[str]:
    """The catalogue as cms knows it (its projection of billing's products)."""
    return {str(row["product_id"]) for row in await tx.fetch(SELECT_PRODUCT_IDS)}


# the shop ----------------------------------------------------------------------------------

UPSERT_SHOP = """
INSERT INTO cms.shops AS s (tenant_id, charges_enabled, synced_at) VALUES ($1, $2, $3)
ON CONFLICT (tenant_id) DO UPDATE SET charges_enabled = excluded.charges_enabled, synced_at = excluded.synced_at
WHERE s.synced_at <= excluded.synced_at
"""
SELECT_TAKES_CHARGES = "SELECT coalesce((SELECT charges_enabled FROM cms.shops), false)"


async def upsert_shop(tx: Tx, tenant_id: uuid.UUID, charges_enabled: bool, at: datetime) -> bool:
    """Whether the shop can take charges as of `at`; False when a later state was applied."""
    return await tx.execute(UPSERT_SHOP, tenant_id, charges_enabled, at) == "INSERT 0 1"


async def takes_charges(tx: Tx) -> bool:
    """Whether the tenant's shop can take charges now (no word from billing yet: it cannot)."""
    return bool(await tx.fetchval(SELECT_TAKES_CHARGES))


# charges of AI jobs ------------------------------------------------------------------------

RECORD_CHARGE = "UPDATE cms.generations SET charged_credits = $2, charged_at = now() WHERE id = $1"


async def record_charge(tx: Tx, job_id: uuid.UUID, credits: int) -> None:
    await tx.execute(RECORD_CHARGE, job_id, credits)

"""The public site's SQL: a live page's stored rendering, what a rendering is made of, and
the sitemap. Row-level security scopes every statement to the transaction's tenant."""

from __future__ import annotations

import uuid
from typing import Any

import asyncpg

Tx = asyncpg.Connection

# What the catalogue projection looks like right now, in one comparable value: a product's
# change moves its synced_at, a deletion the count, the shop's ability to take charges (its
# grids' Buy buttons) the last part.
CATALOGUE_STAMP = ("(SELECT coalesce(max(synced_at)::text, '') || '/' || count(*) FROM cms.products) || '/' || "
                   "coalesce((SELECT charges_enabled::text FROM cms.shops), 'none')")

LAYOUT_STAMP = "coalesce((SELECT live_revision FROM cms.site_layouts), 0)"

# A page the gateway has not cached, in one statement: the stored bytes, and whether they are
# still what a render would give (same live version and address, same site, same live layout,
# same catalogue, same renderer).
SELECT_STORED_PAGE = f"""
SELECT r.body, r.etag,
       r.version = p.live_version AND r.slug = p.slug AND r.site_synced_at = s.synced_at
       AND r.layout = {LAYOUT_STAMP} AND r.catalogue = {CATALOGUE_STAMP} AND r.renderer = $3 AS fresh
FROM cms.pages p
JOIN cms.rendered_pages r ON r.page_id = p.id AND r.format = $2
CROSS JOIN cms.sites s
WHERE p.slug = $1 AND p.live_version IS NOT NULL
"""
# Everything a render of the live page at an address needs, the catalogue's stamp read
# before its products: a product that changes in between leaves the stamp behind, so the
# next request renders again rather than keeping a stale grid.
SELECT_LIVE_SOURCE = f"""
SELECT p.id, p.slug, v.version, v.structure, v.registry_version, v.created_at,
       s.slug AS site_slug, s.name AS site_name, s.theme, s.custom_domain, s.synced_at AS site_synced_at,
       l.live_header, l.live_footer, coalesce(l.live_revision, 0) AS layout, {CATALOGUE_STAMP} AS catalogue,
       coalesce(l.profile->>'language', '') AS language
FROM cms.pages p
JOIN cms.page_versions v ON v.page_id = p.id AND v.version = p.live_version
CROSS JOIN cms.sites s
LEFT JOIN cms.site_layouts l ON true
WHERE p.slug = $1
"""
UPSERT_RENDERED_PAGE = """
INSERT INTO cms.rendered_pages (tenant_id, page_id, format, version, slug, site_synced_at, catalogue, body, etag,
                                layout, renderer)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)
ON CONFLICT (tenant_id, page_id, format) DO UPDATE SET version = excluded.version, slug = excluded.slug,
  site_synced_at = excluded.site_synced_at, catalogue = excluded.catalogue, layout = excluded.layout,
  renderer = excluded.renderer, body = excluded.body,
  etag = excluded.etag, rendered_at = now()
"""
SELECT_PRODUCTS = """
SELECT product_id, name, price_amount, currency, images, active, in_stock,
       coalesce((SELECT charges_enabled FROM cms.shops), false) AS takes_charges
FROM cms.products WHERE product_id = ANY($1::uuid[])
"""
SELECT_LIVE_PAGES = "SELECT slug, updated_at FROM cms.pages WHERE live_version IS NOT NULL ORDER BY slug"


async def stored_page(tx: Tx, slug: str, kind: str, renderer: str) -> asyncpg.Record | None:
    """(body, etag, fresh) of the page live at `slug` in `kind` ('html' or 'json'), if stored;
    fresh only if `renderer` made it."""
    return await tx.fetchrow(SELECT_STORED_PAGE, slug, kind, renderer)


async def live_source(tx: Tx, slug: str) -> asyncpg.Record | None:
    return await tx.fetchrow(SELECT_LIVE_SOURCE, slug)


async def store_page(tx: Tx, tenant_id: uuid.UUID, source: asyncpg.Record, kind: str, body: bytes,
                     etag: str, renderer: str) -> None:
    await tx.execute(UPSERT_RENDERED_PAGE, tenant_id, source["id"], kind, source["version"], source["slug"],
                     source["site_synced_at"], source["catalogue"], body, etag, source["layout"], renderer)


async def products(tx: Tx, product_ids: list[str]) -> dict[str, dict[str, Any]]:
    """Catalogue entries by id, from cms's projection."""
    return {str(row["product_id"]): dict(row) for row in await tx.fetch(SELECT_PRODUCTS, product_ids)}


async def live_pages(tx: Tx) -> list[asyncpg.Record]:
    """(slug, updated_at) of every live page, for the sitemap."""
    return await tx.fetch(SELECT_LIVE_PAGES)

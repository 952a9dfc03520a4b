"""SQL of pages: the draft, its address and its revision; row-level security scopes every
statement to the transaction's tenant."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

import asyncpg

from ..registry import PRICED

Tx = asyncpg.Connection

PAGE_COLUMNS = ("id, slug, structure, is_published, live_version, revision, registry_version, ai_nodes, created_at, "
                "updated_at")
INSERT_PAGE = f"""
INSERT INTO cms.pages (tenant_id, id, slug, structure, registry_version, updated_by)
VALUES ($1, $2, $3, $4, $5, $6) RETURNING {PAGE_COLUMNS}
"""
SELECT_PAGE = f"SELECT {PAGE_COLUMNS} FROM cms.pages WHERE id = $1"
PAGE_EXISTS = "SELECT 1 FROM cms.pages WHERE id = $1"
# The write happens only if nobody wrote since the caller read `revision`.
UPDATE_DRAFT = f"""
UPDATE cms.pages SET slug = $3, structure = $4, registry_version = $5, updated_by = $6, ai_nodes = $7,
       revision = revision + 1, updated_at = now()
WHERE id = $1 AND revision = $2 RETURNING {PAGE_COLUMNS}
"""
SET_LIVE = f"""
UPDATE cms.pages SET live_version = $3::int, is_published = $3::int IS NOT NULL, updated_by = $4,
       revision = revision + 1, updated_at = now()
WHERE id = $1 AND revision = $2 RETURNING {PAGE_COLUMNS}
"""
DELETE_PAGE = "DELETE FROM cms.pages WHERE id = $1 AND revision = $2 RETURNING slug"
# `changed_since_live`: a published page whose draft (words or address) is not what visitors see.
SELECT_PAGE_LIST = f"""
SELECT {PAGE_COLUMNS},
  is_published AND EXISTS (SELECT 1 FROM cms.page_versions v
    WHERE v.page_id = pages.id AND v.version = pages.live_version
      AND (v.structure <> pages.structure OR v.slug <> pages.slug)) AS changed_since_live
FROM cms.pages
WHERE ($1::timestamptz IS NULL OR (updated_at, id) < ($1, $2)) AND ($3::boolean IS NULL OR is_published = $3)
ORDER BY updated_at DESC, id DESC LIMIT $4
"""
SELECT_SLUGS = "SELECT slug FROM cms.pages"


async def insert_page(tx: Tx, tenant_id: uuid.UUID, page_id: uuid.UUID, slug: str, structure: dict[str, Any],
                      registry_version: int, author: uuid.UUID | None) -> asyncpg.Record:
    return await tx.fetchrow(INSERT_PAGE, tenant_id, page_id, slug, structure, registry_version, author)


async def page(tx: Tx, page_id: uuid.UUID) -> asyncpg.Record | None:
    return await tx.fetchrow(SELECT_PAGE, page_id)


async def exists(tx: Tx, page_id: uuid.UUID) -> bool:
    return await tx.fetchval(PAGE_EXISTS, page_id) is not None


async def update_draft(tx: Tx, page_id: uuid.UUID, revision: int, slug: str, structure: dict[str, Any],
                       registry_version: int, author: uuid.UUID | None,
                       ai_nodes: dict[str, str]) -> asyncpg.Record | None:
    return await tx.fetchrow(UPDATE_DRAFT, page_id, revision, slug, structure, registry_version, author, ai_nodes)


async def set_live(tx: Tx, page_id: uuid.UUID, revision: int, version: int | None,
                   author: uuid.UUID | None) -> asyncpg.Record | None:
    return await tx.fetchrow(SET_LIVE, page_id, revision, version, author)


async def delete_page(tx: Tx, page_id: uuid.UUID, revision: int) -> str | None:
    return await tx.fetchval(DELETE_PAGE, page_id, revision)


async def page_list(tx: Tx, *, before: tuple[datetime, uuid.UUID] | None, published: bool | None,
                    limit: int) -> list[asyncpg.Record]:
    at, page_id = before if before else (None, None)
    return await tx.fetch(SELECT_PAGE_LIST, at, page_id, published, limit)


async def slugs(tx: Tx) -> set[str]:
    """Every page's address: where links may point."""
    return {row["slug"] for row in await tx.fetch(SELECT_SLUGS)}


# A page with a block of $1 (the components that show prices) anywhere in its draft: a path
# comparison with a list holds when any of its items matches.
ANY_PRICED = """
SELECT EXISTS (SELECT 1 FROM cms.pages WHERE jsonb_path_exists(
  structure, 'strict $.**.component ? (@ == $priced[*])', jsonb_build_object('priced', $1::text[])))
"""


async def any_priced(tx: Tx) -> bool:
    """Whether some page of the site shows prices: copy elsewhere may then mention them."""
    return bool(await tx.fetchval(ANY_PRICED, sorted(PRICED)))

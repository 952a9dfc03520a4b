"""The media library's rows: assets and their resized copies."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

import asyncpg

from . import Tx

COLUMNS = ("id, filename, content_type, bytes, width, height, sha256, storage_key, alt_text, ai_description, tags, "
           "status, status_reason, created_at, updated_at")
INSERT_ASSET = f"""
INSERT INTO assets.assets (tenant_id, id, url, filename, content_type, bytes, width, height, sha256, storage_key,
                           created_by)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)
ON CONFLICT (tenant_id, sha256) WHERE sha256 IS NOT NULL DO NOTHING
RETURNING {COLUMNS}
"""
SELECT_BY_SHA = f"SELECT {COLUMNS} FROM assets.assets WHERE sha256 = $1"
SELECT_ASSET = f"SELECT {COLUMNS} FROM assets.assets WHERE id = $1"
SELECT_PAGE = f"""
SELECT {COLUMNS} FROM assets.assets
WHERE ($1::timestamptz IS NULL OR (created_at, id) < ($1, $2))
  AND ($3::text IS NULL OR content_type = $3) AND ($4::text IS NULL OR status = $4)
ORDER BY created_at DESC, id DESC LIMIT $5
"""
SELECT_FOR_EDIT = f"SELECT {COLUMNS} FROM assets.assets WHERE id = $1 FOR UPDATE"
UPDATE_TEXT = f"""
UPDATE assets.assets SET alt_text = $2, ai_description = $3, search_text = $4, updated_at = now()
WHERE id = $1 RETURNING {COLUMNS}
"""
# Only if nothing changed the words since they were embedded (a later edit embeds its own).
STORE_VECTOR = """
UPDATE assets.assets SET embedding = $2, embedding_model = $3 WHERE id = $1 AND updated_at = $4 AND status = 'described'
"""
DELETE_ASSETS = "DELETE FROM assets.assets WHERE id = ANY($1::uuid[]) RETURNING id, storage_key"
SELECT_VARIANT_KEYS = "SELECT storage_key FROM assets.asset_variants WHERE asset_id = ANY($1::uuid[])"
SELECT_VARIANT = "SELECT storage_key FROM assets.asset_variants WHERE asset_id = $1 AND width = $2 AND format = $3"
INSERT_VARIANT = """
INSERT INTO assets.asset_variants (tenant_id, asset_id, width, format, storage_key, bytes)
VALUES ($1, $2, $3, $4, $5, $6)
ON CONFLICT DO NOTHING
"""
SELECT_SIZES = """
SELECT id, content_type, width, height FROM assets.assets
WHERE id = ANY($1::uuid[]) AND storage_key IS NOT NULL AND width IS NOT NULL AND height IS NOT NULL
"""


async def insert_asset(tx: Tx, tenant_id: uuid.UUID, asset_id: uuid.UUID, url: str, filename: str, content_type: str,
                       size: int, width: int, height: int, sha256: str, key: str,
                       author: uuid.UUID | None) -> asyncpg.Record | None:
    return await tx.fetchrow(INSERT_ASSET, tenant_id, asset_id, url, filename, content_type, size, width, height,
                             sha256, key, author)


async def by_sha(tx: Tx, sha256: str) -> asyncpg.Record | None:
    return await tx.fetchrow(SELECT_BY_SHA, sha256)


async def asset(tx: Tx, asset_id: uuid.UUID) -> asyncpg.Record | None:
    return await tx.fetchrow(SELECT_ASSET, asset_id)


async def page(tx: Tx, *, before: tuple[datetime, uuid.UUID] | None, content_type: str | None, status: str | None,
               limit: int) -> list[asyncpg.Record]:
    at, asset_id = before if before else (None, None)
    return await tx.fetch(SELECT_PAGE, at, asset_id, content_type, status, limit)


async def for_edit(tx: Tx, asset_id: uuid.UUID) -> asyncpg.Record | None:
    return await tx.fetchrow(SELECT_FOR_EDIT, asset_id)


async def update_text(tx: Tx, asset_id: uuid.UUID, alt_text: str, description: str | None,
                      search_text: str) -> asyncpg.Record:
    return await tx.fetchrow(UPDATE_TEXT, asset_id, alt_text, description, search_text)


async def store_vector(tx: Tx, asset_id: uuid.UUID, vector: Any, model: str, updated_at: datetime) -> bool:
    return await tx.execute(STORE_VECTOR, asset_id, vector, model, updated_at) == "UPDATE 1"


async def delete_assets(tx: Tx, ids: list[uuid.UUID]) -> tuple[list[asyncpg.Record], list[str]]:
    variant_keys = [row["storage_key"] for row in await tx.fetch(SELECT_VARIANT_KEYS, ids)]
    return await tx.fetch(DELETE_ASSETS, ids), variant_keys


async def variant_key(tx: Tx, asset_id: uuid.UUID, width: int, fm: str) -> str | None:
    """Where the copy `width` pixels wide in format `fm` ('' for the original's) is stored."""
    return await tx.fetchval(SELECT_VARIANT, asset_id, width, fm)


async def insert_variant(tx: Tx, tenant_id: uuid.UUID, asset_id: uuid.UUID, width: int, fm: str, key: str,
                         size: int) -> None:
    await tx.execute(INSERT_VARIANT, tenant_id, asset_id, width, fm, key, size)


async def sizes(tx: Tx, ids: list[uuid.UUID]) -> list[asyncpg.Record]:
    """Size and type of the stored images among `ids` (the tenant's only: row-level security)."""
    return await tx.fetch(SELECT_SIZES, ids)

"""SQL of published versions: immutable snapshots of a page's draft; row-level security
scopes every statement to the transaction's tenant."""

from __future__ import annotations

import uuid
from typing import Any

import asyncpg

Tx = asyncpg.Connection

INSERT_VERSION = """
INSERT INTO cms.page_versions (tenant_id, page_id, version, slug, structure, registry_version, created_by, ai_nodes)
SELECT $1, $2, coalesce(max(version), 0) + 1, $3, $4, $5, $6, $7 FROM cms.page_versions WHERE page_id = $2
RETURNING version
"""
SELECT_VERSIONS = """
SELECT version, slug, created_by, created_at, ai_nodes FROM cms.page_versions WHERE page_id = $1
ORDER BY version DESC
"""
SELECT_VERSION = """
SELECT version, slug, structure, registry_version, created_by, created_at, ai_nodes FROM cms.page_versions
WHERE page_id = $1 AND version = $2
"""
SELECT_LIVE_AT = """
SELECT p.id, p.slug, v.version, v.structure, v.registry_version, v.created_at
FROM cms.pages p JOIN cms.page_versions v ON v.page_id = p.id AND v.version = p.live_version
WHERE p.slug = $1
"""


async def insert_version(tx: Tx, tenant_id: uuid.UUID, page_id: uuid.UUID, slug: str, structure: dict[str, Any],
                         registry_version: int, author: uuid.UUID | None, ai_nodes: dict[str, str]) -> int:
    return await tx.fetchval(INSERT_VERSION, tenant_id, page_id, slug, structure, registry_version, author, ai_nodes)


async def versions(tx: Tx, page_id: uuid.UUID) -> list[asyncpg.Record]:
    return await tx.fetch(SELECT_VERSIONS, page_id)


async def version(tx: Tx, page_id: uuid.UUID, number: int) -> asyncpg.Record | None:
    return await tx.fetchrow(SELECT_VERSION, page_id, number)


async def live_at(tx: Tx, slug: str) -> asyncpg.Record | None:
    """The version that is live at this address, if a page there is published."""
    return await tx.fetchrow(SELECT_LIVE_AT, slug)

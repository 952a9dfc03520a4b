"""SQL of the site's shared header and footer (its draft and live copies) and the profile a
site generation leaves; row-level security scopes it to the transaction's tenant."""

from __future__ import annotations

import uuid
from typing import Any

import asyncpg

Tx = asyncpg.Connection

LAYOUT_COLUMNS = "header, footer, revision, live_header, live_footer, live_revision, profile, updated_at"
SELECT_LAYOUT = f"SELECT {LAYOUT_COLUMNS} FROM cms.site_layouts"
# A first write creates the row; later writes must name the revision they read.
SAVE_DRAFT = f"""
INSERT INTO cms.site_layouts AS l (tenant_id, header, footer, updated_by) VALUES ($1, $2, $3, $5)
ON CONFLICT (tenant_id) DO UPDATE SET header = excluded.header, footer = excluded.footer,
  revision = l.revision + 1, updated_by = excluded.updated_by, updated_at = now()
WHERE l.revision = $4
RETURNING {LAYOUT_COLUMNS}
"""
PUBLISH = f"""
UPDATE cms.site_layouts SET live_header = header, live_footer = footer, live_revision = revision, updated_at = now()
WHERE revision = $1
RETURNING {LAYOUT_COLUMNS}
"""
SAVE_PROFILE = """
INSERT INTO cms.site_layouts AS l (tenant_id, profile) VALUES ($1, $2)
ON CONFLICT (tenant_id) DO UPDATE SET profile = excluded.profile
"""


async def layout(tx: Tx) -> asyncpg.Record | None:
    return await tx.fetchrow(SELECT_LAYOUT)


async def save_draft(tx: Tx, tenant_id: uuid.UUID, header: dict[str, Any] | None, footer: dict[str, Any] | None,
                     revision: int, account_id: uuid.UUID | None) -> asyncpg.Record | None:
    """The new draft, or None when the layout is no longer at `revision`."""
    return await tx.fetchrow(SAVE_DRAFT, tenant_id, header, footer, revision, account_id)


async def publish(tx: Tx, revision: int) -> asyncpg.Record | None:
    """Make the draft at `revision` live; None when the draft moved on (or there is none)."""
    return await tx.fetchrow(PUBLISH, revision)


async def save_profile(tx: Tx, tenant_id: uuid.UUID, profile: dict[str, Any]) -> None:
    await tx.execute(SAVE_PROFILE, tenant_id, profile)

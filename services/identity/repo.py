"""Identity's SQL."""

from __future__ import annotations

import uuid

import asyncpg

INSERT_TENANT = """
INSERT INTO identity.tenants (id, slug, name) VALUES ($1, $2, $3)
"""

SELECT_SLUG_TAKEN = """
SELECT EXISTS (SELECT 1 FROM identity.tenants WHERE slug = $1)
"""

SELECT_ACCOUNT_BY_EMAIL = """
SELECT id, email, password_hash FROM identity.accounts WHERE lower(email) = lower($1)
"""

INSERT_ACCOUNT = """
INSERT INTO identity.accounts (id, email, password_hash) VALUES ($1, $2, $3)
"""

INSERT_MEMBERSHIP = """
INSERT INTO identity.memberships (tenant_id, account_id, role) VALUES ($1, $2, $3)
"""

SELECT_MEMBERSHIP_ROLE = """
SELECT role FROM identity.memberships WHERE account_id = $1
"""

SELECT_TENANT_BY_SLUG = """
SELECT id, slug FROM identity.tenants WHERE slug = $1 AND deleted_at IS NULL
"""

SELECT_TENANT_BY_DOMAIN = """
SELECT id, slug FROM identity.tenants WHERE custom_domain = $1 AND deleted_at IS NULL
"""


async def insert_tenant(tx: asyncpg.Connection, tenant_id: uuid.UUID, slug: str, name: str) -> None:
    await tx.execute(INSERT_TENANT, tenant_id, slug, name)


async def slug_taken(tx: asyncpg.Connection, slug: str) -> bool:
    return await tx.fetchval(SELECT_SLUG_TAKEN, slug)


async def account_by_email(tx: asyncpg.Connection, email: str) -> asyncpg.Record | None:
    return await tx.fetchrow(SELECT_ACCOUNT_BY_EMAIL, email)


async def insert_account(tx: asyncpg.Connection, account_id: uuid.UUID, email: str, password_hash: str) -> None:
    await tx.execute(INSERT_ACCOUNT, account_id, email, password_hash)


async def insert_membership(tx: asyncpg.Connection, tenant_id: uuid.UUID, account_id: uuid.UUID,
                            role: str) -> None:
    await tx.execute(INSERT_MEMBERSHIP, tenant_id, account_id, role)


async def membership_role(tx: asyncpg.Connection, account_id: uuid.UUID) -> str | None:
    """The account's role in the transaction's tenant (RLS scopes the lookup)."""
    return await tx.fetchval(SELECT_MEMBERSHIP_ROLE, account_id)


async def tenant_by_slug(tx: asyncpg.Connection, slug: str) -> asyncpg.Record | None:
    return await tx.fetchrow(SELECT_TENANT_BY_SLUG, slug)


async def tenant_by_domain(tx: asyncpg.Connection, domain: str) -> asyncpg.Record | None:
    return await tx.fetchrow(SELECT_TENANT_BY_DOMAIN, domain)

"""Tenants' own HNSW indexes (partial: `... WHERE tenant_id = '<id>'`, on l2_normalize(embedding)
so that only the query written for them uses them: see search.py), for search by meaning in
a large library. DDL needs the table's owner (`platform_owner`): the service's role owns
nothing, so these run from the operator's command, not from the service."""

from __future__ import annotations

import uuid

from . import Tx, declare_sweep

# As the sweeper: described assets per tenant (ids and statuses only), the large ones.
SELECT_LARGE_TENANTS = """
SELECT tenant_id, count(*) AS described FROM assets.assets WHERE status = 'described'
GROUP BY tenant_id HAVING count(*) > $1
"""
SELECT_TENANT_SIZES = """
SELECT t.tenant_id, count(a.id) AS described
FROM unnest($1::uuid[]) AS t(tenant_id)
LEFT JOIN assets.assets a ON a.tenant_id = t.tenant_id AND a.status = 'described'
GROUP BY t.tenant_id
"""
SELECT_OWN_INDEXES = """
SELECT c.relname AS name, i.indisvalid AS valid
FROM pg_catalog.pg_index i JOIN pg_catalog.pg_class c ON c.oid = i.indexrelid
WHERE i.indrelid = 'assets.assets'::regclass AND starts_with(c.relname, $1)
"""
# DDL takes no parameters: format() quotes the name and the tenant's id server-side.
CREATE_OWN_INDEX = """
SELECT format('CREATE INDEX CONCURRENTLY %I ON assets.assets '
              'USING hnsw ((l2_normalize(embedding)::vector(1536)) vector_cosine_ops) WHERE tenant_id = %L',
              $1::text, $2::uuid)
"""
DROP_INDEX = "SELECT format('DROP INDEX CONCURRENTLY IF EXISTS assets.%I', $1::text)"
# An HNSW graph is built fastest in memory; this is the session's, not the server's.
BUILD_MEMORY = "SELECT set_config('maintenance_work_mem', $1, false)"


async def large_tenants(tx: Tx, past: int) -> dict[uuid.UUID, int]:
    """Tenants with more than `past` described assets (as the sweeper, for the rest of the transaction)."""
    await declare_sweep(tx)
    return {row["tenant_id"]: row["described"] for row in await tx.fetch(SELECT_LARGE_TENANTS, past)}


async def tenant_sizes(tx: Tx, tenants: list[uuid.UUID]) -> dict[uuid.UUID, int]:
    """Described assets of each of `tenants` (as the sweeper, for the rest of the transaction)."""
    await declare_sweep(tx)
    return {row["tenant_id"]: row["described"] for row in await tx.fetch(SELECT_TENANT_SIZES, tenants)}


async def own_indexes(conn: Tx, prefix: str) -> dict[str, bool]:
    """Name -> valid, of the table's indexes named `prefix...` (the tenants' own)."""
    return {row["name"]: row["valid"] for row in await conn.fetch(SELECT_OWN_INDEXES, prefix)}


async def create_own_index(owner: Tx, name: str, tenant_id: uuid.UUID, memory: str = "256MB") -> None:
    """Outside any transaction (CONCURRENTLY): writes go on while the graph is built."""
    await owner.execute(BUILD_MEMORY, memory)
    await owner.execute(await owner.fetchval(CREATE_OWN_INDEX, name, tenant_id))


async def drop_index(owner: Tx, name: str) -> None:
    await owner.execute(await owner.fetchval(DROP_INDEX, name))

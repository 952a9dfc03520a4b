"""The assets service's SQL, one module per area (assets, search, reembedding, indexes,
tenant_data); row-level security scopes it to the transaction's tenant."""

from __future__ import annotations

import asyncpg

Tx = asyncpg.Connection

# Work across tenants reads as the sweeper role, the only one its narrow policies apply to.
DECLARE_SWEEP = "SET LOCAL ROLE assets_sweeper"


async def declare_sweep(tx: Tx) -> None:
    """For the rest of this (tenant-less) transaction, read as the sweeper."""
    await tx.execute(DECLARE_SWEEP)

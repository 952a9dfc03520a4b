"""The connection pool and the tenant transaction.

Row-level security keys every tenant-scoped table on the per-transaction setting
`app.tenant_id`. It is set with `set_config(..., true)` so it dies with the transaction:
a session-level SET would ride a pooled connection into the next tenant's request.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from typing import Any, TypeVar
from uuid import UUID

import asyncpg
import msgspec

from shared.errors import NotFound
from shared.telemetry import CURRENT_TENANT, sql_span

TENANT_SETTING = "app.tenant_id"

Connection = asyncpg.Connection

_json_encode = msgspec.json.encode
_json_decode = msgspec.json.decode


async def _init_connection(conn: asyncpg.Connection, *, vector: bool) -> None:
    for name in ("json", "jsonb"):
        await conn.set_type_codec(name, schema="pg_catalog", format="text",
                                  encoder=lambda v: _json_encode(v).decode(), decoder=_json_decode)
    if vector:
        from pgvector.asyncpg import register_vector

        await register_vector(conn)
    conn.add_query_logger(sql_span)  # a span per statement, when a trace is being recorded


async def _keep_session(conn: asyncpg.Connection) -> None:
    """asyncpg resets a released connection with a round trip (RESET ALL, UNLISTEN *, ...).
    Nothing here changes session state: the tenant is a transaction-local setting and the
    transaction always ends with its block; the relay unlistens itself. So skip it."""


R = TypeVar("R")


class Database:
    """A pool whose only doors are a tenant transaction and a system transaction."""

    def __init__(self, pool: asyncpg.Pool) -> None:
        self.pool = pool

    @classmethod
    async def connect(cls, dsn: str, *, name: str, min_size: int = 1, max_size: int = 10,
                      vector: bool = False) -> Database:
        pool = await asyncpg.create_pool(
            dsn, min_size=min_size, max_size=max_size, timeout=5,  # connect: fail fast, within the gateway's wait
            server_settings={"application_name": name},
            init=lambda conn: _init_connection(conn, vector=vector),
            reset=_keep_session,
        )
        return cls(pool)

    async def close(self) -> None:
        await self.pool.close()

    @asynccontextmanager
    async def tenant_tx(self, tenant_id: UUID) -> AsyncIterator[asyncpg.Connection]:
        """A transaction that sees and writes only `tenant_id`'s rows."""
        if not isinstance(tenant_id, UUID):
            raise TypeError(f"tenant_tx needs a tenant UUID, got {tenant_id!r}")
        token = CURRENT_TENANT.set(str(tenant_id))
        try:
            async with self.pool.acquire() as conn, conn.transaction():
                await conn.execute("SELECT set_config($1, $2, true)", TENANT_SETTING, str(tenant_id))
                yield conn
        finally:
            CURRENT_TENANT.reset(token)

    async def one(self, tenant_id: UUID, read: Callable[..., Awaitable[R | None]], *args: Any, missing: str) -> R:
        """What the repository function `read(tx, *args)` finds in the tenant's data, or
        NotFound saying `missing`: the one shape of every "get one thing" use case."""
        async with self.tenant_tx(tenant_id) as tx:
            row = await read(tx, *args)
        if row is None:
            raise NotFound(missing)
        return row

    async def all(self, tenant_id: UUID, read: Callable[..., Awaitable[list[R]]], *args: Any) -> list[R]:
        """What the repository function `read(tx, *args)` lists of the tenant's data."""
        async with self.tenant_tx(tenant_id) as tx:
            return await read(tx, *args)

    @asynccontextmanager
    async def system_tx(self) -> AsyncIterator[asyncpg.Connection]:
        """A transaction with no tenant: tenant-scoped tables read as empty and refuse writes.

        For tables that are not tenant data (outbox, inbox, the tenant registry itself).
        """
        async with self.pool.acquire() as conn, conn.transaction():
            yield conn

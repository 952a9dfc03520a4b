"""The connection pool and the tenant transaction.

Row-level security keys every tenant-scoped table on the per-transaction setting
`app.tenant_id`. It is set with `SET LOCAL` so it dies with the transaction: a
session-level SET would ride a pooled connection into the next tenant's request.
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from contextlib import asynccontextmanager
from typing import Any, TypeVar
from uuid import UUID

import asyncpg
import msgspec

from shared.errors import NotFound
from shared.telemetry import CURRENT_TENANT, sql_span

TENANT_SETTING = "app.tenant_id"
# The largest value of an `integer` (int4) column: every integer of a request that is stored in
# one (a revision, a count, an amount) is bounded by it in its Struct (`le=INT4_MAX`), so a
# larger one is a 422 naming the field, not the driver's "out of int32 range".
INT4_MAX = 2**31 - 1

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
    relay unlistens itself. So skip it. (A transaction left open, say by a ROLLBACK that
    failed, is still rolled back: asyncpg does that before calling this.)"""


class TransactionAborted(RuntimeError):
    """COMMIT found the transaction already failed (an error was caught inside the block
    without a savepoint), so PostgreSQL rolled it back: nothing of it was written."""


def _tenant_text(tenant_id: UUID) -> str:
    """The tenant as it is inlined into SQL: the simple protocol, which lets BEGIN and the
    setting share a round trip, takes no parameters. Only a real UUID is taken, and its text
    is rebuilt from its number (a subclass could say anything in __str__): hex and dashes."""
    if not isinstance(tenant_id, UUID):
        raise TypeError(f"a tenant transaction needs a tenant UUID, got {tenant_id!r}")
    return str(UUID(int=tenant_id.int))


def _set_tenant_statement(tenant: str) -> str:
    """SET LOCAL rather than `SELECT set_config(..., true)`: a utility statement is neither
    planned nor answered with a row, which made a one-insert transaction ~13% faster."""
    return f"SET LOCAL {TENANT_SETTING} = '{tenant}'"


async def switch_tenant(tx: asyncpg.Connection, tenant_id: UUID) -> None:
    """From here on, the tenant transaction `tx` sees and writes only `tenant_id`'s rows:
    one transaction, and one commit, for several tenants' work in turn (an event consumer's
    batch). What it did for the previous tenant stays in the transaction."""
    tenant = _tenant_text(tenant_id)
    await tx.execute(_set_tenant_statement(tenant))
    CURRENT_TENANT.set(tenant)  # tenant_tx puts back what was there before it began


@asynccontextmanager
async def savepoint(tx: asyncpg.Connection) -> AsyncIterator[None]:
    """A block inside a transaction whose failure undoes only its own writes (asyncpg's
    `tx.transaction()` refuses to nest in a tenant transaction, which is begun by hand)."""
    await tx.execute("SAVEPOINT nested")
    try:
        yield
    except BaseException:
        # Should this fail, the transaction stays failed and cannot commit (TransactionAborted).
        with contextlib.suppress(Exception):
            await tx.execute("ROLLBACK TO SAVEPOINT nested; RELEASE SAVEPOINT nested")
        raise
    await tx.execute("RELEASE SAVEPOINT nested")


@contextlib.contextmanager
def _dropped_when_out_of_step(conn: asyncpg.Connection) -> Iterator[None]:
    """A session the server ends in the middle of a statement can leave asyncpg's protocol
    out of step (InternalClientError, MagicStack/asyncpg#1069) without the connection counting
    as closed, so the pool would hand it to the next request: close it here instead."""
    try:
        yield
    except asyncpg.InternalClientError:
        conn.terminate()
        raise


R = TypeVar("R")


class Database:
    """A pool whose only doors are a tenant transaction, a system transaction and a bare
    session (the outbox relay's LISTEN, the readiness ping)."""

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
        """A transaction that sees and writes only `tenant_id`'s rows (or, after
        `switch_tenant`, another tenant's)."""
        tenant = _tenant_text(tenant_id)
        token = CURRENT_TENANT.set(tenant)
        try:
            async with self.pool.acquire() as conn:
                with _dropped_when_out_of_step(conn):
                    # By hand rather than asyncpg's transaction(): that is a round trip for BEGIN
                    # and another for the setting, and every request and event pays them.
                    await conn.execute(f"BEGIN; {_set_tenant_statement(tenant)}")
                    try:
                        yield conn
                    except BaseException:
                        with contextlib.suppress(Exception):  # the pool's reset rolls back if this fails
                            await conn.execute("ROLLBACK")
                        raise
                    if await conn.execute("COMMIT") != "COMMIT":
                        raise TransactionAborted("the transaction had failed, so its COMMIT rolled it back")
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

    async def ping(self) -> None:
        """One round trip, for readiness: through a door, so a broken connection is closed."""
        async with self.session() as conn:
            await conn.fetchval("SELECT 1")

    @asynccontextmanager
    async def session(self) -> AsyncIterator[asyncpg.Connection]:
        """A pooled connection outside any transaction: the outbox relay's LISTEN."""
        async with self.pool.acquire() as conn:
            with _dropped_when_out_of_step(conn):
                yield conn

    @asynccontextmanager
    async def system_tx(self) -> AsyncIterator[asyncpg.Connection]:
        """A transaction with no tenant: tenant-scoped tables read as empty and refuse writes.

        For tables that are not tenant data (outbox, inbox, the tenant registry itself).
        """
        async with self.pool.acquire() as conn:
            with _dropped_when_out_of_step(conn):
                async with conn.transaction():
                    yield conn

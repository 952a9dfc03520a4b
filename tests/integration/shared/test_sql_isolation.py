"""Row-level security, tried directly in SQL: for every tenant table in the catalogue and
every role that may touch it, a transaction that declares tenant B cannot read, change,
delete or forge a row of tenant A. Rows are built from the catalogue too (NOT NULL columns
by type, CHECK lists, parents for foreign keys), so a table added tomorrow is tried at once."""

from __future__ import annotations

import re
import secrets
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import asyncpg

from shared.dev.stack import Stack
from shared.migrate import SERVICES_WITH_SCHEMA
from tests.integration.shared.test_catalogue import SERVICE_ROLES, TENANT_TABLES

REQUIRED_COLUMNS = """
SELECT a.attname AS name, format_type(a.atttypid, a.atttypmod) AS type, a.atttypmod AS typmod,
       t.typcategory::text AS category
FROM pg_attribute a JOIN pg_type t ON t.oid = a.atttypid
WHERE a.attrelid = $1::regclass AND a.attnum > 0 AND NOT a.attisdropped AND a.attnotnull
  AND NOT a.atthasdef AND a.attidentity = '' AND a.attgenerated = ''
ORDER BY a.attnum
"""
CHECKS = "SELECT pg_get_constraintdef(oid) FROM pg_constraint WHERE conrelid = $1::regclass AND contype = 'c'"
FOREIGN_KEYS = """
SELECT con.confrelid::regclass::text AS parent,
       array(SELECT a.attname FROM unnest(con.conkey) WITH ORDINALITY k(n, i)
             JOIN pg_attribute a ON a.attrelid = con.conrelid AND a.attnum = k.n ORDER BY k.i) AS columns,
       array(SELECT a.attname FROM unnest(con.confkey) WITH ORDINALITY k(n, i)
             JOIN pg_attribute a ON a.attrelid = con.confrelid AND a.attnum = k.n ORDER BY k.i) AS parent_columns
FROM pg_constraint con WHERE con.conrelid = $1::regclass AND con.contype = 'f'
"""
# A role reads across tenants only through a policy written for it (the sweepers' narrow ones).
OWN_READ_POLICY = """
SELECT EXISTS (SELECT 1 FROM pg_policy p WHERE p.polrelid = $1::regclass AND p.polcmd IN ('r', '*')
               AND (SELECT oid FROM pg_roles WHERE rolname = $2) = ANY (p.polroles))
"""
UPDATABLE_COLUMN = """
SELECT a.attname FROM pg_attribute a
WHERE a.attrelid = $1::regclass AND a.attnum > 0 AND NOT a.attisdropped AND a.attgenerated = ''
  AND a.attidentity = '' AND has_column_privilege($2, $1::regclass, a.attnum, 'UPDATE')
ORDER BY a.attnum LIMIT 1
"""
# Columns whose CHECK is a pattern rather than a list.
BY_NAME = {"currency": "eur"}
ANY_OF = re.compile(r"\(?\(?(\w+)\)?(?:::\w+)? = ANY \(+ARRAY\[([^\]]*)\]")


def text_of(column: asyncpg.Record, tenant: uuid.UUID, choices: dict[str, str]) -> str:
    """A value for a NOT NULL column, as text for `$n::text::<type>`."""
    name, kind = column["name"], column["type"]
    if name == "tenant_id":
        return str(tenant)
    if name in choices:
        return choices[name]
    if name in BY_NAME:
        return BY_NAME[name]
    if kind.endswith("[]"):
        return "{}"
    if kind == "uuid":
        return str(uuid.uuid4())
    if kind.startswith("vector"):
        return "[" + ",".join(["0.1"] * max(column["typmod"], 1)) + "]"
    if kind == "bytea":
        return "\\x" + secrets.token_hex(16)
    if kind in ("jsonb", "json"):
        return "{}"
    if kind == "boolean":
        return "false"
    if column["category"] == "N":
        return "1"
    if column["category"] == "D":
        return (datetime.now(UTC) + timedelta(hours=1)).isoformat()
    return "m" + uuid.uuid4().hex[:12]  # passes the slug and DNS-label checks


class RowMaker:
    """Rows of tenant A, made as the administrator, parents first; `made` lists them in order."""

    def __init__(self, admin: asyncpg.Connection, tenant: uuid.UUID) -> None:
        self.admin = admin
        self.tenant = tenant
        self.made: list[tuple[str, dict[str, str]]] = []

    async def values(self, table: str, given: dict[str, str] | None = None) -> dict[str, str]:
        checks = [row[0] for row in await self.admin.fetch(CHECKS, table)]
        choices = {m.group(1): re.findall(r"'([^']*)'", m.group(2))[0] for d in checks for m in ANY_OF.finditer(d)}
        columns = await self.admin.fetch(REQUIRED_COLUMNS, table)
        values = {c["name"]: text_of(c, self.tenant, choices) for c in columns}
        return {**values, **(given or {})}

    async def make(self, table: str, given: dict[str, str] | None = None) -> dict[str, str]:
        for done, values in self.made:
            if done == table and all(values.get(k) == v for k, v in (given or {}).items()):
                return values
        values = await self.values(table, given)
        for key in await self.admin.fetch(FOREIGN_KEYS, table):
            if key["parent"] == table or not all(c in values for c in key["columns"]):
                continue  # nullable or self-referencing keys stay empty
            parent_given = dict(zip(key["parent_columns"], (values[c] for c in key["columns"]), strict=True))
            parent = await self.make(key["parent"], parent_given)
            values.update({c: parent[p] for c, p in zip(key["columns"], key["parent_columns"], strict=True)})
        types = {row["name"]: row["type"] for row in await self.admin.fetch(
            "SELECT attname AS name, format_type(atttypid, atttypmod) AS type FROM pg_attribute "
            "WHERE attrelid = $1::regclass AND attnum > 0", table)}
        names = list(values)
        async with self.admin.transaction():
            # As tenant A, so triggers that keep totals (the ledger's) find A's rows.
            await self.admin.execute("SELECT set_config('app.tenant_id', $1, true)", str(self.tenant))
            await self.admin.execute(insert_sql(table, names, types), *(values[n] for n in names))
        self.made.append((table, values))
        return values

    async def clean(self) -> None:
        async with self.admin.transaction():
            await self.admin.execute("SET LOCAL session_replication_role = replica")  # append-only ledgers too
            for table, values in reversed(self.made):
                names = [n for n in values if n == "tenant_id"] or list(values)
                where = " AND ".join(f"{n}::text = ${i}" for i, n in enumerate(names, 1))
                await self.admin.execute(f"DELETE FROM {table} WHERE {where}", *(values[n] for n in names))


def insert_sql(table: str, names: list[str], types: dict[str, str]) -> str:
    columns = ", ".join(names)
    params = ", ".join(f"${i}::text::{types[n]}" for i, n in enumerate(names, 1))
    return f"INSERT INTO {table} ({columns}) VALUES ({params})"


GRANTED = """
SELECT has_table_privilege($1, $2::regclass, 'SELECT, INSERT, UPDATE, DELETE')
       OR has_any_column_privilege($1, $2::regclass, 'SELECT, INSERT, UPDATE')
"""


async def roles_on(admin: asyncpg.Connection, table: str) -> list[str]:
    found = []
    for role in SERVICE_ROLES:
        if await admin.fetchval(GRANTED, role, table):
            found.append(role)
    return found


async def as_role(stack: Stack, role: str) -> asyncpg.Connection:
    """A connection as the service role; a sweeper is reached as its service switches to it."""
    service = role.split("_")[0]
    assert service in SERVICES_WITH_SCHEMA
    return await asyncpg.connect(stack.database_url(service))


async def denied_or_count(conn: asyncpg.Connection, sql: str, *args: Any) -> str:
    """The statement's outcome in a savepoint: 'denied' for a privilege error, else its status."""
    try:
        async with conn.transaction():
            status = await conn.execute(sql, *args)
    except asyncpg.InsufficientPrivilegeError:
        return "denied"
    return status.split()[-1]


async def test_no_role_with_tenant_b_reaches_a_row_of_tenant_a(admin: asyncpg.Connection, stack: Stack) -> None:
    tables = [row["name"] for row in await admin.fetch(TENANT_TABLES)]
    assert {"cms.pages", "billing.credit_transactions", "assets.assets", "identity.memberships"} <= set(tables)
    tenant_a, tenant_b = uuid.uuid4(), uuid.uuid4()
    maker = RowMaker(admin, tenant_a)
    connections: dict[str, asyncpg.Connection] = {}
    failures: list[str] = []
    checked: set[tuple[str, str]] = set()
    try:
        for table in tables:
            await maker.make(table)
            types = {row["name"]: row["type"] for row in await admin.fetch(
                "SELECT attname AS name, format_type(atttypid, atttypmod) AS type FROM pg_attribute "
                "WHERE attrelid = $1::regclass AND attnum > 0", table)}
            for role in await roles_on(admin, table):
                service_role = role.split("_")[0] + "_svc"
                if service_role not in connections:
                    connections[service_role] = await as_role(stack, service_role)
                conn = connections[service_role]
                reads_by_design = await admin.fetchval(OWN_READ_POLICY, table, role)
                column = await admin.fetchval(UPDATABLE_COLUMN, table, role)
                forged = await maker.values(table)  # fresh keys, tenant A
                async with conn.transaction():
                    if role != service_role:
                        await conn.execute(f"SET LOCAL ROLE {role}")
                    await conn.execute("SELECT set_config('app.tenant_id', $1, true)", str(tenant_b))
                    seen = "denied"
                    try:
                        async with conn.transaction():
                            seen = await conn.fetchval(f"SELECT count(*) FROM {table} WHERE tenant_id = $1",
                                                       tenant_a)
                    except asyncpg.InsufficientPrivilegeError:
                        pass
                    if seen not in ("denied", 0) and not reads_by_design:
                        failures.append(f"{role} as B sees {seen} row(s) of A in {table}")
                    set_clause = f"{column} = {column}" if column else "tenant_id = tenant_id"
                    updated = await denied_or_count(conn, f"UPDATE {table} SET {set_clause} WHERE tenant_id = $1",
                                                    tenant_a)
                    deleted = await denied_or_count(conn, f"DELETE FROM {table} WHERE tenant_id = $1", tenant_a)
                    for verb, outcome in (("updates", updated), ("deletes", deleted)):
                        if outcome not in ("denied", "0"):
                            failures.append(f"{role} as B {verb} {outcome} row(s) of A in {table}")
                    names = list(forged)
                    try:
                        async with conn.transaction():
                            await conn.execute(insert_sql(table, names, types), *(forged[n] for n in names))
                        failures.append(f"{role} as B inserted a row of A into {table}")
                    except asyncpg.InsufficientPrivilegeError:
                        pass  # no INSERT right, or the policy's WITH CHECK: both refuse
                    except asyncpg.PostgresError as exc:
                        failures.append(f"{role} as B inserting into {table}: {type(exc).__name__} {exc}, "
                                        "not a refusal by row-level security")
                checked.add((table, role))
        # Nothing the roles tried changed A's rows.
        for table, values in maker.made:
            if "tenant_id" in values:
                assert await admin.fetchval(f"SELECT count(*) FROM {table} WHERE tenant_id = $1", tenant_a) >= 1
    finally:
        for conn in connections.values():
            await conn.close()
        await maker.clean()
    assert failures == [], "\n".join(failures)
    assert {table for table, _ in checked} == set(tables)  # every tenant table, with at least one role
    assert len(checked) >= len(tables)

"""Migration 0007 rewrote stored e-mail addresses in their one form with identity.normal_email,
the SQL twin of domain.normal_email: the two must agree, or a rewritten account would not be
found by the addresses that name it. Run on a database of its own, as the migrations' owner."""

from __future__ import annotations

import sys
import unicodedata
import uuid
from collections.abc import AsyncIterator

import asyncpg
import pytest

from services.identity.domain import normal_email
from shared.db import Database
from shared.dev.stack import Stack
from shared.migrate import MIGRATIONS_DIR, OWNER_ROLE, MigrateSettings, drop_database, migrate, with_credentials
from tests.conftest import ROLE_PASSWORD

MIGRATION = MIGRATIONS_DIR / "identity" / "0007_normal_emails.sql"
UP, DOWN = (part.removeprefix("-- migrate:up") for part in MIGRATION.read_text().split("-- migrate:down"))
# What changed between this Python's Unicode (14.0) and PostgreSQL 18's (16.0) and shows: U+1171E
# became a spacing mark, so a capital sigma after it ends a word to one and not the other.
PROPERTIES_CHANGED = {"\U0001171e"}


def code_points_python_knows() -> list[str]:
    """Every assigned code point of this Python's Unicode (PostgreSQL's may know newer ones)."""
    return [chr(c) for c in range(1, sys.maxunicode + 1)
            if not 0xD800 <= c <= 0xDFFF and unicodedata.category(chr(c)) != "Cn"]


async def test_the_sql_twin_agrees_with_python_on_every_code_point(identity_db: Database) -> None:
    texts = [t for c in code_points_python_knows() for t in (c, f"A{c}\u03a3@X.example", f" \t{c}\u3000")]
    differ = []
    async with identity_db.system_tx() as tx:
        for start in range(0, len(texts), 100_000):
            rows = await tx.fetch("SELECT t, identity.normal_email(t) AS n FROM unnest($1::text[]) AS t",
                                  texts[start:start + 100_000])
            differ += [row["t"] for row in rows if row["n"] != normal_email(row["t"])]
    assert [ascii(text) for text in differ if not PROPERTIES_CHANGED & set(text)] == []
    assert len(differ) <= 1


@pytest.fixture(scope="module")
async def owner(stack: Stack) -> AsyncIterator[asyncpg.Connection]:
    """A fresh database, every migration applied, and the migrations' owner connected to it."""
    name = f"emails_{uuid.uuid4().hex[:8]}"
    await migrate(MigrateSettings(database_url=stack.admin_url, database_name=name, db_role_password=ROLE_PASSWORD))
    conn = await asyncpg.connect(with_credentials(stack.admin_url, user=OWNER_ROLE, password=ROLE_PASSWORD,
                                                  database=name))
    try:
        yield conn
    finally:
        await conn.close()
        await drop_database(stack.admin_url, name)


async def migrate_again(conn: asyncpg.Connection, before: list[str], tenant_id: uuid.UUID) -> None:
    """Step back before 0007, store `before` as accounts, sign-ups and invitations were stored
    then (as typed, trimmed), and apply 0007 again in one transaction, as dbmate does."""
    async with conn.transaction():
        await conn.execute(DOWN)
        await conn.execute("SELECT set_config('app.tenant_id', $1, true)", str(tenant_id))
        await conn.execute("INSERT INTO identity.tenants (id, slug, name) VALUES ($1, $2, 'x')", tenant_id,
                           f"m-{tenant_id.hex[:12]}")
        for email in before:
            await conn.execute("INSERT INTO identity.accounts (id, email, password_hash) VALUES ($1, $2, 'h')",
                               uuid.uuid4(), email)
            await conn.execute("INSERT INTO identity.signups (token_hash, email, slug, name, password_hash, "
                               "expires_at) VALUES ($1, $2, 's', 'n', 'h', now())", uuid.uuid4().bytes, email)
            await conn.execute("INSERT INTO identity.invitations (tenant_id, id, email, role, token_hash, invited_by, "
                               "expires_at) VALUES ($1, $2, $3, 'EDITOR', $4, $2, now())", tenant_id, uuid.uuid4(),
                               email, uuid.uuid4().bytes)
    async with conn.transaction():
        await conn.execute(UP)


async def stored(conn: asyncpg.Connection, tenant_id: uuid.UUID, domain: str) -> dict[str, list[str]]:
    async with conn.transaction():
        await conn.execute("SELECT set_config('app.tenant_id', $1, true)", str(tenant_id))
        return {table: sorted(row[0] for row in await conn.fetch(
                    f"SELECT email FROM identity.{table} WHERE email LIKE $1", f"%@{domain}"))
                for table in ("accounts", "signups", "invitations")}


async def test_stored_addresses_are_rewritten_in_their_normal_form(owner: asyncpg.Connection) -> None:
    domain = f"m{uuid.uuid4().hex[:8]}.example"
    # (V\u0130EW@ could not be stored beside View@: the old index's lower() made them one.)
    before = [f"View@{domain.upper()}", f"\u212aate@{domain}", "\uff45\uff44" + f"@{domain}", f"K\u0130OSK@{domain}",
              f"STRA\u00dfE@{domain}", f"plain@{domain}"]
    tenant_id = uuid.uuid4()
    await migrate_again(owner, before, tenant_id)
    after = sorted(normal_email(email) for email in before)
    assert after == sorted([f"view@{domain}", f"kate@{domain}", f"ed@{domain}", f"ki\u0307osk@{domain}",
                            f"stra\u00dfe@{domain}", f"plain@{domain}"])
    assert await stored(owner, tenant_id, domain) == {"accounts": after, "signups": after, "invitations": after}
    # The index is the normal form itself: another row of one address is refused.
    with pytest.raises(asyncpg.UniqueViolationError):
        await owner.execute("INSERT INTO identity.accounts (id, email, password_hash) VALUES ($1, $2, 'h')",
                            uuid.uuid4(), f"kate@{domain}")


async def test_accounts_that_become_one_address_stop_the_migration_unchanged(owner: asyncpg.Connection) -> None:
    domain = f"m{uuid.uuid4().hex[:8]}.example"
    before = [f"view@{domain}", "\uff56\uff49\uff45\uff57" + f"@{domain}", f"Other@{domain}"]  # two are one address
    tenant_id = uuid.uuid4()
    with pytest.raises(asyncpg.RaiseError, match="one address once normalised") as stopped:
        await migrate_again(owner, before, tenant_id)
    assert f"view@{domain}" in str(stopped.value)
    assert (await stored(owner, tenant_id, domain))["accounts"] == sorted(before)  # nothing half-written
    # The allowed twin: once an operator merged them, the migration goes through.
    await owner.execute("DELETE FROM identity.accounts WHERE email = $1", before[1])
    await owner.execute("DELETE FROM identity.signups WHERE email LIKE $1", f"%@{domain}")
    async with owner.transaction():
        await owner.execute(UP)
    assert (await stored(owner, tenant_id, domain))["accounts"] == [f"other@{domain}", f"view@{domain}"]

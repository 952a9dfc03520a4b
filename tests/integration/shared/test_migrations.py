"""Migrations apply to an empty database and are a no-op the second time."""

import uuid
from urllib.parse import urlsplit

import asyncpg

from shared.dev.stack import Stack
from shared.migrate import MIGRATIONS_DIR, MigrateSettings, drop_database, migrate, with_credentials
from tests.conftest import ROLE_PASSWORD


async def test_migrations_apply_from_empty_and_are_idempotent(stack: Stack) -> None:
    name = f"migrate_check_{uuid.uuid4().hex[:8]}"
    config = MigrateSettings(database_url=stack.admin_url, database_name=name, db_role_password=ROLE_PASSWORD)
    admin_user = urlsplit(stack.admin_url).username or "postgres"
    try:
        first = await migrate(config)
        files = sorted(path.name for path in MIGRATIONS_DIR.glob("*/*.sql"))
        assert sorted(line.removeprefix("Applying: ") for line in first) == files
        assert await migrate(config) == []
        conn = await asyncpg.connect(with_credentials(stack.admin_url, user=admin_user, database=name))
        try:
            versions = {schema: await conn.fetchval(f"SELECT count(*) FROM {schema}.schema_migrations")
                        for schema in ("identity", "cms", "assets", "billing")}
        finally:
            await conn.close()
        assert all(count >= 1 for count in versions.values()), versions
    finally:
        await drop_database(stack.admin_url, name)

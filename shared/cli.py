"""What every operator command has in common (`python -m services.admin`): settings from
the environment, one clear line and an exit code for what goes wrong, progress on stderr,
and the service's own database role for a command doing that service's work.

Settings come from the environment like every process's. DATABASE_URL is an
administrator's URL, as for `shared.migrate` (DATABASE_NAME, DB_ROLE_PASSWORD beside it);
a service's command connects as that service's role (`<service>_svc`, derived as the dev
stack does: `shared.migrate.role_url`), so row-level security, search paths and outbox
writes are exactly the service's. Exit codes: 0 done, 1 failed or refused (or `check` found violations), 2 bad
usage or configuration.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Coroutine, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, NoReturn, Protocol, TypeVar
from urllib.parse import urlsplit

import asyncpg
import msgspec
import nats
import typer
from nats.aio.client import Client as NATS
from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

from shared import settings as settings_loader
from shared.errors import AppError

if TYPE_CHECKING:
    from shared.migrate import MigrateSettings

T = TypeVar("T")
S = TypeVar("S", bound=msgspec.Struct)


def group(summary: str) -> typer.Typer:
    """A command group: plain help (no rich markup), so paragraphs reflow to the terminal
    and <…> or * stay as written."""
    return typer.Typer(no_args_is_help=True, add_completion=False, rich_markup_mode=None, help=summary)


class NatsSettings(msgspec.Struct, frozen=True, kw_only=True):
    nats_url: str = "nats://127.0.0.1:4222"


def stderr() -> Console:
    # Made per use: a test runner swaps sys.stderr, and a Console keeps the file it was given.
    # soft_wrap: a long line stays one line, for grep; the terminal wraps it for the eye.
    return Console(stderr=True, highlight=False, soft_wrap=True)


def fail(message: str, code: int = 1) -> NoReturn:
    stderr().print(f"[bold red]error:[/] {escape(message)}")
    raise typer.Exit(code)


def load(cls: type[S], environ: dict[str, str] | None = None) -> S:
    try:
        return settings_loader.load(cls, environ)
    except settings_loader.ConfigError as exc:
        fail(str(exc), code=2)


def run(work: Coroutine[Any, Any, T]) -> T:
    """Run one command's coroutine; what can go wrong outside it becomes one clear line."""
    try:
        return asyncio.run(work)
    except AppError as exc:
        verdict = "refused" if exc.status < 500 else "failed"  # the request's fault, or the world's
        fail(f"{verdict}: {exc}" + "".join(f" ({k}: {v})" for k, v in (exc.extensions or {}).items()))
    except asyncpg.UndefinedTableError as exc:
        fail(f"the database is not migrated ({exc}); run `migrate` first")
    except asyncpg.InvalidPasswordError as exc:
        fail(f"PostgreSQL refused the credentials: {exc} (DATABASE_URL, DB_ROLE_PASSWORD)")
    except (asyncpg.PostgresError, asyncpg.InterfaceError, asyncpg.InternalClientError) as exc:
        fail(f"PostgreSQL: {type(exc).__name__}: {exc}")
    except (nats.errors.Error, nats.js.errors.Error) as exc:
        fail(f"NATS: {type(exc).__name__}: {exc or 'no answer'}")
    except OSError as exc:  # refused connections, unknown hosts
        fail(f"cannot connect: {exc}")


@contextmanager
def spinner(what: str) -> Iterator[None]:
    with Progress(SpinnerColumn(), TextColumn("{task.description}"), TimeElapsedColumn(), console=stderr(),
                  transient=True) as progress:
        progress.add_task(what, total=None)
        yield


def bar() -> Progress:
    return Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                    console=stderr())


async def connect_nats(url: str) -> NATS:
    """Unlike a service, a command gives up soon when NATS is not there (two tries)."""
    errors: list[Exception] = []

    async def remember(exc: Exception) -> None:  # instead of nats-py logging each try's traceback
        errors.append(exc)

    try:
        return await nats.connect(url, name="admin-cli", connect_timeout=3, max_reconnect_attempts=1,
                                  reconnect_time_wait=0.2, allow_reconnect=False, error_cb=remember)
    except nats.errors.NoServersError:
        parts = urlsplit(url)
        fail(f"cannot reach NATS at {parts.hostname}:{parts.port or 4222} (NATS_URL): "
             f"{errors[-1] if errors else 'no answer'}")


# the tenant registry, for commands of services that do not own it ----------------------


@dataclass(frozen=True)
class LiveTenant:
    id: uuid.UUID
    slug: str
    age: float  # seconds since it was created


class TenantRegistry(Protocol):
    """Identity's answer to "which tenants are live", for the other services' commands
    (`admin` hands it to them as the command line's context object; they never read
    identity's tables themselves)."""

    async def find(self, config: MigrateSettings, tenant_id: uuid.UUID) -> LiveTenant | None: ...

    async def census(self, config: MigrateSettings) -> list[LiveTenant]: ...


def tenant_registry(ctx: typer.Context) -> TenantRegistry:
    registry: TenantRegistry | None = ctx.find_root().obj
    if registry is None:
        raise RuntimeError("run this command through `python -m services.admin`, which knows the tenant registry")
    return registry

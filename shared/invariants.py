"""The platform's invariants check (`python -m services.admin check`): each service names
its own invariants (its `commands.py` lists them, reading only its own schema), the kernel
adds one every service shares (its outbox is drained) and runs them all in one pass.

It reads every tenant's rows, so it connects as the administrator, who must be a
superuser or hold BYPASSRLS: as a role that row-level security binds, every query would
come back empty and the check would pass on nothing.
"""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Annotated

import asyncpg
import msgspec
import typer

from shared.cli import LiveTenant, bar, fail, load, run, tenant_registry
from shared.migrate import MigrateSettings, admin_url

CAN_READ_ALL = "SELECT rolsuper OR rolbypassrls FROM pg_roles WHERE rolname = current_user"
# Schema names come from the services' own code, never from input.
STUCK_OUTBOX = """
SELECT event_id, subject, payload, extract(epoch FROM now() - created_at)::int AS age
FROM {schema}.outbox WHERE created_at < now() - make_interval(secs => $1) ORDER BY id LIMIT 1000
"""
STUCK_OUTBOX_LIMIT = 1000


class Violation(msgspec.Struct, frozen=True):
    check: str
    tenant_id: str | None
    detail: str


@dataclass(frozen=True)
class Scope:
    """What one run of the check looks at."""

    tenant: uuid.UUID | None  # one tenant, or all
    max_lag: float  # seconds an event may wait (an outbox row, a wallet for a new tenant)
    hold_grace: float  # seconds past expiry before an open credit hold counts (billing's sweeper)
    tenants: list[LiveTenant]  # identity's census: every live tenant

    def covers(self, tenant_id: uuid.UUID | str | None) -> bool:
        return self.tenant is None or str(tenant_id) == str(self.tenant)


@dataclass(frozen=True)
class Invariant:
    name: str  # what the progress bar and the summary call it
    check: Callable[[asyncpg.Connection, Scope], Awaitable[list[Violation]]]


def outbox_drained(schema: str) -> Invariant:
    """No row of `schema`'s outbox waits longer than the lag: its relay runs and NATS takes them."""

    async def check(conn: asyncpg.Connection, scope: Scope) -> list[Violation]:
        rows = await conn.fetch(STUCK_OUTBOX.format(schema=schema), scope.max_lag)
        return stuck_outbox(schema, rows, scope)

    return Invariant(f"{schema} outbox", check)


def stuck_outbox(schema: str, rows: list[asyncpg.Record], scope: Scope) -> list[Violation]:
    """One violation per tenant with rows older than the lag, naming the oldest."""
    by_tenant: dict[str | None, list[asyncpg.Record]] = {}
    for row in rows:
        try:
            owner = msgspec.json.decode(row["payload"]).get("tenant_id")
        except (msgspec.DecodeError, AttributeError):
            owner = None
        owner = str(owner) if owner is not None else None
        if scope.covers(owner):
            by_tenant.setdefault(owner, []).append(row)
    more = "+" if len(rows) == STUCK_OUTBOX_LIMIT else ""  # the query stops there
    return [Violation("outbox", owner, f"{len(stuck)}{more} unpublished {schema} events, the oldest "
                                       f"{stuck[0]['age']} s old ({stuck[0]['subject']}, {stuck[0]['event_id']}); "
                                       f"is {schema}'s relay running and NATS reachable?")
            for owner, stuck in by_tenant.items()]


async def check_all(config: MigrateSettings, invariants: Sequence[Invariant], scope: Scope,
                    advance: Callable[[], None]) -> list[Violation]:
    conn = await asyncpg.connect(admin_url(config))
    try:
        if not await conn.fetchval(CAN_READ_ALL):
            fail("check reads every tenant's rows: DATABASE_URL must name a superuser or a role with BYPASSRLS "
                 "(row-level security would hide the rows and the check would pass on nothing)", code=2)
        found: list[Violation] = []
        for invariant in invariants:
            found.extend(await invariant.check(conn, scope))
            advance()
        return found
    finally:
        await conn.close()


def command(invariants: Sequence[Invariant]) -> Callable[..., None]:
    """The `check` command over these invariants."""

    def check(
        ctx: typer.Context,
        max_lag: Annotated[float, typer.Option(min=0, help="seconds an outbox row may wait, and a new tenant may "
                                                           "lack its wallet, before it counts as stuck")] = 60.0,
        hold_grace: Annotated[float, typer.Option(min=0, help="seconds past expiry before an open hold counts "
                                                              "(billing's sweeper runs every "
                                                              "HOLD_SWEEP_INTERVAL)")] = 60.0,
        tenant: Annotated[uuid.UUID | None, typer.Option(help="check one tenant only")] = None,
        as_json: Annotated[bool, typer.Option("--json", help="print the violations as JSON")] = False,
    ) -> None:
        """Check the platform's invariants across all tenants; exit 1 naming the tenants if any fail.

        Each service checks its own: billing that every wallet's balance equals its ledger
        sum, its held credits equal its open holds, no hold is left open past its expiry and
        every live tenant has a wallet; every service that its outbox is drained. Reads every
        tenant's rows, so DATABASE_URL must be a superuser or a role with BYPASSRLS
        (platform_owner obeys the forced row-level security)."""
        config = load(MigrateSettings)
        registry = tenant_registry(ctx)

        async def work() -> tuple[list[Violation], int]:
            with bar() as progress:
                task = progress.add_task("checking", total=len(invariants) + 1)
                census = await registry.census(config)
                progress.advance(task)
                scope = Scope(tenant=tenant, max_lag=max_lag, hold_grace=hold_grace, tenants=census)
                found = await check_all(config, invariants, scope, lambda: progress.advance(task))
            return found, len(census)

        violations, live = run(work())
        if as_json:
            typer.echo(msgspec.json.encode(violations).decode())
        else:
            for v in violations:
                typer.echo(f"{v.check:<16} {v.tenant_id or '-':<36}  {v.detail}")
        if violations:
            tenants = {v.tenant_id for v in violations if v.tenant_id}
            fail(f"{len(violations)} violations in {len(tenants)} tenants")
        if not as_json:
            typer.echo(f"all invariants hold: {live} live tenants; checked {', '.join(i.name for i in invariants)}")

    return check

"""Billing holds: reserve + capture operations per second through billing's real entry
points, beside pgbench running the same SQL functions on the same server in the same run.

Platform: the whole platform (shared.dev.stack.Stack) on free ports. One operation is the
`ReserveCredits` command over NATS request-reply (billing's command handler: a tenant
transaction calling billing.reserve), then a `PageGeneratedV1` event published to
JetStream, which billing's consumer applies (inbox, billing.settle, outbox event), timed
until the capture is in the database. Reference: pgbench with one script run = the reserve
transaction and the capture transaction, as the service issues them (BEGIN, declare the
tenant, the function, COMMIT), over TCP as billing_svc. Both run with fsync on and
synchronous commits, with the same concurrency, for one hot tenant and for 1,000 tenants.

Reserve-only and capture-only phases (beside pgbench's reserve and settle transactions
alone), CPU per operation of each process and the server's commits and WAL per operation
say where the platform's time goes.

Against DATABASE_URL / NATS_URL the platform gets a database of its own (dropped at the
end); its events go to that NATS server's streams, and its billing service joins the
durable consumers of any billing already running there, so use servers of your own.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import shutil
import uuid
import zlib
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

import asyncpg
import msgspec
from nats.aio.client import Client as NATS
from nats.js import JetStreamContext

from bench import billing_load as bl
from bench.harness import Report, Row, RunOptions, verdict
from bench.infra import drop_scratch_database, stack_ports, start_platform
from bench.stats import percentile
from services.billing.settings import Settings as BillingSettings
from shared.dev.stack import ROOT, SERVICES, Stack, StackSettings
from shared.messaging import connect_nats, ensure_streams
from shared.migrate import with_credentials

DEFAULT_ROLE_PASSWORD = "platform-dev-password"
POOL_SIZE = next(f.default for f in msgspec.structs.fields(BillingSettings) if f.name == "db_pool_max")
SPREAD_TENANTS = 1000


class Sizes(msgspec.Struct, frozen=True, kw_only=True):
    workers: int  # concurrent callers on the platform, and pgbench clients
    warmup: int
    ops: int  # platform reserve + capture operations per case
    pgbench_seconds: float
    diagnostic_ops: int  # reserve-only then capture-only, and pgbench's reserve then settle
    budget: float  # seconds for a phase's workers, and again for its captures to arrive


FULL = Sizes(workers=32, warmup=200, ops=3000, pgbench_seconds=5, diagnostic_ops=1600, budget=60)
QUICK = Sizes(workers=32, warmup=64, ops=640, pgbench_seconds=2, diagnostic_ops=320, budget=20)


@dataclass(frozen=True)
class Case:
    name: str
    numbers: range  # the tenants, as numbers pgbench formats into uuids
    share: float  # the target: platform >= share x pgbench

    @property
    def tenants(self) -> list[uuid.UUID]:
        return [bl.tenant_id(n) for n in self.numbers]


CASES = (Case("hot tenant", range(0, 1), 0.60), Case(f"{SPREAD_TENANTS:,} tenants", range(1, SPREAD_TENANTS + 1), 0.30))


@dataclass
class Phase:
    """One measured phase: a rate, and what it cost per operation."""

    ops: int
    done: int
    seconds: float
    complete: bool = True
    costs: dict[str, float] = field(default_factory=dict)
    extra: dict[str, object] = field(default_factory=dict)

    @property
    def rate(self) -> float | None:
        return self.done / self.seconds if self.done and self.seconds > 0 else None


@dataclass
class CaseResult:
    case: Case
    platform: Phase
    pgbench: Phase
    pgbench_pool: Phase  # with as many clients as billing's pool has connections
    reserve: Phase
    capture: Phase
    pg_reserve: Phase
    pg_settle: Phase
    notes: list[str] = field(default_factory=list)


@dataclass
class Bench:
    stack: Stack
    admin: bl.Admin
    nc: NATS
    js: JetStreamContext
    processes: bl.Processes
    target: bl.PgbenchTarget
    sizes: Sizes

    async def end_probe(self, before: bl.Probe, ops: int) -> dict[str, float]:
        return bl.costs(before, await bl.probe(self.admin, self.processes), ops)

    async def settle_wait(self, load: bl.Load, notes: list[str], what: str) -> Phase:
        """Wait until every capture is applied; the phase runs from the first call to then."""
        finished = await self.admin.wait_settled(load.sent_at + self.sizes.budget)
        end = finished if finished is not None else load.sent_at + self.sizes.budget
        captured = await self.admin.captured(load.tag)
        complete = finished is not None and load.finished and captured == load.ops
        if not complete:
            notes.append(f"INCOMPLETE {what}: {captured} of {load.ops} captures applied "
                         f"({len(load.errors)} errors, {load.refused} refused"
                         f"{'' if load.finished else ', workers cut short'}){_first_error(load)}")
        return Phase(ops=load.ops, done=captured, seconds=end - load.started, complete=complete,
                     extra=_load_figures(load))

    async def platform_ops(self, case: Case, tag: str, ops: int, notes: list[str]) -> Phase:
        tenants = bl.choose_tenants(case.tenants, ops, seed=zlib.crc32(tag.encode()))
        before = await bl.probe(self.admin, self.processes)
        load = await bl.reserve_and_capture(self.nc, self.js, tenants, tag=tag, workers=self.sizes.workers,
                                            budget=self.sizes.budget)
        phase = await self.settle_wait(load, notes, f"{case.name}, reserve + capture")
        phase.costs = await self.end_probe(before, ops)
        return phase

    async def platform_split(self, case: Case, tag: str, notes: list[str]) -> tuple[Phase, Phase]:
        """Reserve-only (no capture pending), then capture-only of those holds."""
        ops = self.sizes.diagnostic_ops
        tenants = bl.choose_tenants(case.tenants, ops, seed=zlib.crc32(tag.encode()))
        before = await bl.probe(self.admin, self.processes)
        load = await bl.reserve_only(self.nc, tenants, tag=tag, workers=self.sizes.workers, budget=self.sizes.budget)
        reserved = Phase(ops=ops, done=len(load.holds), seconds=load.sent_at - load.started,
                         complete=load.finished and len(load.holds) == ops, extra=_load_figures(load))
        if not reserved.complete:
            notes.append(f"INCOMPLETE {case.name}, reserve only: {len(load.holds)} of {ops} holds"
                         f"{_first_error(load)}")
        reserved.costs = await self.end_probe(before, ops)
        before = await bl.probe(self.admin, self.processes)
        captures = await bl.capture_only(self.js, load.holds, tag=tag, workers=self.sizes.workers,
                                         budget=self.sizes.budget)
        captured = await self.settle_wait(captures, notes, f"{case.name}, capture only")
        captured.costs = await self.end_probe(before, len(load.holds))
        return reserved, captured

    async def pgbench(self, case: Case, kind: str, tag: str, clients: int | None = None, **length: object) -> Phase:
        before = await bl.probe(self.admin, self.processes)
        run = await bl.run_pgbench(self.target, kind, clients=clients or self.sizes.workers, tag=tag,
                                   lo=case.numbers[0], hi=case.numbers[-1], **length)  # type: ignore[arg-type]
        phase = Phase(ops=run.transactions, done=run.transactions,
                      seconds=run.transactions / run.tps if run.tps else run.seconds,
                      complete=run.failed == 0, extra=msgspec.to_builtins(run))
        phase.costs = await self.end_probe(before, run.transactions)
        return phase

    async def measure(self, case: Case, index: int) -> CaseResult:
        notes: list[str] = []
        sizes = self.sizes
        warm_notes: list[str] = []
        await self.platform_ops(case, f"warm{index}", sizes.warmup, warm_notes)
        notes += [f"(warm-up) {note}" for note in warm_notes]
        await self.admin.reset()
        platform = await self.platform_ops(case, f"op{index}", sizes.ops, notes)
        await self.admin.reset()
        pgbench = await self.pgbench(case, "op", f"op{index}", seconds=sizes.pgbench_seconds)
        await self.admin.reset()
        pgbench_pool = await self.pgbench(case, "op", f"pool{index}", clients=POOL_SIZE, seconds=sizes.pgbench_seconds)
        await self.admin.reset()
        reserve, capture = await self.platform_split(case, f"split{index}", notes)
        await self.admin.reset()
        per_client = max(1, sizes.diagnostic_ops // sizes.workers)
        pg_reserve = await self.pgbench(case, "reserve", f"split{index}", per_client=per_client, per_statement=True)
        pg_settle = await self.pgbench(case, "settle", f"split{index}", per_client=per_client, per_statement=True)
        await self.admin.reset()
        notes += [f"INCOMPLETE {case.name}, pgbench {phase.extra['script']}: {phase.extra['failed']} failed"
                  for phase in (pgbench, pgbench_pool, pg_reserve, pg_settle) if not phase.complete]
        return CaseResult(case=case, platform=platform, pgbench=pgbench, pgbench_pool=pgbench_pool, reserve=reserve,
                          capture=capture, pg_reserve=pg_reserve, pg_settle=pg_settle, notes=notes)


def _load_figures(load: bl.Load) -> dict[str, object]:
    def ms(values: list[float], fraction: float) -> float | None:
        found = percentile(sorted(values), fraction)
        return None if found is None else found * 1000

    return {"reserve_p50_ms": ms(load.reserve_seconds, 0.5), "reserve_p99_ms": ms(load.reserve_seconds, 0.99),
            "publish_p50_ms": ms(load.publish_seconds, 0.5), "send_seconds": load.sent_at - load.started,
            "refused": load.refused, "errors": len(load.errors)}


def _first_error(load: bl.Load) -> str:
    return f"; first error: {load.errors[0][:200]}" if load.errors else ""


# the platform, up and down ------------------------------------------------------------


async def main(options: RunOptions) -> Report:
    sizes = QUICK if options.quick else FULL
    data_dir = ROOT / ".data" / f"bench-billing-{os.getpid()}"
    database = f"bench_billing_{os.getpid()}"
    stack = Stack(StackSettings(data_dir=str(data_dir), database_url=os.environ.get("DATABASE_URL", ""),
                                nats_url=os.environ.get("NATS_URL", ""), database_name=database,
                                db_role_password=os.environ.get("DB_ROLE_PASSWORD") or DEFAULT_ROLE_PASSWORD,
                                **stack_ports(len(SERVICES))))
    try:
        await start_platform(stack)
        results, settings = await measure_all(stack, data_dir, sizes)
    finally:
        await asyncio.to_thread(stack.stop)
        if stack.postgres is None and stack.admin_url:
            await drop_scratch_database(stack.admin_url, database)
        shutil.rmtree(data_dir, ignore_errors=True)
    return build_report(results, sizes, settings, servers=_servers(stack))


async def measure_all(stack: Stack, data_dir: Path, sizes: Sizes) -> tuple[list[CaseResult], dict[str, str]]:
    parts = urlsplit(stack.admin_url)
    admin_url = with_credentials(stack.admin_url, user=parts.username or "postgres", password=parts.password,
                                 database=stack.config.database_name)
    conn = await asyncpg.connect(admin_url, timeout=30, command_timeout=300)
    nc = await connect_nats(stack.nats_url, name="bench-billing")
    try:
        js = nc.jetstream()
        await ensure_streams(js)
        admin = bl.Admin(conn)
        await admin.seed(CASES[0].numbers[0], CASES[-1].numbers[-1])
        settings = {name: await conn.fetchval(f"SHOW {name}")
                    for name in ("fsync", "synchronous_commit", "wal_sync_method", "max_connections")}
        from pgserver._commands import POSTGRES_BIN_PATH

        target = bl.PgbenchTarget(binary=Path(POSTGRES_BIN_PATH) / "pgbench", host=parts.hostname or "127.0.0.1",
                                  port=parts.port or 5432, user="billing_svc", password=stack.config.db_role_password,
                                  database=stack.config.database_name, folder=data_dir)
        bench = Bench(stack=stack, admin=admin, nc=nc, js=js, processes=bl.Processes(_roots(stack)), target=target,
                      sizes=sizes)
        return [await bench.measure(case, index) for index, case in enumerate(CASES)], settings
    finally:
        with contextlib.suppress(Exception):
            await nc.drain()
        await conn.close()


def _roots(stack: Stack) -> dict[str, int | None]:
    billing = stack.processes.get("billing")
    roots: dict[str, int | None] = {"billing service": billing.pid if billing else None}
    if stack.postgres is not None:
        pid_file = stack.postgres.data_dir / "postmaster.pid"
        with contextlib.suppress(OSError, ValueError, IndexError):
            roots["postgres"] = int(pid_file.read_text().splitlines()[0])
    if stack.nats is not None and stack.nats.process is not None:
        roots["nats-server"] = stack.nats.process.pid
    return roots


def _servers(stack: Stack) -> str:
    return (f"PostgreSQL {'embedded' if stack.postgres else 'from DATABASE_URL'}, "
            f"NATS {'embedded' if stack.nats else 'from NATS_URL'}")



# the report -------------------------------------------------------------------------


def build_report(results: list[CaseResult], sizes: Sizes, settings: dict[str, str], *, servers: str) -> Report:
    rows: list[Row] = []
    notes: list[str] = []
    for result in results:
        case = result.case
        rate, raw = result.platform.rate, result.pgbench.rate
        passed = None if rate is None or not raw else rate >= case.share * raw and result.platform.complete
        rows.append(Row(metric=f"reserve + capture, {case.name}", unit="op/s", platform=rate, reference=raw,
                        target=f">= {case.share:.0%} of raw", verdict=verdict(passed)))
    for result in results:
        rows.append(Row(metric=f"  pgbench, {POOL_SIZE} clients (billing's pool), {result.case.name}", unit="op/s",
                        reference=result.pgbench_pool.rate))
    for result in results:
        rows.append(Row(metric=f"  reserve only, {result.case.name}", unit="op/s", platform=result.reserve.rate,
                        reference=result.pg_reserve.rate))
        rows.append(Row(metric=f"  capture only, {result.case.name}", unit="op/s", platform=result.capture.rate,
                        reference=result.pg_settle.rate))
    notes.append(f"{sizes.workers} concurrent callers on the platform (reserve over NATS, then js.publish of the "
                 f"outcome, awaited) and {sizes.workers} pgbench clients (-j 2, -M prepared, -n); platform "
                 f"{sizes.ops} operations per case after {sizes.warmup} to warm up, pgbench -T "
                 f"{sizes.pgbench_seconds:g}; reserve/capture only: {sizes.diagnostic_ops} each "
                 "(pgbench: -t per client, its reserve transactions, then its settle transactions of those holds)")
    notes.append("per operation: CPU of each process from /proc (PostgreSQL: the postmaster and every backend), "
                 "transaction ids handed out (transactions and savepoints that wrote), WAL bytes")
    notes.append(f"durable: fsync={settings['fsync']}, synchronous_commit={settings['synchronous_commit']}, "
                 f"wal_sync_method={settings['wal_sync_method']}; {servers}; all on the same machine "
                 f"({os.cpu_count()} CPUs), the callers included")
    notes.append("platform op/s: first reserve -> last capture applied (polled in the database); it includes NATS "
                 "request-reply, billing's command handler and pool (tenant transaction, billing.reserve), "
                 "JetStream, billing's consumer (inbox, billing.settle, outbox row; one transaction per fetched "
                 "batch) and the outbox relay; pgbench op/s: script runs (reserve tx + capture tx) per second, "
                 "without connection set-up")
    notes.append("capture only: the outcomes of held reserves published by the callers -> all applied by the "
                 "consumer; pgbench: the settle transactions alone")
    for result in results:
        notes.extend(result.notes)
        notes.append(_cost_line(result))
    details = {"sizes": msgspec.to_builtins(sizes), "server_settings": settings,
               "cases": {result.case.name: _case_details(result) for result in results}}
    return Report(title="billing holds: reserve + capture, platform vs pgbench on the same SQL",
                  platform_label="platform", reference_label="pgbench (raw SQL)", rows=rows, notes=notes,
                  details=details)


def _cost_line(result: CaseResult) -> str:
    """Per operation, platform vs pgbench: CPU milliseconds of each process, transaction ids, WAL."""
    def costs(phase: Phase) -> str:
        cpu = ", ".join(f"{name.removeprefix('cpu_ms ')} {value:.2f}" for name, value in sorted(phase.costs.items())
                        if name.startswith("cpu_ms") and value >= 0.02)
        return (f"CPU ms {{{cpu}}}, {phase.costs.get('xids', 0):.2f} xids, "
                f"{phase.costs.get('wal_bytes', 0):,.0f} WAL bytes")

    pg_reserve = sum(result.pg_reserve.extra.get("statement_ms", {}).values())  # type: ignore[attr-defined]
    return (f"{result.case.name}, per operation: platform {costs(result.platform)}; pgbench {costs(result.pgbench)}; "
            f"reserve p50 {_ms(result.platform.extra.get('reserve_p50_ms'))} over NATS (reserve only: "
            f"{_ms(result.reserve.extra.get('reserve_p50_ms'))}) vs {pg_reserve:.2f} ms for pgbench's reserve "
            f"transaction alone")


def _ms(value: object) -> str:
    return f"{value:.2f} ms" if isinstance(value, float) else "-"


def _case_details(result: CaseResult) -> dict[str, object]:
    phases = {"platform": result.platform, "pgbench": result.pgbench, "pgbench_pool_clients": result.pgbench_pool,
              "platform_reserve_only": result.reserve,
              "platform_capture_only": result.capture, "pgbench_reserve_only": result.pg_reserve,
              "pgbench_settle_only": result.pg_settle}
    return {name: {"ops": phase.ops, "done": phase.done, "seconds": phase.seconds, "rate": phase.rate,
                   "complete": phase.complete, "per_op": phase.costs, **phase.extra}
            for name, phase in phases.items()}

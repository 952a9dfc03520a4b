"""The moving parts of bench_billing: accounts staged as the administrator, load through
billing's real entry points (the reserve command over NATS, the PageGeneratedV1 event on
JetStream), pgbench running the same SQL functions, and the server's counters read
around each phase (commits, WAL, CPU per process) to say where the time went."""

from __future__ import annotations

import asyncio
import contextlib
import os
import random
import re
import resource
import time
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import asyncpg
import msgspec
from nats.aio.client import Client as NATS
from nats.js import JetStreamContext

from shared.contracts import PageGeneratedV1, ReserveCredits, encode_event
from shared.errors import Unavailable
from shared.messaging import request

LEDGER_TYPE = "AI_PAGE_GENERATION"
TENANT_PREFIX = "00000000-0000-4000-8000-"
GRANT = 10_000_000
POLL_SECONDS = 0.02


def tenant_id(number: int) -> uuid.UUID:
    """The tenant pgbench addresses as `number` (it formats the same uuid in SQL)."""
    return uuid.UUID(f"{TENANT_PREFIX}{number:012d}")


# staging as the administrator -----------------------------------------------------

SEED_ACCOUNTS = f"""
INSERT INTO billing.accounts (tenant_id)
SELECT ('{TENANT_PREFIX}' || lpad(n::text, 12, '0'))::uuid FROM generate_series($1::int, $2::int) n
ON CONFLICT (tenant_id) DO NOTHING
"""
# One transaction; each grant is applied after declaring its tenant, as RLS (forced even
# for the functions' owner) requires.
SEED_GRANTS = f"""
DO $$
DECLARE t uuid;
BEGIN
  FOR t IN SELECT tenant_id FROM billing.accounts WHERE tenant_id::text LIKE '{TENANT_PREFIX}%' LOOP
    PERFORM set_config('app.tenant_id', t::text, true);
    PERFORM billing.apply_entry(t, gen_random_uuid(), {GRANT}, 'TOP_UP', 'bench-grant', NULL, 'bench');
  END LOOP;
END
$$
"""
# Holds a phase left behind (an incomplete run) are released so the next starts clean.
RELEASE_LEFTOVERS = """
DO $$
DECLARE h record;
BEGIN
  FOR h IN SELECT tenant_id, id FROM billing.holds WHERE status = 'held' LOOP
    PERFORM set_config('app.tenant_id', h.tenant_id::text, true);
    PERFORM billing.settle(h.id, NULL, 'released');
  END LOOP;
END
$$
"""
COUNT_HELD = "SELECT count(*) FROM billing.holds WHERE status = 'held'"  # the partial index holds_expiring
COUNT_CAPTURED = """
SELECT count(*) FROM billing.credit_transactions WHERE type = $1 AND reference_id LIKE $2 || '-%'
"""


class Admin:
    """The administrator's connection (a superuser, or one that bypasses RLS)."""

    def __init__(self, conn: asyncpg.Connection) -> None:
        self.conn = conn

    async def fetchval(self, query: str, *args: object) -> object:
        return await self.conn.fetchval(query, *args)

    async def execute(self, query: str, *args: object) -> None:
        await self.conn.execute(query, *args)

    async def seed(self, first: int, last: int) -> None:
        await self.execute(SEED_ACCOUNTS, first, last)
        await self.execute(SEED_GRANTS)

    async def reset(self) -> None:
        """Between phases: no hold left open, dead rows vacuumed, a checkpoint taken, so each
        phase starts from the same state (and pays the same full-page writes)."""
        await self.execute(RELEASE_LEFTOVERS)
        await self.execute("VACUUM (ANALYZE) billing.accounts, billing.holds, billing.credit_transactions")
        with contextlib.suppress(asyncpg.PostgresError):  # not every administrator may checkpoint
            await self.execute("CHECKPOINT")

    async def held(self) -> int:
        return int(await self.fetchval(COUNT_HELD))  # type: ignore[arg-type]

    async def captured(self, prefix: str) -> int:
        return int(await self.fetchval(COUNT_CAPTURED, LEDGER_TYPE, prefix))  # type: ignore[arg-type]

    async def wait_settled(self, deadline: float) -> float | None:
        """perf_counter() when no hold is left open, or None at `deadline`."""
        while True:
            if await self.held() == 0:
                return time.perf_counter()
            if time.perf_counter() >= deadline:
                return None
            await asyncio.sleep(POLL_SECONDS)


# the platform path ------------------------------------------------------------------


@dataclass
class Load:
    """What the workers of one phase did."""

    tag: str
    ops: int
    started: float = 0.0
    sent_at: float = 0.0  # the last reserve answered (and its capture published)
    holds: list[tuple[uuid.UUID, uuid.UUID]] = field(default_factory=list)  # (tenant, hold)
    reserve_seconds: list[float] = field(default_factory=list)
    publish_seconds: list[float] = field(default_factory=list)
    refused: int = 0
    errors: list[str] = field(default_factory=list)
    finished: bool = True  # False when the phase budget cut the workers short


def choose_tenants(tenants: Sequence[uuid.UUID], ops: int, seed: int) -> list[uuid.UUID]:
    rng = random.Random(seed)
    return [tenants[0]] * ops if len(tenants) == 1 else [rng.choice(tenants) for _ in range(ops)]


async def reserve(nc: NATS, tenant: uuid.UUID, reference: str, load: Load) -> uuid.UUID | None:
    started = time.perf_counter()
    try:
        reply = await request(nc, ReserveCredits(tenant_id=tenant, amount=1, reference=reference,
                                                 ledger_type=LEDGER_TYPE), timeout=30)
    except Unavailable as exc:
        load.errors.append(f"reserve: {exc}")
        return None
    load.reserve_seconds.append(time.perf_counter() - started)
    if reply.status != "held" or reply.hold_id is None:
        load.refused += 1
        return None
    return reply.hold_id


async def publish_capture(js: JetStreamContext, tenant: uuid.UUID, hold: uuid.UUID, load: Load) -> None:
    event = PageGeneratedV1(tenant_id=tenant, page_id=uuid.uuid4(), generation_id=uuid.uuid4(), hold_id=hold,
                            model="bench", input_tokens=1, output_tokens=1, credits=1)
    started = time.perf_counter()
    try:
        await js.publish(event.subject(), encode_event(event), timeout=10)
    except Exception as exc:  # a lost ack or a timeout: that capture never arrives, the phase says so
        load.errors.append(f"publish: {type(exc).__name__}: {exc}")
        return
    load.publish_seconds.append(time.perf_counter() - started)


async def run_workers(load: Load, workers: int, budget: float, work) -> None:  # type: ignore[no-untyped-def]
    """`work(i)` for i in range(load.ops) on `workers` concurrent tasks, within `budget` seconds."""
    indexes = iter(range(load.ops))

    async def worker() -> None:
        for i in indexes:
            await work(i)

    load.started = time.perf_counter()
    tasks = [asyncio.create_task(worker()) for _ in range(workers)]
    done, pending = await asyncio.wait(tasks, timeout=budget)
    for task in pending:
        task.cancel()
    await asyncio.gather(*pending, return_exceptions=True)
    load.finished = not pending
    for task in done:
        if task.exception() is not None:
            load.errors.append(f"worker: {task.exception()!r}")
    load.sent_at = time.perf_counter()


async def reserve_and_capture(nc: NATS, js: JetStreamContext, tenants: list[uuid.UUID], *, tag: str,
                              workers: int, budget: float) -> Load:
    """Each operation: the reserve command, then the outcome event that captures the hold."""
    load = Load(tag=tag, ops=len(tenants))

    async def one(i: int) -> None:
        hold = await reserve(nc, tenants[i], f"{tag}-{i}", load)
        if hold is not None:
            load.holds.append((tenants[i], hold))
            await publish_capture(js, tenants[i], hold, load)

    await run_workers(load, workers, budget, one)
    return load


async def reserve_only(nc: NATS, tenants: list[uuid.UUID], *, tag: str, workers: int, budget: float) -> Load:
    load = Load(tag=tag, ops=len(tenants))

    async def one(i: int) -> None:
        hold = await reserve(nc, tenants[i], f"{tag}-{i}", load)
        if hold is not None:
            load.holds.append((tenants[i], hold))

    await run_workers(load, workers, budget, one)
    return load


async def capture_only(js: JetStreamContext, holds: list[tuple[uuid.UUID, uuid.UUID]], *, tag: str, workers: int,
                       budget: float) -> Load:
    load = Load(tag=tag, ops=len(holds), holds=list(holds))

    async def one(i: int) -> None:
        await publish_capture(js, *holds[i], load)

    await run_workers(load, workers, budget, one)
    return load


# the reference: pgbench -------------------------------------------------------------

# One script run is one operation: the reserve transaction, then the capture transaction,
# each as the service runs it (BEGIN, declare the tenant, the function, COMMIT). `n` picks
# the tenant (lo = hi = 0 for the hot one); `seq` counts each client's runs, so references
# never repeat and a settle-only run can find the holds of a reserve-only run.
PGBENCH_TENANT = f"'{TENANT_PREFIX}' || lpad(:n::text, 12, '0')"
PGBENCH_PICK = {
    "random": "\\set n random(:lo, :hi)\n",
    # the same tenant for the same (client, seq) in the reserve-only and settle-only runs
    "fixed": "\\set n :lo + ((:client_id * 7919 + :seq * 104729) % (:hi - :lo + 1))\n",
}
PGBENCH_RESERVE = f"""BEGIN;
SELECT set_config('app.tenant_id', {PGBENCH_TENANT}, true);
SELECT hold_id FROM billing.reserve(({PGBENCH_TENANT})::uuid, gen_random_uuid(), :ref, 1, 900, '{LEDGER_TYPE}') \\gset
COMMIT;
"""
PGBENCH_SETTLE = f"""BEGIN;
SELECT set_config('app.tenant_id', {PGBENCH_TENANT}, true);
SELECT status FROM billing.settle(:hold_id::uuid, 1, 'released');
COMMIT;
"""
PGBENCH_SETTLE_BY_REFERENCE = f"""BEGIN;
SELECT set_config('app.tenant_id', {PGBENCH_TENANT}, true);
SELECT status FROM billing.settle((SELECT id FROM billing.holds WHERE reference_id = :ref), 1, 'released');
COMMIT;
"""
PGBENCH_REFERENCE = "'pg-' || :tag::text || '-' || :client_id::text || '-' || :seq::text"


def pgbench_script(kind: str) -> str:
    """`op` (reserve + capture), `reserve` or `settle` (the holds a `reserve` run left)."""
    head = "\\set seq :seq + 1\n" + PGBENCH_PICK["random" if kind == "op" else "fixed"]
    body = {"op": PGBENCH_RESERVE + PGBENCH_SETTLE, "reserve": PGBENCH_RESERVE,
            "settle": PGBENCH_SETTLE_BY_REFERENCE}[kind]
    return head + body.replace(":ref", PGBENCH_REFERENCE)


class Pgbench(msgspec.Struct, kw_only=True):
    script: str
    clients: int
    tps: float  # script runs per second, without the connections' set-up
    transactions: int
    failed: int
    seconds: float  # the wall time of the whole pgbench process
    statement_ms: dict[str, float] = msgspec.field(default_factory=dict)  # with -r


@dataclass(frozen=True)
class PgbenchTarget:
    binary: Path
    host: str
    port: int
    user: str
    password: str
    database: str
    folder: Path


async def run_pgbench(target: PgbenchTarget, kind: str, *, clients: int, tag: str, lo: int, hi: int,
                      seconds: float | None = None, per_client: int | None = None,
                      per_statement: bool = False) -> Pgbench:
    script = target.folder / f"pgbench-{kind}.sql"
    script.write_text(pgbench_script(kind))
    length = ["-T", str(max(1, round(seconds)))] if seconds is not None else ["-t", str(per_client)]
    args = [str(target.binary), "-h", target.host, "-p", str(target.port), "-U", target.user, "-d", target.database,
            "-n", "-M", "prepared", "-f", str(script), "-c", str(clients), "-j", str(min(2, clients)), *length,
            "-D", f"lo={lo}", "-D", f"hi={hi}", "-D", "seq=0", "-D", f"tag={tag}", *(["-r"] if per_statement else [])]
    env = {**os.environ, "PGPASSWORD": target.password, "PGCONNECT_TIMEOUT": "10"}
    started = time.perf_counter()
    process = await asyncio.create_subprocess_exec(*args, env=env, stdout=asyncio.subprocess.PIPE,
                                                   stderr=asyncio.subprocess.PIPE)
    limit = (seconds or 0) + 120
    try:
        out, err = await asyncio.wait_for(process.communicate(), limit)
    except TimeoutError:
        process.kill()
        await process.wait()
        raise RuntimeError(f"pgbench {kind} did not finish within {limit:.0f}s") from None
    elapsed = time.perf_counter() - started
    text = out.decode(errors="replace")
    tps = re.search(r"^tps = ([\d.]+) \(without initial connection time\)", text, re.M)
    if process.returncode != 0 or tps is None:
        raise RuntimeError(f"pgbench {kind} failed ({process.returncode}): "
                           f"{(err.decode(errors='replace') + text).strip()[-1500:]}")
    return Pgbench(script=kind, clients=clients, tps=float(tps.group(1)),
                   transactions=_int(r"actually processed: (\d+)", text),
                   failed=_int(r"number of failed transactions: (\d+)", text), seconds=elapsed,
                   statement_ms=_statement_latencies(text) if per_statement else {})


def _int(pattern: str, text: str) -> int:
    found = re.search(pattern, text)
    return int(found.group(1)) if found else 0


def _statement_latencies(text: str) -> dict[str, float]:
    """pgbench -r's table: latency, failures, statement (the SQL shortened to 60 characters)."""
    lines = text.split("statement latencies in milliseconds", 1)[-1].splitlines()[1:]
    latencies: dict[str, float] = {}
    for line in lines:
        found = re.match(r"\s+([\d.]+)\s+\d+\s+(.*)", line)
        if found and not found.group(2).startswith("\\"):
            name = found.group(2)[:60]
            while name in latencies:
                name += "'"
            latencies[name] = float(found.group(1))
    return latencies


# where the time went ---------------------------------------------------------------

# Read at once, unlike the cumulative statistics views (a backend reports those up to ten
# seconds late): transaction ids handed out (transactions that wrote, and savepoints that
# wrote) and the WAL position.
SERVER_COUNTERS = """
SELECT pg_snapshot_xmax(pg_current_snapshot())::text::bigint AS xids,
       pg_wal_lsn_diff(pg_current_wal_lsn(), '0/0')::bigint AS wal_bytes
"""


@dataclass
class Probe:
    """CPU seconds of the processes involved, and the server's counters, at one moment."""

    cpu: dict[str, float]
    server: dict[str, int]
    at: float


class Processes:
    """Root pids to charge CPU to: a process and every descendant, living or reaped (a reaped
    child's time is in its parent's cutime), so short-lived PostgreSQL backends count too."""

    def __init__(self, roots: dict[str, int | None]) -> None:
        self.roots = {name: pid for name, pid in roots.items() if pid}
        self.tick = os.sysconf("SC_CLK_TCK")

    def cpu(self) -> dict[str, float]:
        stats = _proc_stats()
        children: dict[int, list[int]] = {}
        for pid, (parent, _) in stats.items():
            children.setdefault(parent, []).append(pid)
        seconds = {}
        for name, root in self.roots.items():
            if root not in stats:
                continue
            total, todo = 0, [root]
            while todo:
                pid = todo.pop()
                total += stats[pid][1]
                todo.extend(children.get(pid, []))
            seconds[name] = total / self.tick
        own = resource.getrusage(resource.RUSAGE_SELF)
        seconds["bench client"] = own.ru_utime + own.ru_stime
        spawned = resource.getrusage(resource.RUSAGE_CHILDREN)  # pgbench, once waited for
        seconds["pgbench"] = spawned.ru_utime + spawned.ru_stime
        return seconds


def _proc_stats() -> dict[int, tuple[int, int]]:
    """pid -> (parent pid, utime + stime + cutime + cstime in clock ticks)."""
    stats = {}
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            raw = Path(entry.path, "stat").read_text()
        except OSError:
            continue
        fields = raw[raw.rindex(")") + 2:].split()
        stats[int(entry.name)] = (int(fields[1]), sum(int(value) for value in fields[11:15]))
    return stats


async def probe(admin: Admin, processes: Processes) -> Probe:
    row = await admin.conn.fetchrow(SERVER_COUNTERS)
    cpu = processes.cpu() if Path("/proc").exists() else {}
    return Probe(cpu=cpu, server=dict(row), at=time.perf_counter())


def costs(before: Probe, after: Probe, ops: int) -> dict[str, float]:
    """Per operation: CPU milliseconds of each process, transaction ids, WAL bytes."""
    if ops <= 0:
        return {}
    per_op = {f"cpu_ms {name}": (after.cpu[name] - before.cpu.get(name, 0.0)) * 1000 / ops
              for name in after.cpu}
    per_op.update({name: (after.server[name] - before.server[name]) / ops for name in after.server})
    return per_op

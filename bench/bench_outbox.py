"""Outbox commit -> consumer handled, beside bare JetStream publish -> consume.

The platform path is the real kernel: `add_events` in a tenant transaction, `OutboxRelay`
woken by NOTIFY, JetStream, and `EventConsumer` handling each event in a tenant
transaction with its inbox insert. The reference runs on the same NATS server in the
same run, so the ratio is what the outbox and the inbox cost on this machine.
"""

from __future__ import annotations

import contextlib
import time
import uuid
from collections.abc import AsyncIterator

import msgspec
from nats.js import JetStreamContext

from bench.bare_jetstream import bare_jetstream
from bench.harness import Report, Row, RunOptions, verdict
from bench.infra import Infra, bench_infra
from bench.outbox_pipeline import Stages, outbox_pipeline
from bench.stats import LatencySummary, Throughput, summarize_latencies
from shared.contracts import AccountOpenedV1, encode_event
from shared.messaging import connect_nats, ensure_streams
from shared.telemetry import setup_tracing

P50_TARGET_MS = 5.0
UNDER_LOAD_P99_TARGET_MS = 100.0  # the consumers keep up with the writers
STAGES = {"published": "commit -> published", "fetched": "published -> fetched", "handled": "fetched -> handled"}
THROUGHPUT_TARGET_SHARE = 0.30  # of the pipelined bare throughput


class Sizes(msgspec.Struct, frozen=True, kw_only=True):
    warmup: int
    latency_events: int
    latency_budget: float  # seconds for a whole latency phase, however many got through
    latency_timeout_each: float
    writers: int
    writer_events: int
    batched_events: int
    batch_size: int
    bare_pipelined: int
    bare_awaited: int
    drain_timeout: float  # seconds for a throughput phase's writes, and again for its handling
    rounds: int  # the bare pipelined and the 8 writers' phases, alternated this many times


FULL = Sizes(warmup=50, latency_events=500, latency_budget=8.0, latency_timeout_each=2.0, writers=8,
             writer_events=5000, batched_events=10000, batch_size=100, bare_pipelined=20000,
             bare_awaited=3000, drain_timeout=20.0, rounds=5)
QUICK = Sizes(warmup=10, latency_events=100, latency_budget=3.0, latency_timeout_each=2.0, writers=8,
              writer_events=1000, batched_events=2000, batch_size=100, bare_pipelined=5000,
              bare_awaited=500, drain_timeout=5.0, rounds=1)


class BareFigures(msgspec.Struct, kw_only=True):
    latency: LatencySummary
    pipelined: Throughput  # of the round kept: the one with the median ratio
    pipelined_rounds: list[float | None]
    awaited: Throughput


class PlatformFigures(msgspec.Struct, kw_only=True):
    latency: LatencySummary
    writers: Throughput  # of the round kept (the median ratio); the latencies and stages are that run's
    writers_rounds: list[float | None]
    writers_latency: LatencySummary
    writers_stages: dict[str, LatencySummary]  # where the writers' events spent their time
    batched: Throughput
    batched_latency: LatencySummary


async def main(options: RunOptions) -> Report:
    sizes = QUICK if options.quick else FULL
    setup_tracing("bench-outbox")  # as every service does: spans are made, exported only if configured
    async with bench_infra("outbox") as infra, nats_pair(infra.nats_url) as (producer, consumer):
        await ensure_streams(producer)
        platform, bare = await measure(infra, producer, consumer, sizes)
    return build_report(platform, bare, sizes, servers=infra.servers)


@contextlib.asynccontextmanager
async def nats_pair(url: str) -> AsyncIterator[tuple[JetStreamContext, JetStreamContext]]:
    """A producing and a consuming connection, as two services would hold."""
    async with contextlib.AsyncExitStack() as stack:
        contexts = []
        for name in ("bench-producer", "bench-consumer"):
            nc = await connect_nats(url, name=name)
            stack.push_async_callback(nc.close)
            contexts.append(nc.jetstream())
        yield contexts[0], contexts[1]


async def measure(infra: Infra, producer: JetStreamContext, consumer: JetStreamContext,
                  sizes: Sizes) -> tuple[PlatformFigures, BareFigures]:
    """Both sides set up at once, so the throughput pair can alternate: on two shared cores
    one window can catch a stall (another job, autovacuum), and a ratio of two figures
    taken minutes apart would carry it. The pair kept is the round with the median ratio,
    so the two figures reported were measured side by side."""
    payload = encode_event(AccountOpenedV1(tenant_id=uuid.uuid4(), balance=0))
    async with bare_jetstream(producer, consumer, payload) as bare, \
            outbox_pipeline(infra, producer, consumer) as pipeline:
        await bare.latencies(sizes.warmup, timeout_each=sizes.latency_timeout_each, deadline=_after(5.0))
        bare_latencies, bare_sent = await bare.latencies(
            sizes.latency_events, timeout_each=sizes.latency_timeout_each, deadline=_after(sizes.latency_budget))
        await pipeline.latencies(sizes.warmup, timeout_each=sizes.latency_timeout_each, deadline=_after(5.0))
        latencies, sent = await pipeline.latencies(sizes.latency_events, timeout_each=sizes.latency_timeout_each,
                                                   deadline=_after(sizes.latency_budget))
        pipelined_runs: list[Throughput] = []
        writer_runs: list[tuple[Throughput, list[float], Stages]] = []
        for _ in range(sizes.rounds):
            pipelined_runs.append(await bare.pipelined_throughput(sizes.bare_pipelined, timeout=sizes.drain_timeout))
            writer_runs.append(await pipeline.throughput([1] * sizes.writer_events, writers=sizes.writers,
                                                         timeout=sizes.drain_timeout))
        awaited = await bare.awaited_throughput(sizes.bare_awaited, timeout=sizes.drain_timeout)
        batched, batched_latencies, _ = await pipeline.throughput(
            _batches(sizes.batched_events, sizes.batch_size), writers=1, timeout=sizes.drain_timeout)
    kept = _median_round(pipelined_runs, [run[0] for run in writer_runs])
    writers, writers_latencies, writers_stages = writer_runs[kept]
    platform = PlatformFigures(
        latency=summarize_latencies(latencies, sent=sent),
        writers=writers, writers_latency=summarize_latencies(writers_latencies, sent=writers.sent),
        writers_stages=_summarize_stages(writers_stages, sent=writers.sent),
        writers_rounds=[run[0].per_second for run in writer_runs],
        batched=batched, batched_latency=summarize_latencies(batched_latencies, sent=batched.sent))
    bare_figures = BareFigures(latency=summarize_latencies(bare_latencies, sent=bare_sent),
                               pipelined=pipelined_runs[kept],
                               pipelined_rounds=[run.per_second for run in pipelined_runs], awaited=awaited)
    return platform, bare_figures


def _median_round(bare: list[Throughput], ours: list[Throughput]) -> int:
    """The round whose platform/bare ratio is the median of the rounds'."""
    ratios = [(ours_run.per_second or 0.0) / (bare_run.per_second or float("inf"))
              for bare_run, ours_run in zip(bare, ours, strict=True)]
    return sorted(range(len(ratios)), key=ratios.__getitem__)[len(ratios) // 2]


def _after(seconds: float) -> float:
    return time.perf_counter() + seconds


def _summarize_stages(stages: Stages, *, sent: int) -> dict[str, LatencySummary]:
    return {stage: summarize_latencies(getattr(stages, stage), sent=sent) for stage in STAGES}



def _batches(total: int, size: int) -> list[int]:
    return [min(size, total - start) for start in range(0, total, size)]


# the report -------------------------------------------------------------------------


def build_report(platform: PlatformFigures, bare: BareFigures, sizes: Sizes, *, servers: str) -> Report:
    pipelined = bare.pipelined.per_second
    rows = [
        Row(metric="latency p50", unit="ms", platform=platform.latency.p50_ms, reference=bare.latency.p50_ms,
            target=f"<= {P50_TARGET_MS:g} ms", verdict=_p50_verdict(platform.latency)),
        Row(metric="latency p99", unit="ms", platform=platform.latency.p99_ms, reference=bare.latency.p99_ms),
        _throughput_row(f"throughput, {sizes.writers} writers x 1 event/tx", platform.writers, pipelined),
        _throughput_row(f"throughput, 1 writer x {sizes.batch_size} events/tx", platform.batched, pipelined),
        Row(metric="throughput, awaited one at a time", unit="/s", reference=bare.awaited.per_second),
        Row(metric=f"sending only, {sizes.writers} writers x 1 event/tx", unit="/s",
            platform=platform.writers.sent_per_second, reference=bare.pipelined.sent_per_second),
        Row(metric=f"sending only, 1 writer x {sizes.batch_size} events/tx", unit="/s",
            platform=platform.batched.sent_per_second, reference=bare.pipelined.sent_per_second),
        Row(metric=f"latency under load p50, {sizes.writers} writers", unit="ms",
            platform=platform.writers_latency.p50_ms),
        Row(metric=f"latency under load p99, {sizes.writers} writers", unit="ms",
            platform=platform.writers_latency.p99_ms, target=f"<= {UNDER_LOAD_P99_TARGET_MS:g} ms",
            verdict=_under_load_verdict(platform.writers_latency, platform.writers)),
    ]
    notes = [
        "platform latency: commit returned -> handler ran (inside the consumer's inbox transaction); "
        "bare: js.publish called -> message fetched by a pull consumer",
        f"throughput: first commit (or publish) -> last handled; reference is pipelined publish_async "
        f"from one client; target is >= {THROUGHPUT_TARGET_SHARE:.0%} of it",
        "sending only: first commit -> last commit returned (bare: first publish -> last ack); "
        "throughput well below it means the consuming side is the bottleneck",
        "what bounds the writers: the client's CPU. Each transaction is three round trips (BEGIN with the "
        "tenant, the insert, COMMIT), each a send and a wake-up on the one event loop that also runs the relay "
        "and the consumer; the reference pipelines its publishes into a few sends. (With synchronous_commit off "
        "the rate stays the same, so the WAL flush each commit waits for is not what bounds it.)",
        f"where the time went under load ({sizes.writers} writers), p50 / p99: "
        + "; ".join(f"{label} {_ms(platform.writers_stages[stage].p50_ms)} / "
                    f"{_ms(platform.writers_stages[stage].p99_ms)}" for stage, label in STAGES.items()),
        f"{sizes.writers} writers and bare pipelined, in turn, {sizes.rounds} round(s) (the one with the median "
        "ratio is kept): " + ", ".join(f"{_rate(ours)} vs {_rate(theirs)}"
                    for ours, theirs in zip(platform.writers_rounds, bare.pipelined_rounds, strict=True)),
        servers,
        *_shortfalls(platform, bare),
    ]
    details = {"sizes": msgspec.to_builtins(sizes), "platform": _builtins(platform), "bare": _builtins(bare)}
    return Report(title="outbox commit -> consumer handled, beside bare JetStream", platform_label="platform",
                  reference_label="bare JetStream", rows=rows, notes=notes, details=details)


def _p50_verdict(latency: LatencySummary) -> str:
    if latency.p50_ms is None:
        return verdict(None)
    return verdict(latency.p50_ms <= P50_TARGET_MS and latency.handled == latency.sent)


def _under_load_verdict(latency: LatencySummary, throughput: Throughput) -> str:
    if latency.p99_ms is None:
        return verdict(None)
    return verdict(latency.p99_ms <= UNDER_LOAD_P99_TARGET_MS and throughput.handled == throughput.sent)


def _rate(value: float | None) -> str:
    return "-" if value is None else f"{value:,.0f}/s"


def _ms(value: float | None) -> str:
    return "-" if value is None else f"{value:.1f} ms"


def _throughput_row(metric: str, platform: Throughput, pipelined: float | None) -> Row:
    rate = platform.per_second
    passed = None
    if rate is not None and pipelined:
        passed = rate >= THROUGHPUT_TARGET_SHARE * pipelined and platform.handled == platform.sent
    return Row(metric=metric, unit="/s", platform=rate, reference=pipelined,
               target=f">= {THROUGHPUT_TARGET_SHARE:.0%} of bare", verdict=verdict(passed))


def _shortfalls(platform: PlatformFigures, bare: BareFigures) -> list[str]:
    phases = {"platform latency": platform.latency, "platform writers": platform.writers,
              "platform batched": platform.batched, "bare latency": bare.latency,
              "bare pipelined": bare.pipelined, "bare awaited": bare.awaited}
    return [f"INCOMPLETE {phase}: {figures.handled} of {figures.sent} handled in time"
            for phase, figures in phases.items() if figures.handled < figures.sent]


def _builtins(figures: msgspec.Struct) -> dict[str, object]:
    return {name: value.as_dict() if isinstance(value, Throughput) else msgspec.to_builtins(value)
            for name, value in msgspec.structs.asdict(figures).items()}

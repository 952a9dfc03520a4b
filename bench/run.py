"""Run the benchmarks: `python -m bench.run [NAME ...] [--quick]` (what `make bench` does).

Each `bench/bench_<name>.py` module exposes `async def main(options: RunOptions) -> Report`
(see bench/harness.py). Its table goes to stdout and its report to bench/results/<name>.json.
A target missed is reported, not failed on; a benchmark that crashes makes the exit code 1.
"""

from __future__ import annotations

import argparse
import asyncio
import importlib
import logging
import os
import pkgutil
import platform
import sys
import time
import traceback
from datetime import UTC, datetime
from pathlib import Path

import msgspec

import bench
from bench.harness import Report, RunOptions, render_table

RESULTS_DIR = Path(__file__).resolve().parent / "results"
PREFIX = "bench_"


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench.run", description=__doc__.splitlines()[0])
    parser.add_argument("names", nargs="*", help="run only benchmarks whose name contains one of these")
    parser.add_argument("--quick", action="store_true", help="small sizes: a smoke test, not figures")
    return parser.parse_args(argv)


def discover(filters: list[str]) -> list[str]:
    """Benchmark names (`bench_outbox.py` -> `outbox`) matching any filter, or all."""
    names = sorted(module.name.removeprefix(PREFIX) for module in pkgutil.iter_modules(bench.__path__)
                   if module.name.startswith(PREFIX))
    return [name for name in names if not filters or any(wanted in name for wanted in filters)]


def run_one(name: str, options: RunOptions) -> tuple[Report, float]:
    module = importlib.import_module(f"bench.{PREFIX}{name}")
    started = time.perf_counter()
    report = asyncio.run(module.main(options))
    return report, time.perf_counter() - started


def write_result(name: str, report: Report, options: RunOptions, seconds: float) -> Path:
    RESULTS_DIR.mkdir(parents=True, exist_ok=True)
    path = RESULTS_DIR / f"{name}.json"
    document = {
        "name": name, "title": report.title, "finished_at": datetime.now(UTC).isoformat(),
        "quick": options.quick, "seconds": round(seconds, 2), "machine": _machine(),
        "platform_label": report.platform_label, "reference_label": report.reference_label,
        "rows": [{**msgspec.structs.asdict(row), "ratio": row.ratio} for row in report.rows],
        "notes": report.notes, "details": report.details,
    }
    path.write_bytes(msgspec.json.format(msgspec.json.encode(document), indent=2) + b"\n")
    return path


def _machine() -> dict[str, object]:
    return {"python": platform.python_version(), "system": platform.platform(), "cpus": os.cpu_count()}


def main(argv: list[str] | None = None) -> int:
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    args = parse_args(argv)
    options = RunOptions(quick=args.quick)
    names = discover(args.names)
    if not names:
        print(f"no benchmark matches {' '.join(args.names)}; have: {', '.join(discover([]))}", file=sys.stderr)
        return 2
    crashed = []
    for name in names:
        print(f"== {name}{' (quick)' if options.quick else ''}", flush=True)
        try:
            report, seconds = run_one(name, options)
        except Exception:
            traceback.print_exc()
            crashed.append(name)
            continue
        print(render_table(report))
        print(f"  ({seconds:.1f}s, {write_result(name, report, options, seconds).relative_to(Path.cwd())})\n",
              flush=True)
    if crashed:
        print(f"crashed: {', '.join(crashed)}", file=sys.stderr)
    return 1 if crashed else 0


if __name__ == "__main__":
    try:
        raise SystemExit(main())
    except KeyboardInterrupt:  # each benchmark has already cleaned up on its way out
        print("interrupted", file=sys.stderr)
        raise SystemExit(130) from None

"""The contract between `bench.run` and each `bench/bench_*.py` module.

A benchmark module exposes `async def main(options: RunOptions) -> Report`. The report
holds rows of "platform vs. reference" figures measured in the same run; the harness
prints them as a table and stores the whole report as JSON.
"""

from __future__ import annotations

from typing import Any

import msgspec


class RunOptions(msgspec.Struct, frozen=True, kw_only=True):
    quick: bool = False  # a short run: smaller sizes, for a smoke test rather than figures


class Row(msgspec.Struct, kw_only=True):
    """One figure measured on the platform and, where it has one, on the reference."""

    metric: str
    unit: str
    platform: float | None = None
    reference: float | None = None
    target: str = ""
    verdict: str = ""  # PASS or MISS against `target`; informational, never a failure

    @property
    def ratio(self) -> float | None:
        if self.platform is None or not self.reference:
            return None
        return self.platform / self.reference


class Report(msgspec.Struct, kw_only=True):
    title: str
    platform_label: str = "platform"
    reference_label: str = "reference"
    rows: list[Row] = msgspec.field(default_factory=list)
    notes: list[str] = msgspec.field(default_factory=list)
    details: dict[str, Any] = msgspec.field(default_factory=dict)


def verdict(passed: bool | None) -> str:
    if passed is None:
        return "n/a"
    return "PASS" if passed else "MISS"


def render_table(report: Report) -> str:
    header = ["metric", report.platform_label, report.reference_label, "ratio", "target", "result"]
    body = [[row.metric, _figure(row.platform, row.unit), _figure(row.reference, row.unit),
             "" if row.ratio is None else f"{row.ratio:.2f}x", row.target, row.verdict]
            for row in report.rows]
    widths = [max(len(line[i]) for line in [header, *body]) for i in range(len(header))]
    lines = [report.title, _line(header, widths), _line(["-" * w for w in widths], widths)]
    lines += [_line(cells, widths) for cells in body]
    lines += [f"  * {note}" for note in report.notes]
    return "\n".join(lines)


def _figure(value: float | None, unit: str) -> str:
    if value is None:
        return "-"
    digits = 2 if abs(value) < 100 else 0
    return f"{value:,.{digits}f} {unit}"


def _line(cells: list[str], widths: list[int]) -> str:
    first, *rest = cells
    return "  ".join([first.ljust(widths[0]), *(cell.rjust(w) for cell, w in zip(rest, widths[1:], strict=True))])

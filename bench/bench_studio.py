"""The studio's first load: the JavaScript and CSS a browser fetches before the first screen
(the entry script and the modules index.html preloads, as built by `make studio`), gzipped
as the gateway sends them, beside the issue's budget for the shell (200 KB); and the lazy
chunks (the page editor) listed apart, since the shell never loads them.

The second figure the issue asks of the studio (a property change to the canvas showing it,
beside the bare render) needs the platform and a browser: bench/bench_studio_canvas.py
(`python -m bench.run studio` runs both)."""

from __future__ import annotations

import gzip
import re
from pathlib import Path

from bench.harness import Report, Row, RunOptions, verdict

DIST = Path(__file__).resolve().parent.parent / "services" / "studio" / "dist"
SHELL_BUDGET_KB = 200
FIRST_LOAD = re.compile(r'<(?:script[^>]+src|link[^>]+rel="(?:modulepreload|stylesheet)"[^>]+href)="/studio/([^"]+)"')


def gzipped_kb(path: Path) -> float:
    return len(gzip.compress(path.read_bytes(), compresslevel=9)) / 1024


async def main(options: RunOptions) -> Report:
    report = Report(title="studio first load, gzipped, beside its budget", reference_label="budget")
    index = DIST / "index.html"
    if not index.exists():
        report.notes.append("the studio is not built: run make studio")
        return report
    first = sorted(set(FIRST_LOAD.findall(index.read_text())))
    scripts = [name for name in first if name.endswith(".js")]
    styles = [name for name in first if name.endswith(".css")]
    shell_js = sum(gzipped_kb(DIST / name) for name in scripts)
    report.rows.append(Row(metric="shell first-load JavaScript", unit="KB", platform=round(shell_js, 1),
                           reference=SHELL_BUDGET_KB, target=f"<= {SHELL_BUDGET_KB} KB",
                           verdict=verdict(shell_js <= SHELL_BUDGET_KB)))
    report.rows.append(Row(metric="shell first-load CSS", unit="KB",
                           platform=round(sum(gzipped_kb(DIST / name) for name in styles), 1)))
    lazy = sorted(path for path in (DIST / "assets").glob("*.js") if path.relative_to(DIST).as_posix() not in first)
    for path in lazy:
        report.rows.append(Row(metric=f"lazy chunk {path.name.split('-')[0]}", unit="KB",
                               platform=round(gzipped_kb(path), 1)))
    report.notes.append(f"first load: {', '.join(first)} (from dist/index.html); gzip level 9, as the gateway "
                        "compresses the studio's files once")
    report.notes.append("a property change to the canvas showing it: see studio_canvas")
    return report

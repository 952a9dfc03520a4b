"""What a browser says about a rendered page: axe-core's accessibility violations, Lighthouse's
category scores, the layout shift a visitor sees while scrolling, horizontal overflow on a
phone, and full-page screenshots kept as artefacts.

axe-core and Lighthouse are the npm packages of tests/browser (installed by `make browser`);
both run against Debian's Chromium. axe is injected through the DevTools protocol, which
works whatever the page's Content-Security-Policy says (our pages run no script of their
own), so the page is audited as visitors get it, CSP and all. Lighthouse starts a Chromium
of its own per page, so several can run side by side."""

from __future__ import annotations

import asyncio
import json
import os
import time
from pathlib import Path
from typing import Any

import msgspec

from shared.dev.stack import ROOT
from tests.e2e.headless_chromium import Chromium, Tab, chromium_path

TOOLS = ROOT / "tests" / "browser" / "node_modules"
AXE = TOOLS / "axe-core" / "axe.min.js"
LIGHTHOUSE = TOOLS / "lighthouse" / "cli" / "index.js"
SHOTS = ROOT / ".data" / "screenshots"
PHONE, DESKTOP = 375, 1280
LIGHTHOUSE_FLAGS = "--headless=new --no-sandbox --disable-gpu --no-first-run --disable-background-networking"


def missing_tools() -> str | None:
    """Why the audits cannot run here, or None when they can."""
    if chromium_path() is None:
        return "needs Debian's chromium (make browser installs it)"
    if not AXE.exists() or not LIGHTHOUSE.exists():
        return "needs the npm audit tools in tests/browser/node_modules (make browser installs them)"
    return None


class Violation(msgspec.Struct, frozen=True):
    rule: str
    impact: str
    help: str
    targets: list[str]  # the first few offending elements' selectors

    def __str__(self) -> str:
        return f"{self.rule} ({self.impact}): {self.help} at {', '.join(self.targets)}"


class Shift(msgspec.Struct, frozen=True):
    value: float
    sources: list[str]  # the elements that moved


class Overflow(msgspec.Struct, frozen=True):
    scroll_width: int
    widest: str  # the element reaching furthest right, with its right edge


class Seen(msgspec.Struct, frozen=True):
    """One page at one viewport width, as Chromium showed it."""

    width: int
    violations: list[Violation]
    layout_shift: float
    shifts: list[Shift]
    overflow: Overflow | None
    screenshot: Path
    seconds: float = 0.0  # how long the look took


class Scores(msgspec.Struct, frozen=True):
    """Lighthouse's verdict: each category's score (0 to 100) and its failed audits' titles."""

    scores: dict[str, int]
    failed: dict[str, list[str]]
    audits: dict[str, Any] = {}  # the raw audit results, for metrics (the benchmark's)

    def below(self, minimum: int) -> list[str]:
        return [f"{category} {score} (failed: {'; '.join(self.failed[category]) or 'none'})"
                for category, score in self.scores.items() if score < minimum]


# Scrolls the page down a viewport at a time, as a reader does (lazy images load on the
# way), then back up (instantly: a page's smooth scrolling would still be moving when the
# screenshot is taken); resolves with every layout shift not caused by input, from the start
# of the page's life (buffered), with the elements that moved.
MEASURE_SHIFTS = """
new Promise(resolve => {
  const shifts = [];
  const name = node => !node || !node.tagName ? String(node && node.nodeName) :
    node.tagName.toLowerCase() + (node.id ? '#' + node.id : '') +
    [...node.classList].slice(0, 3).map(c => '.' + c).join('');
  new PerformanceObserver(list => {
    for (const entry of list.getEntries()) {
      if (!entry.hadRecentInput) shifts.push({value: entry.value, sources: entry.sources.map(s => name(s.node))});
    }
  }).observe({type: 'layout-shift', buffered: true});
  const frame = () => new Promise(r => requestAnimationFrame(() => requestAnimationFrame(r)));
  const pause = ms => new Promise(r => setTimeout(r, ms));
  (async () => {
    const step = Math.max(200, innerHeight - 100);
    for (let y = 0; y < document.scrollingElement.scrollHeight; y += step) {
      scrollTo({top: y, behavior: 'instant'}); await frame(); await pause(60);
    }
    // every picture that started loading, decoded (a lazy one never asked for would wait forever)
    const loading = [...document.images].filter(img => img.currentSrc || img.complete);
    await Promise.race([Promise.all(loading.map(img => img.decode().catch(() => null))), pause(5000)]);
    await frame(); await pause(250); scrollTo({top: 0, behavior: 'instant'}); await frame(); await pause(100);
    resolve(shifts);
  })();
})
"""

# The element reaching furthest right past `limit` that no ancestor clips. (Not innerWidth:
# a phone widens its layout viewport to fit content that overflows.)
WIDEST = """
(limit => {
  const name = node => node.tagName.toLowerCase() + (node.id ? '#' + node.id : '') +
    [...node.classList].slice(0, 3).map(c => '.' + c).join('');
  const clipped = node => {
    for (let up = node.parentElement; up && up !== document.body; up = up.parentElement) {
      if (getComputedStyle(up).overflowX !== 'visible') return true;
    }
    return false;
  };
  let worst = null, right = limit;
  for (const node of document.body.querySelectorAll('*')) {
    const box = node.getBoundingClientRect();
    if (box.right > right + 0.5 && box.width > 0 && !clipped(node)) { worst = node; right = box.right; }
  }
  if (!worst) return 'no single element (margins or transforms?)';
  const path = [];
  for (let up = worst; up && up !== document.body && path.length < 4; up = up.parentElement) path.unshift(name(up));
  return path.join(' > ') + ' reaches ' + Math.round(right) + 'px';
})"""


async def look(chromium: Chromium, url: str, *, page: str, width: int, axe: bool = True) -> Seen:
    """Load `url` at `width`, scroll through it, and say what was seen; its full-page
    screenshot goes to .data/screenshots/<page>-<width>.png."""
    started = time.monotonic()
    async with chromium.tab(url, width=width, height=900 if width >= 600 else 812) as tab:
        shifts = [Shift(value=s["value"], sources=s["sources"])
                  for s in await tab.evaluate(MEASURE_SHIFTS, await_promise=True)]
        violations = await run_axe(tab) if axe else []
        scroll_width = await tab.evaluate("document.scrollingElement.scrollWidth")
        overflow = Overflow(scroll_width=scroll_width, widest=await tab.evaluate(f"{WIDEST}({width})")) \
            if scroll_width > width else None
        SHOTS.mkdir(parents=True, exist_ok=True)
        shot = SHOTS / f"{page}-{width}.png"
        shot.write_bytes(await tab.screenshot(full_page=True))
    return Seen(width=width, violations=violations, layout_shift=round(sum(s.value for s in shifts), 4),
                shifts=shifts, overflow=overflow, screenshot=shot, seconds=round(time.monotonic() - started, 1))


async def run_axe(tab: Tab) -> list[Violation]:
    """axe-core's violations on the loaded page (every rule axe runs by default, WCAG 2.x A
    and AA and best practices)."""
    await tab.evaluate(AXE.read_text())
    found = await tab.evaluate(
        "axe.run(document, {resultTypes: ['violations']}).then(r => r.violations.map(v => ({rule: v.id,"
        " impact: v.impact || 'unknown', help: v.help, targets: v.nodes.slice(0, 3).map(n => n.target.join(' '))})))",
        await_promise=True)
    return [Violation(**v) for v in found]


async def lighthouse(url: str, categories: list[str], *, skip_audits: list[str] | None = None,
                     preset: str | None = None) -> Scores:
    """Lighthouse's scores of `url` in the given categories, in a Chromium of its own (the
    default mobile emulation unless `preset` is "desktop")."""
    command = ["node", str(LIGHTHOUSE), url, "--output=json", "--output-path=stdout", "--quiet",
               f"--only-categories={','.join(categories)}", f"--chrome-flags={LIGHTHOUSE_FLAGS}",
               "--max-wait-for-load=30000", "--disable-full-page-screenshot",
               *([f"--skip-audits={','.join(skip_audits)}"] if skip_audits else []),
               *([f"--preset={preset}"] if preset else [])]
    process = await asyncio.create_subprocess_exec(
        *command, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
        env={**os.environ, "CHROME_PATH": chromium_path() or "/usr/bin/chromium"})
    out, err = await asyncio.wait_for(process.communicate(), 180)
    if process.returncode != 0 or not out:
        raise RuntimeError(f"lighthouse failed on {url} ({process.returncode}): {err.decode()[-2000:]}")
    return scores_of(json.loads(out))


def scores_of(report: dict[str, Any]) -> Scores:
    audits = report["audits"]
    if report.get("runtimeError"):
        raise RuntimeError(f"lighthouse could not audit the page: {report['runtimeError']}")
    scores, failed = {}, {}
    for name, category in report["categories"].items():
        scores[name] = round((category["score"] or 0) * 100)
        failed[name] = [audits[ref["id"]]["title"] for ref in category["auditRefs"]
                        if ref.get("weight", 0) > 0 and audits[ref["id"]].get("score") is not None
                        and audits[ref["id"]]["score"] < 1]
    return Scores(scores=scores, failed=failed, audits=audits)


async def lighthouse_all(urls: dict[str, str], categories: list[str], *, parallel: int = 2,
                         skip_audits: dict[str, list[str]] | None = None) -> dict[str, Scores | Exception]:
    """Lighthouse on every page (name -> url), `parallel` at a time; a page Lighthouse could
    not audit maps to the error."""
    gate = asyncio.Semaphore(parallel)

    async def one(name: str, url: str) -> Scores | Exception:
        async with gate:
            try:
                return await lighthouse(url, categories, skip_audits=(skip_audits or {}).get(name))
            except (RuntimeError, TimeoutError, json.JSONDecodeError) as exc:
                return exc

    results = await asyncio.gather(*(one(name, url) for name, url in urls.items()))
    return dict(zip(urls, results, strict=True))

"""Lighthouse's performance score of every showcase page (/__showcase/<preset>: every
component and variant in one theme preset), on a platform of its own.

A score is a timing, so it lives here, not in a test (tests/e2e/test_site_audits.py holds
the other categories to 95). Lighthouse (tests/browser, `make browser`) runs with its
default mobile emulation (a mid-range phone on a throttled 4G link, simulated), against
Debian's Chromium, one page at a time so runs do not share the cores. Each page is audited
once to warm the caches a visitor after the first would find warm (the gateway's page
cache, the photos' resized copies), then measured."""

from __future__ import annotations

import aiohttp

from bench.harness import Report, Row, RunOptions, verdict
from bench.infra import UNLIMITED, bench_stack, start_platform, stop_platform
from shared.theme import PRESETS
from tests.e2e.browser_audits import lighthouse, missing_tools

TARGET = 95
METRICS = {"first-contentful-paint": "FCP", "largest-contentful-paint": "LCP", "total-blocking-time": "TBT",
           "cumulative-layout-shift": "CLS", "speed-index": "SI"}


async def main(options: RunOptions) -> Report:
    title = "Lighthouse performance of the component showcase (mobile)"
    missing = missing_tools()
    if missing:
        return Report(title=title, notes=[f"not run: {missing}"])
    presets = list(PRESETS)[:2] if options.quick else list(PRESETS)
    stack = bench_stack("lighthouse")
    data_dir = stack.data_dir
    rows, details = [], {}
    try:
        await start_platform(stack, {"gateway": UNLIMITED})
        base = f"http://{stack.config.platform_domain}:{stack.ports['gateway']}/__showcase"
        async with aiohttp.ClientSession() as http, http.get(base) as index:
            assert index.status == 200, f"the showcase is not served: {index.status}"
        for preset in presets:
            url = f"{base}/{preset}"
            await lighthouse(url, ["performance"])  # warm-up: its score is not kept
            scores = await lighthouse(url, ["performance"])
            score = scores.scores["performance"]
            measured = {short: scores.audits[name].get("displayValue", "") for name, short in METRICS.items()}
            details[preset] = {"score": score, **measured, "failed": scores.failed["performance"]}
            timings = ", ".join(f"{short} {value}" for short, value in measured.items())
            rows.append(Row(metric=f"showcase {preset}: performance ({timings})", unit="score", platform=score,
                            target=f">= {TARGET}", verdict=verdict(score >= TARGET)))
    finally:
        await stop_platform(stack, data_dir)
    notes = ["Lighthouse 12 (npm, tests/browser) on Debian's Chromium, headless; default mobile emulation with "
             "simulated throttling (Moto G Power class, slow 4G); one run after one warm-up run per page",
             "the pages come through the gateway from cms (GET /__showcase/<preset> on the platform's host); the "
             "photos are the showcase's own (build/photos, `make photos`), served at delivered widths in AVIF/WebP"]
    return Report(title=title, platform_label="Lighthouse", reference_label="", rows=rows, notes=notes,
                  details=details)

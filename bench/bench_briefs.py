"""Whole sites from the briefs in bench/briefs (24 businesses, four languages), each as a
fresh tenant through the gateway, as an agency's user would: plan, estimate, generate with
progress over server-sent events, check every page against the publish gates and lints,
publish the site together.

Twice on one platform: with the offline provider (the default), then with cms's OpenAI
provider pointed at the OpenAI-compatible test server, whose stand-in model answers with
cms's offline writers (bench/stand_in_model.py) through strict schemas. Per brief and in
total: publishable first try (every page publishable, no error finding; target 100%),
lint findings (warnings; target 0), credits reserved vs charged (target: the reserve at
most twice the median charge), seconds per page and to the first streamed section.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import statistics
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx
import msgspec

from bench.harness import Report, Row, RunOptions, verdict
from bench.infra import OFFLINE_AI, UNLIMITED, bench_stack, start_platform, stop_platform
from bench.stand_in_model import StandInModel
from tests.e2e.platform_client import PlatformClient, SignedUp, eventually
from tests.servers.openai_compatible import FakeOpenAI

BRIEFS_DIR = Path(__file__).resolve().parent / "briefs"
QUICK_LANGUAGES = ("en", "fr", "de", "es")  # --quick: the first brief of each
RESERVE_TARGET = 2.0  # the reserve at most this many times the median charge
STREAM_TIMEOUT = httpx.Timeout(30, read=300)
FINAL = ("saved", "failed")


class Outcome(msgspec.Struct, kw_only=True):
    """What one brief came to; `failed_at` names the step that did not answer as it should."""

    brief: str
    language: str
    failed_at: str = ""
    problem: str = ""
    planned_pages: int = 0
    estimate: dict[str, Any] = {}
    job_status: str = ""
    job_reason: str = ""
    pages: int = 0
    pages_publishable: int = 0
    errors: int = 0
    warnings: int = 0
    checks: list[str] = []  # "severity check" of every finding, for the summary
    max_credits: int | None = None
    credits: int | None = None
    seconds_total: float | None = None
    seconds_first_section: float | None = None
    section_events: int = 0
    page_events: int = 0
    layout: bool = False  # the job wrote a shared header and footer
    published: int | None = None  # the site-publications status code
    home_status: int | None = None

    @property
    def publishable_first_try(self) -> bool:
        return (not self.failed_at and self.job_status == "saved" and self.pages > 0
                and self.pages_publishable == self.pages and self.errors == 0)

    @property
    def seconds_per_page(self) -> float | None:
        return self.seconds_total / self.pages if self.seconds_total is not None and self.pages else None


class StepFailed(Exception):
    def __init__(self, step: str, response: httpx.Response | None = None, problem: str = "") -> None:
        detail = problem or (f"{response.status_code} {response.text[:300]}" if response is not None else "")
        super().__init__(f"{step}: {detail}")
        self.step, self.problem = step, detail


def load_briefs(quick: bool) -> list[tuple[str, dict[str, Any]]]:
    briefs = [(path.stem, json.loads(path.read_text())) for path in sorted(BRIEFS_DIR.glob("*.json"))]
    if not quick:
        return briefs
    return [next(b for b in briefs if b[1]["language"] == language) for language in QUICK_LANGUAGES]


async def main(options: RunOptions) -> Report:
    briefs = load_briefs(options.quick)
    stack = bench_stack("briefs")
    data_dir = stack.data_dir
    fake = FakeOpenAI(api_key="sk-bench-briefs")
    stand_in = StandInModel()
    fake.default_reply = stand_in
    runs: dict[str, list[Outcome]] = {}
    try:
        await start_platform(stack, {"gateway": UNLIMITED, **OFFLINE_AI})
        async with httpx.AsyncClient(base_url=stack.url("gateway"), timeout=30) as http:
            client = PlatformClient(http, stack)
            runs["offline"] = [await run_brief(client, name, brief) for name, brief in briefs]
            await fake.start()
            await asyncio.to_thread(restart_cms, stack, {"OPENAI_API_KEY": fake.api_key,
                                                         "OPENAI_BASE_URL": fake.base_url})
            runs["openai (stand-in)"] = [await run_brief(client, name, brief) for name, brief in briefs]
    finally:
        await fake.stop()
        await stop_platform(stack, data_dir)
    return report(runs, stand_in, len(briefs))


def restart_cms(stack: Any, env: dict[str, str]) -> None:
    stack.stop_service("cms")
    stack.start_service("cms", extra_env=env)
    stack.wait_ready("cms")


async def run_brief(client: PlatformClient, name: str, brief: dict[str, Any]) -> Outcome:
    outcome = Outcome(brief=name, language=brief["language"])
    try:
        tenant = await fresh_tenant(client)
        await generate_check_publish(client, tenant, brief, outcome)
    except StepFailed as failed:
        outcome.failed_at, outcome.problem = failed.step, failed.problem
    except (httpx.HTTPError, ValueError, KeyError, TypeError) as exc:  # an answer not of the contract's shape
        outcome.failed_at = outcome.failed_at or "protocol"
        outcome.problem = f"{type(exc).__name__}: {exc}"[:300]
    return outcome


async def fresh_tenant(client: PlatformClient) -> SignedUp:
    answer = await client.request_sign_up("brief")
    if answer.status_code != 201:
        raise StepFailed("sign-up", answer)
    body = answer.json()
    tenant = SignedUp(slug=body["slug"], tenant_id=body["tenant_id"], account_id=body["token"]["account_id"],
                      email=body["email"], token=body["token"]["access_token"])

    async def wallet() -> int:  # billing opens it by event
        return (await call(client, tenant, "GET", "/api/billing/balance")).status_code

    if await eventually(wallet, 200, within=10) != 200:
        raise StepFailed("wallet", problem="the new tenant's wallet did not open within 10 s")
    return tenant


async def call(client: PlatformClient, tenant: SignedUp, method: str, path: str, **kwargs: Any) -> httpx.Response:
    return await client.call(method, path, slug=tenant.slug, token=tenant.token, **kwargs)


async def expect(client: PlatformClient, tenant: SignedUp, step: str, method: str, path: str, statuses: tuple[int, ...],
                 **kwargs: Any) -> httpx.Response:
    response = await call(client, tenant, method, path, **kwargs)
    if response.status_code not in statuses:
        raise StepFailed(step, response)
    return response


async def generate_check_publish(client: PlatformClient, tenant: SignedUp, brief: dict[str, Any],
                                 outcome: Outcome) -> None:
    planned = (await expect(client, tenant, "site-plan", "POST", "/api/cms/site-plans", (200, 201),
                            json=brief)).json()
    plan = planned["plan"]
    outcome.planned_pages = len(plan["pages"])
    body = {"brief": brief, "plan": plan}
    outcome.estimate = (await expect(client, tenant, "estimate", "POST", "/api/cms/site-generations/estimate",
                                     (200,), json=body)).json()

    started_at = time.perf_counter()
    started = await expect(client, tenant, "site-generation", "POST", "/api/cms/site-generations", (202,),
                           json=body)
    job_id = started.json()["id"]
    events = server_sent_events(client, tenant, started.json()["events_url"])
    async with contextlib.aclosing(events):
        async for event, _ in events:
            if event == "section":
                outcome.section_events += 1
                if outcome.seconds_first_section is None:
                    outcome.seconds_first_section = time.perf_counter() - started_at
            elif event == "page":
                outcome.page_events += 1
            elif event in FINAL:
                outcome.seconds_total = time.perf_counter() - started_at
                break
    job = await final_job(client, tenant, job_id)
    if outcome.seconds_total is None:  # the stream ended without naming the outcome
        outcome.seconds_total = time.perf_counter() - started_at
    outcome.job_status, outcome.job_reason = job["status"], job.get("reason") or ""
    outcome.max_credits, outcome.credits = job.get("max_credits"), job.get("credits")
    page_ids = [page["page_id"] for page in job.get("pages", []) if page.get("page_id")]
    outcome.pages = len(job.get("pages", []))
    if job["status"] != "saved":
        raise StepFailed("generation", problem=f"{job['status']}: {outcome.job_reason}")

    for page_id in page_ids:
        check = (await expect(client, tenant, "check", "POST", f"/api/cms/pages/{page_id}/check", (200,))).json()
        findings = check["findings"]
        errors = [f for f in findings if f["severity"] == "error"]
        outcome.errors += len(errors)
        outcome.warnings += len(findings) - len(errors)
        outcome.checks += [f"{f['severity']} {f['check']}" for f in findings]
        outcome.pages_publishable += bool(check["publishable"] and not errors)

    # The drafts as they are now, and the shared header and footer the job wrote, go live together.
    refs = [{"id": page_id, "revision": (await expect(client, tenant, "page", "GET", f"/api/cms/pages/{page_id}",
                                                      (200,))).json()["revision"]} for page_id in page_ids]
    layout = (await expect(client, tenant, "layout", "GET", "/api/cms/layout", (200,))).json()
    outcome.layout = layout["revision"] > 0
    published = await call(client, tenant, "POST", "/api/cms/site-publications",
                           json={"pages": refs, "layout_revision": layout["revision"] or None})
    outcome.published = published.status_code
    if published.status_code != 200:
        outcome.problem = f"site-publications {published.status_code}: {published.text[:300]}"
    if published.status_code == 200:
        outcome.home_status = (await client.call("GET", "/", slug=tenant.slug)).status_code


async def server_sent_events(client: PlatformClient, tenant: SignedUp,
                             url: str) -> AsyncIterator[tuple[str, dict[str, Any]]]:
    """(event name, data) of each event as it arrives, through the gateway."""
    headers = {"host": client.host(tenant.slug), "authorization": f"Bearer {tenant.token}",
               "accept": "text/event-stream"}
    path = urlsplit(url).path or url
    async with client.http.stream("GET", path, headers=headers, timeout=STREAM_TIMEOUT) as response:
        if response.status_code != 200:
            await response.aread()
            raise StepFailed("events", response)
        name, data = "message", []
        async for line in response.aiter_lines():
            if not line:
                if data:
                    yield name, json.loads("\n".join(data))
                name, data = "message", []
            elif line.startswith("event:"):
                name = line[6:].strip()
            elif line.startswith("data:"):
                data.append(line[5:].removeprefix(" "))
        if data:
            yield name, json.loads("\n".join(data))


async def final_job(client: PlatformClient, tenant: SignedUp, job_id: str, within: float = 60) -> dict[str, Any]:
    deadline = time.monotonic() + within
    while True:
        job = (await expect(client, tenant, "job", "GET", f"/api/cms/generations/{job_id}", (200,))).json()
        if job["status"] in FINAL or time.monotonic() > deadline:
            return job  # type: ignore[no-any-return]
        await asyncio.sleep(0.2)


# --- the report ----------------------------------------------------------------------------


def median(values: list[float]) -> float | None:
    return statistics.median(values) if values else None


def totals(label: str, outcomes: list[Outcome]) -> list[Row]:
    count = len(outcomes)
    first_try = sum(o.publishable_first_try for o in outcomes)
    warnings = sum(o.warnings for o in outcomes)
    errors = sum(o.errors for o in outcomes)
    published = sum(o.published == 200 for o in outcomes)
    charged = [o for o in outcomes if o.credits and o.max_credits is not None]
    reserve, charge = median([o.max_credits for o in charged]), median([o.credits for o in charged])  # type: ignore[misc]
    same_bound = [o for o in outcomes if o.max_credits is not None and "max_credits" in o.estimate]
    matches = sum(o.estimate["max_credits"] == o.max_credits for o in same_bound)
    per_page = median([s for o in outcomes if (s := o.seconds_per_page) is not None])
    first = median([o.seconds_first_section for o in outcomes if o.seconds_first_section is not None])
    checked = sum(o.pages_publishable > 0 or o.errors > 0 or o.warnings > 0 for o in outcomes)
    rate = 100 * first_try / count if count else None
    return [
        Row(metric=f"{label}: publishable first try ({first_try}/{count} sites)", unit="%", platform=rate,
            target="100%", verdict=verdict(first_try == count if count else None)),
        Row(metric=f"{label}: lint findings, warnings (errors: {errors})", unit="", platform=warnings,
            target="0", verdict=verdict(warnings == 0 and errors == 0 if checked else None)),
        Row(metric=f"{label}: sites published together (200)", unit="%",
            platform=100 * published / count if count else None),
        Row(metric=f"{label}: credits reserved vs charged, medians ({len(charged)} charged jobs)", unit="cr",
            platform=reserve, reference=charge, target=f"<= {RESERVE_TARGET:.2f}x",
            verdict=verdict(reserve / charge <= RESERVE_TARGET if reserve is not None and charge else None)),
        Row(metric=f"{label}: expected charge (estimate) vs charged, medians", unit="cr",
            platform=median([o.estimate["expected_credits"] for o in charged if "expected_credits" in o.estimate]),
            reference=charge),
        Row(metric=f"{label}: estimate = the job's reserve ({matches}/{len(same_bound)})", unit="%",
            platform=100 * matches / len(same_bound) if same_bound else None, target="100%",
            verdict=verdict(matches == len(same_bound) if same_bound else None)),
        Row(metric=f"{label}: seconds per page, median", unit="s", platform=per_page),
        Row(metric=f"{label}: seconds to the first streamed section, median", unit="s", platform=first),
    ]


def brief_row(label: str, o: Outcome) -> Row:
    if o.failed_at:
        state = f"FAILED at {o.failed_at}"
    else:
        dropped = len(o.estimate.get("dropped", []))
        state = (f"{o.pages_publishable}/{o.pages} pages publishable, {o.warnings} warnings, "
                 f"{_seconds(o.seconds_per_page)}/page, first section {_seconds(o.seconds_first_section)}"
                 + (f", {dropped} sections left out to fit the wallet" if dropped else ""))
    return Row(metric=f"  {label} {o.brief} ({o.language}): {state}", unit="cr",
               platform=float(o.max_credits) if o.max_credits is not None else None,
               reference=float(o.credits) if o.credits else None, target="first try, 0 findings",
               verdict=verdict(o.publishable_first_try and o.warnings == 0))


def _seconds(value: float | None) -> str:
    return "-" if value is None else f"{value:.2f} s"


def report(runs: dict[str, list[Outcome]], stand_in: StandInModel, briefs: int) -> Report:
    rows = [row for label, outcomes in runs.items() for row in totals(label, outcomes)]
    rows += [brief_row(label, o) for label, outcomes in runs.items() for o in outcomes]
    notes = [f"{briefs} briefs from bench/briefs, each a fresh tenant (sign-up grant, no top-up), one at a time, "
             "through the gateway: POST /api/cms/site-plans -> /site-generations/estimate -> /site-generations "
             "(SSE until saved or failed) -> POST /pages/{id}/check for every page -> /site-publications (the "
             "drafts and the layout's draft together)",
             "publishable first try: the job saved, every page's check publishable with no error finding; "
             "lint findings: the checks' warnings; per-brief rows: credits reserved (max_credits) vs charged",
             "seconds are wall-clock from the generation's POST (one platform, granian, 2 shared cores): "
             "per page = to the final event / pages; first section = to the first `section` event",
             "openai (stand-in): cms's OpenAI provider against tests/servers/openai_compatible.py, whose "
             "stand-in model (bench/stand_in_model.py) answers with cms's offline writers through strict schemas"]
    summary = stand_in.summary()
    if summary["missing_writers"]:
        notes.append("stand-in model: " + "; ".join(f"{name}: {why}" for name, why in
                                                    summary["missing_writers"].items()))
    if summary["invalid_answers"]:
        notes.append(f"stand-in model: {summary['invalid_answers']} answers invalid against the request's own "
                     "schema (sent anyway, so cms's validation and repair saw them)")
    if summary["writer_errors"]:
        notes.append(f"stand-in model: a writer raised {summary['writer_errors']} times (answered 500), first: "
                     f"{summary['first_writer_errors'][0]['error'][:160]}")
    failures = {f"{label} {o.brief}": f"{o.failed_at}: {o.problem}" for label, outcomes in runs.items()
                for o in outcomes if o.failed_at}
    notes += [f"failed: {where}: {why[:160]}" for where, why in list(failures.items())[:6]]
    details = {"runs": {label: [{**msgspec.structs.asdict(o), "publishable_first_try": o.publishable_first_try,
                                 "seconds_per_page": o.seconds_per_page} for o in outcomes]
                        for label, outcomes in runs.items()},
               "stand_in_model": summary}
    return Report(title="Whole sites from briefs: publishable as generated, credits, streaming",
                  platform_label="measured", reference_label="charged", rows=rows, notes=notes, details=details)

"""AI generation jobs: a page from a prompt, or a whole site from a brief and its plan, each
paid from one hold.

The request fits the job to the wallet (pricing.py: fewer sections or shorter answers rather
than a 402 while a useful job fits), reserves its upper bound from billing and returns at
once; a worker then writes the page(s) section by section (writing.py), streaming each
section as it is done, and saves drafts only when every page passes its gates and lints.
One outcome event settles the hold: `cms.page.generated.v1` or `cms.site.generated.v1`
captures the actual cost, `cms.page.generation_failed.v1` releases it. A job that a crash
left behind is marked failed when next read, and its hold expires in billing."""

from __future__ import annotations

import asyncio
import logging
import uuid
from collections.abc import Callable
from functools import cache
from typing import Any

import asyncpg
import msgspec
from nats.aio.client import Client as NATS
from opentelemetry import trace

from shared.ai import AIError, AIProvider, Usage
from shared.ai.metered import Hold, MeteredCall, NotReserved, Spent, reserve
from shared.ai.output import estimate_tokens
from shared.ai.strict_schema import to_strict
from shared.auth import Caller, Role
from shared.contracts import (
    CountAvailableCredits,
    GeneratedPage,
    PageGeneratedV1,
    PageGenerationFailedV1,
    ReserveCredits,
    SearchAssets,
    SiteGeneratedV1,
)
from shared.db import Database
from shared.errors import AppError, Conflict, Invalid, NotFound, PaymentRequired, Unavailable
from shared.messaging import add_event, request
from shared.patterns import json_schema

from . import plans, pricing, sites
from .ai_edits import node_schema
from .context import Ctx
from .pages import normalize_slug
from .prompts import brand_words, plan_prompt, section_prompt
from .registry import REGISTRY_VERSION
from .repo import generations as repo
from .repo import layouts, pages
from .schemas import (
    PLAN_COMPONENTS,
    BriefIn,
    EstimateOut,
    GenerationIn,
    GenerationOut,
    PlannedPage,
    SiteGenerationIn,
    SitePlan,
)
from .settings import Settings
from .tree import nodes
from .writing import PageRefused, PageWriter, Repairs, WrittenPage

log = logging.getLogger("cms.generation")
_tracer = trace.get_tracer("cms.generation")

FINAL = frozenset({"saved", "proposed", "failed"})
IMAGES_IN_CONTEXT = 12  # alt texts of the library a section may ask for
SITE_CONTEXT_TOKENS = 600  # a one-page job's plan is not known when it is priced: its context, at most
CHECK_TIMEOUT = 5.0


# --- what a job costs ------------------------------------------------------------------------


def prices(settings: Settings) -> pricing.Prices:
    return pricing.Prices(settings.generation_credits_per_1k_tokens, settings.generation_cached_input_share)


@cache
def schema_tokens(schema_name: str, strict: bool) -> int:
    """Tokens of a schema as the provider receives it: OpenAI's strict form, or as it is."""
    schema = plan_schema() if schema_name == "plan" else node_schema(schema_name)
    return estimate_tokens(msgspec.json.encode(to_strict(schema) if strict else schema).decode())


@cache
def plan_schema() -> dict[str, Any]:
    return json_schema(SitePlan)


def page_plan_schema(max_sections: int) -> dict[str, Any]:
    """A plan of exactly one page of at most `max_sections` sections (what the job paid for)."""
    schema = json_schema(SitePlan)
    schema["$defs"]["SitePlan"]["properties"]["pages"] |= {"minItems": 1, "maxItems": 1}
    schema["$defs"]["PlannedPage"]["properties"]["sections"]["maxItems"] = max_sections
    return schema


def site_job(brief: BriefIn, plan: SitePlan, images: list[str], *, strict: bool) -> pricing.Job:
    """The calls writing `plan` makes, each priced from the very prompt and schema it sends,
    keyed (slug, section index). `strict`: the provider takes OpenAI's strict schemas."""
    site = plans.site_context(plan, brief)
    calls = []
    for page in plan.pages:
        for index, section in enumerate(page.sections):
            system, prompt = section_prompt(plans.section_context(brief, site, page, index, images))
            calls.append(pricing.Call(
                input_tokens=estimate_tokens(system + prompt) + schema_tokens(section.component, strict),
                max_output=pricing.SECTION_OUTPUT.get(section.component, pricing.DEFAULT_OUTPUT),
                essential=index == 0, key=(page.slug, index)))
    return pricing.Job(tuple(calls), pricing.repairs_for(len(calls)))


def page_job(brief: BriefIn, settings: Settings, images: list[str], *, strict: bool) -> pricing.Job:
    """A one-page job: its plan call, then up to `generation_max_sections` sections, each
    priced as the largest section could be (the plan, made in the job, is not known yet)."""
    count = min(len(brief.sections) or settings.generation_max_sections, settings.generation_max_sections)
    system, prompt = plan_prompt("page_plan", msgspec.to_builtins(brief), max_sections=count)
    plan_call = pricing.Call(input_tokens=estimate_tokens(system + prompt) + schema_tokens("plan", strict),
                             max_output=pricing.PLAN_OUTPUT["page_plan"], essential=True, key=("plan", 0))
    largest_schema = max(schema_tokens(c, strict) for c in PLAN_COMPONENTS)
    section_input = estimate_tokens(section_prompt(_sample_context(brief))[0]) + estimate_tokens(
        msgspec.json.encode([brief, images]).decode()) + SITE_CONTEXT_TOKENS + largest_schema
    sections = [pricing.Call(input_tokens=section_input, max_output=max(pricing.SECTION_OUTPUT.values()),
                             essential=index == 0, key=("section", index)) for index in range(count)]
    return pricing.Job((plan_call, *sections), pricing.repairs_for(count))


def _sample_context(brief: BriefIn) -> dict[str, Any]:
    return {"section": {"component": "Hero", "anchor": "top"}, "page": {"slug": "/"},
            "site": {"language": brief.language}}


async def library_of(nc: NATS, tenant_id: uuid.UUID, brief: BriefIn) -> list[str]:
    """Alt texts of the tenant's pictures that fit the business: what its sections may ask
    for (read once, when the job is priced, and kept with it)."""
    query = " ".join((brief.name, brief.business[:120], brief.location))[:200]
    try:
        reply = await request(nc, SearchAssets(tenant_id=tenant_id, queries=[query], k=IMAGES_IN_CONTEXT),
                              timeout=CHECK_TIMEOUT)
    except AppError as exc:
        log.warning("the library could not be searched; sections are written without it: %s", exc)
        return []
    return list(dict.fromkeys(found.alt_text[:120] for found in reply.results[0] if found.alt_text))


def strict_schemas(ctx: Ctx) -> bool:
    return ctx.provider.name == "openai"


async def available_credits(nc: NATS, tenant_id: uuid.UUID) -> int:
    try:
        return (await request(nc, CountAvailableCredits(tenant_id=tenant_id), timeout=CHECK_TIMEOUT)).available
    except AppError:
        raise Unavailable("billing did not answer; nothing was charged, try again shortly") from None


async def fitted(ctx: Ctx, tenant_id: uuid.UUID, job: pricing.Job) -> tuple[pricing.Job | None, int]:
    """The job the wallet pays for (None: not even the smallest), and what is available."""
    available = await available_credits(ctx.nc, tenant_id)
    return prices(ctx.settings).fit(job, available), available


def estimate_of(ctx: Ctx, job: pricing.Job, fit: pricing.Job | None, available: int) -> EstimateOut:
    price = prices(ctx.settings)
    chosen = fit or job
    return EstimateOut(max_credits=price.bound(chosen), input_tokens=sum(c.input_tokens for c in chosen.calls),
                       max_output_tokens=max((c.max_output for c in chosen.calls), default=0),
                       expected_credits=price.expected(chosen), available=available, fits=fit is not None,
                       smallest_credits=price.smallest(job), calls=len(chosen.calls),
                       dropped=[list(c.key) for c in job.calls if c.key not in {k.key for k in chosen.calls}])


def refused(job: pricing.Job, available: int, settings: Settings, what: str) -> PaymentRequired:
    least = prices(settings).smallest(job)
    return PaymentRequired(f"{what} needs at least {least} credits and {available} are available; top up",
                           price=least, available=available)


# --- starting jobs -------------------------------------------------------------------------


def job_out(row: asyncpg.Record, *, nodes_from: int | None = None) -> GenerationOut:
    """The job; its history's written sections keep their nodes only from entry `nodes_from`
    on (1-based; None: none), so polling stays small and a stream sends each node once."""
    values = {k: row[k] for k in GenerationOut.__struct_fields__ if k not in ("status_url", "events_url")}
    history = row["history"]
    values["history"] = without_nodes(history) if nodes_from is None else \
        without_nodes(history[:nodes_from - 1]) + history[nodes_from - 1:]
    base = f"/api/cms/generations/{row['id']}"
    return GenerationOut(**values, status_url=base, events_url=f"{base}/events")


async def site_of(tx: asyncpg.Connection, nc: NATS, tenant_id: uuid.UUID, slugs: set[str]) -> dict[str, Any]:
    """The site as AI work on one of its pages is told of it: the business (from the profile a
    site generation left, else the site's name) and its pages."""
    site, layout = await sites.current_site(tx, nc, tenant_id), await layouts.layout(tx)
    profile = (layout["profile"] if layout else None) or {}
    name = profile.get("name") or (site["name"] if site else "")
    return {"name": name, "language": profile.get("language", "en"), "tagline": profile.get("tagline", ""),
            "facts": profile.get("facts") or {"business_name": name},
            "pages": [{"slug": slug, "nav_label": slug.strip("/") or "home", "title": slug} for slug in sorted(slugs)]}


async def site_brief(ctx: Ctx, tx: asyncpg.Connection, tenant_id: uuid.UUID, data: GenerationIn) -> BriefIn:
    """A one-page prompt as a brief: the business named as the site is (or its profile)."""
    site = await sites.current_site(tx, ctx.nc, tenant_id)
    layout = await layouts.layout(tx)
    profile = (layout["profile"] if layout else None) or {}
    name = profile.get("name") or (site["name"] if site else "") or "Our business"
    return BriefIn(name=name[:80], business=data.prompt[:3000], location=profile.get("location", "")[:160],
                   tone=data.tone, language=data.language, sections=data.sections, brand_notes=data.brand_notes)


async def estimate_generation(ctx: Ctx, caller: Caller, data: GenerationIn) -> EstimateOut:
    """What a page generation of this prompt will reserve (fitted to the wallet) and is expected to cost."""
    tenant_id = caller.require(Role.EDITOR)
    async with ctx.db.tenant_tx(tenant_id) as tx:
        brief = await site_brief(ctx, tx, tenant_id, data)
    images = await library_of(ctx.nc, tenant_id, brief)
    job = page_job(brief, ctx.settings, images, strict=strict_schemas(ctx))
    fit, available = await fitted(ctx, tenant_id, job)
    return estimate_of(ctx, job, fit, available)


async def start_generation(ctx: Ctx, caller: Caller, data: GenerationIn) -> GenerationOut:
    """Fit the page job to the wallet, reserve its upper bound and queue it."""
    tenant_id = caller.require(Role.EDITOR)
    slug = normalize_slug(data.slug) if data.slug else None
    if data.page_id is not None and data.revision is None:
        raise Invalid("replacing a page's draft needs the revision you read", errors=[{"field": "revision"}])
    async with ctx.db.tenant_tx(tenant_id) as tx:
        if data.page_id is not None and not await pages.exists(tx, data.page_id):
            raise NotFound("no such page")
        brief = await site_brief(ctx, tx, tenant_id, data)
    images = await library_of(ctx.nc, tenant_id, brief)
    job = page_job(brief, ctx.settings, images, strict=strict_schemas(ctx))
    fit, available = await fitted(ctx, tenant_id, job)
    if fit is None:
        raise refused(job, available, ctx.settings, "the smallest page")
    sections = [c for c in fit.calls if c.key[0] == "section"]
    body = {**msgspec.to_builtins(data), "slug": slug, "brief": msgspec.to_builtins(brief), "images": images,
            "budget": {"sections": len(sections), "section_cap": sections[0].max_output,
                       "plan_cap": fit.calls[0].max_output, "repairs": fit.repairs}}
    return await _reserve(ctx, caller, tenant_id, "page", data.page_id, body, prices(ctx.settings).bound(fit))


async def start_site(ctx: Ctx, caller: Caller, data: SiteGenerationIn) -> GenerationOut:
    """Fit the site's plan to the wallet (sections past each page's first may be left out),
    reserve its upper bound and queue it."""
    tenant_id = caller.require(Role.EDITOR)
    plan, images, job = await planned_site(ctx, tenant_id, data)
    fit, available = await fitted(ctx, tenant_id, job)
    if fit is None:
        raise refused(job, available, ctx.settings, "this site")
    body = {"brief": msgspec.to_builtins(data.brief), "plan": msgspec.to_builtins(plan), "images": images,
            "budget": {"caps": [[*c.key, c.max_output] for c in fit.calls], "repairs": fit.repairs}}
    return await _reserve(ctx, caller, tenant_id, "site", None, body, prices(ctx.settings).bound(fit))


async def estimate_site(ctx: Ctx, caller: Caller, data: SiteGenerationIn) -> EstimateOut:
    tenant_id = caller.require(Role.EDITOR)
    _, _, job = await planned_site(ctx, tenant_id, data)
    fit, available = await fitted(ctx, tenant_id, job)
    return estimate_of(ctx, job, fit, available)


async def planned_site(ctx: Ctx, tenant_id: uuid.UUID,
                       data: SiteGenerationIn) -> tuple[SitePlan, list[str], pricing.Job]:
    """The plan as it will be written (held to the brief again: an edited plan cannot add
    facts the brief does not give), the library's pictures it may ask for, and the job."""
    plan, images = await held_to_site(ctx, tenant_id, data.plan, data.brief)
    return plan, images, site_job(data.brief, plan, images, strict=strict_schemas(ctx))


async def held_to_site(ctx: Ctx, tenant_id: uuid.UUID, plan: SitePlan, brief: BriefIn,
                       images: list[str] | None = None) -> tuple[SitePlan, list[str]]:
    """`plan` held to the brief and to what the site has (products, pictures), with the alt
    texts of the pictures its sections may ask for (`images`, when the caller read them)."""
    async with ctx.db.tenant_tx(tenant_id) as tx:
        catalogue = await repo.active_product_ids(tx)
    images = await library_of(ctx.nc, tenant_id, brief) if images is None else images
    site = plans.Site(sells_products=bool(catalogue), pictures=len(images))
    return plans.grounded_plan(plan, brief, site), images


async def _reserve(ctx: Ctx, caller: Caller, tenant_id: uuid.UUID, kind: str, page_id: uuid.UUID | None,
                   body: dict[str, Any], max_credits: int) -> GenerationOut:
    async with ctx.db.tenant_tx(tenant_id) as tx:
        row = await repo.insert_job(tx, tenant_id, uuid.uuid4(), kind, page_id, body, max_credits, caller.account_id)
    job_id = row["id"]
    try:
        hold = await reserve(ctx.nc, ReserveCredits(tenant_id=tenant_id, amount=max_credits,
                                                    reference=f"generation:{job_id}",
                                                    ledger_type="AI_PAGE_GENERATION",
                                                    ttl_seconds=ctx.settings.generation_hold_seconds))
    except NotReserved as refusal:
        async with ctx.db.tenant_tx(tenant_id) as tx:
            await repo.fail_job(tx, job_id, refusal.reason)
        raise refusal.problem(f"this {kind}", "top up, or ask for fewer pages or sections") from None
    async with ctx.db.tenant_tx(tenant_id) as tx:
        row = await repo.set_reserved(tx, job_id, hold.hold_id)
    ctx.generator.submit(tenant_id, job_id)
    return job_out(row)


def as_at(job: GenerationOut, step: int) -> GenerationOut:
    """The job as it was at its `step`-th transition (1-based), for the event that names it:
    that status, the history up to it, and no outcome (page, pages, tokens, credits, reason)
    before the transition that has one, the latest."""
    entry = job.history[step - 1]
    if step == len(job.history):
        return msgspec.structs.replace(job, status=entry["status"])
    return msgspec.structs.replace(
        job, status=entry["status"], history=job.history[:step], page_id=None, credits=None, model=None,
        input_tokens=0, cached_input_tokens=0, output_tokens=0, repaired=False, assets_used=[], reason=None,
        charged_credits=None, pages=[])


def without_nodes(history: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [{k: v for k, v in entry.items() if k != "node"} for entry in history]


def event_name(entry: dict[str, Any]) -> str:
    """A history entry's server-sent event: its progress event (section, page), else its status."""
    return str(entry.get("event") or entry["status"])


async def get_generation(ctx: Ctx, caller: Caller, job_id: uuid.UUID, *,
                         nodes_from: int | None = None) -> GenerationOut:
    """A job's state; a job its process left behind is failed here."""
    tenant_id = caller.require(Role.VIEWER)
    async with ctx.db.tenant_tx(tenant_id) as tx:
        row = await repo.job(tx, job_id)
        if row is None:
            raise NotFound("no such generation")
        # Left behind by a process that died: its hold expires in billing, nothing is charged.
        if row["status"] not in FINAL and await repo.is_abandoned(tx, job_id, ctx.settings.generation_hold_seconds):
            row = await repo.fail_job(tx, job_id, "interrupted by a restart; the credits held for it return when "
                                                  "the hold expires")
    return job_out(row, nodes_from=nodes_from)


# --- running jobs --------------------------------------------------------------------------


class DraftChanged(Conflict):
    """The page's draft moved on while its replacement was being generated."""


class Generator:
    """Runs reserved jobs in this process; their model calls share a few slots."""

    def __init__(self, db: Database, nc: NATS, provider: AIProvider, settings: Settings) -> None:
        self.db, self.nc, self.provider, self.settings = db, nc, provider, settings
        self.prices = prices(settings)
        self.slots = asyncio.Semaphore(settings.generation_concurrency)
        self.running: dict[uuid.UUID, asyncio.Task[None]] = {}

    def submit(self, tenant_id: uuid.UUID, job_id: uuid.UUID) -> None:
        """Run the job here, once: a job submitted again while it runs is not run twice."""
        if job_id in self.running:
            return
        task = asyncio.create_task(self.run(tenant_id, job_id), name=f"generation-{job_id}")
        self.running[job_id] = task
        task.add_done_callback(lambda _: self.running.pop(job_id, None))

    async def run(self, tenant_id: uuid.UUID, job_id: uuid.UUID) -> None:
        job = None
        try:
            async with self.db.tenant_tx(tenant_id) as tx:
                job = await repo.job(tx, job_id)
            assert job is not None
            with _tracer.start_as_current_span(f"generate {job['kind']}", attributes={"generation.id": str(job_id)}):
                await (self._site if job["kind"] == "site" else self._page)(tenant_id, job)
        except (Invalid, AIError, DraftChanged):
            pass  # the job says why it failed; its hold is released
        except Exception as error:  # a bug or an outage: the job ends, its hold is released (or expires)
            log.exception("generation %s failed", job_id)
            if job is not None and job["hold_id"] is not None:  # a no-op when the metered call released it
                spent = Spent(hold_id=job["hold_id"], model="", input_tokens=0, output_tokens=0, credits=0,
                              repaired=False)
                await self._fail(tenant_id, job_id, failure_reason(error), spent)

    def _call(self, tenant_id: uuid.UUID, job: asyncpg.Record) -> MeteredCall:
        return MeteredCall(self.provider, Hold(tenant_id=tenant_id, hold_id=job["hold_id"],
                                               max_credits=job["max_credits"]), price=self.prices.of)

    async def _writer(self, tenant_id: uuid.UUID, job: asyncpg.Record, call: MeteredCall, brief: BriefIn,
                      plan: SitePlan, caps: dict[tuple[str, int], int], repairs: int,
                      other_pages: list[dict[str, str]]) -> PageWriter:
        images = job["request"].get("images") or []
        async with self.db.tenant_tx(tenant_id) as tx:
            catalogue = await repo.active_product_ids(tx)
            brand = brand_words(await sites.current_site(tx, self.nc, tenant_id))

        async def on_section(slug: str, index: int, block: dict[str, Any]) -> None:
            section = next(p for p in plan.pages if p.slug == slug).sections[index]
            await self._progress(tenant_id, job["id"], {"event": "section", "page": slug, "index": index,
                                                        "component": section.component, "node": block})

        return PageWriter(call=call, nc=self.nc, tenant_id=tenant_id, brief=brief, plan=plan, catalogue=catalogue,
                          images=images, caps=caps, repairs=Repairs(repairs),
                          slots=self.slots, on_section=on_section, other_pages=other_pages, brand=brand)

    async def _page(self, tenant_id: uuid.UUID, job: asyncpg.Record) -> None:
        """A page: its plan, then its sections."""
        request_body = job["request"]
        brief = msgspec.convert(request_body["brief"], BriefIn)
        budget = request_body["budget"]
        call = self._call(tenant_id, job)
        await self._status(tenant_id, job["id"], "planning")

        async def attempt(_: list[str]) -> WrittenPage:
            system, prompt = plan_prompt("page_plan", msgspec.to_builtins(brief), max_sections=budget["sections"])
            answer = await call.generate_json(system=system, prompt=prompt, schema=page_plan_schema(
                budget["sections"]), schema_name="page_plan", max_output_tokens=budget["plan_cap"])
            async with self.db.tenant_tx(tenant_id) as tx:
                taken = await pages.slugs(tx)
                catalogue = await repo.active_product_ids(tx)
                slug = await self._slug_for(tx, request_body, answer.data)
            site = plans.Site(sells_products=bool(catalogue), pictures=len(request_body.get("images") or []))
            plan = plans.grounded_plan(msgspec.convert(answer.data, SitePlan), brief, site)
            page = msgspec.structs.replace(plan.pages[0], slug=slug,
                                           sections=plan.pages[0].sections[:budget["sections"]])
            plan = msgspec.structs.replace(plan, pages=[page])
            async with self.db.tenant_tx(tenant_id) as tx:
                await repo.set_plan(tx, job["id"], msgspec.to_builtins(plan))
                await self._status_in(tx, job["id"], "generating")
            caps = {(slug, i): min(budget["section_cap"], pricing.SECTION_OUTPUT.get(s.component,
                                                                                      pricing.DEFAULT_OUTPUT))
                    for i, s in enumerate(page.sections)}
            others = [{"slug": s, "nav_label": s.strip("/") or "home", "title": s} for s in sorted(taken - {slug})]
            writer = await self._writer(tenant_id, job, call, brief, plan, caps, budget["repairs"], others)
            return await writer.write(page)

        async def save(written: WrittenPage, spent: Spent) -> None:
            trace.get_current_span().set_attribute("generation.repaired", spent.repaired or written.repaired)
            await self._save_page(tenant_id, job, written, spent)

        async def fail(error: BaseException, spent: Spent) -> None:
            await self._fail(tenant_id, job["id"], failure_reason(error), spent)

        await call.run(attempt, settle=save, release=fail, repair=False)

    async def _slug_for(self, tx: asyncpg.Connection, body: dict[str, Any], plan: dict[str, Any]) -> str:
        if body.get("page_id"):
            row = await pages.page(tx, uuid.UUID(body["page_id"]))
            if row is None:
                raise DraftChanged("the page was deleted while it was being generated; nothing was charged")
            return str(row["slug"])
        wanted = body.get("slug") or plan["pages"][0]["slug"] or "/"
        return await free_slug(tx, normalize_slug(wanted))

    async def _site(self, tenant_id: uuid.UUID, job: asyncpg.Record) -> None:
        """A site: its pages at once (sharing the job's slots and repair allowance), then its
        layout and drafts in one transaction with the outcome event."""
        brief = msgspec.convert(job["request"]["brief"], BriefIn)
        plan = msgspec.convert(job["request"]["plan"], SitePlan)
        budget = job["request"]["budget"]
        caps = {(slug, index): cap for slug, index, cap in budget["caps"]}
        call = self._call(tenant_id, job)
        await self._status(tenant_id, job["id"], "generating")

        async def attempt(_: list[str]) -> list[WrittenPage]:
            writer = await self._writer(tenant_id, job, call, brief, plan, caps, budget["repairs"], [])

            async def one(page: PlannedPage) -> WrittenPage:
                written = await writer.write(page)
                await self._progress(tenant_id, job["id"], {"event": "page", "page": page.slug, "state": "written"})
                return written

            return list(await asyncio.gather(*(one(page) for page in plan.pages)))

        async def save(written: list[WrittenPage], spent: Spent) -> None:
            await self._save_site(tenant_id, job, brief, plan, written, spent)

        async def fail(error: BaseException, spent: Spent) -> None:
            await self._fail(tenant_id, job["id"], failure_reason(error, "site"), spent)

        await call.run(attempt, settle=save, release=fail, repair=False)

    async def _save_page(self, tenant_id: uuid.UUID, job: asyncpg.Record, written: WrittenPage,
                         spent: Spent) -> None:
        job_id, body = job["id"], job["request"]
        ai_nodes = {node_id: str(job_id) for node_id in nodes(written.tree)}
        async with self.db.tenant_tx(tenant_id) as tx:
            if body.get("page_id"):
                page_id = uuid.UUID(body["page_id"])
                if not await repo.replace_draft(tx, page_id, body["revision"], written.tree, REGISTRY_VERSION,
                                                job["created_by"], ai_nodes):
                    raise DraftChanged("the draft changed while the page was being generated; nothing was "
                                       "charged, generate again from the current draft")
            else:
                page_id = uuid.uuid4()
                slug = await free_slug(tx, written.slug)
                await repo.insert_page(tx, tenant_id, page_id, slug, written.tree, REGISTRY_VERSION,
                                       job["created_by"], ai_nodes)
            await repo.save_job(tx, job_id, page_id, spent.credits, spent.model, spent.input_tokens,
                                spent.output_tokens, spent.repaired or written.repaired, written.assets)
            await self._first_layout(tx, tenant_id, job)
            await add_event(tx, PageGeneratedV1(tenant_id=tenant_id, page_id=page_id, generation_id=job_id,
                                                hold_id=spent.hold_id, model=spent.model,
                                                input_tokens=spent.input_tokens, output_tokens=spent.output_tokens,
                                                credits=spent.credits,
                                                cached_input_tokens=spent.cached_input_tokens))

    async def _first_layout(self, tx: asyncpg.Connection, tenant_id: uuid.UUID, job: asyncpg.Record) -> None:
        """A site without a header and footer gets them drafted from its first generated page's
        plan, linking every page it has (an editor changes them once, for every page)."""
        if await layouts.layout(tx) is not None:
            return
        row = await repo.job(tx, job["id"])
        plan = msgspec.convert(row["plan"], SitePlan)
        own = plan.pages[0]
        others = [PlannedPage(slug=slug, nav_label=(slug.strip("/").replace("-", " ").capitalize() or "Home")[:24],
                              title=slug, description=own.description, sections=own.sections)
                  for slug in sorted(await pages.slugs(tx)) if slug != own.slug]
        header, footer = plans.layout_from(msgspec.structs.replace(plan, pages=sorted(
            [own, *others], key=lambda page: (page.slug != "/", page.slug))))
        await layouts.save_draft(tx, tenant_id, header, footer, 0, job["created_by"])

    async def _save_site(self, tenant_id: uuid.UUID, job: asyncpg.Record, brief: BriefIn, plan: SitePlan,
                         written: list[WrittenPage], spent: Spent) -> None:
        """Every page as a draft (a page already at a planned address gets the new draft; its
        live version stays until it is published), the header and footer as the layout's draft,
        the business as the site's profile; one event with what each page used."""
        job_id = job["id"]
        header, footer = plans.layout_from(plan)
        breakdown: list[GeneratedPage] = []
        async with self.db.tenant_tx(tenant_id) as tx:
            for page in written:
                ai_nodes = {node_id: str(job_id) for node_id in nodes(page.tree)}
                existing = await repo.page_at(tx, page.slug)
                if existing is not None:
                    await repo.replace_draft(tx, existing["id"], existing["revision"], page.tree, REGISTRY_VERSION,
                                             job["created_by"], ai_nodes)
                    page_id = existing["id"]
                else:
                    page_id = uuid.uuid4()
                    await repo.insert_page(tx, tenant_id, page_id, page.slug, page.tree, REGISTRY_VERSION,
                                           job["created_by"], ai_nodes)
                breakdown.append(GeneratedPage(page_id=page_id, slug=page.slug, input_tokens=page.usage.input_tokens,
                                               cached_input_tokens=page.usage.cached_input_tokens,
                                               output_tokens=page.usage.output_tokens,
                                               credits=self.prices.of(page.usage)))
            current = await layouts.layout(tx)
            await layouts.save_draft(tx, tenant_id, header, footer, current["revision"] if current else 0,
                                     job["created_by"])
            await layouts.save_profile(tx, tenant_id, {"name": brief.name, "location": brief.location,
                                                       "language": plan.language, "tagline": plan.tagline,
                                                       "facts": msgspec.to_builtins(plan.facts)})
            assets = list(dict.fromkeys(a for page in written for a in page.assets))
            await repo.save_site_job(tx, job_id, [{**msgspec.to_builtins(p), "status": "saved"} for p in breakdown],
                                     spent.credits, spent.model, spent.input_tokens, spent.cached_input_tokens,
                                     spent.output_tokens, spent.repaired or any(p.repaired for p in written), assets)
            await add_event(tx, SiteGeneratedV1(tenant_id=tenant_id, generation_id=job_id, hold_id=spent.hold_id,
                                                model=spent.model, input_tokens=spent.input_tokens,
                                                cached_input_tokens=spent.cached_input_tokens,
                                                output_tokens=spent.output_tokens, credits=spent.credits,
                                                pages=breakdown))

    async def _progress(self, tenant_id: uuid.UUID, job_id: uuid.UUID, entry: dict[str, Any]) -> None:
        async with self.db.tenant_tx(tenant_id) as tx:
            await repo.add_progress(tx, job_id, entry)

    async def _status(self, tenant_id: uuid.UUID, job_id: uuid.UUID, status: str) -> None:
        async with self.db.tenant_tx(tenant_id) as tx:
            await self._status_in(tx, job_id, status)

    @staticmethod
    async def _status_in(tx: asyncpg.Connection, job_id: uuid.UUID, status: str) -> None:
        await repo.set_status(tx, job_id, status)

    async def _fail(self, tenant_id: uuid.UUID, job_id: uuid.UUID, reason: str, spent: Spent) -> None:
        async with self.db.tenant_tx(tenant_id) as tx:
            job = await repo.job(tx, job_id)
            if job is None or job["status"] in FINAL:
                return  # already marked failed as abandoned: its hold expired in billing
            await repo.fail_with_usage(tx, job_id, reason[:500], spent.model or None, spent.input_tokens,
                                       spent.output_tokens)
            await add_event(tx, PageGenerationFailedV1(tenant_id=tenant_id, generation_id=job_id,
                                                       hold_id=spent.hold_id, reason=reason[:300]))


def failure_reason(error: BaseException, what: str = "page") -> str:
    """Why AI work failed, as the user can act on it; its hold is released in every case."""
    if isinstance(error, PageRefused):
        return f"the model's {what} did not pass its checks after a repair round ({error}); nothing was charged"
    if isinstance(error, Invalid) or (isinstance(error, AIError) and error.reason == "invalid-output"):
        return f"the model's {what} was not valid ({error}); nothing was charged"
    if isinstance(error, AIError):
        return {
            "timeout": "the model did not answer in time; nothing was charged, try again",
            "rate-limited": "the AI provider is busy; nothing was charged, try again in a minute",
            "insufficient-quota": "the platform's AI account is out of quota; nothing was charged, contact support",
            "unavailable": "the AI provider is unavailable; nothing was charged, try again later",
        }.get(error.reason, f"the model refused the request ({error}); nothing was charged, rephrase the brief")
    if isinstance(error, DraftChanged):
        return str(error)
    if isinstance(error, asyncio.CancelledError):
        return "stopped before it finished (the service shut down); nothing was charged, try again"
    return f"internal error ({type(error).__name__}); nothing was charged"


async def free_slug(tx: asyncpg.Connection, slug: str) -> str:
    """`slug`, or `slug-2`, `slug-3`…: a generation never fails on a taken address."""
    stem = slug.rstrip("/") or "/home"
    taken = await repo.slugs_like(tx, stem)
    if slug not in taken:
        return slug
    return next(f"{stem}-{n}" for n in range(2, 10_000) if f"{stem}-{n}" not in taken)


PriceOf = Callable[[Usage], int]

"""AI page generation: a prompt becomes a validated draft, paid with reserved credits.

The request reserves the most the job can cost from billing (402 when the tenant is short)
and returns at once; a worker then asks the model for a page tree under the registry's JSON
Schema, grounds its images in the tenant's library, validates it (one repair round: the
problems go back to the model) and saves it as a draft. The outcome event settles the
credits: `cms.page.generated.v1` captures the actual cost, `cms.page.generation_failed.v1`
releases the hold. A job that a crash left behind is marked failed when next read, and its
hold expires in billing. The credit sequence itself is shared/ai/metered.py's: this module
keeps the prompt, the checks, and what a job saves."""

from __future__ import annotations

import asyncio
import logging
import math
import uuid
from typing import Any

import asyncpg
import msgspec
from nats.aio.client import Client as NATS
from opentelemetry import trace

from shared.ai import AIError, AIProvider, Usage
from shared.ai.metered import Hold, MeteredCall, NotReserved, Spent, most_tokens, reserve
from shared.ai.output import estimate_tokens
from shared.auth import Caller, Role
from shared.contracts import PageGeneratedV1, PageGenerationFailedV1, ReserveCredits
from shared.db import Database
from shared.errors import Conflict, Invalid, NotFound
from shared.messaging import add_event

from .context import Ctx
from .grounding import complete_seo, ground, ground_links
from .pages import normalize_slug
from .prompts import page_prompts, repair_prompt
from .registry import REGISTRY_VERSION, tree_schema
from .repo import generations as repo
from .repo import pages, projections
from .schemas import EstimateOut, GenerationIn, GenerationOut
from .settings import Settings
from .tree import nodes, validate

log = logging.getLogger("cms.generation")
_tracer = trace.get_tracer("cms.generation")

FINAL = frozenset({"saved", "proposed", "failed"})
SCHEMA = tree_schema()
SCHEMA_TOKENS = estimate_tokens(msgspec.json.encode(SCHEMA).decode())  # the schema travels with every call


class Cost:
    def __init__(self, settings: Settings) -> None:
        self.rate = settings.generation_credits_per_1k_tokens
        self.max_output = settings.generation_max_output_tokens

    def credits(self, tokens: int) -> int:
        return max(1, math.ceil(tokens * self.rate / 1000))

    def of(self, usage: Usage) -> int:
        """What the model calls of a job cost."""
        return self.credits(usage.input_tokens + usage.output_tokens)

    def bound(self, one_input: int, max_output: int) -> int:
        """The most a job can cost: a call and its repair round."""
        return self.credits(most_tokens(one_input, max_output))

    def estimate(self, system: str, prompt: str) -> tuple[int, int]:
        """(input tokens of one call, the most a generation can cost)."""
        one_input = estimate_tokens(system + prompt) + SCHEMA_TOKENS
        return one_input, self.bound(one_input, self.max_output)


def job_out(row: asyncpg.Record) -> GenerationOut:
    values = {k: row[k] for k in GenerationOut.__struct_fields__ if k not in ("status_url", "events_url")}
    base = f"/api/cms/generations/{row['id']}"
    return GenerationOut(**values, status_url=base, events_url=f"{base}/events")


async def estimate_generation(ctx: Ctx, caller: Caller, data: GenerationIn) -> EstimateOut:
    """The most a generation of this brief can cost, before anything is reserved."""
    tenant_id = caller.require(Role.EDITOR)
    async with ctx.db.tenant_tx(tenant_id) as tx:
        site = await projections.site(tx)
    system, prompt = page_prompts(data, site)
    input_tokens, max_credits = Cost(ctx.settings).estimate(system, prompt)
    return EstimateOut(max_credits=max_credits, input_tokens=input_tokens,
                       max_output_tokens=ctx.settings.generation_max_output_tokens)


async def start_generation(ctx: Ctx, caller: Caller, data: GenerationIn) -> GenerationOut:
    """Reserve the job's upper bound and queue it; the caller polls or streams its progress."""
    tenant_id = caller.require(Role.EDITOR)
    slug = normalize_slug(data.slug) if data.slug else None
    if data.page_id is not None and data.revision is None:
        raise Invalid("replacing a page's draft needs the revision you read", errors=[{"field": "revision"}])
    db, settings = ctx.db, ctx.settings
    async with db.tenant_tx(tenant_id) as tx:
        if data.page_id is not None and not await pages.exists(tx, data.page_id):
            raise NotFound("no such page")
        site = await projections.site(tx)
        system, prompt = page_prompts(data, site)
        _, max_credits = Cost(settings).estimate(system, prompt)
        body = {**msgspec.to_builtins(data), "slug": slug}
        row = await repo.insert_job(tx, tenant_id, uuid.uuid4(), "page", data.page_id, body, max_credits,
                                    caller.account_id)
    job_id = row["id"]
    try:
        hold = await reserve(ctx.nc, ReserveCredits(tenant_id=tenant_id, amount=max_credits,
                                                reference=f"generation:{job_id}", ledger_type="AI_PAGE_GENERATION",
                                                ttl_seconds=settings.generation_hold_seconds))
    except NotReserved as refused:
        async with db.tenant_tx(tenant_id) as tx:
            await repo.fail_job(tx, job_id, refused.reason)
        raise refused.problem("this generation", "top up or shorten the brief") from None
    async with db.tenant_tx(tenant_id) as tx:
        row = await repo.set_reserved(tx, job_id, hold.hold_id)
    ctx.generator.submit(tenant_id, job_id)
    return job_out(row)


def as_at(job: GenerationOut, step: int) -> GenerationOut:
    """The job as it was at its `step`-th transition (1-based), for the event that names it:
    that status, the history up to it, and no outcome (page, tokens, credits, reason) before
    the transition that has one, the latest."""
    entry = job.history[step - 1]
    if step == len(job.history):
        return msgspec.structs.replace(job, status=entry["status"])
    return msgspec.structs.replace(
        job, status=entry["status"], history=job.history[:step], page_id=None, credits=None, model=None,
        input_tokens=0, output_tokens=0, repaired=False, assets_used=[], reason=None, charged_credits=None)


async def get_generation(ctx: Ctx, caller: Caller, job_id: uuid.UUID) -> GenerationOut:
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
    return job_out(row)


class DraftChanged(Conflict):
    """The page's draft moved on while its replacement was being generated."""


class Generator:
    """Runs reserved jobs, a few at a time per process."""

    def __init__(self, db: Database, nc: NATS, provider: AIProvider, settings: Settings) -> None:
        self.db, self.nc, self.provider, self.settings = db, nc, provider, settings
        self.cost = Cost(settings)
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
        async with self.slots:
            try:
                with _tracer.start_as_current_span("generate page", attributes={"generation.id": str(job_id)}):
                    await self._generate(tenant_id, job_id)
            except (Invalid, AIError, DraftChanged):
                pass  # the job says why it failed; its hold is released
            except Exception:  # a bug or an outage: the job ends, the hold is released (or expires)
                log.exception("generation %s failed", job_id)

    async def _generate(self, tenant_id: uuid.UUID, job_id: uuid.UUID) -> None:
        async with self.db.tenant_tx(tenant_id) as tx:
            job = await repo.set_status(tx, job_id, "generating")
            site = await projections.site(tx)
        data = msgspec.convert(job["request"], GenerationIn)
        system, prompt = page_prompts(data, site)
        call = MeteredCall(self.provider, Hold(tenant_id=tenant_id, hold_id=job["hold_id"],
                                               max_credits=job["max_credits"]), price=self.cost.of)

        async def attempt(problems: list[str]) -> tuple[dict[str, Any], list[uuid.UUID]]:
            if problems:
                await self._status(tenant_id, job_id, "generating")
            generated = await call.generate_json(system=system, prompt=repair_prompt(prompt, problems) if problems
                                                 else prompt, schema=SCHEMA, schema_name="page_tree",
                                                 max_output_tokens=self.settings.generation_max_output_tokens)
            return await self._checked(tenant_id, job_id, generated.data)

        async def save(checked: tuple[dict[str, Any], list[uuid.UUID]], spent: Spent) -> None:
            trace.get_current_span().set_attribute("generation.repaired", spent.repaired)
            await self._save(tenant_id, job, data, *checked, spent)

        async def fail(error: BaseException, spent: Spent) -> None:
            await self._fail(tenant_id, job_id, failure_reason(error), spent)

        await call.run(attempt, settle=save, release=fail)

    async def _checked(self, tenant_id: uuid.UUID, job_id: uuid.UUID,
                       data: dict[str, Any]) -> tuple[dict[str, Any], list[uuid.UUID]]:
        await self._status(tenant_id, job_id, "validating")
        tree = validate(data)  # the shape first: grounding walks a valid tree
        async with self.db.tenant_tx(tenant_id) as tx:
            catalogue = await repo.active_product_ids(tx)
        tree, assets = await ground(self.nc, tenant_id, tree, catalogue)
        complete_seo(tree)
        return validate(tree), assets

    async def _save(self, tenant_id: uuid.UUID, job: asyncpg.Record, data: GenerationIn, tree: dict[str, Any],
                    assets: list[uuid.UUID], spent: Spent) -> None:
        job_id = job["id"]
        ai_nodes = {node_id: str(job_id) for node_id in nodes(tree)}
        async with self.db.tenant_tx(tenant_id) as tx:
            taken = await pages.slugs(tx)
            if data.page_id is not None:
                ground_links(tree, taken)
                if not await repo.replace_draft(tx, data.page_id, data.revision, tree, REGISTRY_VERSION,
                                                job["created_by"], ai_nodes):
                    raise DraftChanged("the draft changed while the page was being generated; nothing was "
                                       "charged, generate again from the current draft")
                page_id = data.page_id
            else:
                page_id = uuid.uuid4()
                slug = await _free_slug(tx, data.slug or normalize_slug(_slug_from(tree)))
                ground_links(tree, taken | {slug})
                await repo.insert_page(tx, tenant_id, page_id, slug, tree, REGISTRY_VERSION, job["created_by"],
                                       ai_nodes)
            await repo.save_job(tx, job_id, page_id, spent.credits, spent.model, spent.input_tokens,
                                spent.output_tokens, spent.repaired, assets)
            await add_event(tx, PageGeneratedV1(tenant_id=tenant_id, page_id=page_id, generation_id=job_id,
                                                hold_id=spent.hold_id, model=spent.model,
                                                input_tokens=spent.input_tokens, output_tokens=spent.output_tokens,
                                                credits=spent.credits))

    async def _status(self, tenant_id: uuid.UUID, job_id: uuid.UUID, status: str) -> None:
        async with self.db.tenant_tx(tenant_id) as tx:
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
    """Why AI work on a page failed, as the user can act on it; its hold is released in every case."""
    if isinstance(error, Invalid) or (isinstance(error, AIError) and error.reason == "invalid-output"):
        return f"the model's {what} was still invalid after a repair round ({error}); nothing was charged"
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


def _slug_from(tree: dict[str, Any]) -> str:
    words = "".join(c if c.isalnum() else " " for c in tree["root"]["props"]["title"].lower()).split()
    return "/" + "-".join(words[:6]) if words else "/generated"


async def _free_slug(tx: asyncpg.Connection, slug: str) -> str:
    """`slug`, or `slug-2`, `slug-3`…: a generation never fails on a taken address."""
    stem = slug.rstrip("/") or "/home"
    taken = await repo.slugs_like(tx, stem)
    if slug not in taken:
        return slug
    return next(f"{stem}-{n}" for n in range(2, 10_000) if f"{stem}-{n}" not in taken)

"""AI page generation: a prompt becomes a validated draft, paid with reserved credits.

The request reserves the most the job can cost from billing (402 when the tenant is short)
and returns at once; a worker then asks the model for a page tree under the registry's JSON
Schema, grounds its images in the tenant's library, validates it (one repair round: the
problems go back to the model) and saves it as a draft. The outcome event settles the
credits: `cms.page.generated.v1` captures the actual cost, `cms.page.generation_failed.v1`
releases the hold. A job that a crash left behind is marked failed when next read, and its
hold expires in billing."""

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

from shared.ai import AIError, AIProvider
from shared.ai.output import estimate_tokens
from shared.auth import Caller, Role
from shared.contracts import PageGeneratedV1, PageGenerationFailedV1, ReserveCredits
from shared.db import Database
from shared.errors import AppError, Invalid, NotFound, PaymentRequired, Unavailable
from shared.messaging import add_event, request

from . import sites
from .grounding import complete_seo, ground, ground_links
from .pages import normalize_slug
from .prompts import page_prompts, repair_prompt
from .registry import REGISTRY_VERSION, tree_schema
from .repo import generations as repo
from .schemas import EstimateOut, GenerationIn, GenerationOut
from .settings import Settings
from .tree import TreeInvalid, nodes, validate

log = logging.getLogger("cms.generation")
_tracer = trace.get_tracer("cms.generation")

FINAL = frozenset({"saved", "proposed", "failed"})
SCHEMA = tree_schema()
SCHEMA_TOKENS = estimate_tokens(msgspec.json.encode(SCHEMA).decode())  # the schema travels with every call
REPAIR_TOKENS = 1500  # the problems list and instructions of a repair round, at most


class Cost:
    def __init__(self, settings: Settings) -> None:
        self.rate = settings.generation_credits_per_1k_tokens
        self.max_output = settings.generation_max_output_tokens

    def credits(self, tokens: int) -> int:
        return max(1, math.ceil(tokens * self.rate / 1000))

    def estimate(self, system: str, prompt: str) -> tuple[int, int]:
        """(input tokens of one call, the most a job can cost): two calls, the second with
        the first's output and its problems."""
        one_input = estimate_tokens(system + prompt) + SCHEMA_TOKENS
        worst = 2 * one_input + REPAIR_TOKENS + 3 * self.max_output
        return one_input, self.credits(worst)


def job_out(row: asyncpg.Record) -> GenerationOut:
    values = {k: row[k] for k in GenerationOut.__struct_fields__ if k not in ("status_url", "events_url")}
    base = f"/api/cms/generations/{row['id']}"
    return GenerationOut(**values, status_url=base, events_url=f"{base}/events")


async def estimate(db: Database, settings: Settings, caller: Caller, data: GenerationIn) -> EstimateOut:
    """The most a generation of this brief can cost, before anything is reserved."""
    tenant_id = caller.require(Role.EDITOR)
    async with db.tenant_tx(tenant_id) as tx:
        site = await sites.site(tx)
    system, prompt = page_prompts(data, site)
    input_tokens, max_credits = Cost(settings).estimate(system, prompt)
    return EstimateOut(max_credits=max_credits, input_tokens=input_tokens,
                       max_output_tokens=settings.generation_max_output_tokens)


async def start(db: Database, nc: NATS, settings: Settings, caller: Caller, data: GenerationIn) -> GenerationOut:
    """Reserve the job's upper bound and queue it; the caller polls or streams its progress."""
    tenant_id = caller.require(Role.EDITOR)
    slug = normalize_slug(data.slug) if data.slug else None
    if data.page_id is not None and data.revision is None:
        raise Invalid("replacing a page's draft needs the revision you read", errors=[{"field": "revision"}])
    async with db.tenant_tx(tenant_id) as tx:
        if data.page_id is not None and await tx.fetchval(repo.PAGE_EXISTS, data.page_id) is None:
            raise NotFound("no such page")
        site = await sites.site(tx)
        system, prompt = page_prompts(data, site)
        _, max_credits = Cost(settings).estimate(system, prompt)
        body = {**msgspec.to_builtins(data), "slug": slug}
        row = await tx.fetchrow(repo.INSERT_JOB, tenant_id, uuid.uuid4(), "page", data.page_id, body, max_credits,
                                caller.account_id)
    job_id = row["id"]
    try:
        hold = await request(nc, ReserveCredits(tenant_id=tenant_id, amount=max_credits,
                                                reference=f"generation:{job_id}", ledger_type="AI_PAGE_GENERATION",
                                                ttl_seconds=settings.generation_hold_seconds), timeout=5)
    except AppError as exc:
        await _mark_failed(db, tenant_id, job_id, f"billing did not answer: {exc}")
        raise Unavailable("billing did not answer; nothing was charged, try again shortly") from None
    if hold.hold_id is None or hold.status != "held":
        await _mark_failed(db, tenant_id, job_id, "not enough credits")
        raise PaymentRequired(f"this generation needs up to {max_credits} credits and {hold.available} are "
                              "available; top up or shorten the brief", price=max_credits, available=hold.available)
    async with db.tenant_tx(tenant_id) as tx:
        row = await tx.fetchrow(repo.SET_RESERVED, job_id, hold.hold_id)
    return job_out(row)


async def get(db: Database, settings: Settings, caller: Caller, job_id: uuid.UUID) -> GenerationOut:
    tenant_id = caller.require(Role.VIEWER)
    async with db.tenant_tx(tenant_id) as tx:
        row = await tx.fetchrow(repo.SELECT_JOB, job_id)
        if row is None:
            raise NotFound("no such generation")
        # Left behind by a process that died: its hold expires in billing, nothing is charged.
        hold_seconds = settings.generation_hold_seconds
        if row["status"] not in FINAL and await tx.fetchval(repo.IS_ABANDONED, job_id, hold_seconds):
            row = await tx.fetchrow(repo.FAIL_JOB, job_id, "interrupted by a restart; the credits held for it "
                                                           "return when the hold expires")
    return job_out(row)


async def _mark_failed(db: Database, tenant_id: uuid.UUID, job_id: uuid.UUID, reason: str) -> None:
    async with db.tenant_tx(tenant_id) as tx:
        await tx.execute(repo.FAIL_JOB, job_id, reason)


class Generator:
    """Runs reserved jobs, a few at a time per process."""

    def __init__(self, db: Database, nc: NATS, provider: AIProvider, settings: Settings) -> None:
        self.db, self.nc, self.provider, self.settings = db, nc, provider, settings
        self.cost = Cost(settings)
        self.slots = asyncio.Semaphore(settings.generation_concurrency)
        self.running: set[asyncio.Task[None]] = set()

    def submit(self, tenant_id: uuid.UUID, job_id: uuid.UUID) -> None:
        task = asyncio.create_task(self.run(tenant_id, job_id), name=f"generation-{job_id}")
        self.running.add(task)
        task.add_done_callback(self.running.discard)

    async def run(self, tenant_id: uuid.UUID, job_id: uuid.UUID) -> None:
        async with self.slots:
            try:
                with _tracer.start_as_current_span("generate page", attributes={"generation.id": str(job_id)}):
                    await self._generate(tenant_id, job_id)
            except Exception as exc:  # a bug or an outage: the job ends, the hold is released
                log.exception("generation %s failed", job_id)
                await self._fail(tenant_id, job_id, f"internal error ({type(exc).__name__}); nothing was charged")

    async def _generate(self, tenant_id: uuid.UUID, job_id: uuid.UUID) -> None:
        async with self.db.tenant_tx(tenant_id) as tx:
            job = await tx.fetchrow(repo.SET_STATUS, job_id, "generating")
            site = await sites.site(tx)
        data = msgspec.convert(job["request"], GenerationIn)
        system, prompt = page_prompts(data, site)
        used = {"input": 0, "output": 0}
        model = ""

        async def ask(user_prompt: str) -> dict[str, Any]:
            nonlocal model
            generated = await self.provider.generate_json(system=system, prompt=user_prompt, schema=SCHEMA,
                                                          schema_name="page_tree",
                                                          max_output_tokens=self.settings.generation_max_output_tokens)
            used["input"] += generated.usage.input_tokens
            used["output"] += generated.usage.output_tokens
            model = generated.model
            return generated.data

        repaired = False
        try:
            try:
                tree, assets = await self._checked(tenant_id, job_id, await ask(prompt))
            except (TreeInvalid, AIError) as exc:
                problems = repair_problems(exc)
                if problems is None:
                    raise
                repaired = True
                await self._status(tenant_id, job_id, "generating")
                tree, assets = await self._checked(tenant_id, job_id, await ask(repair_prompt(prompt, problems)))
        except TreeInvalid as exc:
            await self._fail(tenant_id, job_id, f"the model's page was still invalid after a repair round: {exc}",
                             used, model)
            return
        except AIError as exc:
            await self._fail(tenant_id, job_id, failure_reason(exc), used, model)
            return
        credits = min(job["max_credits"], self.cost.credits(used["input"] + used["output"]))
        trace.get_current_span().set_attributes({"gen_ai.usage.input_tokens": used["input"],
                                                 "gen_ai.usage.output_tokens": used["output"],
                                                 "credits": credits, "generation.repaired": repaired})
        await self._save(tenant_id, job, data, tree, assets, credits, used, model, repaired)

    async def _checked(self, tenant_id: uuid.UUID, job_id: uuid.UUID,
                       data: dict[str, Any]) -> tuple[dict[str, Any], list[uuid.UUID]]:
        await self._status(tenant_id, job_id, "validating")
        tree = validate(data)  # the shape first: grounding walks a valid tree
        async with self.db.tenant_tx(tenant_id) as tx:
            catalogue = [str(row["product_id"]) for row in await tx.fetch(repo.ACTIVE_PRODUCTS)]
        tree, assets = await ground(self.nc, tenant_id, tree, catalogue)
        complete_seo(tree)
        return validate(tree), assets

    async def _save(self, tenant_id: uuid.UUID, job: asyncpg.Record, data: GenerationIn, tree: dict[str, Any],
                    assets: list[uuid.UUID], credits: int, used: dict[str, int], model: str, repaired: bool) -> None:
        job_id = job["id"]
        ai_nodes = {node_id: str(job_id) for node_id in nodes(tree)}
        async with self.db.tenant_tx(tenant_id) as tx:
            pages = {row["slug"] for row in await tx.fetch(repo.ALL_SLUGS)}
            if data.page_id is not None:
                ground_links(tree, pages)
                page = await tx.fetchrow(repo.REPLACE_DRAFT, data.page_id, data.revision, tree, REGISTRY_VERSION,
                                         job["created_by"], ai_nodes)
                if page is None:
                    await self._fail_in(tx, tenant_id, job, "the draft changed while the page was being generated; "
                                        "nothing was charged, generate again from the current draft", used, model)
                    return
                page_id = data.page_id
            else:
                page_id = uuid.uuid4()
                slug = await _free_slug(tx, data.slug or normalize_slug(_slug_from(tree)))
                ground_links(tree, pages | {slug})
                await tx.execute(repo.INSERT_PAGE, tenant_id, page_id, slug, tree, REGISTRY_VERSION,
                                 job["created_by"], ai_nodes)
            await tx.execute(repo.SAVE_JOB, job_id, page_id, credits, model, used["input"], used["output"], repaired,
                             assets)
            await add_event(tx, PageGeneratedV1(tenant_id=tenant_id, page_id=page_id, generation_id=job_id,
                                                hold_id=job["hold_id"], model=model, input_tokens=used["input"],
                                                output_tokens=used["output"], credits=credits))

    async def _status(self, tenant_id: uuid.UUID, job_id: uuid.UUID, status: str) -> None:
        async with self.db.tenant_tx(tenant_id) as tx:
            await tx.execute(repo.SET_STATUS, job_id, status)

    async def _fail(self, tenant_id: uuid.UUID, job_id: uuid.UUID, reason: str,
                    used: dict[str, int] | None = None, model: str = "") -> None:
        async with self.db.tenant_tx(tenant_id) as tx:
            job = await tx.fetchrow(repo.SELECT_JOB, job_id)
            if job is not None and job["status"] not in FINAL:
                await self._fail_in(tx, tenant_id, job, reason, used, model)

    async def _fail_in(self, tx: asyncpg.Connection, tenant_id: uuid.UUID, job: asyncpg.Record, reason: str,
                       used: dict[str, int] | None, model: str) -> None:
        used = used or {"input": 0, "output": 0}
        await tx.execute(repo.FAIL_WITH_USAGE, job["id"], reason[:500], model or None, used["input"], used["output"])
        if job["hold_id"] is not None:
            await add_event(tx, PageGenerationFailedV1(tenant_id=tenant_id, generation_id=job["id"],
                                                       hold_id=job["hold_id"], reason=reason[:300]))


def repair_problems(exc: Exception) -> list[str] | None:
    """What to send back to the model in a repair round, or None when repair cannot help."""
    if isinstance(exc, Invalid):  # TreeInvalid, or an edit that changed what it must keep
        return [str(exc)]
    if isinstance(exc, AIError) and exc.reason == "invalid-output":
        return exc.problems or [str(exc)]
    return None


def failure_reason(exc: AIError) -> str:
    """A reason the user can act on; the hold is released in every case."""
    return {
        "timeout": "the model did not answer in time; nothing was charged, try again",
        "rate-limited": "the AI provider is busy; nothing was charged, try again in a minute",
        "insufficient-quota": "the platform's AI account is out of quota; nothing was charged, contact support",
        "unavailable": "the AI provider is unavailable; nothing was charged, try again later",
        "invalid-output": f"the model's page was still invalid after a repair round ({exc}); nothing was charged",
    }.get(exc.reason, f"the model refused the request ({exc}); nothing was charged, rephrase the brief")


def _slug_from(tree: dict[str, Any]) -> str:
    words = "".join(c if c.isalnum() else " " for c in tree["root"]["props"]["title"].lower()).split()
    return "/" + "-".join(words[:6]) if words else "/generated"


async def _free_slug(tx: asyncpg.Connection, slug: str) -> str:
    """`slug`, or `slug-2`, `slug-3`…: a generation never fails on a taken address."""
    stem = slug.rstrip("/") or "/home"
    taken = {row["slug"] for row in await tx.fetch(repo.SLUGS_LIKE, stem)}
    if slug not in taken:
        return slug
    return next(f"{stem}-{n}" for n in range(2, 10_000) if f"{stem}-{n}" not in taken)

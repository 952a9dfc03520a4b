"""cms's routes for AI work on pages: generations (202, then progress by polling or by
server-sent events) and their cost estimate."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from typing import Any

import msgspec
from litestar import Request, Response, get, post
from litestar.params import JSONBody
from litestar.response import ServerSentEvent
from litestar.response.sse import ServerSentEventMessage

from shared.auth import Caller

from . import ai_history, generation, proposals, site_plans
from .context import Ctx
from .http import expected_revision, with_etag
from .schemas import (
    BriefIn,
    DecisionIn,
    EditIn,
    EstimateOut,
    GenerationIn,
    GenerationOut,
    PageOut,
    PlanOut,
    ProposalOut,
    SiteGenerationIn,
)

POLL_SECONDS = 0.2
STREAM_LIMIT_SECONDS = 900


@post("/generations/estimate", status_code=200, summary="The most a generation of this brief can cost (EDITOR)")
async def estimate(data: JSONBody[GenerationIn], caller: Caller, ctx: Ctx) -> EstimateOut:
    return await generation.estimate_generation(ctx, caller, data)


@post("/generations", status_code=202,
      summary="Generate a page from a prompt (EDITOR): credits are reserved, then 202 with a status URL")
async def start_generation(data: JSONBody[GenerationIn], caller: Caller, ctx: Ctx) -> Response[GenerationOut]:
    job = await generation.start_generation(ctx, caller, data)
    return Response(job, status_code=202, headers={"location": job.status_url})


@post("/site-plans", status_code=200,
      summary="Plan a site from a brief (EDITOR): its pages, their sections and the facts it gives; not charged")
async def plan_site(data: JSONBody[BriefIn], caller: Caller, ctx: Ctx) -> PlanOut:
    return await site_plans.plan_site(ctx, caller, data)


@post("/site-generations/estimate", status_code=200,
      summary="What writing a site plan will reserve (fitted to the wallet) and is expected to cost (EDITOR)")
async def estimate_site(data: JSONBody[SiteGenerationIn], caller: Caller, ctx: Ctx) -> EstimateOut:
    return await generation.estimate_site(ctx, caller, data)


@post("/site-generations", status_code=202,
      summary="Write every page of a site plan as drafts, with a shared header and footer (EDITOR): 202")
async def start_site(data: JSONBody[SiteGenerationIn], caller: Caller, ctx: Ctx) -> Response[GenerationOut]:
    job = await generation.start_site(ctx, caller, data)
    return Response(job, status_code=202, headers={"location": job.status_url})


@get("/generations/{job_id:uuid}", summary="A generation's state: queued, reserved, generating, validating, saved "
                                           "or failed with a reason")
async def get_generation(job_id: uuid.UUID, caller: Caller, ctx: Ctx) -> GenerationOut:
    return await generation.get_generation(ctx, caller, job_id)


@get("/generations/{job_id:uuid}/events",
     summary="A generation's progress as server-sent events until it ends: each status, each section as it is "
             "written (event `section`, its node in the last history entry), each page done (`page`)")
async def generation_events(job_id: uuid.UUID, caller: Caller, ctx: Ctx) -> ServerSentEvent:
    first = await generation.get_generation(ctx, caller, job_id, nodes_from=1)  # 404 before the stream starts

    async def progress() -> AsyncIterator[ServerSentEventMessage]:
        job, sent = first, 0
        deadline = asyncio.get_running_loop().time() + STREAM_LIMIT_SECONDS
        while True:
            # Every step from the job's history, so a fast job's stages are not skipped between polls;
            # each written section's node travels once, in its own event.
            for number, entry in enumerate(job.history[sent:], start=sent + 1):
                at = generation.as_at(job, number)  # the job as it was then
                at = msgspec.structs.replace(at, history=[*generation.without_nodes(at.history[:-1]),
                                                          at.history[-1]])
                yield ServerSentEventMessage(event=generation.event_name(entry), id=number,
                                             data=msgspec.json.encode(at).decode())
            sent = len(job.history)
            if job.status in generation.FINAL or asyncio.get_running_loop().time() > deadline:
                return
            await asyncio.sleep(POLL_SECONDS)
            job = await generation.get_generation(ctx, caller, job_id, nodes_from=sent + 1)

    return ServerSentEvent(progress(), headers={"cache-control": "no-store", "x-accel-buffering": "no"})


@get("/pages/{page_id:uuid}/generations", summary="AI work on a page, newest first: prompt, model, tokens, credits, "
                                                  "assets used")
async def page_generations(page_id: uuid.UUID, caller: Caller, ctx: Ctx) -> list[GenerationOut]:
    return await ai_history.list_page_generations(ctx, caller, page_id)


@post("/pages/{page_id:uuid}/ai-edits", status_code=201,
      summary="Ask AI to rewrite, shorten, translate, re-tone or regenerate one node (EDITOR, If-Match): a proposal")
async def propose_edit(page_id: uuid.UUID, data: JSONBody[EditIn], caller: Caller, ctx: Ctx,
                       request: Request[Any, Any, Any]) -> ProposalOut:
    return await proposals.propose_edit(ctx, caller, page_id, expected_revision(request), data)


@post("/pages/{page_id:uuid}/ai-edits/estimate", status_code=200,
      summary="What an AI edit of one node of the draft will reserve and usually costs, beside the wallet (EDITOR)")
async def estimate_edit(page_id: uuid.UUID, data: JSONBody[EditIn], caller: Caller, ctx: Ctx) -> EstimateOut:
    return await proposals.estimate_edit(ctx, caller, page_id, data)


@post("/pages/{page_id:uuid}/ai-edits/{proposal_id:uuid}/decision", status_code=200,
      summary="Apply all, some (by index) or none of a proposal's operations to the draft (EDITOR, If-Match)")
async def decide_edit(page_id: uuid.UUID, proposal_id: uuid.UUID, data: JSONBody[DecisionIn], caller: Caller,
                      ctx: Ctx, request: Request[Any, Any, Any]) -> Response[PageOut]:
    return with_etag(await proposals.decide_proposal(ctx, caller, page_id, proposal_id, expected_revision(request),
                                                     data.accept))


AI_ROUTES = [propose_edit, estimate_edit, decide_edit, estimate, start_generation, plan_site, estimate_site, start_site,
             get_generation, generation_events, page_generations]

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

from shared.auth import Caller, Role
from shared.errors import NotFound
from shared.web import Runtime

from . import generation, proposals
from .http import expected_revision, with_etag
from .repo.generations import PAGE_EXISTS, SELECT_PAGE_JOBS
from .schemas import DecisionIn, EditIn, EstimateOut, GenerationIn, GenerationOut, PageOut, ProposalOut
from .settings import Settings

POLL_SECONDS = 0.2
STREAM_LIMIT_SECONDS = 900


def settings_of(runtime: Runtime) -> Settings:
    return runtime.settings  # type: ignore[return-value]


@post("/generations/estimate", status_code=200, summary="The most a generation of this brief can cost (EDITOR)")
async def estimate(data: JSONBody[GenerationIn], caller: Caller, runtime: Runtime) -> EstimateOut:
    return await generation.estimate(runtime.db, settings_of(runtime), caller, data)


@post("/generations", status_code=202,
      summary="Generate a page from a prompt (EDITOR): credits are reserved, then 202 with a status URL")
async def start_generation(data: JSONBody[GenerationIn], caller: Caller, runtime: Runtime,
                           request: Request[Any, Any, Any]) -> Response[GenerationOut]:
    job = await generation.start(runtime.db, runtime.nc, settings_of(runtime), caller, data)
    request.app.state.generator.submit(caller.tenant_id, job.id)
    return Response(job, status_code=202, headers={"location": job.status_url})


@get("/generations/{job_id:uuid}", summary="A generation's state: queued, reserved, generating, validating, saved "
                                           "or failed with a reason")
async def get_generation(job_id: uuid.UUID, caller: Caller, runtime: Runtime) -> GenerationOut:
    return await generation.get(runtime.db, settings_of(runtime), caller, job_id)


@get("/generations/{job_id:uuid}/events", summary="A generation's progress as server-sent events, until it ends")
async def generation_events(job_id: uuid.UUID, caller: Caller, runtime: Runtime) -> ServerSentEvent:
    first = await generation.get(runtime.db, settings_of(runtime), caller, job_id)  # 404 before the stream starts

    async def progress() -> AsyncIterator[ServerSentEventMessage]:
        job, sent = first, 0
        deadline = asyncio.get_running_loop().time() + STREAM_LIMIT_SECONDS
        while True:
            # Every step from the job's history, so a fast job's stages are not skipped between polls.
            for number, entry in enumerate(job.history[sent:], start=sent + 1):
                yield ServerSentEventMessage(event=entry["status"], id=number,
                                             data=msgspec.json.encode(job).decode())
            sent = len(job.history)
            if job.status in generation.FINAL or asyncio.get_running_loop().time() > deadline:
                return
            await asyncio.sleep(POLL_SECONDS)
            job = await generation.get(runtime.db, settings_of(runtime), caller, job_id)

    return ServerSentEvent(progress(), headers={"cache-control": "no-store", "x-accel-buffering": "no"})


@get("/pages/{page_id:uuid}/generations", summary="AI work on a page, newest first: prompt, model, tokens, credits, "
                                                  "assets used")
async def page_generations(page_id: uuid.UUID, caller: Caller, runtime: Runtime) -> list[GenerationOut]:
    async with runtime.db.tenant_tx(caller.require(Role.VIEWER)) as tx:
        if await tx.fetchval(PAGE_EXISTS, page_id) is None:
            raise NotFound("no such page")
        return [generation.job_out(row) for row in await tx.fetch(SELECT_PAGE_JOBS, page_id)]


@post("/pages/{page_id:uuid}/ai-edits", status_code=201,
      summary="Ask AI to rewrite, shorten, translate, re-tone or regenerate one node (EDITOR, If-Match): a proposal")
async def propose_edit(page_id: uuid.UUID, data: JSONBody[EditIn], caller: Caller, runtime: Runtime,
                       request: Request[Any, Any, Any]) -> ProposalOut:
    return await proposals.propose_edit(runtime.db, runtime.nc, request.app.state.provider, settings_of(runtime),
                                        caller, page_id, expected_revision(request), data)


@post("/pages/{page_id:uuid}/ai-edits/{proposal_id:uuid}/decision", status_code=200,
      summary="Apply all, some (by index) or none of a proposal's operations to the draft (EDITOR, If-Match)")
async def decide_edit(page_id: uuid.UUID, proposal_id: uuid.UUID, data: JSONBody[DecisionIn], caller: Caller,
                      runtime: Runtime, request: Request[Any, Any, Any]) -> Response[PageOut]:
    page = await proposals.decide(runtime.db, caller, page_id, proposal_id, expected_revision(request), data.accept)
    return with_etag(page)


AI_ROUTES = [propose_edit, decide_edit, estimate, start_generation, get_generation, generation_events, page_generations]

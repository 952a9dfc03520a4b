"""What AI did on a page, from the jobs' records: each generation and edit proposal, its
model, tokens and credits, and what billing finally charged for it."""

from __future__ import annotations

import uuid

import asyncpg

from shared.auth import Caller, Role
from shared.contracts import CreditsDebitedV1
from shared.errors import NotFound

from .context import Ctx
from .generation import job_out
from .repo import generations, pages, projections
from .schemas import GenerationOut


async def list_page_generations(ctx: Ctx, caller: Caller, page_id: uuid.UUID) -> list[GenerationOut]:
    """The page's AI jobs, newest first."""
    async with ctx.db.tenant_tx(caller.require(Role.VIEWER)) as tx:
        if not await pages.exists(tx, page_id):
            raise NotFound("no such page")
        return [job_out(row) for row in await generations.page_jobs(tx, page_id)]


async def record_charge(tx: asyncpg.Connection, event: CreditsDebitedV1) -> None:
    """Billing captured a job's hold: the job records what was charged (in the consumer's transaction)."""
    kind, _, job_id = event.reference_id.partition(":")
    if kind in ("generation", "edit"):
        await projections.record_charge(tx, uuid.UUID(job_id), event.amount)

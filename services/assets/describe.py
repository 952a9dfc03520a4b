"""AI descriptions: for each new asset, reserve credits from billing, ask the vision model
for alt text, a paragraph and tags and embed them — outside any transaction — then store
them and announce the outcome, which settles the credits (capture or release).

Short of credits, an asset stays `undescribed` with the reason and is tried again later.
Several replicas may run this: an asset is claimed by a conditional update, once. The
credit sequence itself is shared/ai/metered.py's (a description has one price, no repair)."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import uuid
from typing import Any, NamedTuple

import numpy as np
from nats.aio.client import Client as NATS

from shared.ai import AIError, AIProvider
from shared.ai.metered import MeteredCall, NotReserved, Spent, reserve
from shared.contracts import AssetDescribedV1, AssetDescriptionFailedV1, CreditsAddedV1, ReserveCredits
from shared.db import Database
from shared.errors import log_failed_round
from shared.messaging import add_event
from shared.storage import Storage

from .domain import searchable
from .repo import descriptions as repo

log = logging.getLogger("assets.describe")


class Description(NamedTuple):
    alt_text: str
    description: str | None
    tags: list[str]
    vector: Any
    embedding_model: str
    search_text: str


class Describer:
    def __init__(self, db: Database, nc: NATS, storage: Storage, provider: AIProvider, *, credits: int,
                 retry_after: float = 600) -> None:
        self.db, self.nc, self.storage, self.provider = db, nc, storage, provider
        self.credits = credits
        self.retry_after = retry_after
        self.wake = asyncio.Event()

    async def run(self, interval: float = 5.0) -> None:
        while True:
            try:
                while await self.describe_pending() > 0:
                    pass
            except Exception as exc:
                log_failed_round(log, exc, "description round failed; trying again")
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self.wake.wait(), interval)
            self.wake.clear()

    async def describe_pending(self, batch: int = 8) -> int:
        async with self.db.system_tx() as tx:
            pending = await repo.pending(tx, batch)
        await asyncio.gather(*(self.describe(row["tenant_id"], row["id"]) for row in pending))
        return len(pending)

    async def describe(self, tenant_id: uuid.UUID, asset_id: uuid.UUID) -> str:
        async with self.db.tenant_tx(tenant_id) as tx:
            claimed = await repo.claim(tx, asset_id)
        if claimed is None:
            return "taken"  # another replica has it, or it changed
        try:
            hold = await reserve(self.nc, ReserveCredits(tenant_id=tenant_id, amount=self.credits,
                                                         reference=f"describe:{asset_id}",
                                                         ledger_type="AI_ASSET_DESCRIPTION"))
        except NotReserved as refused:
            async with self.db.tenant_tx(tenant_id) as tx:
                await repo.postpone(tx, asset_id, refused.reason, self.retry_after if refused.short else 60)
            return "postponed"
        call = MeteredCall(self.provider, hold, price=lambda _: self.credits)  # a description has one price

        async def attempt(_: list[str]) -> Description:
            data = await self.storage.get(claimed["storage_key"])
            if data is None:
                raise AIError("the file is missing from storage")
            described = await call.describe_image(data, filename=claimed["filename"])
            # What people wrote themselves stays: the model fills only what is blank.
            alt_text = claimed["alt_text"] or described.alt_text[:300]
            description = claimed["ai_description"] or described.description
            embedded, search_text = searchable(claimed["filename"], alt_text, description, described.tags)
            vectors = await call.embed([embedded])
            return Description(alt_text, description, described.tags,
                               np.asarray(vectors.vectors[0], dtype=np.float32), vectors.model, search_text)

        async def store(done: Description, spent: Spent) -> None:
            async with self.db.tenant_tx(tenant_id) as tx:
                await repo.store(tx, asset_id, *done)
                await add_event(tx, AssetDescribedV1(tenant_id=tenant_id, asset_id=asset_id, hold_id=spent.hold_id,
                                                     model=spent.model, credits=spent.credits))

        async def fail(error: BaseException, spent: Spent) -> None:
            if isinstance(error, AIError):
                said, why = str(error), f"{error.reason}: {error}"
            else:
                said = why = f"internal error ({type(error).__name__})"
            async with self.db.tenant_tx(tenant_id) as tx:
                await repo.fail(tx, asset_id, why)
                await add_event(tx, AssetDescriptionFailedV1(tenant_id=tenant_id, asset_id=asset_id,
                                                             hold_id=spent.hold_id, reason=said[:300]))

        try:
            await call.run(attempt, settle=store, release=fail, repair=False)  # no answer to send problems to
        except AIError:
            return "failed"
        return "described"

    async def credits_arrived(self, tx: Any, event: CreditsAddedV1) -> None:
        """An event handler: the tenant's waiting assets become due (the consumer wakes the
        describer once they are committed: woken now, it could look before they are)."""
        await repo.requeue(tx)

"""AI descriptions: for each new asset, reserve credits from billing, ask the vision model
for alt text, a paragraph and tags and embed them — outside any transaction — then store
them and announce the outcome, which settles the credits (capture or release).

Short of credits, an asset stays `undescribed` with the reason and is tried again later.
Several replicas may run this: an asset is claimed by a conditional update, once."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import uuid
from typing import Any

import numpy as np
from nats.aio.client import Client as NATS

from shared.ai import AIError, AIProvider
from shared.contracts import AssetDescribedV1, AssetDescriptionFailedV1, CreditsAddedV1, ReserveCredits
from shared.db import Database
from shared.errors import AppError
from shared.messaging import add_event, request
from shared.storage import Storage

log = logging.getLogger("assets.describe")

# The sweep reads as the sweeper role, the only one its narrow policy applies to.
DECLARE_SWEEP = "SET LOCAL ROLE assets_sweeper"
SELECT_PENDING = """
SELECT tenant_id, id FROM assets.assets WHERE status = 'undescribed' AND describe_after <= now()
ORDER BY describe_after LIMIT $1
"""
CLAIM = """
UPDATE assets.assets SET status = 'describing', updated_at = now()
WHERE id = $1 AND status = 'undescribed' RETURNING storage_key, filename, alt_text, ai_description
"""
POSTPONE = """
UPDATE assets.assets SET status = 'undescribed', status_reason = $2,
       describe_after = now() + make_interval(secs => $3), updated_at = now()
WHERE id = $1
"""
STORE = """
UPDATE assets.assets SET status = 'described', status_reason = NULL, alt_text = $2, ai_description = $3, tags = $4,
       embedding = $5, embedding_model = $6, search_text = $7, updated_at = now()
WHERE id = $1
"""
FAIL = "UPDATE assets.assets SET status = 'failed', status_reason = $2, updated_at = now() WHERE id = $1"
# Credits arrived for the tenant: what waited for them is due now.
REQUEUE = "UPDATE assets.assets SET describe_after = now() WHERE status = 'undescribed' AND describe_after > now()"


def searchable(filename: str, alt_text: str, description: str | None, tags: list[str]) -> tuple[str, str]:
    """(the text whose vector search compares, the text keyword search matches) of an asset."""
    embedded = " ".join(part for part in (alt_text, description or "", " ".join(tags)) if part)
    return embedded, f"{filename} {embedded}".lower()


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
            except Exception:
                log.exception("description round failed; trying again")
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self.wake.wait(), interval)
            self.wake.clear()

    async def describe_pending(self, batch: int = 8) -> int:
        async with self.db.system_tx() as tx:
            await tx.execute(DECLARE_SWEEP)
            pending = await tx.fetch(SELECT_PENDING, batch)
        await asyncio.gather(*(self.describe(row["tenant_id"], row["id"]) for row in pending))
        return len(pending)

    async def describe(self, tenant_id: uuid.UUID, asset_id: uuid.UUID) -> str:
        async with self.db.tenant_tx(tenant_id) as tx:
            claimed = await tx.fetchrow(CLAIM, asset_id)
        if claimed is None:
            return "taken"  # another replica has it, or it changed
        try:
            hold = await request(self.nc, ReserveCredits(tenant_id=tenant_id, amount=self.credits,
                                                         reference=f"describe:{asset_id}",
                                                         ledger_type="AI_ASSET_DESCRIPTION"), timeout=5)
        except AppError as exc:
            return await self._postpone(tenant_id, asset_id, f"billing did not answer: {exc}", 60)
        if hold.hold_id is None or hold.status != "held":
            return await self._postpone(tenant_id, asset_id,
                                        f"not enough credits ({hold.available} available, {self.credits} needed)",
                                        self.retry_after)
        try:
            data = await self.storage.get(claimed["storage_key"])
            if data is None:
                raise AIError("the file is missing from storage")
            described = await self.provider.describe_image(data, filename=claimed["filename"])
            # What people wrote themselves stays: the model fills only what is blank.
            alt_text = claimed["alt_text"] or described.alt_text[:300]
            description = claimed["ai_description"] or described.description
            embedded, search_text = searchable(claimed["filename"], alt_text, description, described.tags)
            vectors = await self.provider.embed([embedded])
        except AIError as exc:
            async with self.db.tenant_tx(tenant_id) as tx:
                await tx.execute(FAIL, asset_id, f"{exc.reason}: {exc}")
                await add_event(tx, AssetDescriptionFailedV1(tenant_id=tenant_id, asset_id=asset_id,
                                                             hold_id=hold.hold_id, reason=str(exc)[:300]))
            return "failed"
        async with self.db.tenant_tx(tenant_id) as tx:
            await tx.execute(STORE, asset_id, alt_text, description, described.tags,
                             np.asarray(vectors.vectors[0], dtype=np.float32), vectors.model, search_text)
            await add_event(tx, AssetDescribedV1(tenant_id=tenant_id, asset_id=asset_id, hold_id=hold.hold_id,
                                                 model=described.model, credits=self.credits))
        return "described"

    async def credits_arrived(self, tx: Any, event: CreditsAddedV1) -> None:
        """An event handler: the tenant's waiting assets become due, and the describer wakes."""
        if await tx.execute(REQUEUE) != "UPDATE 0":
            self.wake.set()

    async def _postpone(self, tenant_id: uuid.UUID, asset_id: uuid.UUID, reason: str, seconds: float) -> str:
        async with self.db.tenant_tx(tenant_id) as tx:
            await tx.execute(POSTPONE, asset_id, reason, float(seconds))
        return "postponed"

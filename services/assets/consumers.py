"""assets's subscriptions: events and commands -> use cases."""

from __future__ import annotations

import uuid

from shared.contracts import CopyImage, CreditsAddedV1, DescribeImages, SearchAssets
from shared.messaging import EventConsumer, serve_command
from shared.tenancy import serve_tenant_export, start_tenant_purge

from . import search, service
from .context import Ctx
from .repo.tenant_data import EXPORT_QUERIES, PURGE_TENANT


async def serve(ctx: Ctx) -> None:
    """Request-reply: other services' searches (AI page generation picking images), sizes
    of the images a page shows and a small copy of the logo (cms), exports."""
    await serve_command(ctx.nc, SearchAssets, lambda command: search.answer_search(ctx, command))
    await serve_command(ctx.nc, DescribeImages, lambda command: service.describe_images(ctx, command))
    await serve_command(ctx.nc, CopyImage, lambda command: service.copy_image(ctx, command))
    await serve_tenant_export(ctx.runtime, EXPORT_QUERIES)


def start(ctx: Ctx) -> None:
    """Events: credits arrived (what waited for them is described now), a tenant purged."""
    requeue = EventConsumer(ctx.db, ctx.js, durable="assets-credits-added", events=[CreditsAddedV1],
                            handler=ctx.describer.credits_arrived, after_commit=ctx.describe_soon)
    ctx.spawn(requeue.run(), "assets-credits-added")

    async def remove_files(tenant_id: uuid.UUID) -> None:
        await ctx.storage.delete_prefix(str(tenant_id))  # every key of the tenant starts with its id

    start_tenant_purge(ctx.runtime, PURGE_TENANT, also=remove_files)

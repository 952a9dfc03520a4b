"""The media library's use cases: upload, list, edit, delete, serving files with resized
and re-encoded copies made on first request, describing images for pages that show them,
and re-embedding jobs asked for by an OWNER."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import uuid

import asyncpg
import numpy as np

from shared.ai import AIError
from shared.auth import Caller, Role
from shared.contracts import (
    AssetDeletedV1,
    AssetUploadedV1,
    CopyImage,
    DescribeImages,
    ImageCopy,
    ImageInfo,
    ImagesDescribed,
)
from shared.errors import Invalid, NotFound
from shared.messaging import add_event
from shared.pagination import decode_cursor, encode_cursor
from shared.storage import Storage

from .context import Ctx
from .domain import searchable
from .images import (
    CONTENT_TYPES,
    EXTENSIONS,
    VARIANT_FORMATS,
    clean_image,
    delivered_width,
    delivered_widths,
    formats_besides,
    variant,
)
from .repo import assets as repo
from .repo import reembedding as jobs
from .schemas import AssetOut, AssetPage, AssetPatch, ReembedJob

log = logging.getLogger("assets")
MAX_DESCRIBED = 500  # ids per DescribeImages: a page shows far fewer
COPY_FOR_SERVICES = ("webp", 256)  # small enough for one NATS message whatever the original


def asset_out(row: asyncpg.Record) -> AssetOut:
    values = {k: row[k] for k in ("id", "filename", "content_type", "bytes", "width", "height", "sha256", "alt_text",
                                  "ai_description", "tags", "status", "status_reason", "created_at", "updated_at")}
    return AssetOut(url=f"/assets/{row['id']}", **values)


def job_out(row: asyncpg.Record) -> ReembedJob:
    return ReembedJob(**dict(row))


async def upload_asset(ctx: Ctx, caller: Caller, filename: str, data: bytes) -> tuple[AssetOut, bool]:
    """(the asset, whether it is new): the same image again returns the asset already there.
    What is stored is the image re-encoded from its pixels, never the bytes as uploaded."""
    tenant_id = caller.require(Role.EDITOR)
    clean = await asyncio.to_thread(clean_image, data)
    facts = clean.facts
    async with ctx.db.tenant_tx(tenant_id) as tx:
        existing = await repo.by_sha(tx, facts.sha256)
    if existing is not None:
        return asset_out(existing), False
    asset_id = uuid.uuid4()
    key = Storage.key(tenant_id, f"{asset_id}/original")
    await ctx.storage.put(key, clean.data)  # before the row: a row never points at nothing
    committing = False
    try:
        async with ctx.db.tenant_tx(tenant_id) as tx:
            row = await repo.insert_asset(tx, tenant_id, asset_id, f"/assets/{asset_id}", filename[:200],
                                          facts.content_type, facts.bytes, facts.width, facts.height, facts.sha256,
                                          key, caller.account_id)
            if row is None:  # a concurrent upload of the same bytes won
                row = await repo.by_sha(tx, facts.sha256)
                assert row is not None
                created = False
            else:
                await add_event(tx, AssetUploadedV1(tenant_id=tenant_id, asset_id=asset_id,
                                                    content_type=facts.content_type))
                created = True
            committing = True
    finally:
        if not committing:  # rolled back: no row points at the file, so nothing would ever delete it
            with contextlib.suppress(Exception):
                await ctx.storage.delete(key)
    if created:
        ctx.describe_soon()
    else:
        await ctx.storage.delete(key)
    return asset_out(row), created


async def get_asset(ctx: Ctx, caller: Caller, asset_id: uuid.UUID) -> AssetOut:
    return asset_out(await ctx.db.one(caller.require(Role.VIEWER), repo.asset, asset_id, missing="no such asset"))


async def list_assets(ctx: Ctx, caller: Caller, *, cursor: str | None, content_type: str | None,
                      status: str | None, limit: int) -> AssetPage:
    tenant_id = caller.require(Role.VIEWER)
    limit = max(1, min(limit, 200))
    async with ctx.db.tenant_tx(tenant_id) as tx:
        rows = await repo.page(tx, before=decode_cursor(cursor) if cursor else None, content_type=content_type,
                               status=status, limit=limit + 1)
    assets = [asset_out(row) for row in rows[:limit]]
    return AssetPage(assets=assets, next_cursor=encode_cursor(assets[-1].created_at, assets[-1].id)
                     if len(rows) > limit else None)


async def edit_asset(ctx: Ctx, caller: Caller, asset_id: uuid.UUID, patch: AssetPatch) -> AssetOut:
    """New words are searchable at once; a described asset's vector follows them (the
    embedding is made outside the transaction and kept only if no later edit came first)."""
    tenant_id = caller.require(Role.EDITOR)
    async with ctx.db.tenant_tx(tenant_id) as tx:
        row = await repo.for_edit(tx, asset_id)
        if row is None:
            raise NotFound("no such asset")
        alt_text = row["alt_text"] if patch.alt_text is None else patch.alt_text.strip()
        description = row["ai_description"] if patch.description is None else patch.description.strip() or None
        embedded, search_text = searchable(row["filename"], alt_text, description, list(row["tags"]))
        row = await repo.update_text(tx, asset_id, alt_text, description, search_text)
    if row["status"] == "described":
        try:
            vectors = await ctx.provider.embed([embedded])
        except AIError as exc:  # the words are saved; the vector of the old words serves until a re-embed
            log.warning("re-embedding asset %s after an edit failed: %s", asset_id, exc)
            return asset_out(row)
        async with ctx.db.tenant_tx(tenant_id) as tx:
            await repo.store_vector(tx, asset_id, np.asarray(vectors.vectors[0], dtype=np.float32), vectors.model,
                                    row["updated_at"])
    return asset_out(row)


async def delete_assets(ctx: Ctx, caller: Caller, ids: list[uuid.UUID]) -> int:
    """Delete assets (rows first, then their files: a file without a row is harmless)."""
    tenant_id = caller.require(Role.EDITOR)
    async with ctx.db.tenant_tx(tenant_id) as tx:
        deleted, variant_keys = await repo.delete_assets(tx, ids)
        for row in deleted:
            await add_event(tx, AssetDeletedV1(tenant_id=tenant_id, asset_id=row["id"]))
    await asyncio.gather(*(ctx.storage.delete(key) for key in [*(r["storage_key"] for r in deleted), *variant_keys]))
    return len(deleted)


async def get_file(ctx: Ctx, caller: Caller, asset_id: uuid.UUID, width: int | None,
                   fm: str | None = None) -> tuple[bytes, str, str]:
    """(bytes, content type, ETag) of the original, or of a copy `width` pixels wide (the
    nearest delivered width at least that wide, never wider than the original) and/or in
    format `fm`. A copy is made on first request and kept."""
    if width is not None and width < 1:
        raise Invalid("w is a width in pixels, at least 1", errors=[{"field": "w"}])
    if fm is not None and fm not in VARIANT_FORMATS:
        raise Invalid(f"fm is one of {', '.join(VARIANT_FORMATS)}", errors=[{"field": "fm"}])
    if caller.tenant_id is None:
        raise NotFound("no such file")
    return await stored_file(ctx, caller.tenant_id, asset_id, width, fm)


async def stored_file(ctx: Ctx, tenant_id: uuid.UUID, asset_id: uuid.UUID, width: int | None,
                      fm: str | None) -> tuple[bytes, str, str]:
    async with ctx.db.tenant_tx(tenant_id) as tx:
        row = await repo.asset(tx, asset_id)
    if row is None or row["storage_key"] is None:
        raise NotFound("no such file")
    own_width = row["width"] or 0
    served = delivered_width(width, own_width) if width and own_width else own_width
    if fm is not None and CONTENT_TYPES[VARIANT_FORMATS[fm]] == row["content_type"]:
        fm = None  # already in that format
    if fm is None and served == own_width:  # the original is the copy asked for
        data = await ctx.storage.get(row["storage_key"])
        if data is None:
            raise NotFound("the file is missing from storage")
        return data, row["content_type"], f'"{row["sha256"]}-o"'
    etag = f'"{row["sha256"]}-{served}{"-" + fm if fm else ""}"'
    async with ctx.db.tenant_tx(tenant_id) as tx:
        key = await repo.variant_key(tx, asset_id, served, fm or "")
    if key is not None and (data := await ctx.storage.get(key)) is not None:
        return data, stored_type(key, row["content_type"]), etag
    data, content_type = await ctx.variant_jobs.once(
        (asset_id, served, fm), lambda: make_copy(ctx, tenant_id, asset_id, row["storage_key"], served, fm))
    return data, content_type, etag


async def make_copy(ctx: Ctx, tenant_id: uuid.UUID, asset_id: uuid.UUID, storage_key: str, served: int,
                    fm: str | None) -> tuple[bytes, str]:
    """Make, store and record one copy of an image (through ctx.variant_jobs: once at a time)."""
    original = await ctx.storage.get(storage_key)
    if original is None:
        raise NotFound("the file is missing from storage")
    data, content_type = await asyncio.to_thread(variant, original, served, fm)
    key = Storage.key(tenant_id, f"{asset_id}/w{served}.{EXTENSIONS[content_type]}")
    await ctx.storage.put(key, data)
    async with ctx.db.tenant_tx(tenant_id) as tx:
        await repo.insert_variant(tx, tenant_id, asset_id, served, fm or "", key, len(data))
    return data, content_type


def stored_type(key: str, original_type: str) -> str:
    """The content type of a stored copy, from its key's extension; copies made before keys
    had one are in the original's type (still GIFs were made PNGs and said so: `.png`)."""
    extension = key.rsplit("/", 1)[-1].partition(".")[2]
    return next((kind for kind, ext in EXTENSIONS.items() if ext == extension), original_type)


async def describe_images(ctx: Ctx, command: DescribeImages) -> ImagesDescribed:
    """Size, delivered widths and extra formats of the tenant's images among those asked
    for (cms, rendering a page); unknown ids and other tenants' are left out."""
    async with ctx.db.tenant_tx(command.tenant_id) as tx:
        rows = await repo.sizes(tx, command.asset_ids[:MAX_DESCRIBED])
    return ImagesDescribed(images=[ImageInfo(id=row["id"], width=row["width"], height=row["height"],
                                             widths=delivered_widths(row["width"]),
                                             formats=formats_besides(row["content_type"])) for row in rows])


async def copy_image(ctx: Ctx, command: CopyImage) -> ImageCopy:
    """A small copy of one of the tenant's images (cms, making favicons from the logo)."""
    fm, width = COPY_FOR_SERVICES
    data, content_type, _ = await stored_file(ctx, command.tenant_id, command.asset_id, width, fm)
    return ImageCopy(data=data, content_type=content_type)


async def request_reembed(ctx: Ctx, caller: Caller) -> tuple[ReembedJob, bool]:
    """(the tenant's open job, whether it is new): asking twice does not start two."""
    tenant_id = caller.require(Role.OWNER)
    async with ctx.db.tenant_tx(tenant_id) as tx:
        row = await jobs.open_job(tx, tenant_id, ctx.provider.embedding_model, caller.account_id)
        created = row is not None
        row = row or await jobs.open_job_of_tenant(tx)
    if created:
        ctx.reembed_soon()
    return job_out(row), created


async def get_reembed_job(ctx: Ctx, caller: Caller, job_id: uuid.UUID) -> ReembedJob:
    return job_out(await ctx.db.one(caller.require(Role.VIEWER), jobs.job, job_id,
                                    missing="no such re-embedding job"))


async def list_reembed_jobs(ctx: Ctx, caller: Caller) -> list[ReembedJob]:
    async with ctx.db.tenant_tx(caller.require(Role.VIEWER)) as tx:
        return [job_out(row) for row in await jobs.recent_jobs(tx)]

"""The assets service's routes. Files are public on their tenant's host (`/assets/<id>`,
an unguessable id, answered only for the host's tenant); everything else needs a role."""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from litestar import Request, Response, delete, get, patch, post
from litestar.datastructures import UploadFile
from litestar.enums import RequestEncodingType
from litestar.params import Body, JSONBody

from shared.auth import Caller
from shared.errors import BadRequest, NotFound, PayloadTooLarge

from . import search, service
from .context import Ctx
from .images import serving_headers
from .schemas import AssetOut, AssetPage, AssetPatch, BulkDelete, ReembedJob


def too_large(ctx: Ctx) -> PayloadTooLarge:
    return PayloadTooLarge(f"files are limited to {ctx.settings.max_upload_bytes:,} bytes")


def uploaded(asset: AssetOut, created: bool) -> Response[AssetOut]:
    return Response(asset, status_code=201 if created else 200)


@post("/assets", summary="Upload an image (multipart field 'file'); the same bytes return the existing asset")
async def upload(data: Annotated[dict[str, Any], Body(media_type=RequestEncodingType.MULTI_PART)], caller: Caller,
                 ctx: Ctx) -> Response[AssetOut]:
    upload = data.get("file")
    if not isinstance(upload, UploadFile):
        raise BadRequest("send the image as the multipart field 'file'")
    content = await upload.read(ctx.settings.max_upload_bytes + 1)
    if len(content) > ctx.settings.max_upload_bytes:
        raise too_large(ctx)
    return uploaded(*await service.upload_asset(ctx, caller, upload.filename or "", content))


@post("/assets/raw", summary="Upload an image as the raw request body, named by ?filename=")
async def upload_raw(caller: Caller, ctx: Ctx, request: Request[Any, Any, Any],
                     filename: str = "") -> Response[AssetOut]:
    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > ctx.settings.max_upload_bytes:
            raise too_large(ctx)
        chunks.append(chunk)
    return uploaded(*await service.upload_asset(ctx, caller, filename, b"".join(chunks)))


@get("/assets", summary="The media library, newest first; filter by content type or description status")
async def list_assets(caller: Caller, ctx: Ctx, cursor: str | None = None, content_type: str | None = None,
                      status: str | None = None, limit: int = 50) -> AssetPage:
    return await service.list_assets(ctx, caller, cursor=cursor, content_type=content_type, status=status,
                                     limit=limit)


@get("/assets/{asset_id:uuid}", summary="One asset")
async def get_asset(asset_id: uuid.UUID, caller: Caller, ctx: Ctx) -> AssetOut:
    return await service.get_asset(ctx, caller, asset_id)


@patch("/assets/{asset_id:uuid}", summary="Edit alt text or description (EDITOR)")
async def edit_asset(asset_id: uuid.UUID, data: JSONBody[AssetPatch], caller: Caller, ctx: Ctx) -> AssetOut:
    return await service.edit_asset(ctx, caller, asset_id, data)


@delete("/assets/{asset_id:uuid}", status_code=204, summary="Delete an asset and its files (EDITOR)")
async def delete_asset(asset_id: uuid.UUID, caller: Caller, ctx: Ctx) -> None:
    if not await service.delete_assets(ctx, caller, [asset_id]):
        raise NotFound("no such asset")


@post("/assets/bulk-delete", status_code=200, summary="Delete several assets (EDITOR)")
async def bulk_delete(data: JSONBody[BulkDelete], caller: Caller, ctx: Ctx) -> dict[str, int]:
    return {"deleted": await service.delete_assets(ctx, caller, data.ids)}


@get("/files/{asset_id:uuid}", summary="The file (public on its tenant's host); ?w= for a copy at most that "
                                        "wide, ?fm=webp|avif for another format")
async def serve_file(asset_id: uuid.UUID, caller: Caller, ctx: Ctx, request: Request[Any, Any, Any],
                     w: int | None = None, fm: str | None = None) -> Response[bytes]:
    data, content_type, etag = await service.get_file(ctx, caller, asset_id, w, fm)
    headers = {"etag": etag, "cache-control": "public, max-age=31536000, immutable",
               **serving_headers(asset_id, content_type)}
    if request.headers.get("if-none-match") == etag:
        return Response(b"", status_code=304, headers=headers)
    return Response(data, media_type=content_type, headers=headers)


@get("/assets/search", summary="Search the library by meaning and by words (reciprocal rank fusion)")
async def search_assets(q: str, caller: Caller, ctx: Ctx, k: int = 10) -> list[dict[str, Any]]:
    return await search.search_assets(ctx, caller, q, k)


@post("/reembed", status_code=202, summary="Re-embed the library with the current embedding model (OWNER)")
async def start_reembed(caller: Caller, ctx: Ctx) -> Response[ReembedJob]:
    job, _ = await service.request_reembed(ctx, caller)
    return Response(job, status_code=202, headers={"location": f"/api/assets/reembed/{job.id}"})


@get("/reembed", summary="Recent re-embedding jobs, newest first")
async def list_reembeds(caller: Caller, ctx: Ctx) -> list[ReembedJob]:
    return await service.list_reembed_jobs(ctx, caller)


@get("/reembed/{job_id:uuid}", summary="A re-embedding job and its progress")
async def get_reembed(job_id: uuid.UUID, caller: Caller, ctx: Ctx) -> ReembedJob:
    return await service.get_reembed_job(ctx, caller, job_id)


ROUTES = [search_assets, upload, upload_raw, list_assets, get_asset, edit_asset, delete_asset, bulk_delete, serve_file,
          start_reembed, list_reembeds, get_reembed]

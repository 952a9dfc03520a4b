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
from shared.web import Runtime

from . import reembed, search, service
from .images import serving_headers
from .schemas import AssetOut, AssetPage, AssetPatch, BulkDelete, ReembedJob
from .settings import Settings


def limit(runtime: Runtime) -> int:
    settings: Settings = runtime.settings  # type: ignore[assignment]
    return settings.max_upload_bytes


def too_large(runtime: Runtime) -> PayloadTooLarge:
    return PayloadTooLarge(f"files are limited to {limit(runtime):,} bytes")


def uploaded(asset: AssetOut, created: bool, request: Request[Any, Any, Any]) -> Response[AssetOut]:
    if created and request.app.state.describer is not None:
        request.app.state.describer.wake.set()  # describe it now rather than at the next round
    return Response(asset, status_code=201 if created else 200)


@post("/assets", summary="Upload an image (multipart field 'file'); the same bytes return the existing asset")
async def upload(data: Annotated[dict[str, Any], Body(media_type=RequestEncodingType.MULTI_PART)], caller: Caller,
                 runtime: Runtime, request: Request[Any, Any, Any]) -> Response[AssetOut]:
    upload = data.get("file")
    if not isinstance(upload, UploadFile):
        raise BadRequest("send the image as the multipart field 'file'")
    content = await upload.read(limit(runtime) + 1)
    if len(content) > limit(runtime):
        raise too_large(runtime)
    asset, created = await service.upload(runtime.db, request.app.state.storage, caller, upload.filename or "",
                                          content)
    return uploaded(asset, created, request)


@post("/assets/raw", summary="Upload an image as the raw request body, named by ?filename=")
async def upload_raw(caller: Caller, runtime: Runtime, request: Request[Any, Any, Any],
                     filename: str = "") -> Response[AssetOut]:
    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit(runtime):
            raise too_large(runtime)
        chunks.append(chunk)
    asset, created = await service.upload(runtime.db, request.app.state.storage, caller, filename, b"".join(chunks))
    return uploaded(asset, created, request)


@get("/assets", summary="The media library, newest first; filter by content type or description status")
async def list_assets(caller: Caller, runtime: Runtime, cursor: str | None = None, content_type: str | None = None,
                      status: str | None = None, limit: int = 50) -> AssetPage:
    return await service.list_assets(runtime.db, caller, cursor=cursor, content_type=content_type, status=status,
                                     limit=limit)


@get("/assets/{asset_id:uuid}", summary="One asset")
async def get_asset(asset_id: uuid.UUID, caller: Caller, runtime: Runtime) -> AssetOut:
    return await service.get_asset(runtime.db, caller, asset_id)


@patch("/assets/{asset_id:uuid}", summary="Edit alt text or description (EDITOR)")
async def edit_asset(asset_id: uuid.UUID, data: JSONBody[AssetPatch], caller: Caller, runtime: Runtime,
                     request: Request[Any, Any, Any]) -> AssetOut:
    return await service.edit(runtime.db, request.app.state.provider, caller, asset_id, data)


@delete("/assets/{asset_id:uuid}", status_code=204, summary="Delete an asset and its files (EDITOR)")
async def delete_asset(asset_id: uuid.UUID, caller: Caller, runtime: Runtime, request: Request[Any, Any, Any]) -> None:
    if not await service.delete(runtime.db, request.app.state.storage, caller, [asset_id]):
        raise NotFound("no such asset")


@post("/assets/bulk-delete", status_code=200, summary="Delete several assets (EDITOR)")
async def bulk_delete(data: JSONBody[BulkDelete], caller: Caller, runtime: Runtime,
                      request: Request[Any, Any, Any]) -> dict[str, int]:
    return {"deleted": await service.delete(runtime.db, request.app.state.storage, caller, data.ids)}


@get("/files/{asset_id:uuid}", summary="The file (public on its tenant's host); ?w= for a resized copy")
async def serve_file(asset_id: uuid.UUID, caller: Caller, runtime: Runtime, request: Request[Any, Any, Any],
                     w: int | None = None) -> Response[bytes]:
    data, content_type, etag = await service.file(runtime.db, request.app.state.storage, caller, asset_id, w)
    headers = {"etag": etag, "cache-control": "public, max-age=31536000, immutable",
               **serving_headers(asset_id, content_type)}
    if request.headers.get("if-none-match") == etag:
        return Response(b"", status_code=304, headers=headers)
    return Response(data, media_type=content_type, headers=headers)


@get("/assets/search", summary="Search the library by meaning and by words (reciprocal rank fusion)")
async def search_assets(q: str, caller: Caller, runtime: Runtime, request: Request[Any, Any, Any],
                        k: int = 10) -> list[dict[str, Any]]:
    return await search.search(runtime.db, request.app.state.query_embeddings, caller, q, k)


@post("/reembed", status_code=202, summary="Re-embed the library with the current embedding model (OWNER)")
async def start_reembed(caller: Caller, runtime: Runtime, request: Request[Any, Any, Any]) -> Response[ReembedJob]:
    job, created = await reembed.request_reembed(runtime.db, request.app.state.provider, caller)
    if created and request.app.state.reembedder is not None:
        request.app.state.reembedder.wake.set()
    return Response(job, status_code=202, headers={"location": f"/api/assets/reembed/{job.id}"})


@get("/reembed", summary="Recent re-embedding jobs, newest first")
async def list_reembeds(caller: Caller, runtime: Runtime) -> list[ReembedJob]:
    return await reembed.reembed_jobs(runtime.db, caller)


@get("/reembed/{job_id:uuid}", summary="A re-embedding job and its progress")
async def get_reembed(job_id: uuid.UUID, caller: Caller, runtime: Runtime) -> ReembedJob:
    return await reembed.reembed_job(runtime.db, caller, job_id)


ROUTES = [search_assets, upload, upload_raw, list_assets, get_asset, edit_asset, delete_asset, bulk_delete, serve_file,
          start_reembed, list_reembeds, get_reembed]

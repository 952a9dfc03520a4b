"""cms's HTTP routes. Writes to a page require `If-Match` with the revision the editor
read (its ETag); every page answer carries its current ETag."""

from __future__ import annotations

import uuid
from typing import Annotated, Any, Literal
from urllib.parse import quote

from litestar import MediaType, Request, Response, delete, get, patch, post, put
from litestar.params import JSONBody, Parameter

from shared import bodies
from shared.auth import Caller
from shared.db import INT4_MAX
from shared.errors import AppError, Invalid, PreconditionFailed, PreconditionRequired

from . import delivery, forms, layout, pages, registry, showcase_pages, storefront
from .context import Ctx
from .schemas import (
    CheckOut,
    DiffOut,
    LayoutIn,
    LayoutOut,
    PageIn,
    PageList,
    PageOut,
    PagePatch,
    PublicationIn,
    PublicationOut,
    RenderIn,
    VersionOut,
)

FORM_BYTES = 16_384  # a visitor's message
VersionNumber = Annotated[int, Parameter(ge=1, le=INT4_MAX, description="a published version, from 1")]


def expected_revision(request: Request[Any, Any, Any]) -> int:
    """The revision If-Match names. It compares strongly (RFC 9110 13.1.1): a weak ETag (W/"2")
    matches nothing, and nor does a number past any revision (INT4_MAX): both are a 412, as a
    stale ETag is; a missing or malformed one is a 428."""
    raw = request.headers.get("if-match", "").strip()
    if raw.startswith("W/"):
        raise PreconditionFailed('If-Match compares ETags strongly and a weak one (W/"...") never matches: '
                                 'send the ETag as the page gave it ("<revision>")')
    number = pages.revision_number(raw.strip('"'))
    if number is None:
        raise PreconditionRequired('send If-Match: "<revision>" with the ETag of the page you edited')
    if number > INT4_MAX:
        raise PreconditionFailed("no revision is that large: send the ETag of the page you read")
    return number


def with_etag(page: PageOut, status: int = 200) -> Response[PageOut]:
    return Response(page, status_code=status, headers={"etag": f'"{page.revision}"'})


@get("/registry", summary="Every component's props as JSON Schema, and the children it may hold",
     sync_to_thread=False)
def get_registry() -> dict[str, Any]:
    return registry.document()


@get("/registry/tree-schema", summary="One JSON Schema for a whole page tree", sync_to_thread=False)
def get_tree_schema() -> dict[str, Any]:
    return registry.tree_schema()


@post("/pages", summary="Create a page (EDITOR); a starter tree when none is given")
async def create_page(data: JSONBody[PageIn], caller: Caller, ctx: Ctx) -> Response[PageOut]:
    return with_etag(await pages.create_page(ctx, caller, data), 201)


@get("/pages", summary="Pages, most recently changed first; filter by published state")
async def list_pages(caller: Caller, ctx: Ctx, cursor: str | None = None, published: bool | None = None,
                     limit: int = 50) -> PageList:
    return await pages.list_pages(ctx, caller, cursor=cursor, published=published, limit=limit)


@get("/pages/{page_id:uuid}", summary="A page with its draft tree")
async def get_page(page_id: uuid.UUID, caller: Caller, ctx: Ctx) -> Response[PageOut]:
    return with_etag(await pages.get_page(ctx, caller, page_id))


@patch("/pages/{page_id:uuid}", summary="Change the draft or the address (EDITOR, If-Match)")
async def update_page(page_id: uuid.UUID, data: JSONBody[PagePatch], caller: Caller, ctx: Ctx,
                      request: Request[Any, Any, Any]) -> Response[PageOut]:
    return with_etag(await pages.update_page(ctx, caller, page_id, expected_revision(request), data))


@delete("/pages/{page_id:uuid}", status_code=204, summary="Delete a page and its versions (OWNER, If-Match)")
async def delete_page(page_id: uuid.UUID, caller: Caller, ctx: Ctx, request: Request[Any, Any, Any]) -> None:
    await pages.delete_page(ctx, caller, page_id, expected_revision(request))


@post("/pages/{page_id:uuid}/check", status_code=200, summary="Run the publish gates without publishing")
async def check_page(page_id: uuid.UUID, caller: Caller, ctx: Ctx) -> CheckOut:
    return await pages.check_page(ctx, caller, page_id)


@post("/pages/{page_id:uuid}/publish", status_code=200, summary="Publish the draft as a new version (EDITOR)")
async def publish(page_id: uuid.UUID, caller: Caller, ctx: Ctx,
                  request: Request[Any, Any, Any]) -> Response[PageOut]:
    return with_etag(await pages.publish_page(ctx, caller, page_id, expected_revision(request)))


@post("/pages/{page_id:uuid}/unpublish", status_code=200, summary="Take the page offline (EDITOR)")
async def unpublish(page_id: uuid.UUID, caller: Caller, ctx: Ctx,
                    request: Request[Any, Any, Any]) -> Response[PageOut]:
    return with_etag(await pages.unpublish_page(ctx, caller, page_id, expected_revision(request)))


@post("/site-publications", status_code=200,
      summary="Publish several drafts and the layout together: all or none (EDITOR)")
async def publish_together(data: JSONBody[PublicationIn], caller: Caller, ctx: Ctx) -> PublicationOut:
    return await pages.publish_site(ctx, caller, data)


@get("/layout", summary="The header and footer every page shows: draft and live revision")
async def get_layout(caller: Caller, ctx: Ctx) -> Response[LayoutOut]:
    return layout_etag(await layout.get_layout(ctx, caller))


@put("/layout", summary='Change the draft header and footer (EDITOR, If-Match; "0" before the first)')
async def save_layout(data: JSONBody[LayoutIn], caller: Caller, ctx: Ctx,
                      request: Request[Any, Any, Any]) -> Response[LayoutOut]:
    return layout_etag(await layout.save_layout(ctx, caller, expected_revision(request), data))


@post("/layout/publish", status_code=200, summary="Show the draft header and footer on every page (EDITOR, If-Match)")
async def publish_layout(caller: Caller, ctx: Ctx, request: Request[Any, Any, Any]) -> Response[LayoutOut]:
    return layout_etag(await layout.publish_layout(ctx, caller, expected_revision(request)))


def layout_etag(out: LayoutOut) -> Response[LayoutOut]:
    return Response(out, headers={"etag": f'"{out.revision}"'})


@get("/pages/{page_id:uuid}/versions", summary="Published versions, newest first, with author and time")
async def list_versions(page_id: uuid.UUID, caller: Caller, ctx: Ctx) -> list[VersionOut]:
    return await pages.list_versions(ctx, caller, page_id)


@get("/pages/{page_id:uuid}/versions/{number:int}", summary="One published version with its tree")
async def get_version(page_id: uuid.UUID, number: VersionNumber, caller: Caller, ctx: Ctx) -> VersionOut:
    return await pages.get_version(ctx, caller, page_id, number)


@post("/pages/{page_id:uuid}/versions/{number:int}/restore", status_code=200,
      summary="Put an old version back into the draft (EDITOR, If-Match)")
async def restore(page_id: uuid.UUID, number: VersionNumber, caller: Caller, ctx: Ctx,
                  request: Request[Any, Any, Any]) -> Response[PageOut]:
    return with_etag(await pages.restore_version(ctx, caller, page_id, number, expected_revision(request)))


@get("/pages/{page_id:uuid}/diff", summary="What changed between two versions (or 'draft'), by node id")
async def compare(page_id: uuid.UUID, caller: Caller, ctx: Ctx, base: str, target: str = "draft") -> DiffOut:
    return await pages.compare_versions(ctx, caller, page_id, base, target)


@post("/pages/{page_id:uuid}/preview-link", status_code=201, summary="A signed link to the draft, for an hour")
async def preview_link(page_id: uuid.UUID, caller: Caller, ctx: Ctx) -> dict[str, Any]:
    return await delivery.preview_link(ctx.db, ctx.nc, caller, ctx.settings.internal_secret,
                                       ctx.settings.public_base_url,
                                       page_id)


@post("/pages/{page_id:uuid}/render", status_code=200, media_type=MediaType.HTML,
      summary="The draft, or the tree sent, as visitors will see it, each node marked for the canvas (any member)")
async def render_draft(page_id: uuid.UUID, caller: Caller, ctx: Ctx,
                       data: JSONBody[RenderIn | None] = None) -> Response[bytes]:
    answer = await delivery.render_draft(ctx, caller, page_id, data.structure if data else None)
    return Response(answer.body, status_code=answer.status, headers=answer.headers)


@get(["/site", "/site/{path:path}"], summary="The public site: a live page as HTML (or JSON), sitemap.xml, robots.txt")
async def site(caller: Caller, ctx: Ctx, request: Request[Any, Any, Any], path: str = "/") -> Response[bytes]:
    # The same use case answers site_fast_path.py, which serves most of these before Litestar.
    answer = await delivery.answer_site(ctx, caller, path, request.headers.get("accept", ""))
    return Response(answer.body, status_code=answer.status, headers=answer.headers)


@post("/site/__forms", status_code=303, summary="A visitor sends a contact form (public, on the tenant's host)")
async def submit_form(caller: Caller, ctx: Ctx, request: Request[Any, Any, Any], page: str = "/",
                      form: str = "") -> Response[Any]:
    # A JSON client gets problem+json; a visitor's browser gets pages in the site's design.
    json_client = "application/json" in request.headers.get("accept", "") or \
        request.headers.get("content-type", "").startswith("application/json")
    values: dict[str, Any] = {}
    try:
        if int(request.headers.get("content-length") or 0) > FORM_BYTES:
            raise Invalid("the message is too large")
        # The platform's body rule (shared/bodies.py): UTF-8, bounded in size, depth and fields.
        if request.headers.get("content-type", "").startswith("application/json"):
            body = await bodies.read_body(request, FORM_BYTES)
            values = bodies.decode_json(body, dict[str, Any], max_bytes=FORM_BYTES)
        else:
            values = await bodies.read_form(request, max_bytes=FORM_BYTES)
        forwarded = request.headers.get("x-forwarded-for", "")
        client = forwarded.rsplit(",", 1)[-1].strip() or (request.client.host if request.client else "")
        await forms.submit_form(ctx, caller, page, form, values, client)
    except AppError as refused:
        if json_client:
            raise
        return form_page(await forms.answer_page(ctx, caller, page, form, values=values, refusal=refused))
    if json_client:
        return Response({"status": "accepted"}, status_code=201)
    # Post/redirect/get: reloading the thank-you page does not send the message again.
    return Response(b"", status_code=303, headers={"location": f"/__forms?page={quote(page)}&form={quote(form)}"})


@get("/site/__forms", summary="The thank-you page after a visitor's form was sent (public, on the tenant's host)",
     media_type=MediaType.HTML)
async def form_sent(caller: Caller, ctx: Ctx, page: str = "/", form: str = "") -> Response[bytes]:
    return form_page(await forms.answer_page(ctx, caller, page, form, values={}, refusal=None))


@get("/checkout-refused", include_in_schema=False, media_type=MediaType.HTML)
async def checkout_refused(caller: Caller, ctx: Ctx, request: Request[Any, Any, Any], refused: str = "",
                           product: str = "") -> Response[bytes]:
    """The page a visitor's browser gets when billing refused a Buy button (GET /__checkout
    on the tenant's host), with the refusal's status."""
    return form_page(await storefront.refused_checkout_page(ctx, caller, refused, product,
                                                            request.headers.get("referer", "")))


def form_page(answer: tuple[int, dict[str, str], bytes]) -> Response[bytes]:
    status, headers, body = answer
    return Response(body, status_code=status, headers=headers)


@get("/showcase", summary="The component showcase: every theme preset (public, on the platform's host)",
     sync_to_thread=False, media_type=MediaType.HTML)
def showcase_index(ctx: Ctx) -> Response[bytes]:
    return answered(showcase_pages.show_index(ctx.settings.public_base_url))


@get("/showcase/{preset:str}", summary="Every component and variant in one theme preset (public)",
     sync_to_thread=False, media_type=MediaType.HTML)
def showcase_preset(preset: str, ctx: Ctx) -> Response[bytes]:
    return answered(showcase_pages.show_preset(ctx.settings.public_base_url, preset))


@get("/showcase/images/{name:str}", summary="A showcase photo, at a delivered width and format (public)",
     sync_to_thread=True)  # a first copy is encoded here (AVIF: about a second)
def showcase_image(name: str, w: Annotated[int, Parameter(ge=1, le=10_000)] | None = None,
                   fm: Literal["webp", "avif"] | None = None) -> Response[bytes]:
    return answered(showcase_pages.show_image(name, w, fm))


@get("/showcase/icons/{file:str}", summary="The platform host's favicons (public)", sync_to_thread=False)
def showcase_icon(file: str) -> Response[bytes]:
    return answered(showcase_pages.show_icon(file))


def answered(answer: delivery.SiteAnswer) -> Response[bytes]:
    return Response(answer.body, status_code=answer.status, headers=answer.headers)


@get("/forms/submissions", summary="Contact-form submissions, newest first (EDITOR)")
async def list_submissions(caller: Caller, ctx: Ctx, limit: int = 200) -> list[dict[str, Any]]:
    return await forms.list_submissions(ctx, caller, limit)


@get("/forms/submissions.csv", summary="Contact-form submissions as CSV (EDITOR)", media_type="text/csv")
async def submissions_csv(caller: Caller, ctx: Ctx) -> Response[str]:
    return Response(await forms.export_submissions(ctx, caller), media_type="text/csv",
                    headers={"content-disposition": 'attachment; filename="form-submissions.csv"'})


ROUTES = [submit_form, form_sent, checkout_refused, list_submissions, submissions_csv, preview_link, render_draft,
          site, get_registry, get_tree_schema, create_page, list_pages, get_page, update_page, delete_page, check_page,
          publish, unpublish,
          list_versions, get_version, restore, compare, publish_together, get_layout, save_layout, publish_layout,
          showcase_index, showcase_preset, showcase_image, showcase_icon]

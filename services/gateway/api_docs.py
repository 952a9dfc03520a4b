"""The public API's documents, served by the gateway on every host it admits: the OpenAPI 3.1
document of the whole API at /api/openapi.json, the AsyncAPI 3 event catalogue at
/api/asyncapi.json, and a reference page at /api/docs that renders the first.

The documents are files committed beside this module (api/), written by `make api-docs`
(shared/dev/api_docs.py), which imports every service to read its routes: the gateway never
imports another service, so it serves what was generated, and a unit test fails when the
files are stale. The page's renderer (Swagger UI, npm `swagger-ui-dist`) is fetched by
`make setup` into build/api-docs/; without it the page still answers, with links to the
documents and what to run. The gateway's own public routes are described here, beside the
routes themselves, for the generator to merge."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from litestar import Request, Response, get

from shared.errors import NotFound

from .context import Ctx
from .edge import Visitor, admit

DOCUMENTS = Path(__file__).resolve().parent / "api"
RENDERER = Path(__file__).resolve().parents[2] / "build" / "api-docs"
# What the page may load: its own host only, scripts from files (no inline script, no eval).
# Swagger UI sets inline styles and draws its icons as data: images.
PAGE_CSP = ("default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
            "connect-src 'self'; font-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'")
# The files the page may ask for, by name (never a path joined from the request), and where each lives.
PAGE_FILES = {"swagger-ui-bundle.js": RENDERER, "swagger-ui.css": RENDERER, "LICENSE": RENDERER,
              "docs.js": DOCUMENTS, "docs.css": DOCUMENTS}
MEDIA_TYPES = {".js": "text/javascript", ".css": "text/css",
               ".json": "application/json", "": "text/plain"}

PROBLEM = {"description": "RFC 9457 problem details",
           "content": {"application/problem+json": {"schema": {"type": "object"}}}}
HTML = {"text/html": {"schema": {"type": "string"}}}
JSON_OBJECT = {"application/json": {"schema": {"type": "object"}}}


def _gateway_operation(summary: str, responses: dict[str, Any], *, description: str = "",
                       parameters: list[dict[str, Any]] | None = None, request_body: dict[str, Any] | None = None,
                       operation_id: str) -> dict[str, Any]:
    operation: dict[str, Any] = {"tags": ["gateway"], "summary": summary, "operationId": operation_id,
                                 "security": [{}]}  # the gateway's own routes take no token
    if description:
        operation["description"] = description
    if parameters:
        operation["parameters"] = parameters
    if request_body:
        operation["requestBody"] = request_body
    operation["responses"] = responses
    return operation


def _path_parameter(name: str, description: str) -> dict[str, Any]:
    return {"name": name, "in": "path", "required": True, "description": description, "schema": {"type": "string"}}


FORM_QUERY = [{"name": name, "in": "query", "required": False, "description": description, "schema": {"type": "string"}}
              for name, description in (("page", "the address of the page holding the form"),
                                        ("form", "the form's id on that page"))]

# The gateway's own public routes, in OpenAPI: what it answers itself rather than proxying to
# /api/<service>. `/__tls/ask` is left out: it is Caddy's, not an API client's.
GATEWAY_PATHS: dict[str, dict[str, Any]] = {
    "/{path}": {"get": _gateway_operation(
        "A published page of the tenant's site (or its robots.txt, sitemap.xml, favicons), cached at the edge",
        {"200": {"description": "the page; `x-cache` says hit, replica or miss", "content": {
            **HTML, **JSON_OBJECT}}, "304": {"description": "not modified (If-None-Match)"}, "404": PROBLEM},
        description="Tenant hosts only. `Accept: application/json` gets the page's JSON form. A signed preview "
                    "link's query passes the cache. The platform's own host answers its home and the showcase.",
        parameters=[_path_parameter("path", "the page's address, '' for the home page")],
        operation_id="GatewaySitePage")},
    "/assets/{asset_id}": {"get": _gateway_operation(
        "One of the site's images from the media library, at a delivered width and format",
        {"200": {"description": "the image", "content": {"image/*": {"schema": {"type": "string",
                                                                              "format": "binary"}}}},
         "404": PROBLEM},
        parameters=[_path_parameter("asset_id", "the asset's id")], operation_id="GatewaySiteImage")},
    "/__forms": {
        "post": _gateway_operation(
            "A visitor sends a contact form of the site (no token: the caller is the host's tenant)",
            {"303": {"description": "sent: on to the thank-you page at /__forms"},
             "422": {"description": "what to fix: a page in the site's design for a browser, problem+json "
                                    "for a JSON client"}, "429": PROBLEM},
            request_body={"required": True, "content": {"application/x-www-form-urlencoded": {
                "schema": {"type": "object"}}, **JSON_OBJECT}}, parameters=FORM_QUERY,
            operation_id="GatewaySubmitForm"),
        "get": _gateway_operation("The thank-you page a sent form leads to", {"200": {"description": "the page",
                                                                                       "content": HTML}},
                                  parameters=FORM_QUERY, operation_id="GatewayFormSent")},
    "/__checkout": {"post": _gateway_operation(
        "A Buy button of the site: billing turns it into a Stripe Checkout page",
        {"303": {"description": "the buyer is sent to Stripe Checkout"}, "404": PROBLEM, "422": PROBLEM},
        request_body={"required": True, "content": {"application/x-www-form-urlencoded": {
            "schema": {"type": "object"}}}}, operation_id="GatewayCheckout")},
    "/__fonts/{file}": {"get": _gateway_operation(
        "A self-hosted font of the theme catalogue (immutable, CORS for every origin)",
        {"200": {"description": "the font", "content": {"font/woff2": {"schema": {"type": "string",
                                                                                  "format": "binary"}}}},
         "304": {"description": "not modified"}, "404": PROBLEM},
        parameters=[_path_parameter("file", "a catalogue font file, e.g. inter-latin-400-normal.woff2")],
        operation_id="GatewayFont")},
    "/__showcase": {"get": _gateway_operation(
        "The component showcase's index: every theme preset (the platform's host)",
        {"200": {"description": "the page", "content": HTML}}, operation_id="GatewayShowcase")},
    "/__showcase/{preset}": {"get": _gateway_operation(
        "Every component and variant in one theme preset (the platform's host)",
        {"200": {"description": "the page", "content": HTML}, "404": PROBLEM},
        parameters=[_path_parameter("preset", "a theme preset, e.g. harbour")], operation_id="GatewayShowcasePreset")},
    "/health": {"get": _gateway_operation("The gateway is up", {"200": {"description": "ok", "content": JSON_OBJECT}},
                                          operation_id="GatewayHealth")},
    "/api/openapi.json": {"get": _gateway_operation(
        "This document: the whole public API in OpenAPI 3.1", {"200": {"description": "the document",
                                                                       "content": JSON_OBJECT}},
        operation_id="GatewayOpenApi")},
    "/api/asyncapi.json": {"get": _gateway_operation(
        "The event catalogue in AsyncAPI 3: every subject, its payload, producer and consumers",
        {"200": {"description": "the document", "content": JSON_OBJECT}}, operation_id="GatewayAsyncApi")},
    "/api/docs": {"get": _gateway_operation(
        "A reference page rendering this document", {"200": {"description": "the page", "content": HTML}},
        operation_id="GatewayApiDocs")},
}


@dataclass(frozen=True, slots=True)
class Served:
    body: bytes
    media_type: str
    etag: str


def _read(folder: Path, name: str) -> Served | None:
    try:
        body = (folder / name).read_bytes()
    except OSError:
        return None
    return Served(body, MEDIA_TYPES[Path(name).suffix], f'"{hashlib.sha256(body).hexdigest()[:20]}"')


class Files:
    """Each file read on its first request and then kept: the documents change only with a
    new build of the gateway, the renderer only with `make setup`."""

    def __init__(self) -> None:
        self.kept: dict[str, Served] = {}

    def get(self, folder: Path, name: str) -> Served | None:
        served = self.kept.get(name)
        if served is None:
            served = _read(folder, name)
            if served is not None:
                self.kept[name] = served
        return served


FILES = Files()


def answer(request: Request[Any, Any, Any], served: Served, **headers: str) -> Response[bytes]:
    common = {"etag": served.etag, "cache-control": "public, max-age=300", **headers}
    if served.etag in request.headers.get("if-none-match", ""):
        return Response(b"", status_code=304, headers=common)
    return Response(served.body, media_type=served.media_type, headers=common)


async def document(request: Request[Any, Any, Any], ctx: Ctx, name: str) -> Response[bytes]:
    await admit(Visitor(request.scope, ctx.proxies), ctx.limits, ctx.hosts)  # any known host, at its rates
    served = FILES.get(DOCUMENTS, name)
    if served is None:
        raise NotFound(f"{name} was not generated: run make api-docs")
    # Read by the studio and API tools on any origin: a public document reveals nothing.
    return answer(request, served, **{"access-control-allow-origin": "*"})


@get("/api/openapi.json", include_in_schema=False)
async def openapi_document(request: Request[Any, Any, Any], ctx: Ctx) -> Response[bytes]:
    return await document(request, ctx, "openapi.json")


@get("/api/asyncapi.json", include_in_schema=False)
async def asyncapi_document(request: Request[Any, Any, Any], ctx: Ctx) -> Response[bytes]:
    return await document(request, ctx, "asyncapi.json")


DOCS_PAGE = """<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Sitebuilder platform API</title>
<link rel="stylesheet" href="/api/docs/docs.css">
{renderer_css}</head>
<body>
<header><h1>Sitebuilder platform API</h1>
<p>The documents: <a href="/api/openapi.json">OpenAPI 3.1</a> (every service's routes and the gateway's own)
and <a href="/api/asyncapi.json">AsyncAPI 3</a> (the events and commands between services).</p></header>
<main id="reference">{fallback}</main>
{renderer_js}</body>
</html>
"""
FALLBACK = ("<p>The interactive reference is not installed on this server: run <code>make setup</code> "
            "(it fetches Swagger UI into build/api-docs/).</p>")


@get("/api/docs", include_in_schema=False)
async def docs_page(request: Request[Any, Any, Any], ctx: Ctx) -> Response[bytes]:
    await admit(Visitor(request.scope, ctx.proxies), ctx.limits, ctx.hosts)
    installed = FILES.get(RENDERER, "swagger-ui-bundle.js") is not None
    page = DOCS_PAGE.format(
        renderer_css='<link rel="stylesheet" href="/api/docs/swagger-ui.css">\n' if installed else "",
        renderer_js=('<script src="/api/docs/swagger-ui-bundle.js"></script>\n'
                     '<script src="/api/docs/docs.js"></script>\n') if installed else "",
        fallback="" if installed else FALLBACK)
    return Response(page.encode(), media_type="text/html",
                    headers={"content-security-policy": PAGE_CSP, "cache-control": "no-cache"})


@get("/api/docs/{file:str}", include_in_schema=False)
async def docs_file(request: Request[Any, Any, Any], ctx: Ctx, file: str) -> Response[bytes]:
    await admit(Visitor(request.scope, ctx.proxies), ctx.limits, ctx.hosts)
    folder = PAGE_FILES.get(file)
    served = FILES.get(folder, file) if folder is not None else None
    if served is None:
        raise NotFound(f"no such file: /api/docs/{file}")
    return answer(request, served)


API_DOC_ROUTES = [openapi_document, asyncapi_document, docs_page, docs_file]

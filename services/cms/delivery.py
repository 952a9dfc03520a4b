"""The public site of a tenant: live pages as HTML (or JSON for headless frontends),
draft previews through signed expiring links, sitemap.xml, robots.txt and the favicons
(favicons.py). Links are absolute from the tenant's canonical host, never from the
request's Host. A page is rendered with the size of every image it shows, asked of assets
(DescribeImages) so that no image shifts the layout; when assets does not answer in time
the page goes out without them rather than not at all.

A live page is rendered once after whatever it is made of changed (its version, the site's
name, theme or domain, the catalogue its grids show, the renderer itself) and stored
(cms.rendered_pages): at publish, and at the first request after a site, catalogue or
renderer change. Every other request
for it is one SELECT. cms keeps no cache of its own: the gateway caches pages, evicting a
tenant's on the same events."""

from __future__ import annotations

import asyncio
import base64
import contextlib
import hashlib
import hmac
import logging
import time
import uuid
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import asyncpg
import msgspec
from nats.aio.client import Client as NATS

from shared.auth import Caller, Role
from shared.contracts import CopyImage, DescribeImages, ImageInfo
from shared.db import Database
from shared.errors import AppError, NotFound, Unauthorized
from shared.messaging import request

from . import favicons, form_pages, sites
from .context import Ctx
from .gates import walk
from .layout import with_layout
from .registry import asset_refs, migrate
from .render import FormState, esc, render_page
from .repo import delivery as rows
from .repo import layouts, pages, projections, versions
from .site_words import words_for
from .tree import validate

PREVIEW_TTL = 3600
LIVE_CACHE = "public, max-age=60, stale-while-revalidate=300"
MEDIA_TYPES = {"html": "text/html; charset=utf-8", "json": "application/json"}
FAVICON_CACHE = "public, max-age=86400"
PRIVATE_THEME_PARTS = frozenset({"brand"})
DEFAULT_LANGUAGE = "en"  # a site no generation described (built by hand, or through the API)
ASSETS_TIMEOUT = 1.0  # a page renders without image sizes rather than wait longer (inside a transaction)
log = logging.getLogger("cms.delivery")


def _digest_of(paths: tuple[Path, ...]) -> str:
    digest = hashlib.sha256()
    for path in paths:
        digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


# What a stored page is made by. A deploy that changes any of these makes every stored page out
# of date (rendered again at its next request), and cms renders the live replica anew when it
# starts (live_replica.refresh_after_new_renderer): pages never keep an old renderer's bytes.
_HERE, _SHARED = Path(__file__).resolve().parent, Path(__file__).resolve().parents[2] / "shared"
RENDERER_SOURCES = (*(_HERE / name for name in ("render.py", "design.py", "components.css", "site_words.py",
                                                 "markdown.py", "registry.py", "layout.py", "icons.py",
                                                 "icons.json", "delivery.py")),
                    _SHARED / "theme.py", _SHARED / "fonts.py")
RENDERER = _digest_of(RENDERER_SOURCES)


class Rendered(msgspec.Struct, frozen=True):
    body: bytes
    media_type: str
    etag: str
    cache: str


class SiteAnswer(msgspec.Struct, frozen=True):
    """A whole answer of the public site, for whichever door sent the request (the `site`
    handler, or site_fast_path.py in front of Litestar)."""

    status: int
    headers: dict[str, str]
    body: bytes


def canonical_base(public_base_url: str, slug: str, custom_domain: str | None) -> str:
    parts = urlsplit(public_base_url)
    host = custom_domain or f"{slug}.{parts.hostname}"
    port = f":{parts.port}" if parts.port else ""
    return urlunsplit((parts.scheme, host + port, "", "", ""))


async def products_of(tx: asyncpg.Connection, tree: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """The catalogue entries the tree's product grids name, by id (from cms's projection)."""
    wanted = [pid for node, _ in walk(tree["root"]) if node["component"] == "ProductGrid"
              for pid in node["props"]["product_ids"]]
    return await rows.products(tx, wanted) if wanted else {}


def image_ids(tree: dict[str, Any], products: dict[str, dict[str, Any]] | None = None) -> list[str]:
    """Every asset id the page shows, once each, in order: the props the registry types as
    an AssetId (registry.asset_refs), and the images of the products its grids show."""
    found: dict[str, None] = {}

    def add(value: Any) -> None:
        with contextlib.suppress(ValueError, TypeError):  # an empty slot, a malformed stored value
            found[str(uuid.UUID(str(value)))] = None

    for node, _ in walk(tree["root"]):
        for ref in asset_refs(node["component"], node["props"]):
            if ref.container.get(ref.key) is not None:
                add(ref.container[ref.key])
    for product in (products or {}).values():
        for image in product.get("images") or []:
            add(image)
    return list(found)


async def described_images(nc: NATS | None, tenant_id: uuid.UUID, ids: list[str]) -> dict[str, ImageInfo]:
    """Size, delivered widths and formats of the tenant's images among `ids`, by id; empty
    when assets does not answer (the page then renders without them)."""
    if nc is None or not ids:
        return {}
    try:
        reply = await request(nc, DescribeImages(tenant_id=tenant_id, asset_ids=[uuid.UUID(i) for i in ids]),
                              timeout=ASSETS_TIMEOUT)
    except (AppError, msgspec.ValidationError) as exc:
        log.warning("rendering without image sizes: %s", exc)
        return {}
    return {str(image.id): image for image in reply.images}


def _etag(body: bytes) -> str:
    return '"' + hashlib.sha256(body).hexdigest()[:32] + '"'


async def live(db: Database, nc: NATS | None, caller: Caller, public_base_url: str, path: str, *,
               as_json: bool) -> Rendered:
    """The live page at `path` (or the sitemap, robots.txt, a favicon): its stored rendering
    when that is current, else rendered now and stored."""
    tenant_id = caller.tenant_id
    if tenant_id is None:
        raise NotFound("no site here")
    if path in favicons.FILES:
        return await favicon(db, nc, tenant_id, path)
    kind = "json" if as_json else "html"
    slug = path.rstrip("/") or "/"
    async with db.tenant_tx(tenant_id) as tx:
        if path in ("/robots.txt", "/sitemap.xml"):
            return await _site_file(tx, nc, tenant_id, public_base_url, path)
        rendered = await current(tx, tenant_id, public_base_url, slug, (kind,), nc=nc)
        if not rendered and await projections.site(tx) is None:  # identity's event may not have arrived yet
            if await sites.current_site(tx, nc, tenant_id) is None:
                raise NotFound("this site is not set up yet")
            rendered = await current(tx, tenant_id, public_base_url, slug, (kind,), nc=nc)
        if not rendered:
            raise NotFound("no published page at this address")
    return rendered[kind]


async def current(tx: asyncpg.Connection, tenant_id: uuid.UUID, public_base_url: str, slug: str,
                  kinds: tuple[str, ...], *, nc: NATS | None = None) -> dict[str, Rendered]:
    """The page live at `slug` in each of `kinds`: its stored rendering when that is current,
    else rendered now (its images described by assets over `nc`) and stored. Empty when no
    page is live there."""
    made: dict[str, Rendered] = {}
    for kind in kinds:
        stored = await rows.stored_page(tx, slug, kind, RENDERER)
        if stored is not None and stored["fresh"]:
            made[kind] = Rendered(body=stored["body"], media_type=MEDIA_TYPES[kind], etag=stored["etag"],
                                  cache=LIVE_CACHE)
    missing = tuple(kind for kind in kinds if kind not in made)
    if missing:
        made.update(await store_live(tx, tenant_id, public_base_url, slug, kinds=missing, nc=nc) or {})
    return made


async def store_live(tx: asyncpg.Connection, tenant_id: uuid.UUID, public_base_url: str, slug: str, *,
                     kinds: tuple[str, ...] = ("html", "json"), nc: NATS | None = None) -> dict[str, Rendered] | None:
    """Render the page live at `slug` in each of `kinds` and store it, in the caller's
    transaction (publish's, or a request's that found the stored bytes out of date). None
    when no page is live there, or the site is not known yet. Its images are described by
    assets over `nc` (without it, or without an answer, they render without sizes)."""
    source = await rows.live_source(tx, slug)
    if source is None:
        return None
    tree = with_layout(migrate(source["structure"], source["registry_version"]), source["live_header"],
                       source["live_footer"])
    base = canonical_base(public_base_url, source["site_slug"], source["custom_domain"])
    made = {}
    for kind in kinds:
        if kind == "json":
            body = msgspec.json.encode({"page": {"id": source["id"], "slug": source["slug"],
                                                 "version": source["version"], "published_at": source["created_at"],
                                                 "structure": tree},
                                        "site": {"name": source["site_name"], "theme": public_theme(source["theme"]),
                                                 "url": base}})
        else:
            products = await products_of(tx, tree)
            images = await described_images(nc, tenant_id, image_ids(tree, products))
            body = render_page(tree, site_name=source["site_name"], theme=source["theme"], canonical_base=base,
                               path=source["slug"], products=products, images=images,
                               lang=source["language"] or DEFAULT_LANGUAGE).encode()
        made[kind] = Rendered(body=body, media_type=MEDIA_TYPES[kind], etag=_etag(body), cache=LIVE_CACHE)
        await rows.store_page(tx, tenant_id, source, kind, body, made[kind].etag, RENDERER)
    return made


def site_language(layout: asyncpg.Record | None) -> str:
    """The site's language: its profile's (a site generation writes it from the brief)."""
    profile = (layout["profile"] if layout is not None else None) or {}
    return str(profile.get("language") or DEFAULT_LANGUAGE)


def public_theme(theme: dict[str, Any] | None) -> dict[str, Any]:
    """What of a site's theme a headless frontend gets with its pages: the design. The brand
    kit's words (voice, audience, notes) are the owner's instructions to the AI, not content."""
    return {key: value for key, value in (theme or {}).items() if key not in PRIVATE_THEME_PARTS}


async def favicon(db: Database, nc: NATS | None, tenant_id: uuid.UUID, path: str) -> Rendered:
    """One of the site's favicons (favicons.FILES): from its logo when the theme names one
    and assets sends a copy, else from its name's initials and primary colour."""
    async with db.tenant_tx(tenant_id) as tx:
        site = await sites.current_site(tx, nc, tenant_id)
    if site is None:
        raise NotFound("this site is not set up yet")
    theme = site["theme"] or {}
    logo = await logo_copy(nc, tenant_id, theme.get("logo_asset_id"))
    body = await asyncio.to_thread(favicons.favicon, path, favicons.brand_of(site["name"], theme), logo)
    return Rendered(body=body, media_type=favicons.FILES[path], etag=_etag(body), cache=FAVICON_CACHE)


async def logo_copy(nc: NATS | None, tenant_id: uuid.UUID, logo_asset_id: Any) -> bytes | None:
    """A small copy of the logo from assets; None without one (a deleted logo, assets down)."""
    if nc is None or not logo_asset_id:
        return None
    try:
        reply = await request(nc, CopyImage(tenant_id=tenant_id, asset_id=uuid.UUID(str(logo_asset_id))),
                              timeout=ASSETS_TIMEOUT)
    except (AppError, ValueError, msgspec.ValidationError) as exc:
        log.warning("favicon from initials: the logo is not available: %s", exc)
        return None
    data: bytes = reply.data
    return data


async def _site_file(tx: asyncpg.Connection, nc: NATS | None, tenant_id: uuid.UUID, public_base_url: str,
                     path: str) -> Rendered:
    site = await sites.current_site(tx, nc, tenant_id)
    if site is None:
        raise NotFound("this site is not set up yet")
    base = canonical_base(public_base_url, site["slug"], site["custom_domain"])
    if path == "/robots.txt":
        body = f"User-agent: *\nAllow: /\nSitemap: {base}/sitemap.xml\n".encode()
        return Rendered(body=body, media_type="text/plain", etag=_etag(body), cache="public, max-age=3600")
    urls = "".join(f"<url><loc>{esc(base + row['slug'])}</loc><lastmod>{row['updated_at']:%Y-%m-%d}</lastmod>"
                   "</url>" for row in await rows.live_pages(tx))
    body = ('<?xml version="1.0" encoding="UTF-8"?><urlset xmlns="http://www.sitemaps.org/schemas/'
            f'sitemap/0.9">{urls}</urlset>').encode()
    return Rendered(body=body, media_type="application/xml", etag=_etag(body), cache="public, max-age=300")


def _sign(secret: str, message: str) -> str:
    return base64.urlsafe_b64encode(hmac.new(secret.encode(), message.encode(), hashlib.sha256).digest()[:18]).decode()


async def preview_link(db: Database, nc: NATS | None, caller: Caller, secret: str, public_base_url: str,
                       page_id: uuid.UUID) -> dict:
    """A link that shows the draft to anyone holding it, for an hour."""
    tenant_id = caller.require(Role.EDITOR)
    async with db.tenant_tx(tenant_id) as tx:
        if await pages.page(tx, page_id) is None:
            raise NotFound("no such page")
        site = await sites.current_site(tx, nc, tenant_id)
    expires = int(time.time()) + PREVIEW_TTL
    token = f"{page_id.hex}.{expires}.{_sign(secret, f'{tenant_id}:{page_id}:{expires}')}"
    base = canonical_base(public_base_url, site["slug"] if site else "", site["custom_domain"] if site else None)
    return {"url": f"{base}/__preview/{token}", "expires_at": expires}


async def preview(db: Database, nc: NATS | None, caller: Caller, secret: str, public_base_url: str,
                  token: str) -> Rendered:
    tenant_id = caller.tenant_id
    try:
        page_hex, expires, signature = token.split(".")
        page_id = uuid.UUID(hex=page_hex)
    except ValueError:
        raise Unauthorized("not a preview link") from None
    good = _sign(secret, f"{tenant_id}:{page_id}:{expires}")
    if tenant_id is None or not hmac.compare_digest(good, signature) or int(expires) < time.time():
        raise Unauthorized("this preview link is not valid (or has expired)")
    body = await draft_document(db, nc, tenant_id, public_base_url, page_id)
    return Rendered(body=body, media_type="text/html; charset=utf-8", etag=_etag(body), cache="no-store")


async def draft_document(db: Database, nc: NATS | None, tenant_id: uuid.UUID, public_base_url: str,
                         page_id: uuid.UUID, *, structure: dict[str, Any] | None = None,
                         mark_nodes: bool = False) -> bytes:
    """The draft as it will look once published (with the draft header and footer), by the
    one renderer visitors get; `structure` an unsaved tree of this page, already validated."""
    async with db.tenant_tx(tenant_id) as tx:
        row, site = await pages.page(tx, page_id), await sites.current_site(tx, nc, tenant_id)
        layout = await layouts.layout(tx)
        if row is None or site is None:
            raise NotFound("no such page")
        tree = structure if structure is not None else migrate(row["structure"], row["registry_version"])
        if layout is not None:
            tree = with_layout(tree, layout["header"], layout["footer"])
        products = await products_of(tx, tree)
    images = await described_images(nc, tenant_id, image_ids(tree, products))
    return render_page(tree, site_name=site["name"], theme=site["theme"],
                       canonical_base=canonical_base(public_base_url, site["slug"], site["custom_domain"]),
                       path=row["slug"], products=products, images=images, mark_nodes=mark_nodes,
                       lang=site_language(layout)).encode()


async def render_draft(ctx: Ctx, caller: Caller, page_id: uuid.UUID, structure: dict[str, Any] | None) -> SiteAnswer:
    """The studio's canvas: the draft, or the tree the editor holds (validated like a save),
    exactly as visitors will get it, with each node's outermost element naming the node.
    Never cached: it changes with every keystroke. Any member: it writes nothing, and a
    viewer reads the draft in the same editor."""
    tenant_id = caller.require(Role.VIEWER)
    tree = validate(structure) if structure is not None else None
    body = await draft_document(ctx.db, ctx.nc, tenant_id, ctx.settings.public_base_url, page_id, structure=tree,
                                mark_nodes=True)
    rendered = Rendered(body=body, media_type=MEDIA_TYPES["html"], etag=_etag(body), cache="no-store")
    return site_answer(rendered, {"x-robots-tag": "noindex"})


async def answer_site(ctx: Ctx, caller: Caller, path: str, accept: str) -> SiteAnswer:
    """The answer to GET /site{path}: a draft preview, or a live page (HTML, or JSON when
    `accept` asks for it), the sitemap, robots.txt or a favicon. NotFound/Unauthorized as
    problems."""
    if path.startswith("/__preview/"):
        rendered = await preview(ctx.db, ctx.nc, caller, ctx.settings.internal_secret,
                                 ctx.settings.public_base_url, path.removeprefix("/__preview/"))
        return site_answer(rendered, {"x-robots-tag": "noindex"})
    as_json = "application/json" in accept
    try:
        rendered = await live(ctx.db, ctx.nc, caller, ctx.settings.public_base_url, path, as_json=as_json)
    except NotFound:
        if as_json or "text/html" not in accept or caller.tenant_id is None:
            raise
        return await missing_page(ctx, caller.tenant_id, path)
    return live_answer(rendered)


async def missing_page(ctx: Ctx, tenant_id: uuid.UUID, path: str) -> SiteAnswer:
    """A visitor's browser asked for an address no live page has: a 404 page in the site's
    design, around its home page's header and footer, with the ways on from there."""
    async with ctx.db.tenant_tx(tenant_id) as tx:
        site = await sites.current_site(tx, ctx.nc, tenant_id)
        home = await versions.live_at(tx, "/")
        layout = await layouts.layout(tx)
    if site is None:
        raise NotFound("this site is not set up yet")
    language = site_language(layout)
    tree = form_pages.missing_tree(live_chrome(home, layout), words_for(language))
    status, headers, body = await visitor_page(ctx, tenant_id, site, tree, path=path, status=404, language=language)
    return SiteAnswer(status=status, headers=headers, body=body)


def live_chrome(page: asyncpg.Record | None, layout: asyncpg.Record | None) -> dict[str, Any] | None:
    """A live page's tree with the site's live header and footer: what a page a visitor's
    browser gets in answer is set in (None: the site has no such page)."""
    if page is None:
        return None
    return with_layout(migrate(page["structure"], page["registry_version"]),
                       layout["live_header"] if layout else None, layout["live_footer"] if layout else None)


async def visitor_page(ctx: Ctx, tenant_id: uuid.UUID, site: asyncpg.Record, tree: dict[str, Any], *, path: str,
                       status: int, language: str, form_state: FormState | None = None,
                       ) -> tuple[int, dict[str, str], bytes]:
    """(status, headers, HTML) of a page a visitor's browser gets in answer (a form's, a
    purchase's, a missing page's): `tree` in the site's design, never cached nor indexed."""
    images = await described_images(ctx.nc, tenant_id, image_ids(tree))
    body = render_page(tree, site_name=site["name"], theme=site["theme"], path=path, images=images, lang=language,
                       form_state=form_state, canonical_base=canonical_base(ctx.settings.public_base_url,
                                                                            site["slug"], site["custom_domain"])
                       ).encode()
    rendered = Rendered(body=body, media_type="text/html; charset=utf-8", cache="no-store", etag=_etag(body))
    return status, respond_headers(rendered, {"x-robots-tag": "noindex", "content-type": rendered.media_type}), body


def live_answer(rendered: Rendered) -> SiteAnswer:
    """The answer of a live page (or site file), as cms sends it and the live replica holds it."""
    return site_answer(rendered, {"vary": "Accept"})


def site_answer(rendered: Rendered, extra: dict[str, str]) -> SiteAnswer:
    # The ETag is for the gateway, which answers revalidations (and compresses) for every page.
    # content-type as a header: Litestar would append a second charset to a text/* media_type that has one.
    return SiteAnswer(status=200, headers={**respond_headers(rendered, extra), "content-type": rendered.media_type},
                      body=rendered.body)


def respond_headers(rendered: Rendered, extra: dict[str, Any] | None = None) -> dict[str, str]:
    headers = {"etag": rendered.etag, "cache-control": rendered.cache, "x-content-type-options": "nosniff",
               "content-security-policy": "default-src 'self'; img-src 'self' data:; style-src 'unsafe-inline'; "
                                          "frame-src https://www.youtube-nocookie.com https://player.vimeo.com; "
                                          "script-src 'none'; base-uri 'none'; "
                                          # A Buy button's form is answered with a redirect to Stripe's Checkout.
                                          "form-action 'self' https://checkout.stripe.com; "
                                          "frame-ancestors 'self'"}
    return {**headers, **(extra or {})}

"""The public site of a tenant: live pages as HTML (or JSON for headless frontends),
draft previews through signed expiring links, sitemap.xml and robots.txt. Links are
absolute from the tenant's canonical host, never from the request's Host."""

from __future__ import annotations

import base64
import hashlib
import hmac
import time
import uuid
from collections import OrderedDict
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import msgspec

from shared.auth import Caller, Role
from shared.db import Database
from shared.errors import NotFound, Unauthorized

from . import repo, sites
from .gates import walk
from .registry import migrate
from .render import esc, render_page

SELECT_LIVE_KEY = """
SELECT p.id, p.live_version FROM cms.pages p WHERE p.slug = $1 AND p.live_version IS NOT NULL
"""
SELECT_LIVE_BY_SLUG = """
SELECT p.id, p.slug, v.version, v.structure, v.registry_version, v.created_at
FROM cms.pages p JOIN cms.page_versions v ON v.page_id = p.id AND v.version = p.live_version
WHERE p.slug = $1
"""
SELECT_LIVE_PAGES = "SELECT slug, updated_at FROM cms.pages WHERE live_version IS NOT NULL ORDER BY slug"
PREVIEW_TTL = 3600


class Rendered(msgspec.Struct, frozen=True):
    body: bytes
    media_type: str
    etag: str
    cache: str


class RenderCache:
    """Rendered pages by (tenant, page, version, site state, format): a published version
    never changes, so its bytes are kept (least recently used out first)."""

    def __init__(self, size: int = 512) -> None:
        self.size = size
        self._bodies: OrderedDict[str, Rendered] = OrderedDict()

    def get(self, key: str) -> Rendered | None:
        found = self._bodies.get(key)
        if found is not None:
            self._bodies.move_to_end(key)
        return found

    def put(self, key: str, rendered: Rendered) -> None:
        self._bodies[key] = rendered
        if len(self._bodies) > self.size:
            self._bodies.popitem(last=False)


def canonical_base(public_base_url: str, slug: str, custom_domain: str | None) -> str:
    parts = urlsplit(public_base_url)
    host = custom_domain or f"{slug}.{parts.hostname}"
    port = f":{parts.port}" if parts.port else ""
    return urlunsplit((parts.scheme, host + port, "", "", ""))


SELECT_CATALOGUE_AT = "SELECT max(synced_at) FROM cms.products"
SELECT_PRODUCTS = """
SELECT product_id, name, price_amount, currency, images, active, in_stock FROM cms.products
WHERE product_id = ANY($1::uuid[])
"""


async def products_of(tx: Any, tree: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """The catalogue entries the tree's product grids name, by id (from cms's projection)."""
    wanted = [pid for node, _ in walk(tree["root"]) if node["component"] == "ProductGrid"
              for pid in node["props"]["product_ids"]]
    if not wanted:
        return {}
    return {str(row["product_id"]): dict(row) for row in await tx.fetch(SELECT_PRODUCTS, wanted)}


def _etag(body: bytes) -> str:
    return '"' + hashlib.sha256(body).hexdigest()[:32] + '"'


async def live(db: Database, caller: Caller, public_base_url: str, path: str, *, as_json: bool,
               cache: RenderCache | None = None) -> Rendered:
    tenant_id = caller.tenant_id
    if tenant_id is None:
        raise NotFound("no site here")
    async with db.tenant_tx(tenant_id) as tx:
        site = await sites.site(tx)
        if site is None:
            raise NotFound("this site is not set up yet")
        base = canonical_base(public_base_url, site["slug"], site["custom_domain"])
        if path == "/robots.txt":
            body = f"User-agent: *\nAllow: /\nSitemap: {base}/sitemap.xml\n".encode()
            return Rendered(body=body, media_type="text/plain", etag=_etag(body), cache="public, max-age=3600")
        if path == "/sitemap.xml":
            urls = "".join(f"<url><loc>{esc(base + row['slug'])}</loc><lastmod>{row['updated_at']:%Y-%m-%d}</lastmod>"
                           "</url>" for row in await tx.fetch(SELECT_LIVE_PAGES))
            body = ('<?xml version="1.0" encoding="UTF-8"?><urlset xmlns="http://www.sitemaps.org/schemas/'
                    f'sitemap/0.9">{urls}</urlset>').encode()
            return Rendered(body=body, media_type="application/xml", etag=_etag(body), cache="public, max-age=300")
        slug = path.rstrip("/") or "/"
        current = await tx.fetchrow(SELECT_LIVE_KEY, slug)
        if current is None:
            raise NotFound("no published page at this address")
        catalogue_at = await tx.fetchval(SELECT_CATALOGUE_AT)  # a product's change re-renders its grids
        key = (f"{tenant_id}:{current['id']}:{current['live_version']}:{site['synced_at'].timestamp()}:{as_json}:"
               f"{catalogue_at.timestamp() if catalogue_at else 0}")
        if cache is not None and (hit := cache.get(key)) is not None:
            return hit
        row = await tx.fetchrow(SELECT_LIVE_BY_SLUG, slug)
        if row is None:
            raise NotFound("no published page at this address")
        tree = migrate(row["structure"], row["registry_version"])
        products = await products_of(tx, tree)
    if as_json:
        body = msgspec.json.encode({"page": {"id": row["id"], "slug": row["slug"], "version": row["version"],
                                             "published_at": row["created_at"], "structure": tree},
                                    "site": {"name": site["name"], "theme": site["theme"], "url": base}})
        media_type = "application/json"
    else:
        body = render_page(tree, site_name=site["name"], theme=site["theme"], canonical_base=base,
                           path=row["slug"], products=products).encode()
        media_type = "text/html; charset=utf-8"
    rendered = Rendered(body=body, media_type=media_type, etag=_etag(body),
                        cache="public, max-age=60, stale-while-revalidate=300")
    if cache is not None:
        cache.put(key, rendered)
    return rendered


def _sign(secret: str, message: str) -> str:
    return base64.urlsafe_b64encode(hmac.new(secret.encode(), message.encode(), hashlib.sha256).digest()[:18]).decode()


async def preview_link(db: Database, caller: Caller, secret: str, public_base_url: str, page_id: uuid.UUID) -> dict:
    """A link that shows the draft to anyone holding it, for an hour."""
    tenant_id = caller.require(Role.EDITOR)
    async with db.tenant_tx(tenant_id) as tx:
        if await repo.page(tx, page_id) is None:
            raise NotFound("no such page")
        site = await sites.site(tx)
    expires = int(time.time()) + PREVIEW_TTL
    token = f"{page_id.hex}.{expires}.{_sign(secret, f'{tenant_id}:{page_id}:{expires}')}"
    base = canonical_base(public_base_url, site["slug"] if site else "", site["custom_domain"] if site else None)
    return {"url": f"{base}/__preview/{token}", "expires_at": expires}


async def preview(db: Database, caller: Caller, secret: str, public_base_url: str, token: str) -> Rendered:
    tenant_id = caller.tenant_id
    try:
        page_hex, expires, signature = token.split(".")
        page_id = uuid.UUID(hex=page_hex)
    except ValueError:
        raise Unauthorized("not a preview link") from None
    good = _sign(secret, f"{tenant_id}:{page_id}:{expires}")
    if tenant_id is None or not hmac.compare_digest(good, signature) or int(expires) < time.time():
        raise Unauthorized("this preview link is not valid (or has expired)")
    async with db.tenant_tx(tenant_id) as tx:
        row, site = await repo.page(tx, page_id), await sites.site(tx)
        if row is None or site is None:
            raise NotFound("no such page")
        tree = migrate(row["structure"], row["registry_version"])
        products = await products_of(tx, tree)
    body = render_page(tree, site_name=site["name"], theme=site["theme"],
                       canonical_base=canonical_base(public_base_url, site["slug"], site["custom_domain"]),
                       path=row["slug"], products=products).encode()
    return Rendered(body=body, media_type="text/html; charset=utf-8", etag=_etag(body), cache="no-store")


def respond_headers(rendered: Rendered, extra: dict[str, Any] | None = None) -> dict[str, str]:
    headers = {"etag": rendered.etag, "cache-control": rendered.cache, "x-content-type-options": "nosniff",
               "content-security-policy": "default-src 'self'; img-src 'self' data:; style-src 'unsafe-inline'; "
                                          "frame-src https://www.youtube-nocookie.com https://player.vimeo.com; "
                                          "script-src 'none'; base-uri 'none'; "
                                          # A Buy button's form is answered with a redirect to Stripe's Checkout.
                                          "form-action 'self' https://checkout.stripe.com; "
                                          "frame-ancestors 'self'"}
    return {**headers, **(extra or {})}

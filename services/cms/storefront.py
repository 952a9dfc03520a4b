"""The visitor's side of the site's shop that cms answers: the page a refused Buy button
leads to (billing refuses and redirects to GET /__checkout?refused=<why>), in the site's
design, around the layout and chrome of the page the visitor came from."""

from __future__ import annotations

import uuid
from urllib.parse import urlsplit

from shared.auth import Caller
from shared.errors import NotFound

from . import checkout_pages, sites
from .context import Ctx
from .delivery import live_chrome, site_language, visitor_page
from .repo import delivery as rows
from .repo import layouts, versions
from .site_words import words_for


async def refused_checkout_page(ctx: Ctx, caller: Caller, reason: str, product: str,
                                referer: str) -> tuple[int, dict[str, str], bytes]:
    """(status, headers, HTML) of the page saying why a purchase did not start. The way back
    is the live page the visitor came from (its Referer's path), else the home page; the
    product is named when cms's projection knows it."""
    tenant_id = caller.tenant_id
    if tenant_id is None:
        raise NotFound("no site here")
    came_from = (urlsplit(referer).path.rstrip("/") or "/") if referer else "/"
    product_id = _canonical_id(product)
    async with ctx.db.tenant_tx(tenant_id) as tx:
        site = await sites.current_site(tx, ctx.nc, tenant_id)
        page = await versions.live_at(tx, came_from) if came_from != "/" else None
        page = page or await versions.live_at(tx, "/")
        layout = await layouts.layout(tx)
        named = await rows.products(tx, [product_id]) if product_id else {}
    if site is None:
        raise NotFound("this site is not set up yet")
    chrome = live_chrome(page, layout)
    back_title = chrome["root"]["props"]["title"] if chrome else site["name"]
    language = site_language(layout)
    tree = checkout_pages.refused_tree(chrome, reason, named[product_id]["name"] if product_id in named else None,
                                       page["slug"] if page else "/", back_title, words_for(language))
    return await visitor_page(ctx, tenant_id, site, tree, path="/__checkout",
                              status=checkout_pages.status_of(reason), language=language)


def _canonical_id(value: str) -> str | None:
    try:
        return str(uuid.UUID(value))
    except ValueError:
        return None

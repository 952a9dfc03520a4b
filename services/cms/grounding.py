"""Grounding a generated page in the tenant's own library.

The model never chooses images: it writes the copy and alt text a section needs, and every
image slot is then filled with the tenant's best-matching described asset, found by
assets' search on that section's copy (`cmd.assets.search.v1`). Whatever id the model
wrote, an invented one, a URL-shaped string or another tenant's asset, is overwritten, so
a page can only ever point at the tenant's own images. A slot with nothing to fill it is
emptied, and a block that cannot stand without an image is removed. Products are grounded
the same way: a product grid shows the tenant's own active products (cms's projection of its
catalogue), never ids the model wrote; without a catalogue the grid is removed.

Links follow the same rule (links.py, shared with AI edits): a generated page links to
pages of the site, sections of itself, mailto: or tel: addresses; anything else (an
invented page, any web address, even one a brief asks for, in a button or in any form of
markdown link) becomes an anchor or loses its target. The page passes the publish gates as
generated and cannot send visitors off the site: links out are added by people, in the
editor."""

from __future__ import annotations

import logging
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from nats.aio.client import Client as NATS

from shared.contracts import FoundAsset, SearchAssets
from shared.errors import AppError
from shared.messaging import request

from .gates import SEO_DESCRIPTION_MAX
from .links import LinkRules, scrub_links, tree_anchors

log = logging.getLogger("cms.grounding")

# component -> (the prop holding an asset id, the prop holding its alt text or None)
SINGLE_IMAGES = {"Page": ("social_image", None), "Hero": ("image", "image_alt"), "Image": ("asset_id", "alt"),
                 "Testimonial": ("photo", None), "Navbar": ("logo", None)}
NEEDS_IMAGE = frozenset({"Image"})  # removed when no image fits
COPY_PROPS = ("title", "headline", "subheadline", "text", "heading", "markdown", "caption", "quote", "alt",
              "image_alt", "description", "brand")


@dataclass
class Slot:
    node: dict[str, Any]
    key: str  # the prop, or "images/<i>" for a gallery image
    query: str


def copy_of(node: dict[str, Any]) -> str:
    props = node["props"]
    parts = [str(props[key]) for key in COPY_PROPS if props.get(key)]
    parts += [str(image.get("alt", "")) for image in props.get("images", [])]
    return " ".join(parts)


def walk(node: dict[str, Any], context: str = "") -> Iterator[tuple[dict[str, Any], str]]:
    """Each node with the copy around it (its section's), for queries on bare image blocks."""
    own = copy_of(node)
    yield node, f"{own} {context}".strip()
    for child in node["children"]:
        yield from walk(child, own or context)


def image_slots(tree: dict[str, Any]) -> list[Slot]:
    slots = []
    for node, text in walk(tree["root"]):
        name = node["component"]
        if name in SINGLE_IMAGES:
            key, alt_key = SINGLE_IMAGES[name]
            wanted = node["props"].get(alt_key) if alt_key else None
            slots.append(Slot(node, key, f"{wanted or ''} {text}".strip()[:200]))
        elif name == "Gallery":
            for i, image in enumerate(node["props"]["images"]):
                slots.append(Slot(node, f"images/{i}", f"{image.get('alt', '')} {text}".strip()[:200]))
    return slots


async def ground(nc: NATS, tenant_id: uuid.UUID, tree: dict[str, Any],
                 catalogue: list[str] | None = None) -> tuple[dict[str, Any], list[uuid.UUID]]:
    """The tree with every image slot holding one of the tenant's assets (or emptied), and
    the assets used. Mutates and returns `tree`."""
    slots = image_slots(tree)
    found: list[list[FoundAsset]] = [[] for _ in slots]
    if slots:
        try:
            reply = await request(nc, SearchAssets(tenant_id=tenant_id, queries=[s.query or "image" for s in slots],
                                                   k=5), timeout=5)
            found = reply.results
        except AppError as exc:  # no library today: the page goes out without images
            log.warning("asset search for grounding failed: %s", exc)
    used: list[uuid.UUID] = []
    for slot, candidates in zip(slots, found, strict=True):
        choice = next((c for c in candidates if c.id not in used), candidates[0] if candidates else None)
        fill(slot, choice)
        if choice is not None and choice.id not in used:
            used.append(choice.id)
    prune(tree["root"], catalogue or [])
    return tree, used


def fill(slot: Slot, asset: FoundAsset | None) -> None:
    props = slot.node["props"]
    if slot.key.startswith("images/"):
        image = props["images"][int(slot.key.split("/")[1])]
        image["asset_id"] = str(asset.id) if asset else None
        if asset and asset.alt_text:
            image["alt"] = asset.alt_text[:300]
        return
    props[slot.key] = str(asset.id) if asset else None
    alt_key = SINGLE_IMAGES[slot.node["component"]][1]
    if alt_key and asset is None:
        props[alt_key] = ""
    elif alt_key and asset is not None and asset.alt_text:
        props[alt_key] = asset.alt_text[:300]  # true of the chosen picture, unlike the model's guess


def prune(node: dict[str, Any], catalogue: list[str]) -> None:
    """Drop what has nothing to show: image blocks without an image, galleries without any,
    product grids of a tenant without products; a grid shows the catalogue's products."""
    kept = []
    for child in node["children"]:
        props = child["props"]
        if child["component"] in NEEDS_IMAGE and not props.get("asset_id"):
            continue
        if child["component"] == "Gallery":
            props["images"] = [image for image in props["images"] if image.get("asset_id")]
            if not props["images"]:
                continue
        if child["component"] == "ProductGrid":
            if not catalogue:
                continue
            props["product_ids"] = catalogue[:12]
        prune(child, catalogue)
        kept.append(child)
    node["children"] = kept


def ground_links(tree: dict[str, Any], pages: set[str]) -> list[str]:
    """Every link of a generated tree, in link props and in rich text, made to follow the
    link rule (links.py) with the site's pages and this page's sections. Mutates; returns
    the targets taken out."""
    return scrub_links(tree["root"], LinkRules(pages=pages, anchors=tree_anchors(tree["root"])))


def complete_seo(tree: dict[str, Any]) -> None:
    """A page the model left without a search description gets one from its own copy (the
    publish gates require it). Mutates."""
    props = tree["root"]["props"]
    if props.get("description", "").strip():
        return
    for node, _ in walk(tree["root"]):
        text = node["props"].get("subheadline") or node["props"].get("markdown") or ""
        if text.strip():
            props["description"] = " ".join(text.split())[:SEO_DESCRIPTION_MAX].rstrip()
            return
    props["description"] = props["title"][:SEO_DESCRIPTION_MAX]

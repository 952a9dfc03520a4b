"""Grounding a generated page in the tenant's own library.

The model never chooses images: it writes the copy and alt text a section needs, and every
image slot (every prop the registry types as an AssetId, found by `registry.asset_refs`: a
hero's picture, a gallery's, a team member's photo, a logo...) is then filled with the
tenant's best-matching described asset, found by assets' search on the alt text the slot
asks for and the copy around it (`cmd.assets.search.v1`). Whatever id the model wrote, an
invented one, a URL-shaped string or another tenant's asset, is overwritten, so a page can
only ever point at the tenant's own images. A slot with nothing to fill it is emptied, and
a block or list item that cannot stand without its image is removed. Products are grounded
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

from .links import LinkRules, scrub_links, tree_anchors
from .registry import SEO_DESCRIPTION_MAX, AssetRef, asset_refs

log = logging.getLogger("cms.grounding")

CANDIDATES = 12  # pictures asked of the library per slot: enough that a page need not repeat one
COPY_PROPS = ("title", "headline", "subheadline", "eyebrow", "text", "heading", "markdown", "caption", "quote",
              "alt", "image_alt", "description", "brand", "name", "role", "bio")


@dataclass
class Slot:
    """A place where the page holds an image (registry.asset_refs), and what to search for it."""

    node: dict[str, Any]
    ref: AssetRef
    query: str


def copy_of(props: dict[str, Any]) -> str:
    return " ".join(str(props[key]) for key in COPY_PROPS if props.get(key))


def node_copy(node: dict[str, Any]) -> str:
    """A node's words: its own copy and the alt texts of its pictures (a gallery's)."""
    alts = [str(ref.container.get(ref.alt) or "") for ref in asset_refs(node["component"], node["props"])
            if ref.alt and ref.container is not node["props"]]
    return " ".join(part for part in (copy_of(node["props"]), *alts) if part)


def walk(node: dict[str, Any], context: str = "") -> Iterator[tuple[dict[str, Any], str]]:
    """Each node with the copy around it (its section's), for queries on bare image blocks."""
    own = node_copy(node)
    yield node, f"{own} {context}".strip()
    for child in node["children"]:
        yield from walk(child, own or context)


def image_slots(tree: dict[str, Any]) -> list[Slot]:
    """Every image slot of the tree; each one's query is the alt text it asks for, then the
    words of its list item (a member's name and role, a row's heading), then the node's."""
    slots = []
    for node, text in walk(tree["root"]):
        props = node["props"]
        for ref in asset_refs(node["component"], props):
            wanted = str(ref.container.get(ref.alt) or "") if ref.alt else ""
            item = "" if ref.container is props else copy_of({k: v for k, v in ref.container.items() if k != ref.alt})
            slots.append(Slot(node, ref, " ".join(part for part in (wanted, item, text) if part)[:200]))
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
                                                   k=CANDIDATES), timeout=5)
            found = reply.results
        except AppError as exc:  # no library today: the page goes out without images
            log.warning("asset search for grounding failed: %s", exc)
    used: list[uuid.UUID] = []
    shown: set[uuid.UUID] = set()  # a page never shows a picture twice: a slot with no fresh one is emptied
    for slot, candidates in zip(slots, found, strict=True):
        if slot.node["component"] == "Page":  # the social image is not shown on the page: any will do
            choice = candidates[0] if candidates else None
        else:
            choice = next((c for c in candidates if c.id not in shown), None)
            shown |= {choice.id} if choice else set()
        fill(slot, choice)
        if choice is not None and choice.id not in used:
            used.append(choice.id)
    keeps_its_pictures(tree["root"])  # the page itself stays, whatever it lost
    prune(tree["root"], catalogue or [])
    return tree, used


def fill(slot: Slot, asset: FoundAsset | None) -> None:
    container, key, alt, _ = slot.ref
    container[key] = str(asset.id) if asset else None
    if alt and asset is None:
        container[alt] = ""
    elif alt and asset is not None and asset.alt_text:
        container[alt] = asset.alt_text[:300]  # true of the chosen picture, unlike the model's guess


def keeps_its_pictures(node: dict[str, Any]) -> bool:
    """Removes the list items that are nothing without their picture (a gallery's picture, a
    logo) when it is missing; False when the node itself is nothing without one: an Image
    block without its picture, a gallery left without any."""
    props = node["props"]
    lost = {id(ref.container) for ref in asset_refs(node["component"], props)
            if ref.required and not ref.container.get(ref.key)}
    return id(props) not in lost and not _emptied_by_dropping(props, lost)


def _emptied_by_dropping(value: Any, lost: set[int]) -> bool:
    """Drops the dicts whose id is in `lost` from every list under `value`; True when a
    list that had items has none left."""
    emptied = False
    if isinstance(value, dict):
        for item in value.values():
            emptied |= _emptied_by_dropping(item, lost)
    elif isinstance(value, list):
        kept = [item for item in value if id(item) not in lost]
        emptied = bool(value) and not kept
        value[:] = kept
        for item in kept:
            emptied |= _emptied_by_dropping(item, lost)
    return emptied


def prune(node: dict[str, Any], catalogue: list[str]) -> None:
    """Drop what has nothing to show: blocks and list items without the picture they need,
    product grids of a tenant without products; a grid shows the catalogue's products."""
    kept = []
    for child in node["children"]:
        if not keeps_its_pictures(child):
            continue
        if child["component"] == "ProductGrid":
            if not catalogue:
                continue
            child["props"]["product_ids"] = catalogue[:12]
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

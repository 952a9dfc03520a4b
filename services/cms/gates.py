"""Publish gates: what must hold before a page goes live. Pure: the caller passes the
tenant's page addresses; findings carry the JSON pointer of the node they concern."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from shared.colour import contrast

from . import lints
from .links import link_targets, page_of, tree_anchors
from .registry import SEO_DESCRIPTION_MAX, asset_refs
from .schemas import Finding
from .tree import TreeInvalid, validate

HEX = re.compile(r"^#[0-9a-fA-F]{6}\Z")


def walk(node: dict[str, Any], pointer: str = "/root") -> Iterator[tuple[dict[str, Any], str]]:
    yield node, pointer
    for index, child in enumerate(node.get("children", [])):
        yield from walk(child, f"{pointer}/children/{index}")


def missing_alt_texts(component: str, props: dict[str, Any], pointer: str) -> list[Finding]:
    """Every picture the node shows whose alt text the registry asks for and it lacks."""
    refs = [ref for ref in asset_refs(component, props)
            if ref.alt and ref.container.get(ref.key) and not str(ref.container.get(ref.alt) or "").strip()]
    if not refs:
        return []
    places = dict(dict_pointers(props, pointer))
    return [Finding(severity="error", check="alt-text", pointer=f"{places[id(ref.container)]}/{ref.alt}",
                    message="an image needs alt text: what it shows, for people who cannot see it")
            for ref in refs]


def dict_pointers(value: Any, pointer: str) -> Iterator[tuple[int, str]]:
    """id() of every dict under `value` with its JSON pointer: where an asset ref sits."""
    if isinstance(value, dict):
        yield id(value), pointer
        for key, item in value.items():
            yield from dict_pointers(item, f"{pointer}/{key}")
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from dict_pointers(item, f"{pointer}/{index}")


def theme_warnings(theme: dict[str, Any]) -> list[Finding]:
    """Non-blocking: colour pairs of the tenant's theme below WCAG AA."""
    colors = theme.get("colors") or {}
    findings = []
    for fore, back, needed in (("text", "background", 4.5), ("on_primary", "primary", 3.0)):
        first, second = colors.get(fore), colors.get(back)
        if isinstance(first, str) and isinstance(second, str) and HEX.match(first) and HEX.match(second):
            ratio = contrast(first, second)
            if ratio < needed:
                findings.append(Finding(severity="warning", check="contrast",
                                        message=f"theme colours {fore} on {back} have contrast {ratio:.2f}:1, "
                                                f"below WCAG AA ({needed}:1)"))
    return findings


def with_lints(tree: dict[str, Any], findings: list[Finding], context: lints.LintContext) -> list[Finding]:
    """The gates' findings and the site lints' (warnings), each problem once: the gates
    already hold a page's links to account, as errors."""
    if any(f.check == "valid" for f in findings):
        return findings
    return findings + [f for f in lints.lint_page(tree, context) if f.check not in ("site-link", "anchor")]


SHOP_CLOSED = ("this shop cannot take payments yet: finish Stripe onboarding in Settings → Shop; "
               "visitors see the products without a Buy button")


def check_page(tree: dict[str, Any], existing_slugs: set[str], theme: dict[str, Any] | None = None,
               products: set[str] | None = None, takes_charges: bool | None = None) -> list[Finding]:
    """The publish gates; `products` (cms's projection of the catalogue) checks product grids,
    `takes_charges` (whether the shop can; None: not asked) warns of grids without Buy buttons."""
    findings: list[Finding] = theme_warnings(theme or {})
    try:
        validate(tree)
    except TreeInvalid as exc:
        return [*findings, Finding(severity="error", check="valid", message=str(exc), pointer=exc.pointer)]
    root = tree["root"]["props"]
    description = root.get("description", "")  # its length, like the title's, is the registry's (validated)
    if not description.strip():
        findings.append(Finding(severity="error", check="seo", pointer="/root/props/description",
                                message=f"a description of 1 to {SEO_DESCRIPTION_MAX} characters is needed"))
    anchors = tree_anchors(tree["root"])
    for node, pointer in walk(tree["root"]):
        props, name = node["props"], node["component"]
        findings += missing_alt_texts(name, props, f"{pointer}/props")
        if name == "Gallery":
            shown: set[str] = set()
            for index, image in enumerate(props["images"]):
                if str(image["asset_id"]) in shown:
                    findings.append(Finding(severity="error", check="gallery-repeat",
                                            pointer=f"{pointer}/props/images/{index}/asset_id",
                                            message="this picture is already in the gallery"))
                shown.add(str(image["asset_id"]))
        if name == "ProductGrid" and takes_charges is False:
            findings.append(Finding(severity="warning", check="shop", pointer=pointer,
                                    message=SHOP_CLOSED))
        if name == "ProductGrid" and products is not None:
            for index, product_id in enumerate(props["product_ids"]):
                if str(product_id) not in products:
                    findings.append(Finding(severity="error", check="product", pointer=f"{pointer}/props/product_ids/"
                                            f"{index}", message=f"{product_id} is not a product of this site"))
        # The links the renderer shows: link props, and rich text's links as its parser reads them.
        for href, where in link_targets(props, f"{pointer}/props"):
            if href.startswith("/") and page_of(href) not in existing_slugs:
                findings.append(Finding(severity="error", check="internal-link", pointer=where,
                                        message=f"{href} is not a page of this site"))
            elif href.startswith("#") and len(href) > 1 and href[1:] not in anchors:
                findings.append(Finding(severity="error", check="anchor", pointer=where,
                                        message=f"{href}: no section of this page has the anchor {href[1:]!r}"))
    return findings

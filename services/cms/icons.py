"""The icons a page may show: a curated set of Lucide's (ISC licence), drawn inline as SVG.

Inline, because the page's CSP allows no other origin and an icon font would cost a request
and a flash; `currentColor` makes every icon take its section tone's colour. The shapes are
in icons.json, written by `python -m shared.dev.vendor icons` from the lucide-static package
(its name, version and licence are in the file) and committed, so rendering needs no npm."""

from __future__ import annotations

import json
from html import escape
from pathlib import Path

_DOCUMENT = json.loads((Path(__file__).with_name("icons.json")).read_text(encoding="utf-8"))
_SHAPES: dict[str, str] = _DOCUMENT["icons"]
NAMES: tuple[str, ...] = tuple(_SHAPES)

_OPEN = ('<svg class="icon" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 24 24" fill="none" '
         'stroke="currentColor" stroke-width="2" stroke-linecap="round" stroke-linejoin="round" focusable="false"')


def svg(name: str, *, label: str = "") -> str:
    """The icon as inline SVG: hidden from assistive technology unless `label` names it.

    An unknown name raises KeyError: the registry admits only NAMES, so one here is a bug."""
    shape = _SHAPES[name]
    if label:
        return f'{_OPEN} role="img" aria-label="{escape(label)}"><title>{escape(label)}</title>{shape}</svg>'
    return f'{_OPEN} aria-hidden="true">{shape}</svg>'

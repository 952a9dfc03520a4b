"""The icon set (services/cms/icons.py): every name draws a well-formed SVG that takes its
colour from the text, hidden from screen readers unless it is given a label."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from services.cms import icons
from shared.dev.vendor import ICONS

SVG = "{http://www.w3.org/2000/svg}"
SHAPES = {"path", "circle", "rect", "line", "polyline", "polygon", "ellipse"}


def test_the_set_is_curated_for_small_businesses() -> None:
    assert 50 <= len(icons.NAMES) <= 100 and len(set(icons.NAMES)) == len(icons.NAMES)
    wanted = {"leaf", "clock", "map-pin", "phone", "mail", "star", "shield-check", "truck", "sparkles", "heart",
              "calendar", "users", "coffee", "wheat", "sun", "instagram", "facebook", "arrow-right", "menu", "x"}
    assert wanted <= set(icons.NAMES)


def test_the_licence_travels_with_the_shapes() -> None:
    document = json.loads(Path(icons.__file__).with_name("icons.json").read_text())
    assert document["licence"].startswith("ISC License") and "lucide-static@" in document["source"]
    assert list(document["icons"]) == list(icons.NAMES)
    assert icons.NAMES == ICONS  # the list changed without `python -m shared.dev.vendor icons` run


@pytest.mark.parametrize("name", icons.NAMES)
def test_every_icon_is_a_well_formed_decorative_svg(name: str) -> None:
    root = ET.fromstring(icons.svg(name))
    assert root.tag == SVG + "svg" and root.get("class") == "icon" and root.get("viewBox") == "0 0 24 24"
    assert root.get("stroke") == "currentColor" and root.get("fill") == "none"
    assert root.get("aria-hidden") == "true" and root.get("focusable") == "false" and root.get("role") is None
    children = list(root)
    assert children and {child.tag.removeprefix(SVG) for child in children} <= SHAPES


def test_a_labelled_icon_is_announced_by_its_label_escaped() -> None:
    root = ET.fromstring(icons.svg("phone", label='Call "Bread & Co" <now>'))
    assert root.get("role") == "img" and root.get("aria-hidden") is None
    assert root.get("aria-label") == 'Call "Bread & Co" <now>'
    assert root[0].tag == SVG + "title" and root[0].text == 'Call "Bread & Co" <now>'


def test_an_unknown_name_is_a_key_error() -> None:
    with pytest.raises(KeyError):
        icons.svg("no-such-icon")
    assert icons.svg("leaf") != icons.svg("wheat")

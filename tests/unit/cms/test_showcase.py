"""The showcase page holds every component and every variant, validates, passes the publish
gates and renders with every preset."""

import re
import uuid
from typing import Any, Literal, get_args, get_origin, get_type_hints

import pytest

from services.cms.gates import check_page, walk
from services.cms.registry import COMPONENTS
from services.cms.render import render_page
from services.cms.showcase import showcase_products, showcase_tree
from services.cms.tree import validate
from shared.contracts import ImageInfo
from shared.theme import PRESETS

IMAGES = [str(uuid.uuid5(uuid.NAMESPACE_DNS, f"photo-{n}.example")) for n in range(8)]


def nodes(tree: dict[str, Any]) -> list[dict[str, Any]]:
    return [node for node, _ in walk(tree["root"])]


def test_every_component_is_shown() -> None:
    shown = {node["component"] for node in nodes(showcase_tree(IMAGES))}
    assert shown == set(COMPONENTS)


def choices(component: str, prop: str) -> set[str]:
    hint = get_type_hints(COMPONENTS[component].props)[prop]
    assert get_origin(hint) is Literal
    return set(get_args(hint))


@pytest.mark.parametrize(("component", "prop"), [("Hero", "variant"), ("FeatureGrid", "variant"),
                                                 ("CallToAction", "tone"), ("Section", "background")])
def test_every_variant_is_shown(component: str, prop: str) -> None:
    tree = validate(showcase_tree(IMAGES))
    used = {node["props"][prop] for node in nodes(tree) if node["component"] == component}
    assert used == choices(component, prop)


def test_it_passes_the_publish_gates_and_its_gallery_repeats_nothing() -> None:
    tree = validate(showcase_tree(IMAGES))
    assert [f for f in check_page(tree, {"/"}, products=set(showcase_products(IMAGES))) if f.severity == "error"] == []
    gallery = next(node for node in nodes(tree) if node["component"] == "Gallery")
    ids = [image["asset_id"] for image in gallery["props"]["images"]]
    assert len(ids) == len(set(ids)) == 5


def test_with_a_single_picture_it_still_validates_and_never_repeats_it_in_the_gallery() -> None:
    tree = validate(showcase_tree([(IMAGES[0], "A lake at dusk")]))
    gallery = next(node for node in nodes(tree) if node["component"] == "Gallery")
    assert [image["alt"] for image in gallery["props"]["images"]] == ["A lake at dusk"]
    with pytest.raises(ValueError):
        showcase_tree([])


@pytest.mark.parametrize("preset", sorted(PRESETS))
def test_it_renders_with_every_preset(preset: str) -> None:
    images = {image: ImageInfo(id=uuid.UUID(image), width=2000, height=1250, widths=[400, 800, 1600, 2000],
                               formats=["webp"]) for image in IMAGES}
    html = render_page(validate(showcase_tree(IMAGES)), site_name="Saimaa Shore", theme={"preset": preset},
                       canonical_base="https://saimaa.example", path="/", products=showcase_products(IMAGES),
                       images=images)
    assert html.startswith("<!doctype html>") and html.endswith("</html>") and "<script" not in html
    ids = re.findall(r'\sid="([^"]+)"', html)
    assert len(ids) == len(set(ids))  # no id twice
    in_page = set(re.findall(r'href="#([^"]+)"', html))
    assert in_page <= set(ids)  # every in-page link lands somewhere
    assert html.count('fetchpriority="high"') == 1 and html.count("plan-featured") >= 1
    assert "Smoke sauna soap" in html  # the product grid shows its products

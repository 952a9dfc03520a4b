"""Publish gates of the components: in-page links resolve, galleries repeat no picture."""

from typing import Any

from services.cms.gates import check_page
from services.cms.tree import validate

IMAGE = "0b8e7d2a-3f7e-4b8e-9a53-2d2b9f1b2c11"
OTHER = "1c9f8e3b-4a8f-4c9f-8b64-3e3c0a2c3d22"


def node(node_id: str, component: str, children: list[dict[str, Any]] | None = None, **props: Any) -> dict[str, Any]:
    return {"id": node_id, "component": component, "props": props, "children": children or []}


def page_linking(href: str, anchor: str) -> dict[str, Any]:
    return validate({"root": node("page", "Page", [
        node("nav", "Navbar", brand="Acme", links=[{"label": "Menu", "href": href}]),
        node("s", "Section", [node("b", "Button", label="See it", href=href)], anchor=anchor)],
        title="Home", description="A page.")})


def errors(tree: dict[str, Any]) -> list[tuple[str, str]]:
    return [(f.check, f.pointer) for f in check_page(tree, {"/"}) if f.severity == "error"]


def test_a_link_to_a_section_that_does_not_exist_refuses_publishing_with_its_pointer() -> None:
    assert errors(page_linking("#menu", "about")) == [
        ("anchor", "/root/children/0/props/links/0/href"), ("anchor", "/root/children/1/children/0/props/href")]
    message = next(f.message for f in check_page(page_linking("#menu", "about"), {"/"}) if f.check == "anchor")
    assert "'menu'" in message


def test_a_link_to_an_existing_section_or_the_top_publishes() -> None:
    assert errors(page_linking("#menu", "menu")) == []
    assert errors(page_linking("#", "")) == []


def test_rich_text_links_to_sections_are_checked_too() -> None:
    tree = validate({"root": node("page", "Page", [node("t", "RichText", markdown="See [the menu](#menu).")],
                                  title="Home", description="A page.")})
    assert errors(tree) == [("anchor", "/root/children/0/props/markdown")]


def gallery(*asset_ids: str) -> dict[str, Any]:
    return validate({"root": node("page", "Page", [node("g", "Gallery", images=[
        {"asset_id": asset_id, "alt": "A picture"} for asset_id in asset_ids])], title="Home", description="A page.")})


def test_a_gallery_showing_a_picture_twice_is_refused() -> None:
    assert errors(gallery(IMAGE, OTHER, IMAGE)) == [("gallery-repeat", "/root/children/0/props/images/2/asset_id")]


def test_a_gallery_of_distinct_pictures_publishes() -> None:
    assert errors(gallery(IMAGE, OTHER)) == []

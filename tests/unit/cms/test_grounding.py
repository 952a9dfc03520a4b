"""A generated page shows only the tenant's own pictures and links only within the site,
whatever the brief or the model said."""

import asyncio
import re
import uuid
from typing import Any

import msgspec
import nats.errors
import pytest

from services.cms.gates import check_page
from services.cms.grounding import LinkRules, ground, ground_links
from services.cms.tree import validate
from shared.contracts import FoundAsset, FoundAssets
from tests.unit.cms.test_asset_slots import components_with_assets, planted_props


def page(*children: dict) -> dict:  # type: ignore[type-arg]
    return {"root": {"id": "page", "component": "Page", "props": {"title": "T"}, "children": list(children)}}


def test_links_off_the_site_become_anchors() -> None:
    tree = page(
        {"id": "s", "component": "Section", "props": {"anchor": "pricing"}, "children": [
            {"id": "b", "component": "Button", "props": {"label": "Go", "href": "https://evil.example/x.png"},
             "children": []},
            {"id": "h", "component": "Hero", "props": {"headline": "H", "cta_href": "/pricing"}, "children": []},
            {"id": "t", "component": "RichText", "props": {"markdown": (
                "[ok](/about) [bad](https://evil.example/) [brief](https://maison-levain.fr/shop) "
                "[missing](/nowhere) [mail](mailto:a@b.fr)")}, "children": []},
        ]})
    ground_links(tree, {"/", "/about"})
    button, hero, text = tree["root"]["children"][0]["children"]
    assert button["props"]["href"] == "#"
    assert hero["props"]["cta_href"] == "#pricing"  # the page has no /pricing, but a pricing section
    assert text["props"]["markdown"] == (
        "[ok](/about) [bad](#) [brief](#) [missing](#) [mail](mailto:a@b.fr)")


def test_the_rules_keep_what_is_allowed() -> None:
    rules = LinkRules(pages={"/", "/blog/post"}, anchors={"faq"})
    assert [rules.fix(h) for h in ("/", "/blog/post#top", "#faq", "mailto:a@b.c", "https://x.example/b",
                                   "javascript:alert(1)", "/faq")] == [
        "/", "/blog/post#top", "#faq", "mailto:a@b.c", "#", "#", "#faq"]


class Library:
    """assets' search as `shared.messaging.request` reaches it: each query answered with
    `per_query` of the tenant's own pictures (fresh ids), or no answer at all."""

    def __init__(self, per_query: int | None, only: list[uuid.UUID] | None = None) -> None:
        self.per_query, self.only, self.own, self.queries = per_query, only, set(), []

    async def request(self, subject: str, data: bytes, timeout: float, headers: Any = None) -> Any:
        if self.per_query is None:
            raise nats.errors.TimeoutError
        self.queries = msgspec.json.decode(data)["queries"]
        results = [[FoundAsset(id=asset, alt_text=f"own picture for {query[:40]}", description="")
                    for asset in self.only or [uuid.uuid4() for _ in range(self.per_query)]]
                   for query in self.queries]
        self.own |= {str(found.id) for answer in results for found in answer}
        return type("Msg", (), {"data": msgspec.json.encode(FoundAssets(results=results))})()


def invented_tree(name: str) -> tuple[dict[str, Any], list[str]]:
    """A valid page holding the component with an invented id in every image slot (the page's own too)."""
    fresh = lambda: str(uuid.uuid4())  # noqa: E731
    root, invented = planted_props("Page", fresh)
    children = []
    if name != "Page":
        props, invented_here = planted_props(name, fresh)
        invented += invented_here
        children = [{"id": "block", "component": name, "props": props, "children": []}]
    tree = validate({"root": {"id": "page", "component": "Page", "props": root, "children": children}})
    return tree, invented


def ids_in(tree: dict[str, Any]) -> set[str]:
    return set(UUID_TEXT.findall(msgspec.json.encode(tree).decode()))


UUID_TEXT = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")


@pytest.mark.parametrize("answers", [2, 0, None], ids=["library", "no-match", "assets-silent"])
@pytest.mark.parametrize("name", components_with_assets())
def test_no_invented_id_survives_grounding_in_any_component(name: str, answers: int | None) -> None:
    tree, invented = invented_tree(name)
    assert set(invented) <= ids_in(tree) and invented  # the model's ids are there before
    library = Library(answers)
    grounded, used = asyncio.run(ground(library, uuid.uuid4(), tree))  # type: ignore[arg-type]
    assert ids_in(grounded) <= library.own  # only the tenant's pictures, or none
    assert {str(asset) for asset in used} <= library.own
    validate(grounded)  # and the page is still one the registry accepts
    if answers:
        assert len(library.queries) == len(invented)  # every slot was searched for...
        assert ids_in(grounded) == {str(a) for a in used} and len(used) == len(invented)  # ...and filled


def test_a_member_photo_is_searched_by_the_member_and_a_picture_by_its_alt_text() -> None:
    tree = validate(page(
        {"id": "team", "component": "Team", "props": {"heading": "Your hosts", "members": [
            {"name": "Aino Korhonen", "role": "Sauna keeper", "photo": str(uuid.uuid4())},
            {"name": "Otto", "role": "Head of welcome"}]}, "children": []},
        {"id": "rows", "component": "MediaText", "props": {"rows": [
            {"heading": "A smoke sauna", "image_alt": "A jetty in the mist"}]}, "children": []}))
    library = Library(1)
    grounded, _ = asyncio.run(ground(library, uuid.uuid4(), tree))  # type: ignore[arg-type]
    queries = library.queries[1:]  # the page's social image first
    assert queries[0].startswith("Aino Korhonen Sauna keeper") and queries[1].startswith("Otto Head of welcome")
    assert queries[2].startswith("A jetty in the mist A smoke sauna")
    row = grounded["root"]["children"][1]["props"]["rows"][0]
    assert row["image"] in library.own and row["image_alt"].startswith("own picture for A jetty")


def test_what_cannot_stand_without_its_picture_goes_and_optional_photos_become_empty() -> None:
    invented = str(uuid.uuid4())
    tree = validate(page(
        {"id": "img", "component": "Image", "props": {"asset_id": invented, "alt": "A loaf"}, "children": []},
        {"id": "gal", "component": "Gallery", "props": {"images": [{"asset_id": invented, "alt": "x"}]},
         "children": []},
        {"id": "logos", "component": "LogoCloud", "props": {"logos": [{"asset_id": invented, "alt": "Monocle"}]},
         "children": []},
        {"id": "team", "component": "Team", "props": {"members": [{"name": "Aino", "photo": invented}]},
         "children": []},
        {"id": "rows", "component": "MediaText", "props": {"rows": [
            {"heading": "Sauna", "image": invented, "image_alt": "steam"}]}, "children": []}))
    grounded, used = asyncio.run(ground(Library(0), uuid.uuid4(), tree))  # type: ignore[arg-type]
    assert [child["id"] for child in grounded["root"]["children"]] == ["team", "rows"]
    assert grounded["root"]["children"][0]["props"]["members"] == [
        {"name": "Aino", "role": "", "bio": "", "photo": None}]
    assert grounded["root"]["children"][1]["props"]["rows"][0]["image"] is None
    assert grounded["root"]["children"][1]["props"]["rows"][0]["image_alt"] == ""
    assert used == []


def test_a_small_library_never_shows_a_picture_twice_in_one_page() -> None:
    only = uuid.uuid4()
    tree = validate(page(
        {"id": "hero", "component": "Hero", "props": {"headline": "Bread", "image_alt": "a loaf"}, "children": []},
        {"id": "gal", "component": "Gallery", "props": {"images": [
            {"asset_id": str(uuid.uuid4()), "alt": alt} for alt in ("croissants", "the oven", "a loaf")]},
         "children": []},
        {"id": "team", "component": "Team", "props": {"members": [{"name": "Ana"}, {"name": "Rui"}]},
         "children": []}))
    grounded, used = asyncio.run(ground(Library(1, only=[only]), uuid.uuid4(), tree))  # type: ignore[arg-type]
    hero, team = (child["props"] for child in grounded["root"]["children"])  # the gallery had no picture left
    assert hero["image"] == str(only) and grounded["root"]["props"]["social_image"] == str(only)  # not shown
    assert [member["photo"] for member in team["members"]] == [None, None]
    assert used == [only]
    grounded["root"]["props"]["description"] = "A bakery in Lyon."
    assert [f.check for f in check_page(grounded, {"/"}) if f.severity == "error"] == []  # publishable

"""The demo site's pages (shared/dev/demo_site.py), as visitors get them (with the site's
shared header and footer), pass the publish gates, with its photos and without them (a
machine where `make photos` could not install them), never show a photo twice on one page,
and every link to a page or a section finds it."""

import uuid

import pytest

from services.cms.gates import check_page, walk
from services.cms.layout import with_layout
from services.cms.tree import validate
from shared.dev.demo_site import BUILDERS, Pictures, layout, site_trees
from shared.dev.photos import SOURCES, Photo

PHOTOS = [Photo(s.file, 2000, 1250, s.alt, s.subject, s.licence, s.credit) for s in SOURCES]


def asset_ids(value: object) -> list[str]:
    """Every asset id in a node's props (photos are stored as uuid strings)."""
    if isinstance(value, dict):
        return [found for item in value.values() for found in asset_ids(item)]
    if isinstance(value, list):
        return [found for item in value for found in asset_ids(item)]
    try:
        return [str(uuid.UUID(str(value)))]
    except ValueError:
        return []


@pytest.mark.parametrize("with_photos", [True, False], ids=["photos", "no-photos"])
def test_every_page_publishes_and_shows_each_photo_once(with_photos: bool) -> None:
    pictures = Pictures({p.file: (str(uuid.uuid4()), p) for p in PHOTOS} if with_photos else {})
    trees = visited(site_trees(pictures))
    assert set(trees) == set(BUILDERS)
    shown: set[str] = set()
    for slug, tree in trees.items():
        findings = [f for f in check_page(validate(tree), set(trees)) if f.severity == "error"]
        assert findings == [], (slug, findings)
        on_page = [i for node, _ in walk(tree["root"]) if node["component"] != "Page"
                   for i in asset_ids(node["props"])]
        assert len(on_page) == len(set(on_page)), f"{slug} repeats a photo"
        shown |= set(on_page)
    assert len(shown) == (len(PHOTOS) if with_photos else 0)  # every photo is used somewhere


def visited(trees: dict[str, dict]) -> dict[str, dict]:  # type: ignore[type-arg]
    """Each page with the site's header and footer, as cms renders it for visitors."""
    shared = layout()
    return {slug: with_layout(tree, shared["header"], shared["footer"]) for slug, tree in trees.items()}


def test_links_to_pages_and_sections_resolve() -> None:
    trees = visited(site_trees(Pictures({})))
    anchors = {slug: {node["props"].get("anchor") for node, _ in walk(tree["root"])} | {
        node["id"] for node, _ in walk(tree["root"])} for slug, tree in trees.items()}
    links = [(slug, value) for slug, tree in trees.items() for node, _ in walk(tree["root"])
             for value in str(node["props"]).split("'") if value.startswith(("/", "#")) and " " not in value]
    assert len(links) > 40
    for slug, href in links:
        path, _, anchor = href.partition("#")
        target = path or slug
        assert target in trees, f"{slug}: {href} leads to no page"
        assert not anchor or anchor in anchors[target], f"{slug}: {href} names no section there"

"""The studio's canvas gets the visitors' rendering plus one attribute: each node's outermost
element names its node (`data-node`), so a click finds the node it landed in. Visitors'
pages carry none of it, byte for byte."""

import re
import uuid
from html.parser import HTMLParser

from services.cms.render import render_page
from services.cms.showcase import showcase_products, showcase_tree
from services.cms.tree import validate
from shared.contracts import ImageInfo
from tests.unit.cms.test_render import every_component_tree

PICTURES = [str(uuid.UUID(int=i + 1)) for i in range(8)]
MARK = re.compile(r' data-node="[^"]*"')


class Marks(HTMLParser):
    """The node id each element names, with its tag, in document order, and how deep it sits."""

    def __init__(self) -> None:
        super().__init__()
        self.marked: list[tuple[str, str]] = []
        self.depth_of: dict[str, int] = {}
        self.depth = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.depth += 1
        node = dict(attrs).get("data-node")
        if node is not None:
            self.marked.append((tag, node))
            self.depth_of.setdefault(node, self.depth)

    def handle_endtag(self, tag: str) -> None:
        self.depth -= 1


VOID = {"img", "input", "br", "hr", "meta", "link", "source"}


class VoidAwareMarks(Marks):
    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        super().handle_starttag(tag, attrs)
        if tag in VOID:
            self.depth -= 1


def ids_of(node: dict) -> list[str]:  # type: ignore[type-arg]
    return [node["id"], *[i for child in node.get("children") or [] for i in ids_of(child)]]


def both(tree: dict, **options: object) -> tuple[str, str]:  # type: ignore[type-arg]
    common = dict(site_name="Saimaa Lodge", theme={"preset": "forest"}, canonical_base="https://lodge.example",
                  path="/", **options)
    return render_page(tree, **common), render_page(tree, mark_nodes=True, **common)  # type: ignore[arg-type]


def showcase() -> tuple[dict, dict, dict]:  # type: ignore[type-arg]
    tree = validate(showcase_tree(PICTURES))
    products = showcase_products(PICTURES)
    images = {p: ImageInfo(id=uuid.UUID(p), width=1600, height=1067, widths=[480, 960, 1600], formats=["avif", "webp"])
              for p in PICTURES}
    return tree, products, images


def test_visitors_get_no_marks_and_the_canvas_differs_only_by_them() -> None:
    for tree, options in ((validate(every_component_tree("Acme")), {}),
                          (showcase()[0], {"products": showcase()[1], "images": showcase()[2]})):
        public, canvas = both(tree, **options)
        assert "data-node" not in public
        assert MARK.sub("", canvas) == public  # the one renderer: nothing else moves
        assert canvas != public


def test_the_default_is_the_visitors_page() -> None:
    tree = validate(every_component_tree("Acme"))
    public, _ = both(tree)
    again = render_page(tree, site_name="Saimaa Lodge", theme={"preset": "forest"},
                        canonical_base="https://lodge.example", path="/", mark_nodes=False)
    assert again == public


def test_every_node_is_marked_once_on_its_outermost_element() -> None:
    tree, products, images = showcase()
    _, canvas = both(tree, products=products, images=images)
    marks = VoidAwareMarks()
    marks.feed(canvas)
    named = [node for _, node in marks.marked]
    assert sorted(named) == sorted(ids_of(tree["root"]))  # each node once, none invented
    assert ("body", tree["root"]["id"]) in marks.marked
    # A child is inside its parent's element: marked deeper than the node that holds it.
    for parent, child in ((p, c) for p in walk(tree["root"]) for c in p.get("children") or []):
        assert marks.depth_of[child["id"]] > marks.depth_of[parent["id"]], (parent["id"], child["id"])


def walk(node: dict) -> list[dict]:  # type: ignore[type-arg]
    return [node, *[n for child in node.get("children") or [] for n in walk(child)]]


def test_a_node_id_cannot_break_out_of_its_attribute() -> None:
    tree = validate(every_component_tree("Acme"))
    hero = next(n for n in tree["root"]["children"] if n["component"] == "Hero")
    hero["id"] = 'x" onclick="alert(1)'  # the tree rules refuse such ids; the renderer escapes anyway
    _, canvas = both(tree)
    assert 'onclick="' not in canvas
    assert 'data-node="x&quot; onclick=&quot;alert(1)"' in canvas


def test_buttons_side_by_side_are_each_marked() -> None:
    tree = {"root": {"id": "page", "component": "Page", "props": {"title": "Buttons", "description": ""},
                     "children": [{"id": "sec", "component": "Section", "props": {}, "children": [
                         {"id": "b1", "component": "Button", "props": {"label": "Book", "href": "/book"}},
                         {"id": "b2", "component": "Button", "props": {"label": "Call", "href": "/call"}}]}]}}
    _, canvas = both(validate(tree))
    assert re.search(r'<a data-node="b1" href="/book"[^>]*>Book</a><a data-node="b2"', canvas)

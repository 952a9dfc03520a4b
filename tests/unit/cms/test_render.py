"""Rendering is inert: content and theme tokens cannot become script or CSS."""

import copy
import re
from html.parser import HTMLParser

from services.cms.render import render_page, theme_css
from services.cms.tree import validate
from tests.unit.cms.test_tree import SAMPLE_PROPS

EVIL = '<script>alert(1)</script><img src=x onerror="alert(2)">'


class Collector(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))


def parse(document: str) -> Collector:
    collector = Collector()
    collector.feed(document)
    return collector


def every_component_tree(text: str) -> dict:  # type: ignore[type-arg]
    children = [{"id": f"n{i}", "component": name, "props": copy.deepcopy(props), "children": []}
                for i, (name, props) in enumerate(SAMPLE_PROPS.items()) if name != "Page"]
    return {"root": {"id": "page", "component": "Page", "props": {"title": text, "description": text},
                     "children": children}}


def test_every_component_renders_to_one_document() -> None:
    html = render_page(validate(every_component_tree("Acme")), site_name="Acme", theme={},
                       canonical_base="https://acme.example", path="/")
    assert html.startswith("<!doctype html>") and html.endswith("</html>")
    tags = {tag for tag, _ in parse(html).tags}
    assert {"main", "h1", "img", "form", "details", "iframe", "blockquote", "footer"} <= tags
    assert '<link rel="canonical" href="https://acme.example/">' in html


def test_text_is_escaped_everywhere_and_no_script_or_handler_survives() -> None:
    tree = every_component_tree(EVIL)
    next(n for n in tree["root"]["children"] if n["component"] == "Hero")["props"]["headline"] = EVIL
    html = render_page(tree, site_name=EVIL, theme={}, canonical_base="https://acme.example", path="/")
    collected = parse(html)
    assert not any(tag == "script" for tag, _ in collected.tags)
    assert not any(name.startswith("on") for _, attrs in collected.tags for name in attrs)
    assert "&lt;script&gt;" in html


def test_rich_text_is_markdown_behind_an_allow_list() -> None:
    # Validation refuses raw HTML; the renderer is inert even if something slipped past it.
    tree = validate(every_component_tree("x"))
    rich = next(n for n in tree["root"]["children"] if n["component"] == "RichText")
    rich["props"]["markdown"] = ('*ok* [click](javascript:alert(1)) [fine](/about) <a href="javascript:x" '
                                 'onclick="y">raw</a> <style>body{}</style>')
    html = render_page(tree, site_name="x", theme={}, canonical_base="https://x.example", path="/")
    body = html.split("<body>", 1)[1]
    tags = parse(body).tags
    hrefs = [attrs.get("href") or "" for tag, attrs in tags if tag == "a"]
    assert not any(href.lower().startswith("javascript") for href in hrefs)
    assert not any(name.startswith("on") for _, attrs in tags for name in attrs)
    assert "style" not in {tag for tag, _ in tags}  # the raw tags are shown as text, not obeyed
    assert "<em>ok</em>" in body and '<a href="/about" rel="noopener noreferrer">fine</a>' in body


def test_theme_tokens_cannot_inject_css() -> None:
    css = theme_css({"colors": {"primary": "red;}body{display:none", "text": "#123456"},
                     "fonts": {"heading": "Inter';}*{x:y", "body": "Lora"}, "radius": "4px;}"})
    assert "display:none" not in css and "x:y" not in css and css[-1] == "}" and css.count("}") == 1
    assert "--color-primary:#2563eb" in css and "--color-text:#123456" in css and "'Lora'" in css
    assert re.search(r"--radius:8px", css)


def test_low_contrast_themes_are_warned_about_not_blocked() -> None:
    from services.cms.gates import check_page
    from services.cms.tree import starter

    tree = starter("Home")
    tree["root"]["props"]["description"] = "A page."
    findings = check_page(tree, {"/"}, {"colors": {"text": "#777777", "background": "#888888",
                                                   "primary": "#2563eb", "on_primary": "#ffffff"}})
    assert [(f.severity, f.check) for f in findings] == [("warning", "contrast")]
    assert check_page(tree, {"/"}, {"colors": {"text": "#111827", "background": "#ffffff"}}) == []

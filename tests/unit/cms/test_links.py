"""The link rule for AI output (services/cms/links.py): every CommonMark form of link, crossed
with every scheme trick, leaves no target off the site, as the renderer reads the scrubbed
text; and the allowed twins (a page of the site, a section of the page, mailto:, tel:) come
through unchanged. The same rule covers link props, generation and AI edits; the publish
gates read the same links."""

from __future__ import annotations

import copy
from html.parser import HTMLParser
from typing import Any

import pytest

from services.cms import links, render
from services.cms.ai_edits import edit_patch
from services.cms.gates import check_page
from services.cms.grounding import ground_links
from services.cms.links import (
    LINK_PROPS,
    LinkRules,
    markdown_targets,
    plain_text,
    scrub_markdown,
    subtree_targets,
)
from services.cms.markdown import LINK_READER, MARKDOWN
from services.cms.tree import validate

PAGES = {"/", "/contact", "/blog/post"}
RULES = LinkRules(pages=PAGES, anchors={"top-section"})

# Each form with {u} where the target goes; every one of them is a link (or image) in CommonMark.
FORMS = {
    "inline": "See [the offer]({u}) today.",
    "title-double": 'See [the offer]({u} "Our offer") today.',
    "title-single": "See [the offer]({u} 'Our offer') today.",
    "title-paren": "See [the offer]({u} (Our offer)) today.",
    "space-before": "See [the offer]( {u} ) today.",
    "angle": "See [the offer](<{u}>) today.",
    "nested-brackets": "See [a [nested] offer]({u}) today.",
    "emphasis-around": "See *[the offer]({u})* and **[this]({u})** and [*that*]({u}).",
    "multi-line-text": "See [the\noffer]({u}) today.",
    "heading": "## [The offer]({u})\n\nText.",
    "setext-heading": "[The offer]({u})\n---",
    "list-item": "- first\n- [the offer]({u})\n\n1. [one]({u})",
    "blockquote": "> Quoted [the offer]({u}).",
    "table-like": "| a | b |\n|---|---|\n| [cell]({u}) | x |",
    "full-reference": "See [the offer][deal] today.\n\n[deal]: {u}",
    "collapsed-reference": "See [deal][] today.\n\n[deal]: {u}",
    "shortcut-reference": "See [deal] today.\n\n[deal]: {u}",
    "definition-first": "[deal]: {u} \"Our offer\"\n\nSee [the offer][DEAL] today.",
    "definition-in-blockquote": "See [the offer][deal].\n\n> [deal]: {u}",
    "definition-in-list": "See [the offer][deal].\n\n- [deal]: {u}\n- more",
    "unused-definition": "Just words.\n\n[deal]: {u}",
    "autolink": "Go to <{u}> now.",
    "image": "![a loaf]({u})",
    "image-in-link": "[![a loaf]({u})]({u})",
    "reference-image": "![a loaf][pic]\n\n[pic]: {u}",
}
# Targets that are not a page of the site, a section of the page, mailto: or tel:.
TRICKS = [
    "https://evil.example/b", "http://evil.example", "HTTPS://EVIL.EXAMPLE/x", "javascript:alert(1)",
    "JaVaScRiPt:alert(1)", "data:text/html;base64,PHNjcmlwdD4=", "vbscript:msgbox(1)", "&#106;avascript:alert(1)",
    "&#x6A;avascript:alert(1)", "%6Aavascript:alert(1)", "&#9;javascript:alert(1)", "&#32;https://evil.example",
    "//evil.example", r"/\evil.example", r"\\evil.example", "https:evil.example", "/%2F%2Fevil.example",
    "/not-a-page", "/contact/../../evil.example", "#not-a-section", "ftp://evil.example/f",
]
ALLOWED = ["/contact", "/blog/post#intro", "#top-section", "mailto:hello@maison.example", "tel:+33123456789"]
# Forms that make no link of some targets (an autolink needs a scheme; only `<>` takes spaces).
NOT_LINKS = {("autolink", u) for u in ["/contact", "/blog/post#intro", "#top-section", "//evil.example",
                                       r"/\evil.example", r"\\evil.example", "/%2F%2Fevil.example", "/not-a-page",
                                       "/contact/../../evil.example", "#not-a-section", "%6Aavascript:alert(1)",
                                       "&#9;javascript:alert(1)", "&#32;https://evil.example",
                                       "&#106;avascript:alert(1)", "&#x6A;avascript:alert(1)"]}


class Urls(HTMLParser):
    """Every URL-bearing attribute of an HTML fragment."""

    def __init__(self, html: str) -> None:
        super().__init__(convert_charrefs=True)
        self.found: list[tuple[str, str]] = []
        self.feed(html)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.found += [(name, value or "") for name, value in attrs if name in ("href", "src", "srcset")]


def rendered_urls(text: str) -> list[str]:
    """The URLs of `text` as the site's renderer shows it, and as a renderer without
    markdown-it's link filter would (another client's preview)."""
    return [value for html in (MARKDOWN.render(text), LINK_READER.render(text)) for _, value in Urls(html).found]


def assert_on_site(text: str) -> None:
    urls = rendered_urls(text)
    assert all(RULES.allows(url) for url in urls), urls
    assert all(RULES.allows(target) for target in markdown_targets(text)), markdown_targets(text)
    assert not [url for url in urls if "evil" in url.lower() or "script" in url.lower() or "data:" in url]


@pytest.mark.parametrize("trick", TRICKS)
@pytest.mark.parametrize("form", FORMS)
def test_no_form_of_link_keeps_a_target_off_the_site(form: str, trick: str) -> None:
    text = FORMS[form].format(u=trick)
    scrubbed, removed = scrub_markdown(text, RULES)
    assert_on_site(scrubbed)
    if (form, trick) not in NOT_LINKS:
        assert removed, f"{text!r} held no link: the case proves nothing"
        assert not all(RULES.allows(url) for url in rendered_urls(text)) or \
            not all(RULES.allows(t) for t in markdown_targets(text))  # the original did link off the site
    assert scrub_markdown(scrubbed, RULES) == (scrubbed, [])  # scrubbed text is stable


@pytest.mark.parametrize("target", ALLOWED)
@pytest.mark.parametrize("form", FORMS)
def test_the_allowed_twins_come_through_unchanged(form: str, target: str) -> None:
    text = FORMS[form].format(u=target)
    assert scrub_markdown(text, RULES) == (text, [])
    if (form, target) not in NOT_LINKS:
        assert target in markdown_targets(text)  # a real link (or definition), kept
        assert form == "unused-definition" or target in MARKDOWN.render(text)


@pytest.mark.parametrize("form", [f for f in FORMS if "image" not in f and f != "unused-definition"])
def test_a_scrubbed_link_keeps_its_words(form: str) -> None:
    text = FORMS[form].format(u="https://evil.example/b")
    scrubbed, _ = scrub_markdown(text, RULES)
    words = "".join(Words(MARKDOWN.render(text)).text.split())
    assert "".join(Words(MARKDOWN.render(scrubbed)).text.split()) == words
    assert 'href="#"' in MARKDOWN.render(scrubbed)


class Words(HTMLParser):
    def __init__(self, html: str) -> None:
        super().__init__(convert_charrefs=True)
        self.text = ""
        self.feed(html)

    def handle_data(self, data: str) -> None:
        self.text += data


def test_an_image_off_the_site_becomes_its_alt_text() -> None:
    scrubbed, removed = scrub_markdown("Our ![crusty *loaf*](https://evil.example/i.png) here.", RULES)
    assert scrubbed == "Our crusty *loaf* here." and removed == ["https://evil.example/i.png"]


def test_code_spans_and_escaped_brackets_are_text_and_stay_as_written() -> None:
    text = "Type `[x](https://evil.example)` or \\[y\\](https://evil.example) as text."
    assert scrub_markdown(text, RULES) == (text, [])  # no link: nothing to scrub
    assert rendered_urls(text) == []
    mixed = f"{text}\n\nBut [this](https://evil.example/b) is a link."
    scrubbed, removed = scrub_markdown(mixed, RULES)
    assert removed == ["https://evil.example/b"]
    assert scrubbed.startswith("Type `[x](https://evil.example)` or \\[y\\](https://evil.example) as text.")
    assert "<code>[x](https://evil.example)</code>" in MARKDOWN.render(scrubbed)
    assert "[y](https://evil.example)" in MARKDOWN.render(scrubbed)
    assert_on_site(scrubbed)


def test_a_mixed_text_keeps_its_allowed_links_and_its_shape() -> None:
    text = ("# Visit\n\nCall [us](tel:+33123456789), [write](mailto:a@b.example), [come](/contact) or "
            "[scroll up](#top-section); not [there](https://evil.example/b) or [here][x].\n\n"
            "1. one\n2. *two*\n\n> quoted\n\n[x]: //evil.example")
    scrubbed, removed = scrub_markdown(text, RULES)
    assert removed == ["https://evil.example/b", "//evil.example", "//evil.example"]
    html = MARKDOWN.render(scrubbed)
    assert [url for _, url in Urls(html).found] == ["tel:+33123456789", "mailto:a@b.example", "/contact",
                                                   "#top-section", "#", "#"]
    assert "<h3>Visit</h3>" in html and "<li><em>two</em></li>" in html and "<blockquote>" in html
    assert "[x]:" not in scrubbed  # the definition went with the link


def test_a_path_naming_a_section_becomes_that_section() -> None:
    assert scrub_markdown("[Up](/top-section)", RULES) == ("[Up](#top-section)", ["/top-section"])
    assert RULES.fix("/blog/top-section?x=1") == "#top-section"
    assert RULES.fix("//top-section") == "#"  # another host, not a section


@pytest.mark.parametrize("href", [*TRICKS, " javascript:alert(1)", "\x01javascript:alert(1)", "\tjavascript:x",
                                  "/\t/evil.example", "mailto :a@b.c", "#top-section\n"])
def test_the_rule_refuses_every_trick_in_a_prop(href: str) -> None:
    assert not RULES.allows(href)
    assert RULES.fix(href) in ("#", "#top-section")


@pytest.mark.parametrize("href", [*ALLOWED, "/", "/contact/", "/contact?ref=nav", "MAILTO:a@b.example", "#"])
def test_the_rule_allows_the_site_its_sections_and_addresses(href: str) -> None:
    assert RULES.allows(href) and RULES.fix(href) == href


def test_a_target_a_person_put_there_may_be_kept() -> None:
    rules = LinkRules(pages=PAGES, anchors=set(), kept={"https://partner.example/"})
    assert rules.allows("https://partner.example/") and not rules.allows("https://partner.example/other")


def test_if_the_rebuilt_text_still_links_off_the_site_only_the_words_are_kept(monkeypatch: pytest.MonkeyPatch) -> None:
    class Broken:  # a renderer that gave the text back as it was
        def render(self, tokens: Any, options: Any, env: Any) -> str:
            return text

    text = "A [deal](https://evil.example/b) and `code` <i>x</i> & *more*.\n\n[x]: https://evil.example/c"
    monkeypatch.setattr(links, "MDRenderer", Broken)
    scrubbed, removed = scrub_markdown(text, RULES)
    assert removed and scrubbed == plain_text(text)
    assert markdown_targets(scrubbed) == [] and rendered_urls(scrubbed) == []
    assert "".join(Words(MARKDOWN.render(scrubbed)).text.split()) == "Adealandcode<i>x</i>&more."


def test_one_markdown_configuration_raw_html_off_no_linkify() -> None:
    assert render.MARKDOWN is MARKDOWN
    for parser in (MARKDOWN, LINK_READER):
        assert parser.options["html"] is False and parser.options["linkify"] is False
    html = MARKDOWN.render('<a href="https://evil.example/">x</a> https://evil.example/bare')
    assert rendered_urls('<a href="https://evil.example/">x</a> https://evil.example/bare') == []
    assert "&lt;a href=" in html


# -- link props, generation, AI edits, gates ------------------------------------------------


def node(node_id: str, component: str, children: list[dict[str, Any]] | None = None, **props: Any) -> dict[str, Any]:
    return {"id": node_id, "component": component, "props": props, "children": children or []}


def page_with_links(href: str, markdown: str) -> dict[str, Any]:
    return {"root": node("page", "Page", [
        node("nav", "Navbar", brand="B", links=[{"label": "Go", "href": href}]),
        node("top", "Section", [
            node("hero", "Hero", headline="H", cta_label="Go", cta_href=href),
            node("text", "RichText", markdown=markdown),
            node("button", "Button", label="Go", href=href),
            node("plans", "PricingTable", plans=[{"name": "P", "price": "1", "cta_href": href}]),
        ], anchor="top-section"),
        node("contact-form", "ContactForm", fields=[{"name": "email", "label": "E-mail"}]),
        node("foot", "Footer", links=[{"label": "Go", "href": href}]),
    ], title="T")}


def hrefs(tree: dict[str, Any]) -> set[str]:
    return subtree_targets(tree["root"])


def test_link_props_are_every_prop_the_registry_types_as_a_link() -> None:
    assert {"href", "cta_href", "secondary_href", "link_href"} == LINK_PROPS


@pytest.mark.parametrize("href", ["https://evil.example/b", "//evil.example", r"/\evil.example", "/%2F%2Fevil.example",
                                  "/not-a-page", "#not-a-section"])
def test_generation_scrubs_every_link_prop_and_rich_text(href: str) -> None:
    tree = validate(page_with_links(href, f"[a]({href}) [b][r]\n\n[r]: {href}"))
    removed = ground_links(tree, PAGES)
    assert removed and all(RULES.allows(target) for target in hrefs(tree)), hrefs(tree)
    validate(tree)  # still a valid tree
    html = render.render_page(tree, site_name="x", theme={}, canonical_base="https://x.example", path="/")
    assert not [url for _, url in Urls(html.split("<body>", 1)[1]).found if "evil" in url or url == href]


@pytest.mark.parametrize("href", ["/contact", "#top-section", "#contact-form", "mailto:a@b.example"])
def test_generation_keeps_the_allowed_twins(href: str) -> None:
    markdown = f"[a]({href}) [tel](tel:+331234)"
    tree = validate(page_with_links(href, markdown))
    before = copy.deepcopy(tree)
    assert ground_links(tree, PAGES) == [] and tree == before


def edit_page() -> dict[str, Any]:
    return validate({"root": node("page", "Page", [
        node("nav", "Navbar", brand="B", links=[{"label": "Partner", "href": "https://partner.example/"}]),
        node("top", "Section", [node("hero", "Hero", headline="H", cta_label="Go", cta_href="/contact"),
                                node("text", "RichText", markdown="Read [our partner](https://partner.example/).")],
             anchor="top-section"),
    ], title="T")})


def test_an_ai_edit_has_its_new_links_off_the_site_scrubbed_and_says_so() -> None:
    tree = edit_page()
    section = copy.deepcopy(tree["root"]["children"][1])
    section["props"]["anchor"] = "top-section"
    section["children"][0]["props"]["cta_href"] = "https://evil.example/cta"
    section["children"][1]["props"]["markdown"] = (
        "Read [our partner](https://partner.example/), [this](//evil.example) and [that][x].\n\n"
        "[x]: javascript:alert(1)")
    section["children"].append(node("more", "Button", label="More", href="/\\evil.example/button"))
    operations, scrubbed = edit_patch(tree, "top", section, PAGES)
    assert scrubbed == ["https://evil.example/cta", "//evil.example", "javascript:alert(1)", "/\\evil.example/button"]
    values = repr(operations)
    assert "evil" not in values and "javascript" not in values
    assert "https://partner.example/" in values  # the person's link, kept by the model, stays
    navbar = copy.deepcopy(tree["root"]["children"][0])
    navbar["props"]["links"].append({"label": "Win", "href": "https://evil.example/nav"})
    operations, scrubbed = edit_patch(tree, "nav", navbar, PAGES)
    assert scrubbed == ["https://evil.example/nav"]
    assert operations == [{"op": "add", "path": "/root/children/0/props/links/1", "value": {"label": "Win",
                                                                                              "href": "#"}}]


def test_an_ai_edit_may_link_to_the_site_its_sections_and_addresses() -> None:
    tree = edit_page()
    section = copy.deepcopy(tree["root"]["children"][1])
    section["children"][0]["props"]["cta_href"] = "#top-section"
    section["children"][1]["props"]["markdown"] = "[Contact](/contact), [mail](mailto:a@b.example), [up](#top-section)"
    operations, scrubbed = edit_patch(tree, "top", section, PAGES)
    assert scrubbed == []
    assert {op["value"] for op in operations} == {"#top-section", section["children"][1]["props"]["markdown"]}


def test_the_gates_read_the_links_the_renderer_reads() -> None:
    tree = validate({"root": node("page", "Page", [
        node("text", "RichText", markdown="[a](/nowhere) [b][r] [c](/) [d](https://partner.example/)\n\n[r]: /gone"),
    ], title="T", description="D")})
    findings = [(f.check, f.pointer, f.message) for f in check_page(tree, {"/"})]
    assert findings == [("internal-link", "/root/children/0/props/markdown", "/nowhere is not a page of this site"),
                        ("internal-link", "/root/children/0/props/markdown", "/gone is not a page of this site")]
    # The twin: the same links to pages that exist; a person's link out is theirs to add.
    assert check_page(tree, {"/", "/nowhere", "/gone"}) == []

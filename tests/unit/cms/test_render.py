"""Rendering is inert (content and theme tokens cannot become script or CSS) and uses the
design vocabulary: the page skeleton, anchors, images laid out before they load, forms by
field kind, the components and their variants."""

import copy
import itertools
import re
import uuid
from html.parser import HTMLParser
from typing import Any

import pytest

from services.cms.registry import migrate
from services.cms.render import FormState, esc, gallery_rows, render_page
from services.cms.tree import validate
from shared.contracts import ImageInfo
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


@pytest.mark.parametrize(("markdown", "level"), [
    ("# About us", 3), ("## About us", 3), ("### About us", 3), ("#### About us", 4), ("##### About us", 4),
    ("###### About us", 4), ("About us\n========", 3), ("About us\n--------", 3)])
def test_rich_text_headings_sit_under_the_section_heading_and_are_never_dropped(markdown: str, level: int) -> None:
    html = render(page(node("s", "Section", [node("t", "RichText", markdown=f"{markdown}\n\nWe fix bikes.")])))
    main = html.split('<main id="main">', 1)[1]
    assert f"<h{level}>About us</h{level}>" in main
    assert "<p>We fix bikes.</p>" in main  # the heading is not run into the paragraph after it


@pytest.mark.parametrize(("page_title", "site_name", "expected"), [
    ("Prices", "Fellwater Boat Co.", "Prices | Fellwater Boat Co."),
    ("Prices | Fellwater Boat Co.", "Fellwater Boat Co.", "Prices | Fellwater Boat Co."),
    ("Boat hire at FELLWATER BOAT CO.", "Fellwater Boat Co.", "Boat hire at FELLWATER BOAT CO."),
    ("Fellwater Boat Co.", "Fellwater Boat Co.", "Fellwater Boat Co."),
    ("Home", "", "Home"),
])
def test_the_document_title_names_the_site_once(page_title: str, site_name: str, expected: str) -> None:
    tree = page()
    tree["root"]["props"]["title"] = page_title
    html = render_page(tree, site_name=site_name, theme={}, canonical_base="https://x.example", path="/")
    assert re.search(r"<title>(.*?)</title>", html).group(1) == esc(expected)  # type: ignore[union-attr]


def style_of(theme: Any) -> str:
    html = render_page(page(), site_name="x", theme=theme, canonical_base="https://x.example", path="/")
    return html.split("<style>", 1)[1].split("</style>", 1)[0]


def test_theme_tokens_cannot_inject_css() -> None:
    css = style_of({"colors": {"primary": "red;}body{display:none", "text": "#123456"},
                    "fonts": {"heading": "Inter';}*{x:y", "body": "Lora"}, "radius": "4px;}"})
    assert "body{display:none" not in css and "{x:y" not in css and "red;" not in css and "</" not in css
    assert "'Lora'" in css  # what was valid is kept
    assert css.count("{") == css.count("}")
    assert style_of({"preset": "no-such-preset"}) == style_of(None)  # unreadable: the default look


def test_low_contrast_themes_are_warned_about_not_blocked() -> None:
    from services.cms.gates import check_page
    from services.cms.tree import starter

    tree = starter("Home")
    tree["root"]["props"]["description"] = "A page."
    findings = check_page(tree, {"/"}, {"colors": {"text": "#777777", "background": "#888888",
                                                   "primary": "#2563eb", "on_primary": "#ffffff"}})
    assert [(f.severity, f.check) for f in findings] == [("warning", "contrast")]
    assert check_page(tree, {"/"}, {"colors": {"text": "#111827", "background": "#ffffff"}}) == []


# -- the design vocabulary ---------------------------------------------------------------

IMAGE = "0b8e7d2a-3f7e-4b8e-9a53-2d2b9f1b2c11"
OTHER = "1c9f8e3b-4a8f-4c9f-8b64-3e3c0a2c3d22"


def node(node_id: str, component: str, children: list[dict[str, Any]] | None = None, **props: Any) -> dict[str, Any]:
    return {"id": node_id, "component": component, "props": props, "children": children or []}


def page(*children: dict[str, Any]) -> dict[str, Any]:
    return validate({"root": node("page", "Page", list(children), title="Home", description="A page.")})


def render(tree: dict[str, Any], **kwargs: Any) -> str:
    return render_page(tree, site_name="Acme", theme={}, canonical_base="https://acme.example", path="/", **kwargs)


def tags_of(html: str, name: str) -> list[dict[str, str | None]]:
    return [attrs for tag, attrs in parse(html).tags if tag == name]


def test_the_page_skeleton_holds_skip_link_header_main_footer_favicons_and_fonts() -> None:
    html = render(page(node("nav", "Navbar", brand="Acme"), node("t", "RichText", markdown="Hi."),
                       node("foot", "Footer", legal="(c) Acme")), lang="fr")
    assert html.startswith('<!doctype html><html lang="fr">')
    body = html.split("<body>", 1)[1]
    assert body.startswith('<a class="skip-link" href="#main">Aller au contenu</a><header class="site-header')
    assert body.index("</header>") < body.index('<main id="main">') < body.index("</main>") < body.index("<footer")
    icons = {(attrs["rel"], attrs["href"]) for attrs in tags_of(html, "link") if "icon" in (attrs["rel"] or "")}
    assert icons == {("icon", "/favicon.svg"), ("icon", "/favicon.ico"), ("apple-touch-icon", "/apple-touch-icon.png")}
    preload = [attrs for attrs in tags_of(html, "link") if attrs["rel"] == "preload"]
    assert len(preload) == 1 and preload[0]["as"] == "font" and preload[0]["href"].startswith("/__fonts/")
    assert "@font-face" in html and "font-display:swap" in html.replace(" ", "")
    assert len(tags_of(html, "style")) == 1 and not tags_of(html, "script")


def test_sections_carry_their_anchor_and_loose_blocks_get_a_default_band() -> None:
    html = render(page(node("h", "Heading", text="Loose"), node("s", "Section", [node("t", "RichText", markdown="x")],
                                                                anchor="menu", background="dark")))
    sections = tags_of(html, "section")
    assert sections[0]["class"] == "section tone-default" and "id" not in sections[0]
    assert sections[1] == {"class": "section tone-dark", "id": "menu"}
    assert '<section class="section tone-dark" id="menu"><div class="wrap stack">' in html


def described(asset_id: str, *, widths: list[int], formats: list[str]) -> dict[str, ImageInfo]:
    return {asset_id: ImageInfo(id=uuid.UUID(asset_id), width=900, height=600, widths=widths, formats=formats)}


def test_a_described_image_has_its_size_delivered_widths_only_and_modern_formats() -> None:
    html = render(page(node("i", "Image", asset_id=IMAGE, alt="A loaf")),
                  images=described(IMAGE, widths=[400, 800, 900], formats=["webp", "avif"]))
    img = tags_of(html, "img")[0]
    assert (img["width"], img["height"]) == ("900", "600") and "aspect-ratio:900/600" in (img["style"] or "")
    assert re.findall(r"\?w=(\d+) \d+w", img["srcset"] or "") == ["400", "800", "900"]
    sources = tags_of(html, "source")
    assert [s["type"] for s in sources] == ["image/avif", "image/webp"]
    assert all("1600" not in (s["srcset"] or "") for s in sources)
    assert "fm=avif" in (sources[0]["srcset"] or "") and "<picture>" in html


def test_an_image_not_described_gets_no_srcset_and_no_invented_size() -> None:
    html = render(page(node("i", "Image", asset_id=IMAGE, alt="A loaf")), images={})
    img = tags_of(html, "img")[0]
    assert img["src"] == f"/assets/{IMAGE}" and "srcset" not in img and "width" not in img
    assert not tags_of(html, "source")


def test_only_the_first_image_above_the_fold_is_fetched_first_the_rest_below_lazily() -> None:
    html = render(page(node("hero", "Hero", variant="split", headline="Bread", image=IMAGE, image_alt="Bread"),
                       node("s", "Section", [node("i", "Image", asset_id=OTHER, alt="Crumb")])),
                  images={**described(IMAGE, widths=[400], formats=[]), **described(OTHER, widths=[400], formats=[])})
    hero, below = tags_of(html, "img")
    assert hero.get("fetchpriority") == "high" and "loading" not in hero
    assert below.get("loading") == "lazy" and "fetchpriority" not in below
    assert html.count('fetchpriority="high"') == 1


def test_asset_url_lets_a_caller_serve_pictures_from_elsewhere() -> None:
    pictures = described(IMAGE, widths=[400], formats=["webp"])
    html = render(page(node("i", "Image", asset_id=IMAGE, alt="A loaf")), images=pictures,
                  asset_url=lambda asset_id: f"/__showcase/images/{asset_id[:4]}")
    assert tags_of(html, "img")[0]["src"] == "/__showcase/images/0b8e?w=400"
    assert "/__showcase/images/0b8e?w=400&amp;fm=webp 400w" in html and "/assets/" not in html


@pytest.mark.parametrize("count", range(1, 49))
def test_gallery_rows_never_leave_a_picture_alone(count: int) -> None:
    rows = gallery_rows(count)
    assert sum(rows) == count
    assert rows == [1] if count == 1 else all(size in (2, 3) for size in rows)


def test_a_gallery_drops_repeated_pictures() -> None:
    html = render(page(node("g", "Gallery", images=[{"asset_id": IMAGE, "alt": "a"}, {"asset_id": OTHER, "alt": "b"},
                                                    {"asset_id": IMAGE, "alt": "a again"}])))
    assert [img["src"] for img in tags_of(html, "img")] == [f"/assets/{IMAGE}", f"/assets/{OTHER}"]
    assert html.count('class="g-2"') == 2


def form(*fields: dict[str, Any]) -> dict[str, Any]:
    return page(node("contact", "ContactForm", fields=list(fields), submit_label="Send it"))


FIELDS = [{"name": "name", "label": "Your name", "required": True},
          {"name": "email", "label": "E-mail", "kind": "email", "required": True},
          {"name": "phone", "label": "Phone", "kind": "phone"},
          {"name": "message", "label": "Message", "kind": "textarea"},
          {"name": "news", "label": "News, please", "kind": "checkbox"}]


def test_form_controls_follow_their_field_kind_and_every_one_has_a_label() -> None:
    html = render(form(*FIELDS))
    inputs = {attrs["name"]: attrs for attrs in tags_of(html, "input")}
    assert (inputs["name"]["type"], inputs["name"]["autocomplete"]) == ("text", "name")
    assert (inputs["email"]["type"], inputs["email"]["autocomplete"]) == ("email", "email")
    assert (inputs["phone"]["type"], inputs["phone"]["autocomplete"]) == ("tel", "tel")
    assert inputs["news"]["type"] == "checkbox" and '<div class="check"><input type="checkbox"' in html
    assert [attrs["name"] for attrs in tags_of(html, "textarea")] == ["message"]
    labelled = {attrs["for"] for attrs in tags_of(html, "label")}
    controls = [attrs for attrs in tags_of(html, "input") + tags_of(html, "textarea")
                if attrs.get("type") != "hidden"]
    assert all(attrs["id"] in labelled for attrs in controls)
    assert "required" in inputs["name"] and "required" in inputs["email"] and "required" not in inputs["phone"]
    assert html.count('class="req"') == 2
    assert tags_of(html, "button")[0]["type"] == "submit" and ">Send it</button>" in html


def test_a_refused_submission_comes_back_with_values_kept_and_errors_tied_to_their_control() -> None:
    state = FormState(form_id="contact", values={"name": 'Ann "<b>"', "message": "Hello </textarea>", "news": "yes"},
                      errors={"email": "E-mail is required"})
    html = render(form(*FIELDS), form_state=state)
    inputs = {attrs["name"]: attrs for attrs in tags_of(html, "input")}
    assert inputs["name"]["value"] == 'Ann "<b>"' and "checked" in inputs["news"]
    assert "Hello &lt;/textarea&gt;</textarea>" in html
    assert inputs["email"]["aria-invalid"] == "true" and inputs["email"]["aria-describedby"] == "contact-email-error"
    assert '<p class="field-error" id="contact-email-error">E-mail is required</p>' in html
    elsewhere = render(form(*FIELDS), form_state=FormState(form_id="other", values={}, errors={"email": "x"}))
    assert "aria-invalid" not in elsewhere.split("<body>", 1)[1]  # another form's state is not this one's


def test_the_navbar_is_a_css_only_disclosure_on_phones_with_an_optional_sticky_header() -> None:
    html = render(page(node("nav", "Navbar", brand="Acme", sticky=True, cta_label="Book", cta_href="#contact",
                            links=[{"label": "Menu", "href": "/"}]),
                       node("s", "Section", [node("t", "RichText", markdown="x")], anchor="contact")))
    assert 'class="site-header sticky"' in html and '<details class="nav-menu"><summary>' in html
    assert html.count('class="btn btn-primary">Book</a>') == 2  # inline on wide screens, in the menu on phones
    assert not tags_of(html, "script")


def test_hero_variants() -> None:
    image = render(page(node("hero", "Hero", variant="image", headline="Bread", image=IMAGE, image_alt="Bread")))
    assert '<section class="hero-band tone-dark">' in image and 'class="hero hero-image"' in image
    split = render(page(node("hero", "Hero", variant="split", headline="Bread", image=IMAGE, image_alt="Bread",
                             cta_label="Order", cta_href="/", secondary_label="Menu", secondary_href="/")))
    assert 'class="hero hero-split"' in split and "btn btn-secondary" in split
    bare = render(page(node("hero", "Hero", variant="image", headline="Bread")))
    assert 'class="hero hero-centered"' in bare and "tone-default" in bare  # no picture to put behind the text


def test_headings_never_skip_a_level() -> None:
    html = render(page(node("hero", "Hero", headline="Bread"),
                       node("f", "FeatureGrid", features=[{"title": "Crust", "icon": "wheat"}]),
                       node("t", "Team", heading="Bakers", members=[{"name": "Ann"}])))
    levels = [int(tag[1]) for tag, _ in parse(html).tags if re.fullmatch(r"h[1-6]", tag)]
    assert levels == [1, 2, 2, 3]
    assert all(b - a <= 1 for a, b in itertools.pairwise(levels))


def test_contact_block_links_to_a_map_and_the_phone() -> None:
    html = render(page(node("c", "ContactBlock", address="12 Rue X\nLyon", phone="+33 4 12 34 56 78",
                            email="hi@acme.example", hours=[{"days": "Mon", "hours": "8 to 18"}])))
    hrefs = [attrs["href"] for attrs in tags_of(html, "a")]
    assert "https://www.openstreetmap.org/search?query=12%20Rue%20X%2C%20Lyon" in hrefs
    assert "tel:+33412345678" in hrefs and "mailto:hi@acme.example" in hrefs
    assert "<address>12 Rue X<br>Lyon</address>" in html and not tags_of(html, "iframe")


def test_a_highlighted_plan_is_made_obvious() -> None:
    html = render(page(node("p", "PricingTable", plans=[{"name": "Small", "price": "9"},
                                                        {"name": "Big", "price": "19", "highlighted": True}])))
    body = html.split("<body>", 1)[1]
    assert body.count("plan-featured") == 1 and '<p class="plan-badge">Most popular</p>' in body


def price_list(*groups: tuple[str, int], **props: Any) -> dict[str, Any]:
    return node("prices", "PriceList", items=[
        {"group": title, "name": f"{title or 'Item'} {n}", "price": f"£{n}",
         **({"description": f"What {n} is."} if n % 2 else {})} for title, count in groups for n in range(count)],
                **props)


def test_a_price_list_shows_every_item_on_its_line_with_its_price() -> None:
    html = render(page(price_list(("Repairs", 3), ("Servicing", 2), heading="Prices", note="Parts are extra.",
                                  link_label="All prices", link_href="/prices")))
    body = html.split("<body>", 1)[1]
    rows = re.findall(r'<p class="price-line"><span class="price-name">([^<]*)</span>'
                      r'<span class="price-leader" aria-hidden="true"></span><span class="price-amount">([^<]*)</span>',
                      body)
    assert rows == [("Repairs 0", "£0"), ("Repairs 1", "£1"), ("Repairs 2", "£2"), ("Servicing 0", "£0"),
                    ("Servicing 1", "£1")]
    assert body.count('<p class="price-desc">') == 2  # only the items that have a description
    levels = [int(tag[1]) for tag, _ in parse(body).tags if re.fullmatch(r"h[1-6]", tag)]
    assert levels == [2, 3, 3]  # the groups' titles under the block's heading
    assert '<p class="price-note">Parts are extra.</p>' in body and 'href="/prices"' in body
    assert 'class="price-groups cols-2"' in body and "price-list-wide" in body  # two groups side by side


@pytest.mark.parametrize(("count", "columns"), [(6, False), (7, True)])
def test_one_long_price_list_takes_two_columns(count: int, columns: bool) -> None:
    body = render(page(price_list(("", count)))).split("<body>", 1)[1]
    assert ('class="price-rows cols-2"' in body) is columns and ("price-list-wide" in body) is columns
    assert "price-group-title" not in body  # a group without a title has no heading


def test_trees_stored_before_variants_still_validate_and_render() -> None:
    old = {"root": node("page", "Page", [
        node("hero", "Hero", headline="Bread", image=IMAGE, image_alt="x", cta_label="Go", cta_href="/"),
        node("f", "FeatureGrid", heading="Why", features=[{"title": "A", "icon": "bread"}, {"title": "B",
                                                                                            "icon": "leaf"}]),
        node("foot", "Footer", text="(c) Acme", links=[{"label": "Home", "href": "/"}])], title="Home")}
    tree = validate(migrate(copy.deepcopy(old), 1))
    icons = [f["icon"] for f in tree["root"]["children"][1]["props"]["features"]]
    assert icons == ["", "leaf"]  # a word outside the icon set is dropped, a known icon kept
    html = render(tree)
    assert 'class="hero hero-centered"' in html and "(c) Acme" in html and html.count("<svg") == 1


def chrome_page() -> dict[str, Any]:
    """A page holding every component that carries words no editor wrote."""
    return validate({"root": node("page", "Page", [
        node("nav", "Navbar", brand="", links=[{"label": "Shop", "href": "/"}]),
        node("c", "ContactBlock", address="1 Market St\nBristol", phone="+44 117 496 0000",
             hours=[{"days": "Mon", "hours": "8 to 18"}]),
        node("form", "ContactForm", fields=[{"name": "email", "label": "E-mail", "kind": "email", "required": True}]),
        node("foot", "Footer", brand="Acme", phone="+44 117 496 0000"),
    ], title="Acme bakery", description="Bread.")})


@pytest.mark.parametrize("lang", ["fr", "de", "es", "de-AT", "FR"])
def test_the_words_no_editor_wrote_are_in_the_sites_language(lang: str) -> None:
    from services.cms.site_words import ENGLISH, words_for

    words = words_for(lang)
    assert words is not ENGLISH
    html = render(chrome_page(), lang=lang)
    assert f'<html lang="{lang}">' in html
    shown = ("skip_to_content", "menu", "main_navigation", "home", "required", "contact", "visit_us",
             "open_the_map", "opening_hours", "call_or_write")
    for name in shown:
        assert esc(getattr(words, name)) in html, name
        if getattr(words, name) != getattr(ENGLISH, name):  # "Menu" is French too
            assert f">{getattr(ENGLISH, name)}<" not in html and f'"{getattr(ENGLISH, name)}"' not in html, name


@pytest.mark.parametrize("lang", ["en", "it", "pt-BR", "zz"])
def test_a_language_without_its_words_gets_english_ones(lang: str) -> None:
    html = render(chrome_page(), lang=lang)
    assert f'<html lang="{lang}">' in html and ">Skip to content<" in html and ">Menu<" in html


def test_rows_without_pictures_stand_side_by_side_rather_than_beside_an_empty_half() -> None:
    rows = [{"heading": f"Row {n}", "text": "Words."} for n in range(2)]
    plain = render(page(node("m", "MediaText", rows=rows))).split("<body>", 1)[1]
    assert 'class="media-text mt-all-text"' in plain and 'class="grid cols-2 mt-columns"' in plain
    pictured = render(page(node("m", "MediaText", rows=[{**rows[0], "image": IMAGE, "image_alt": "A boat"},
                                                        rows[1]]))).split("<body>", 1)[1]
    assert "mt-columns" not in pictured and "mt-text-only" in pictured  # one picture: the rows alternate


def test_an_email_address_may_wrap_only_after_its_at_and_before_its_dots() -> None:
    html = render(page(node("c", "ContactBlock", email="reservations@acme-bakery.co.uk")))
    assert ">reservations@<wbr>acme-bakery<wbr>.co<wbr>.uk</a>" in html
    assert 'href="mailto:reservations@acme-bakery.co.uk"' in html


def test_a_page_called_menu_leaves_the_phone_toggle_its_icon_and_a_name_of_its_own() -> None:
    links = [{"label": "Home", "href": "/"}, {"label": "Menu", "href": "/menu"}]
    restaurant = render(page(node("nav", "Navbar", brand="Trattoria", links=links)))
    summary = restaurant.split('<details class="nav-menu"><summary>', 1)[1].split("</summary>", 1)[0]
    assert summary.endswith('<span class="visually-hidden">Menu</span>')  # the icon shows; readers hear "Menu"
    other = render(page(node("nav", "Navbar", brand="Boats", links=[{"label": "Home", "href": "/"}])))
    assert "<span>Menu</span></summary>" in other

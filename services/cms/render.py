"""A published page as a complete HTML5 document, styled by the tenant's theme.

Inert by construction: every text is escaped; rich text goes through markdown without raw
HTML, then through nh3's allow-list; links were validated on write and are escaped again
here; the theme reaches CSS only through shared.theme's resolved tokens (hex colours,
catalogue fonts, numbers), so a token cannot smuggle CSS. No script, ever: the navbar's
phone menu is a <details> disclosure.

The markup uses the design system's vocabulary (design.py: tones, .wrap, .stack, .btn,
.card, .grid, forms, icons); the CSS of the components themselves is COMPONENT_CSS below,
written only against the design system's custom properties."""

from __future__ import annotations

import html
import itertools
import re
from collections.abc import Callable
from functools import lru_cache
from pathlib import Path
from typing import Any
from urllib.parse import quote

import msgspec
import nh3

from shared import fonts
from shared.contracts import ImageInfo
from shared.theme import resolve

from . import icons
from .design import stylesheet
from .markdown import MARKDOWN  # the one configuration, shared with the link rule (links.py)
from .registry import HONEYPOT
from .site_words import ENGLISH, SiteWords, words_for

RICH_TAGS = {"p", "em", "strong", "a", "ul", "ol", "li", "blockquote", "code", "pre", "br", "h3", "h4", "hr"}
MODERN_FORMATS = ("avif", "webp")  # best first: the browser takes the first <source> it can show
FALLBACK_WIDTH = 1200  # the plain src of a described image: the smallest delivered copy at least this wide
OSM_SEARCH = "https://www.openstreetmap.org/search?query="
SOCIAL_LABELS = {"instagram": "Instagram", "facebook": "Facebook", "linkedin": "LinkedIn", "youtube": "YouTube",
                 "x": "X", "tiktok": "TikTok", "pinterest": "Pinterest", "github": "GitHub", "mastodon": "Mastodon"}
SOCIAL_ICONS = {"instagram": "instagram", "facebook": "facebook", "linkedin": "linkedin", "youtube": "youtube",
                "x": "twitter"}
PLAN_FEATURES = '<ul class="plan-features" role="list">{}</ul>'
PRICE_LIST_ONE_COLUMN = 6  # a single group longer than this reads better in two columns on a wide screen
BANDS = frozenset({"Section", "Hero"})  # top-level blocks that make their own band
AUTOCOMPLETE_BY_NAME = {"name": "name", "full_name": "name", "your_name": "name", "first_name": "given-name",
                        "last_name": "family-name", "company": "organization", "organisation": "organization",
                        "organization": "organization", "address": "street-address", "postcode": "postal-code",
                        "zip": "postal-code", "city": "address-level2"}

esc = html.escape
OPENING_TAG = re.compile(r"^<[a-zA-Z][a-zA-Z0-9]*")


class FormState(msgspec.Struct, frozen=True):
    """A visitor's refused submission, shown again: what they typed and what to fix."""

    form_id: str  # the ContactForm node it belongs to
    values: dict[str, str]  # field name -> what the visitor typed
    errors: dict[str, str]  # field name -> message


def assets_url(asset_id: str) -> str:
    return f"/assets/{asset_id}"


def minified(css: str) -> str:
    """Source kept readable, one rule per line; the page gets it without comments and line breaks."""
    return "".join(line.strip() for line in re.sub(r"/\*.*?\*/", "", css, flags=re.S).splitlines())


COMPONENT_CSS = minified((Path(__file__).with_name("components.css")).read_text(encoding="utf-8"))


def icon(name: str) -> str:
    return icons.svg(name) if name in icons.NAMES else ""


@lru_cache(maxsize=2048)
def rich_html(markdown: str) -> str:
    """Rich text as safe HTML. Memoized: it is pure, and the costliest step of a page."""
    rendered = MARKDOWN.render(markdown)
    return nh3.clean(rendered, tags=RICH_TAGS, attributes={"a": {"href", "title"}},
                     url_schemes={"http", "https", "mailto"}, link_rel="noopener noreferrer")


@lru_cache(maxsize=256)
def _head_assets(theme_key: bytes) -> tuple[str, str, str]:
    """(lang-independent <style> contents, font preload link, heading font): once per theme."""
    tokens = resolve(msgspec.json.decode(theme_key))
    families = dict.fromkeys((tokens.heading_font, tokens.body_font))
    css = fonts.face_css(families) + stylesheet(tokens) + COMPONENT_CSS
    return css, fonts.preload(tokens.heading_font, tokens.heading_weight), tokens.heading_font


def head_assets(theme: Any) -> tuple[str, str, str]:
    try:
        key = msgspec.json.encode(theme, order="sorted")
    except (TypeError, msgspec.EncodeError):
        key = b"null"  # unreadable: the default preset
    return _head_assets(key)


def price_label(amount: int, currency: str) -> str:
    """12.50 EUR: minor units shown with two decimals."""
    return f"{amount / 100:,.2f} {currency.upper()}"


def lines(text: str) -> str:
    """Escaped text whose line breaks are kept (an address)."""
    return "<br>".join(esc(line.strip()) for line in text.splitlines() if line.strip())


def initials(name: str) -> str:
    words = name.split()
    return (words[0][:1] + (words[-1][:1] if len(words) > 1 else "")).upper()


def tel_href(phone: str) -> str:
    return "tel:" + "".join(ch for ch in phone if ch.isdigit() or ch == "+")


def gallery_rows(count: int) -> list[int]:
    """How many images each row of a gallery holds so that no row is half empty: threes, with
    twos where a three would leave one alone (4 -> 2+2, 5 -> 3+2, 7 -> 3+2+2)."""
    if count <= 3:
        return [count] if count else []
    threes, rest = divmod(count, 3)
    if rest == 0:
        return [3] * threes
    if rest == 2:
        return [3] * threes + [2]
    return [3] * (threes - 1) + [2, 2]


def phone_and_email(props: dict[str, Any], *, icons: bool) -> str:
    """A block's phone and e-mail as links, each on its own line (with its icon in a contact card)."""
    found = ""
    if props.get("phone"):
        mark = icon("phone") if icons else ""
        found += f'<p>{mark}<a href="{esc(tel_href(props["phone"]))}">{esc(props["phone"])}</a></p>'
    if props.get("email"):
        mark = icon("mail") if icons else ""
        found += f'<p>{mark}<a href="mailto:{esc(props["email"])}">{breakable_email(props["email"])}</a></p>'
    return found


def breakable_email(address: str) -> str:
    """An e-mail address that may wrap only after its @ and before a dot of its domain, as
    typesetters break addresses: a narrow column (a phone's footer) never scrolls sideways,
    and a wide one never splits a word."""
    local, at, domain = address.partition("@")
    return esc(local) + (f"@<wbr>{'<wbr>.'.join(esc(part) for part in domain.split('.'))}" if at else "")


class Renderer:
    def __init__(self, canonical_base: str, path: str = "/", products: dict[str, dict[str, Any]] | None = None,
                 images: dict[str, ImageInfo] | None = None, asset_url: Callable[[str], str] = assets_url,
                 form_state: FormState | None = None, mark_nodes: bool = False, words: SiteWords = ENGLISH) -> None:
        self.canonical_base = canonical_base.rstrip("/")
        self.words = words  # what the page says that no editor wrote, in the site's language
        self.path = path
        self.products = products or {}
        self.images = images or {}
        self.asset_url = asset_url
        self.form_state = form_state
        self.mark_nodes = mark_nodes  # the studio's canvas only: visitors never get these attributes
        self.node_id = ""
        self.last_level = 1  # the level of the last heading written, so none skips a level
        self.above_fold = False  # while the first band renders: its images load at once
        self.priority_given = False  # the first image above the fold is the page's largest paint
        self.components: dict[str, Callable[[dict[str, Any], list[dict[str, Any]]], str]] = {
            "Page": self.children_only, "Section": self.section, "Columns": self.columns, "Hero": self.hero,
            "Heading": self.heading, "RichText": self.rich_text, "Image": self.image, "Gallery": self.gallery,
            "Button": self.button, "FeatureGrid": self.feature_grid, "MediaText": self.media_text,
            "Stats": self.stats, "LogoCloud": self.logo_cloud, "Team": self.team, "CallToAction": self.call_to_action,
            "Testimonial": self.testimonial, "Testimonials": self.testimonials, "PricingTable": self.pricing_table,
            "PriceList": self.price_list, "FAQ": self.faq, "ContactBlock": self.contact_block,
            "ContactForm": self.contact_form, "ProductGrid": self.product_grid, "Navbar": self.navbar,
            "Footer": self.footer, "Video": self.video,
        }

    def node(self, node: dict[str, Any]) -> str:
        self.node_id = node["id"]
        return self.marked(node, self.components[node["component"]](node["props"], node.get("children") or []))

    def marked(self, node: dict[str, Any], markup: str) -> str:
        """`markup` with `data-node="<id>"` on its outermost element when the canvas asked for
        it, so a click in the studio finds the node it landed in."""
        if not self.mark_nodes:
            return markup
        return OPENING_TAG.sub(lambda tag: f'{tag.group(0)} data-node="{esc(node["id"])}"', markup, count=1)

    def render_children(self, children: list[dict[str, Any]]) -> str:
        """Children in order; buttons side by side share one row."""
        out: list[str] = []
        row: list[str] = []
        for child in children:
            if child["component"] == "Button":
                row.append(self.marked(child, self.button_link(child["props"])))
                continue
            if row:
                out.append(f'<div class="btn-row">{"".join(row)}</div>')
                row = []
            out.append(self.node(child))
        if row:
            out.append(f'<div class="btn-row">{"".join(row)}</div>')
        return "".join(out)

    # -- pieces ------------------------------------------------------------------------------

    def h(self, level: int, text: str, css: str = "") -> str:
        """A heading of `level`, or shallower when that would skip a level after the last one."""
        level = max(1, min(level, self.last_level + 1, 6))
        self.last_level = level
        return f'<h{level} class="{css}">{esc(text)}</h{level}>' if css else f"<h{level}>{esc(text)}</h{level}>"

    def head(self, props: dict[str, Any], eyebrow: str = "") -> str:
        """A block's own heading and intro, when it has them."""
        parts = f'<p class="eyebrow">{esc(eyebrow)}</p>' if eyebrow else ""
        if props.get("heading"):
            parts += self.h(2, props["heading"])
        if props.get("intro"):
            parts += f'<p class="lead">{esc(props["intro"])}</p>'
        return f'<div class="block-head">{parts}</div>' if parts else ""

    def img(self, asset_id: Any, alt: str, sizes: str = "(max-width: 48rem) 100vw, 48rem", *,
            ratio: str = "", priority: bool | None = None) -> str:
        """An image laid out before it loads: width/height and aspect-ratio from what the assets
        service described (`ratio` for a crop), candidates only at widths it delivers, modern
        formats first. The first image of the first band is fetched first; the rest of that
        band at once; everything below it lazily. `priority=False`: at once, never first (a logo)."""
        key = str(asset_id)
        src = esc(self.asset_url(key))
        if priority is False:
            loading = ""
        elif self.above_fold and not self.priority_given:
            self.priority_given = True
            loading = ' fetchpriority="high"'
        elif self.above_fold:
            loading = ""
        else:
            loading = ' loading="lazy"'
        info = self.images.get(key)
        if info is None:  # not described: the crop box (if any) still holds its place
            style = f' style="aspect-ratio:{ratio}"' if ratio else ""
            return f'<img src="{src}" alt="{esc(alt)}"{style}{loading} decoding="async">'
        widths = sorted(info.widths)
        shape = ratio or f"{info.width}/{info.height}"
        if widths:
            fallback = next((w for w in widths if w >= FALLBACK_WIDTH), widths[-1])
            srcset = ", ".join([f"{src}?w={w} {w}w" for w in widths])
            candidates = f' srcset="{srcset}" sizes="{sizes}"'
            plain = f"{src}?w={fallback}"
        else:
            candidates, plain = "", src
        tag = (f'<img src="{plain}"{candidates} width="{info.width}" height="{info.height}" alt="{esc(alt)}" '
               f'style="aspect-ratio:{shape}"{loading} decoding="async">')
        sources = []
        for fm in MODERN_FORMATS:
            if fm in info.formats:
                each = ", ".join([f"{src}?w={w}&amp;fm={fm} {w}w" for w in widths]) if widths else f"{src}?fm={fm}"
                sized = f' sizes="{sizes}"' if widths else ""
                sources.append(f'<source type="image/{fm}" srcset="{each}"{sized}>')
        return f"<picture>{''.join(sources)}{tag}</picture>" if sources else tag

    @staticmethod
    def link(href: str, label: str, css: str = "") -> str:
        rel = ' rel="noopener noreferrer"' if href.startswith(("http://", "https://")) else ""
        cls = f' class="{css}"' if css else ""
        return f'<a href="{esc(href)}"{rel}{cls}>{esc(label)}</a>'

    def buttons(self, props: dict[str, Any], primary: str = "btn btn-primary btn-lg",
                secondary: str = "btn btn-secondary btn-lg") -> str:
        row = ""
        if props.get("cta_label") and props.get("cta_href"):
            row += self.link(props["cta_href"], props["cta_label"], primary)
        if props.get("secondary_label") and props.get("secondary_href"):
            row += self.link(props["secondary_href"], props["secondary_label"], secondary)
        return f'<div class="btn-row">{row}</div>' if row else ""

    def stars(self, rating: int) -> str:
        if not rating:
            return ""
        star = icons.svg("star") if "star" in icons.NAMES else "★"
        return (f'<p class="stars"><span class="stars-{rating}" aria-hidden="true">{star * rating}</span>'
                f'<span class="visually-hidden">Rated {rating} out of 5</span></p>')

    # -- structure ---------------------------------------------------------------------------

    def children_only(self, props: dict[str, Any], children: list[dict[str, Any]]) -> str:
        return self.render_children(children)

    def section(self, props: dict[str, Any], children: list[dict[str, Any]]) -> str:
        anchor = f' id="{esc(props["anchor"])}"' if props.get("anchor") else ""
        tone = props.get("background", "default")
        return (f'<section class="section tone-{esc(tone)}"{anchor}><div class="wrap stack">'
                f"{self.render_children(children)}</div></section>")

    def columns(self, props: dict[str, Any], children: list[dict[str, Any]]) -> str:
        return f'<div class="grid cols-{int(props.get("count", 2))} columns">{self.render_children(children)}</div>'

    def heading(self, props: dict[str, Any], children: list[dict[str, Any]]) -> str:
        level = int(props.get("level", 2))
        self.last_level = level
        return f"<h{level}>{esc(props['text'])}</h{level}>"

    def rich_text(self, props: dict[str, Any], children: list[dict[str, Any]]) -> str:
        return f'<div class="prose">{rich_html(props["markdown"])}</div>'

    def button(self, props: dict[str, Any], children: list[dict[str, Any]]) -> str:
        return f'<div class="btn-row">{self.button_link(props)}</div>'

    def button_link(self, props: dict[str, Any]) -> str:
        style = props.get("style", "primary")
        css = "btn-link" if style == "link" else f"btn btn-{esc(style)}"
        return self.link(props["href"], props["label"], css)

    # -- blocks ------------------------------------------------------------------------------

    def hero(self, props: dict[str, Any], children: list[dict[str, Any]]) -> str:
        variant = props.get("variant", "centered")
        if variant != "centered" and not props.get("image"):
            variant = "centered"  # nothing to set beside or behind the text
        copy = (f'<p class="eyebrow">{esc(props["eyebrow"])}</p>' if props.get("eyebrow") else "") \
            + self.h(1, props["headline"]) \
            + (f'<p class="lead">{esc(props["subheadline"])}</p>' if props.get("subheadline") else "") \
            + self.buttons(props)
        media = ""
        if props.get("image"):
            sizes, ratio = {"split": ("(max-width: 56rem) 100vw, 36rem", "4/3"),
                            "image": ("100vw", "")}.get(variant, ("(max-width: 72rem) 100vw, 72rem", "16/9"))
            picture = self.img(props["image"], props.get("image_alt", ""), sizes, ratio=ratio)
            media = f'<div class="hero-media">{picture}</div>'
        return f'<div class="hero hero-{variant}"><div class="hero-copy">{copy}</div>{media}</div>'

    def image(self, props: dict[str, Any], children: list[dict[str, Any]]) -> str:
        caption = f"<figcaption>{esc(props['caption'])}</figcaption>" if props.get("caption") else ""
        return f'<figure class="figure">{self.img(props["asset_id"], props.get("alt", ""))}{caption}</figure>'

    def gallery(self, props: dict[str, Any], children: list[dict[str, Any]]) -> str:
        unique: dict[str, dict[str, Any]] = {}
        for image in props["images"]:
            unique.setdefault(str(image["asset_id"]), image)  # a picture shown twice is a mistake, not a layout
        images = list(unique.values())
        cells, start = [], 0
        for size in gallery_rows(len(images)):
            for image in images[start:start + size]:
                picture = self.img(image["asset_id"], image.get("alt", ""), f"(max-width: 40rem) 50vw, {100 // size}vw",
                                   ratio="4/3" if size > 1 else "16/9")
                cells.append(f'<li class="g-{size}">{picture}</li>')
            start += size
        odd = " gallery-odd" if len(images) % 2 else ""
        return (f'<div class="gallery-block">{self.head(props)}<ul class="gallery{odd}" role="list">'
                f'{"".join(cells)}</ul></div>')

    def feature_grid(self, props: dict[str, Any], children: list[dict[str, Any]]) -> str:
        head = self.head(props)
        variant, count = props.get("variant", "cards"), len(props["features"])
        columns = min(int(props.get("columns", 3)), max(count, 1)) if variant != "list" else 2
        items = []
        for feature in props["features"]:
            mark = icon(feature.get("icon", ""))
            badge = f'<span class="icon-badge">{mark}</span>' if mark else ""
            body = f"<p>{esc(feature['body'])}</p>" if feature.get("body") else ""
            title = self.h(3, feature["title"], "item-title")
            card = " card" if variant == "cards" else ""
            items.append(f'<li class="feature{card}">{badge}<div class="feature-copy">{title}{body}</div></li>')
        return (f'<div class="features features-{esc(variant)}">{head}<ul class="grid cols-{columns}" role="list">'
                f'{"".join(items)}</ul></div>')

    def media_text(self, props: dict[str, Any], children: list[dict[str, Any]]) -> str:
        head = self.head(props)
        flip = props.get("image_first", "left") == "right"
        rows = []
        for index, row in enumerate(props["rows"]):
            side = "right" if (index % 2 == 1) != flip else "left"
            media = ""
            if row.get("image"):
                picture = self.img(row["image"], row.get("image_alt", ""), "(max-width: 48rem) 100vw, 36rem",
                                   ratio="4/3")
                media = f'<div class="mt-media">{picture}</div>'
            copy = (f'<p class="eyebrow">{esc(row["eyebrow"])}</p>' if row.get("eyebrow") else "") \
                + self.h(3, row["heading"], "item-title") \
                + (f"<p>{esc(row['text'])}</p>" if row.get("text") else "")
            if row.get("link_label") and row.get("link_href"):
                copy += f'<p>{self.link(row["link_href"], row["link_label"], "btn-link")}</p>'
            rows.append(f'<div class="mt-row mt-image-{side}{"" if media else " mt-text-only"}">{media}'
                        f'<div class="mt-copy">{copy}</div></div>')
        if not any(row.get("image") for row in props["rows"]):
            # No picture to set beside the words (a new site's empty library): the rows stand side
            # by side as columns, rather than each leaving half the band empty.
            columns = min(len(rows), 3)
            return (f'<div class="media-text mt-all-text">{head}<div class="grid cols-{columns} mt-columns">'
                    f'{"".join(rows)}</div></div>')
        return f'<div class="media-text">{head}{"".join(rows)}</div>'

    def stats(self, props: dict[str, Any], children: list[dict[str, Any]]) -> str:
        items = "".join([f'<div class="stat"><dt>{esc(item["label"])}</dt><dd>{esc(item["value"])}</dd></div>'
                         for item in props["items"]])
        return (f'<div class="stats">{self.head(props)}<dl class="stats-grid stats-{len(props["items"])}">'
                f"{items}</dl></div>")

    def logo_cloud(self, props: dict[str, Any], children: list[dict[str, Any]]) -> str:
        logos = "".join([f'<li>{self.img(logo["asset_id"], logo.get("alt", ""), "10rem")}</li>'
                         for logo in props["logos"]])
        return f'<div class="logo-cloud">{self.head(props)}<ul class="logos" role="list">{logos}</ul></div>'

    def team(self, props: dict[str, Any], children: list[dict[str, Any]]) -> str:
        head = self.head(props)
        with_photos = any(member.get("photo") for member in props["members"])
        members = []
        for member in props["members"]:
            if member.get("photo"):
                photo = self.img(member["photo"], "", "(max-width: 40rem) 50vw, 18rem", ratio="4/5")
            else:  # initials in the brand's colour: a portrait's place, or a compact card when nobody has one
                photo = f'<span class="monogram" aria-hidden="true">{esc(initials(member["name"]))}</span>'
            role = f'<p class="member-role">{esc(member["role"])}</p>' if member.get("role") else ""
            bio = f'<p class="member-bio">{esc(member["bio"])}</p>' if member.get("bio") else ""
            members.append(f'<li class="member"><div class="member-photo">{photo}</div>'
                           f'<div class="member-copy">{self.h(3, member["name"], "item-title")}{role}</div>{bio}</li>')
        count = len(members)
        columns = 4 if count % 4 == 0 else 3 if count >= 3 else count
        compact = "" if with_photos else " team-compact"
        return (f'<div class="team{compact}">{head}<ul class="grid cols-{columns}" role="list">{"".join(members)}'
                "</ul></div>")

    def call_to_action(self, props: dict[str, Any], children: list[dict[str, Any]]) -> str:
        tone = props.get("tone", "primary")
        text = f'<p class="lead">{esc(props["text"])}</p>' if props.get("text") else ""
        return (f'<div class="cta-band tone-{esc(tone)}"><div class="cta-copy">{self.h(2, props["heading"])}{text}'
                f"</div>{self.buttons(props)}</div>")

    def quote(self, item: dict[str, Any], css: str) -> str:
        photo = f'<span class="avatar">{self.img(item["photo"], "", "4rem", ratio="1/1")}</span>' \
            if item.get("photo") else ""
        role = f'<span class="quote-role">{esc(item["role"])}</span>' if item.get("role") else ""
        who = f'<figcaption>{photo}<span class="quote-who"><span class="quote-author">{esc(item["author"])}</span>' \
              f"{role}</span></figcaption>" if item.get("author") else ""
        return (f'<figure class="{css}">{self.stars(int(item.get("rating", 0)))}'
                f'<blockquote><p>{esc(item["quote"])}</p></blockquote>{who}</figure>')

    def testimonial(self, props: dict[str, Any], children: list[dict[str, Any]]) -> str:
        return self.quote(props, "testimonial")

    def testimonials(self, props: dict[str, Any], children: list[dict[str, Any]]) -> str:
        count = len(props["items"])
        columns = 3 if count % 3 == 0 or count > 4 else 2 if count > 1 else 1
        items = "".join([f"<li>{self.quote(item, 'card quote-card')}</li>" for item in props["items"]])
        return (f'<div class="testimonials">{self.head(props)}<ul class="grid cols-{columns}" role="list">{items}'
                "</ul></div>")

    def pricing_table(self, props: dict[str, Any], children: list[dict[str, Any]]) -> str:
        head = self.head(props)
        check = icon("check")
        plans = []
        for plan in props["plans"]:
            featured = plan.get("highlighted", False)
            badge = f'<p class="plan-badge">{esc(plan.get("badge") or self.words.most_popular)}</p>' if featured else ""
            features = "".join([f"<li>{check}<span>{esc(feature)}</span></li>" for feature in plan.get("features", [])])
            period = f'<span class="plan-period">{esc(plan["period"])}</span>' if plan.get("period") else ""
            cta = self.link(plan["cta_href"], plan.get("cta_label") or self.words.choose,
                            "btn btn-primary" if featured else "btn btn-secondary") if plan.get("cta_href") else ""
            plans.append(f'<li class="card plan{" plan-featured" if featured else ""}">{badge}'
                         f'{self.h(3, plan["name"], "item-title plan-name")}'
                         f'<p class="plan-price"><span class="plan-amount">{esc(plan["price"])}</span>{period}</p>'
                         f"{PLAN_FEATURES.format(features) if features else ''}"
                         f"{cta}</li>")
        return (f'<div class="pricing">{head}<ul class="grid cols-{len(plans)} plans" role="list">'
                f'{"".join(plans)}</ul></div>')

    def price_list(self, props: dict[str, Any], children: list[dict[str, Any]]) -> str:
        """A menu's layout: each name, a dotted leader and its price on one line, the description
        under it. Items in a row with the same group sit under its title; groups side by side on
        a wide screen, and one long list without groups takes two columns."""
        head = self.head(props)
        groups = [(title, list(items)) for title, items in itertools.groupby(props["items"],
                                                                              key=lambda item: item.get("group", ""))]
        long = len(groups) == 1 and len(props["items"]) > PRICE_LIST_ONE_COLUMN
        blocks = []
        for title, items in groups:
            heading = self.h(3, title, "item-title price-group-title") if title else ""
            rows = "".join([self.priced_item(item) for item in items])
            blocks.append(f'<div class="price-group">{heading}'
                          f'<ul class="price-rows{" cols-2" if long else ""}" role="list">{rows}</ul></div>')
        note = f'<p class="price-note">{esc(props["note"])}</p>' if props.get("note") else ""
        if props.get("link_label") and props.get("link_href"):
            more = self.link(props["link_href"], props["link_label"], "btn btn-secondary")
            note += f'<p class="price-more">{more}</p>'
        return (f'<div class="price-list{" price-list-wide" if long or len(groups) > 1 else ""}">{head}'
                f'<div class="price-groups{" cols-2" if len(groups) > 1 else ""}">{"".join(blocks)}</div>{note}</div>')

    @staticmethod
    def priced_item(item: dict[str, Any]) -> str:
        description = f'<p class="price-desc">{esc(item["description"])}</p>' if item.get("description") else ""
        return (f'<li><p class="price-line"><span class="price-name">{esc(item["name"])}</span>'
                f'<span class="price-leader" aria-hidden="true"></span>'
                f'<span class="price-amount">{esc(item["price"])}</span></p>{description}</li>')

    def faq(self, props: dict[str, Any], children: list[dict[str, Any]]) -> str:
        chevron = icon("chevron-down")
        items = "".join([f"<details><summary><span>{esc(q['question'])}</span>{chevron}</summary>"
                         f'<div class="faq-answer"><p>{esc(q["answer"])}</p></div></details>' for q in props["items"]])
        return f'<div class="faq">{self.head(props)}<div class="faq-list">{items}</div></div>'

    def contact_block(self, props: dict[str, Any], children: list[dict[str, Any]]) -> str:
        head = self.head(props)
        cards = []
        if props.get("address"):
            query = props.get("map_query") or ", ".join(line.strip() for line in props["address"].splitlines()
                                                        if line.strip())
            cards.append(f'<li class="card contact-card"><span class="icon-badge">{icon("map-pin")}</span>'
                         f'{self.h(3, self.words.visit_us, "item-title")}<address>{lines(props["address"])}</address>'
                         f'<p>{self.link(OSM_SEARCH + quote(query), self.words.open_the_map, "btn-link")}</p></li>')
        if props.get("hours"):
            rows = "".join([f"<div><dt>{esc(row['days'])}</dt><dd>{esc(row['hours'])}</dd></div>"
                            for row in props["hours"]])
            cards.append(f'<li class="card contact-card"><span class="icon-badge">{icon("clock")}</span>'
                         f'{self.h(3, self.words.opening_hours, "item-title")}<dl class="hours">{rows}</dl></li>')
        reach = phone_and_email(props, icons=True)
        if reach:
            cards.append(f'<li class="card contact-card"><span class="icon-badge">{icon("message-circle")}</span>'
                         f'{self.h(3, self.words.call_or_write, "item-title")}<div class="reach">{reach}</div></li>')
        return (f'<div class="contact-block">{head}<ul class="grid cols-{max(len(cards), 1)}" role="list">'
                f'{"".join(cards)}</ul></div>')

    def contact_form(self, props: dict[str, Any], children: list[dict[str, Any]]) -> str:
        head = self.head(props)
        form_id = esc(self.node_id)
        state = self.form_state if self.form_state and self.form_state.form_id == self.node_id else None
        fields, any_required = [], False
        for field in props["fields"]:
            name, kind = field["name"], field.get("kind", "text")
            control_id = f"{form_id}-{esc(name)}"
            required = field.get("required", False)
            any_required = any_required or required
            attrs = f'id="{control_id}" name="{esc(name)}"' + (' required aria-required="true"' if required else "")
            value = state.values.get(name, "") if state else ""
            error = state.errors.get(name, "") if state else ""
            problem = ""
            if error:
                attrs += f' aria-invalid="true" aria-describedby="{control_id}-error"'
                problem = f'<p class="field-error" id="{control_id}-error">{esc(error)}</p>'
            mark = '<span class="req" aria-hidden="true">*</span>' if required else ""
            label = f'<label for="{control_id}">{esc(field["label"])}{mark}</label>'
            shown = f' value="{esc(value)}"' if value else ""
            if kind == "checkbox":
                checked = " checked" if value == "yes" else ""
                fields.append(f'<div class="check"><input type="checkbox" value="yes"{checked} {attrs}>{label}'
                              f"{problem}</div>")
                continue
            if kind == "textarea":
                control = f'<textarea rows="5" {attrs}>{esc(value)}</textarea>'
            elif kind == "email":
                control = f'<input type="email" autocomplete="email" inputmode="email"{shown} {attrs}>'
            elif kind == "phone":
                control = f'<input type="tel" autocomplete="tel" inputmode="tel"{shown} {attrs}>'
            else:
                complete = AUTOCOMPLETE_BY_NAME.get(name)
                control = (f'<input type="text"{f" autocomplete={chr(34)}{complete}{chr(34)}" if complete else ""}'
                           f"{shown} {attrs}>")
            fields.append(f'<div class="field field-{esc(kind)}">{label}{control}{problem}</div>')
        note = (f'<p class="form-note"><span aria-hidden="true">*</span> {esc(self.words.required)}</p>'
                if any_required else "")
        honeypot = (f'<div class="hp" aria-hidden="true"><label for="{form_id}-{HONEYPOT}">'
                    f'{esc(self.words.leave_empty)}</label>'
                    f'<input id="{form_id}-{HONEYPOT}" name="{HONEYPOT}" tabindex="-1" autocomplete="off"></div>')
        action = f"/__forms?page={quote(self.path)}&amp;form={quote(self.node_id)}"
        return (f'<div class="contact-form" id="{form_id}">{head}<form class="card form" method="post" '
                f'action="{action}">{"".join(fields)}{honeypot}<div class="form-foot">{note}'
                f'<button class="btn btn-primary btn-lg" type="submit">'
                f'{esc(props.get("submit_label", "Send"))}</button></div></form></div>')

    def product_grid(self, props: dict[str, Any], children: list[dict[str, Any]]) -> str:
        """The catalogue's active products (cms's projection of billing's), each with a Buy
        button (a plain form to the site's own /__checkout, no script) while the shop can
        take charges; until then, the price and a quiet line instead of a dead button."""
        head = self.head(props)
        cards = []
        for product_id in props["product_ids"]:
            product = self.products.get(str(product_id))
            if product is None or not product["active"]:
                continue  # gone from the catalogue, or not for sale: the grid closes up
            image = ""
            if product["images"]:
                picture = self.img(product["images"][0], product["name"], "(max-width: 40rem) 100vw, 24rem",
                                   ratio="1/1")
                image = f'<div class="product-media">{picture}</div>'
            if not product["in_stock"]:
                buy = f'<p class="sold-out">{esc(self.words.sold_out)}</p>'
            elif not product.get("takes_charges"):
                buy = f'<p class="sold-out">{esc(self.words.in_shop_soon)}</p>'
            else:
                buy = ('<form method="post" action="/__checkout"><input type="hidden" name="product_id" '
                       f'value="{esc(str(product_id))}"><button class="btn btn-primary">{esc(self.words.buy)} '
                       f'<span class="visually-hidden">{esc(product["name"])}</span></button></form>')
            title = self.h(3, product["name"], "item-title")
            cards.append(f'<li class="card product">{image}<div class="product-body">{title}'
                         f'<p class="price">{esc(price_label(product["price_amount"], product["currency"]))}</p>'
                         f"{buy}</div></li>")
        columns = 4 if len(cards) % 4 == 0 else 3 if len(cards) >= 3 else max(len(cards), 1)
        return f'<div class="products">{head}<ul class="grid cols-{columns}" role="list">{"".join(cards)}</ul></div>'

    def navbar(self, props: dict[str, Any], children: list[dict[str, Any]]) -> str:
        name = props.get("brand", "")
        logo = self.img(props["logo"], name or self.words.home, "10rem", priority=False) if props.get("logo") else ""
        brand = logo or f'<span class="brand-name">{esc(name or self.words.home)}</span>'
        links = "".join([f"<li>{self.link(link['href'], link['label'])}</li>" for link in props.get("links", [])])
        cta = self.link(props["cta_href"], props["cta_label"], "btn btn-primary") \
            if props.get("cta_label") and props.get("cta_href") else ""
        menu = f'<ul role="list">{links}</ul>{cta}'
        navigation = esc(self.words.main_navigation)
        # A restaurant's "Menu" page beside a toggle also reading "Menu" shows one word twice on a
        # phone: the toggle then shows its icon alone (a disclosure, named for readers as before).
        page_named_so = any(link["label"].strip().casefold() == self.words.menu.casefold()
                            for link in props.get("links", []))
        hidden = ' class="visually-hidden"' if page_named_so else ""
        toggle = f"<span{hidden}>{esc(self.words.menu)}</span>"
        disclosure = (f'<details class="nav-menu"><summary>{icon("menu")}{toggle}'
                      f'</summary><nav aria-label="{navigation}">{menu}</nav></details>') if links or cta else ""
        sticky = " sticky" if props.get("sticky") else ""
        return (f'<header class="site-header{sticky}"><div class="wrap-wide nav-bar">'
                f'<a class="brand" href="/">{brand}</a><nav class="nav-wide" aria-label="{navigation}">{menu}</nav>'
                f"{disclosure}</div></header>")

    def footer(self, props: dict[str, Any], children: list[dict[str, Any]]) -> str:
        brand = f'<p class="footer-name">{esc(props["brand"])}</p>' if props.get("brand") else ""
        about = f"<p>{esc(props['text'])}</p>" if props.get("text") else ""
        social = ""
        for item in props.get("social", []):
            network = item["network"]
            mark = icon(SOCIAL_ICONS.get(network, "globe")) or icon("globe")
            label = SOCIAL_LABELS.get(network, network)
            social += (f'<li><a href="{esc(item["href"])}" rel="noopener noreferrer" aria-label="{esc(label)}">'
                       f"{mark}</a></li>")
        social = f'<ul class="social" role="list">{social}</ul>' if social else ""
        columns = []
        for column in props.get("columns", []):
            links = "".join([f"<li>{self.link(link['href'], link['label'])}</li>" for link in column["links"]])
            columns.append(f'<div class="footer-col"><h2 class="footer-title">{esc(column["title"])}</h2>'
                           f'<ul role="list">{links}</ul></div>')
        reach = (f"<address>{lines(props['address'])}</address>" if props.get("address") else "") \
            + phone_and_email(props, icons=False)
        if reach:
            columns.append(f'<div class="footer-col"><h2 class="footer-title">{esc(self.words.contact)}</h2>'
                           f"{reach}</div>")
        small = "".join([f"<li>{self.link(link['href'], link['label'])}</li>" for link in props.get("links", [])])
        legal = (f'<p>{esc(props["legal"])}</p>' if props.get("legal") else "") \
            + (f'<ul role="list">{small}</ul>' if small else "")
        top = (f'<div class="footer-grid fcols-{len(columns)}"><div class="footer-brand">{brand}{about}{social}</div>'
               f'{"".join(columns)}</div>') if brand or about or social or columns else ""
        bottom = f'<div class="footer-legal">{legal}</div>' if legal else ""
        return f'<footer class="site-footer tone-dark"><div class="wrap">{top}{bottom}</div></footer>'

    def video(self, props: dict[str, Any], children: list[dict[str, Any]]) -> str:
        url = props["url"]
        if "vimeo.com/" in url:
            embed = f"https://player.vimeo.com/video/{url.rsplit('/', 1)[1]}"
        else:
            video_id = url.split("v=", 1)[1] if "v=" in url else url.rsplit("/", 1)[1]
            embed = f"https://www.youtube-nocookie.com/embed/{video_id}"
        return (f'<div class="video"><iframe src="{esc(embed)}" title="{esc(props.get("title") or self.words.video)}" '
                'loading="lazy" allowfullscreen sandbox="allow-scripts allow-same-origin allow-presentation" '
                'referrerpolicy="strict-origin-when-cross-origin"></iframe></div>')

    # -- the page ----------------------------------------------------------------------------

    def main(self, blocks: list[dict[str, Any]]) -> str:
        """Sections and heroes are bands of their own; runs of other top-level blocks are
        gathered into a default-tone band. The first band is above the fold."""
        bands, loose = [], []

        def close_loose() -> None:
            if loose:
                bands.append(('<section class="section tone-default"><div class="wrap stack">', list(loose),
                              "</div></section>"))
                loose.clear()

        for block in blocks:
            if block["component"] in BANDS:
                close_loose()
                bands.append(("", [block], ""))
            else:
                loose.append(block)
        close_loose()
        out = []
        for index, (opening, members, closing) in enumerate(bands):
            self.above_fold = index == 0
            if opening:
                out.append(opening + self.render_children(members) + closing)
            elif members[0]["component"] == "Hero":
                hero = members[0]
                tone = "dark" if hero["props"].get("variant") == "image" and hero["props"].get("image") else "default"
                out.append(f'<section class="hero-band tone-{tone}"><div class="wrap">{self.node(hero)}</div>'
                           "</section>")
            else:
                out.append(self.node(members[0]))
        self.above_fold = False
        return "".join(out)


def document_title(page_title: str, site_name: str) -> str:
    """The page's title and then the site's name, unless the title already names the site
    (an AI planner's "Prices | Fellwater Boat Co." would otherwise end in the name twice)."""
    if not site_name or site_name.casefold() in page_title.casefold():
        return page_title
    return f"{page_title} | {site_name}"


def render_page(tree: dict[str, Any], *, site_name: str, theme: dict[str, Any] | None, canonical_base: str,
                path: str, products: dict[str, dict[str, Any]] | None = None,
                images: dict[str, ImageInfo] | None = None, lang: str = "en",
                asset_url: Callable[[str], str] = assets_url, form_state: FormState | None = None,
                mark_nodes: bool = False) -> str:
    """The whole document of a page whose tree passed validation; `products` by id, for its
    product grids; `images` by asset id, as the assets service described them; `asset_url`
    the address of an image's original (?w= and &fm= are appended); `form_state` a
    visitor's refused submission to show again in its form; `mark_nodes` the studio's
    canvas: each node's outermost element names it (`data-node`), the page's own on <body>."""
    words = words_for(lang)
    renderer = Renderer(canonical_base, path, products, images, asset_url, form_state, mark_nodes, words)
    root = tree["root"]["props"]
    url = f"{renderer.canonical_base}{path}"
    title = document_title(root["title"], site_name)
    social = (f'<meta property="og:image" content="{esc(renderer.canonical_base)}'
              f'{esc(asset_url(str(root["social_image"])))}?w=1200">') if root.get("social_image") else ""
    top = tree["root"]["children"]
    header = "".join([renderer.node(n) for n in top if n["component"] == "Navbar"])
    content = renderer.main([n for n in top if n["component"] not in ("Navbar", "Footer")])
    footer = "".join([renderer.node(n) for n in top if n["component"] == "Footer"])
    css, preload, _ = head_assets(theme)
    description = esc(root.get("description", ""))
    return (
        f'<!doctype html><html lang="{esc(lang)}"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{esc(title)}</title>"
        f'<meta name="description" content="{description}">'
        f'<link rel="canonical" href="{esc(url)}">'
        f'<meta property="og:type" content="website"><meta property="og:title" content="{esc(root["title"])}">'
        f'<meta property="og:description" content="{description}">'
        f'<meta property="og:url" content="{esc(url)}"><meta property="og:site_name" content="{esc(site_name)}">'
        f"{social}"
        '<link rel="icon" href="/favicon.svg" type="image/svg+xml"><link rel="icon" href="/favicon.ico" sizes="32x32">'
        '<link rel="apple-touch-icon" href="/apple-touch-icon.png">'
        f"{preload}<style>{css}</style></head>"
        f'{renderer.marked(tree["root"], "<body>")}'
        f'<a class="skip-link" href="#main">{esc(words.skip_to_content)}</a>{header}'
        f'<main id="main">{content}</main>'
        f"{footer}</body></html>"
    )

"""A published page as a complete HTML5 document, styled by the tenant's theme.

Inert by construction: every text is escaped; rich text goes through markdown without raw
HTML, then through nh3's allow-list; links were validated on write and are escaped again
here; theme tokens become CSS only when they are a hex colour, an allowed font or a
number, so a token cannot smuggle CSS. No script comes from content."""

from __future__ import annotations

import html
import re
from collections.abc import Callable
from typing import Any
from urllib.parse import quote

import nh3

from .markdown import MARKDOWN  # the one configuration, shared with the link rule (links.py)

HEX = re.compile(r"^#[0-9a-fA-F]{6}$")
FONTS = frozenset({"Inter", "Roboto", "Open Sans", "Lato", "Montserrat", "Poppins", "DM Sans", "IBM Plex Sans",
                   "Source Serif 4", "Merriweather", "Playfair Display", "Lora", "system-ui"})
DEFAULT_COLORS = {"primary": "#2563eb", "on_primary": "#ffffff", "secondary": "#7c3aed", "accent": "#f59e0b",
                  "background": "#ffffff", "surface": "#f3f4f6", "text": "#111827", "muted": "#6b7280"}
RICH_TAGS = {"p", "em", "strong", "a", "ul", "ol", "li", "blockquote", "code", "pre", "br", "h3", "h4", "hr"}
WIDTHS = (400, 800, 1600)


def esc(value: Any) -> str:
    return html.escape(str(value), quote=True)


def theme_css(theme: dict[str, Any]) -> str:
    colors = {**DEFAULT_COLORS, **{k: v for k, v in (theme.get("colors") or {}).items()
                                   if k in DEFAULT_COLORS and isinstance(v, str) and HEX.match(v)}}
    fonts = theme.get("fonts") or {}
    heading = fonts.get("heading") if fonts.get("heading") in FONTS else "Inter"
    body = fonts.get("body") if fonts.get("body") in FONTS else "Inter"
    radius = theme.get("radius") if isinstance(theme.get("radius"), int) and 0 <= theme["radius"] <= 48 else 8
    variables = [f"--color-{name.replace('_', '-')}:{value}" for name, value in colors.items()]
    variables += [f"--font-heading:'{heading}',system-ui,sans-serif", f"--font-body:'{body}',system-ui,sans-serif",
                  f"--radius:{radius}px"]
    return ":root{" + ";".join(variables) + "}"


BASE_CSS = """
*,*::before,*::after{box-sizing:border-box}
body{margin:0;font-family:var(--font-body);color:var(--color-text);background:var(--color-background);line-height:1.6}
h1,h2,h3,h4,h5,h6{font-family:var(--font-heading);line-height:1.2;overflow-wrap:anywhere}
img,iframe{max-width:100%;height:auto;display:block}
a{color:var(--color-primary)}
main>:not(section),section>*{max-width:1100px;margin-left:auto;margin-right:auto;padding-left:1rem;padding-right:1rem}
main>*+*,section>*+*{margin-top:2rem}
section{padding:2.5rem 0} section.bg-surface{background:var(--color-surface)}
section.bg-primary{background:var(--color-primary);color:var(--color-on-primary)}
section.bg-dark{background:#111827;color:#f9fafb}
.hero{padding:4rem 1rem;text-align:center} .hero h1{font-size:clamp(2rem,6vw,3.5rem);margin:0 0 1rem}
.hero img{margin:2rem auto 0;border-radius:var(--radius)}
.button{display:inline-block;padding:.75rem 1.5rem;border-radius:var(--radius);text-decoration:none;font-weight:600}
.button-primary{background:var(--color-primary);color:var(--color-on-primary)}
.button-secondary{border:2px solid var(--color-primary);color:var(--color-primary)}
.grid{display:grid;gap:1.5rem;grid-template-columns:repeat(auto-fit,minmax(min(100%,240px),1fr))}
.columns{display:grid;gap:1.5rem;grid-template-columns:repeat(auto-fit,minmax(min(100%,280px),1fr))}
.card{background:var(--color-surface);border-radius:var(--radius);padding:1.5rem}
.plan.highlighted{outline:3px solid var(--color-primary)}
blockquote{margin:0;font-size:1.2rem} figure{margin-top:0;margin-bottom:0}
.navbar{display:flex;flex-wrap:wrap;gap:1rem;align-items:center;justify-content:space-between;padding:1rem}
.navbar nav{display:flex;flex-wrap:wrap;gap:1rem} .footer{padding:2rem 1rem;color:var(--color-muted)}
form{display:grid;gap:.75rem;max-width:560px} input,textarea{width:100%;padding:.6rem;font:inherit}
.video{position:relative;aspect-ratio:16/9} .video iframe{width:100%;height:100%;border:0}
.hp{position:absolute;left:-10000px}
"""


def optional_heading(props: dict[str, Any]) -> str:
    """A block's own `heading`, when it has one."""
    return f"<h2>{esc(props['heading'])}</h2>" if props.get("heading") else ""


def price_label(amount: int, currency: str) -> str:
    """12.50 EUR: minor units shown with two decimals."""
    return f"{amount / 100:,.2f} {currency.upper()}"


class Renderer:
    def __init__(self, canonical_base: str, path: str = "/", products: dict[str, dict[str, Any]] | None = None) -> None:
        self.canonical_base = canonical_base.rstrip("/")
        self.path = path
        self.products = products or {}
        self.node_id = ""
        self.components: dict[str, Callable[[dict[str, Any], str], str]] = {
            "Page": self.children_only, "Section": self.section, "Columns": self.columns, "Hero": self.hero,
            "Heading": self.heading, "RichText": self.rich_text, "Image": self.image, "Gallery": self.gallery,
            "Button": self.button, "FeatureGrid": self.feature_grid, "Testimonial": self.testimonial,
            "PricingTable": self.pricing_table, "FAQ": self.faq, "ContactForm": self.contact_form,
            "ProductGrid": self.product_grid, "Navbar": self.navbar, "Footer": self.footer, "Video": self.video,
        }

    def node(self, node: dict[str, Any]) -> str:
        self.node_id = node["id"]
        return self.components[node["component"]](node["props"], self.render_children(node))

    def render_children(self, node: dict[str, Any]) -> str:
        return "".join(self.node(child) for child in node.get("children", []))

    @staticmethod
    def img(asset_id: Any, alt: str, sizes: str = "(max-width: 800px) 100vw, 800px", *, first: bool = False) -> str:
        """A responsive image; `first` for the one at the top (the hero, the logo): fetched at
        once, not lazily, since it is the page's largest paint."""
        src = f"/assets/{esc(asset_id)}"
        srcset = ", ".join(f"{src}?w={width} {width}w" for width in WIDTHS)
        loading = 'loading="eager" fetchpriority="high"' if first else 'loading="lazy"'
        return (f'<img src="{src}?w=800" srcset="{srcset}" sizes="{sizes}" alt="{esc(alt)}" {loading} '
                'decoding="async">')

    @staticmethod
    def link(href: str, label: str, css: str = "") -> str:
        external = href.startswith(("http://", "https://"))
        rel = ' rel="noopener noreferrer"' if external else ""
        return f'<a href="{esc(href)}"{rel}{f" class={chr(34)}{css}{chr(34)}" if css else ""}>{esc(label)}</a>'

    def children_only(self, props: dict[str, Any], children: str) -> str:
        return children

    def section(self, props: dict[str, Any], children: str) -> str:
        anchor = f' id="{esc(props["anchor"])}"' if props.get("anchor") else ""
        return f'<section class="bg-{esc(props.get("background", "default"))}"{anchor}>{children}</section>'

    def columns(self, props: dict[str, Any], children: str) -> str:
        return f'<div class="columns">{children}</div>'

    def hero(self, props: dict[str, Any], children: str) -> str:
        parts = [f"<h1>{esc(props['headline'])}</h1>"]
        if props.get("subheadline"):
            parts.append(f"<p>{esc(props['subheadline'])}</p>")
        if props.get("cta_label") and props.get("cta_href"):
            parts.append(self.link(props["cta_href"], props["cta_label"], "button button-primary"))
        if props.get("image"):
            parts.append(self.img(props["image"], props.get("image_alt", ""), "100vw", first=True))
        return f'<header class="hero">{"".join(parts)}</header>'

    def heading(self, props: dict[str, Any], children: str) -> str:
        level = int(props.get("level", 2))
        return f"<h{level}>{esc(props['text'])}</h{level}>"

    def rich_text(self, props: dict[str, Any], children: str) -> str:
        rendered = MARKDOWN.render(props["markdown"])
        safe = nh3.clean(rendered, tags=RICH_TAGS, attributes={"a": {"href", "title"}},
                         url_schemes={"http", "https", "mailto"}, link_rel="noopener noreferrer")
        return f'<div class="rich-text">{safe}</div>'

    def image(self, props: dict[str, Any], children: str) -> str:
        caption = f"<figcaption>{esc(props['caption'])}</figcaption>" if props.get("caption") else ""
        return f"<figure>{self.img(props['asset_id'], props.get('alt', ''))}{caption}</figure>"

    def gallery(self, props: dict[str, Any], children: str) -> str:
        images = "".join(self.img(i["asset_id"], i.get("alt", ""), "(max-width: 600px) 100vw, 33vw")
                         for i in props["images"])
        return f'<div class="grid gallery">{images}</div>'

    def button(self, props: dict[str, Any], children: str) -> str:
        return f"<p>{self.link(props['href'], props['label'], 'button button-' + props.get('style', 'primary'))}</p>"

    def feature_grid(self, props: dict[str, Any], children: str) -> str:
        heading = optional_heading(props)
        cards = "".join(f'<div class="card"><h3>{esc(f["title"])}</h3><p>{esc(f.get("body", ""))}</p></div>'
                        for f in props["features"])
        return f'<div class="features">{heading}<div class="grid">{cards}</div></div>'

    def testimonial(self, props: dict[str, Any], children: str) -> str:
        who = ", ".join(esc(p) for p in (props.get("author"), props.get("role")) if p)
        return f'<figure class="card testimonial"><blockquote>{esc(props["quote"])}</blockquote>' \
               f'{f"<figcaption>{who}</figcaption>" if who else ""}</figure>'

    def pricing_table(self, props: dict[str, Any], children: str) -> str:
        heading = optional_heading(props)
        plans = []
        for plan in props["plans"]:
            features = "".join(f"<li>{esc(feature)}</li>" for feature in plan.get("features", []))
            cta = self.link(plan["cta_href"], plan.get("cta_label") or "Choose", "button button-primary") \
                if plan.get("cta_href") else ""
            css = "card plan highlighted" if plan.get("highlighted") else "card plan"
            plans.append(f'<div class="{css}"><h3>{esc(plan["name"])}</h3><p><strong>{esc(plan["price"])}</strong> '
                         f'{esc(plan.get("period", ""))}</p><ul>{features}</ul>{cta}</div>')
        return f'<div class="pricing">{heading}<div class="grid">{"".join(plans)}</div></div>'

    def faq(self, props: dict[str, Any], children: str) -> str:
        heading = optional_heading(props)
        items = "".join(f"<details><summary>{esc(q['question'])}</summary><p>{esc(q['answer'])}</p></details>"
                        for q in props["items"])
        return f'<div class="faq">{heading}{items}</div>'

    def contact_form(self, props: dict[str, Any], children: str) -> str:
        heading = optional_heading(props)
        fields = []
        for field in props["fields"]:
            name, required = esc(field["name"]), " required" if field.get("required") else ""
            kind = {"email": "email", "phone": "tel", "checkbox": "checkbox"}.get(field.get("kind", "text"), "text")
            control = f'<textarea name="{name}"{required}></textarea>' if field.get("kind") == "textarea" else \
                f'<input type="{kind}" name="{name}"{required}>'
            fields.append(f"<label>{esc(field['label'])} {control}</label>")
        honeypot = '<label class="hp" aria-hidden="true">Leave empty <input name="website" tabindex="-1"></label>'
        action = f"/__forms?page={quote(self.path)}&amp;form={quote(self.node_id)}"
        return f'<div class="contact" id="{esc(self.node_id)}">{heading}<form method="post" action="{action}">' \
               f'{"".join(fields)}{honeypot}' \
               f'<button class="button button-primary" type="submit">{esc(props.get("submit_label", "Send"))}' \
               "</button></form></div>"

    def product_grid(self, props: dict[str, Any], children: str) -> str:
        """The catalogue's active products (cms's projection of billing's), each with a Buy
        button: a plain form to the site's own /__checkout, no script."""
        heading = optional_heading(props)
        cards = []
        for product_id in props["product_ids"]:
            product = self.products.get(str(product_id))
            if product is None or not product["active"]:
                continue  # gone from the catalogue, or not for sale: the grid closes up
            image = self.img(product["images"][0], product["name"], "(max-width: 600px) 100vw, 33vw") \
                if product["images"] else ""
            buy = ('<form method="post" action="/__checkout"><input type="hidden" name="product_id" '
                   f'value="{esc(product_id)}"><button class="button button-primary">Buy</button></form>'
                   if product["in_stock"] else '<p class="sold-out">Sold out</p>')
            cards.append(f'<div class="card product">{image}<h3>{esc(product["name"])}</h3>'
                         f'<p class="price">{esc(price_label(product["price_amount"], product["currency"]))}</p>'
                         f"{buy}</div>")
        return f'<div class="products">{heading}<div class="grid">{"".join(cards)}</div></div>'

    def navbar(self, props: dict[str, Any], children: str) -> str:
        brand = self.img(props["logo"], props.get("brand", ""), "160px", first=True) if props.get("logo") else \
            f"<strong>{esc(props.get('brand', ''))}</strong>"
        links = "".join(self.link(link["href"], link["label"]) for link in props.get("links", []))
        return f'<div class="navbar"><a href="/" class="brand">{brand}</a><nav>{links}</nav></div>'

    def footer(self, props: dict[str, Any], children: str) -> str:
        links = " ".join(self.link(link["href"], link["label"]) for link in props.get("links", []))
        return f'<footer class="footer"><p>{esc(props.get("text", ""))}</p><p>{links}</p></footer>'

    def video(self, props: dict[str, Any], children: str) -> str:
        url = props["url"]
        if "vimeo.com/" in url:
            embed = f"https://player.vimeo.com/video/{url.rsplit('/', 1)[1]}"
        else:
            video_id = url.split("v=", 1)[1] if "v=" in url else url.rsplit("/", 1)[1]
            embed = f"https://www.youtube-nocookie.com/embed/{video_id}"
        return (f'<div class="video"><iframe src="{esc(embed)}" title="{esc(props.get("title", "Video"))}" '
                'loading="lazy" allowfullscreen sandbox="allow-scripts allow-same-origin allow-presentation" '
                'referrerpolicy="strict-origin-when-cross-origin"></iframe></div>')


def render_page(tree: dict[str, Any], *, site_name: str, theme: dict[str, Any], canonical_base: str,
                path: str, products: dict[str, dict[str, Any]] | None = None) -> str:
    """The whole document of a page whose tree passed validation; `products` by id, for
    its product grids."""
    renderer = Renderer(canonical_base, path, products)
    root = tree["root"]["props"]
    url = f"{renderer.canonical_base}{path}"
    title = f"{root['title']} | {site_name}" if site_name and site_name != root["title"] else root["title"]
    social = (f'<meta property="og:image" content="{esc(renderer.canonical_base)}/assets/'
              f'{esc(root["social_image"])}?w=1200">') if root.get("social_image") else ""
    top = tree["root"]["children"]
    header = "".join(renderer.node(n) for n in top if n["component"] == "Navbar")
    footer = "".join(renderer.node(n) for n in top if n["component"] == "Footer")
    content = "".join(renderer.node(n) for n in top if n["component"] not in ("Navbar", "Footer"))
    main = f"{header}<main>{content}</main>{footer}"
    return (
        '<!doctype html><html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{esc(title)}</title>"
        f'<meta name="description" content="{esc(root.get("description", ""))}">'
        f'<link rel="canonical" href="{esc(url)}">'
        f'<meta property="og:type" content="website"><meta property="og:title" content="{esc(root["title"])}">'
        f'<meta property="og:description" content="{esc(root.get("description", ""))}">'
        f'<meta property="og:url" content="{esc(url)}"><meta property="og:site_name" content="{esc(site_name)}">'
        f"{social}<style>{theme_css(theme)}{BASE_CSS}</style></head>"
        f"<body>{main}</body></html>"
    )

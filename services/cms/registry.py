"""The component registry: one msgspec struct of props per built-in component, and which
children each may hold. It is the single source of the editor's forms (JSON Schema per
component), of server-side validation, and of the schema given to the model for
structured output. Its version is stored with every tree; older trees are migrated on
read by the functions in `MIGRATIONS`."""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable
from typing import Annotated, Any, Literal, NamedTuple

import msgspec
import msgspec.inspect

from shared.patterns import json_schema

from .icons import NAMES as ICON_NAMES

REGISTRY_VERSION = 2

Text = Annotated[str, msgspec.Meta(max_length=300)]
LongText = Annotated[str, msgspec.Meta(max_length=20_000)]
Title = Annotated[str, msgspec.Meta(min_length=1, max_length=120)]
# Links go to a page of the site, an anchor, the web or an e-mail address; never javascript: or data:.
# No whitespace or control character anywhere in one (U+0000-U+001F, U+007F: browsers drop some
# inside a URL); anchored with \Z, as every pattern is (shared/patterns.py).
URL_CHAR = r"[^\s\x00-\x1f\x7f]"
Href = Annotated[str, msgspec.Meta(
    pattern=rf"^(/{URL_CHAR}*|#[\w-]*|https?://{URL_CHAR}+|mailto:[^\s\x00-\x1f\x7f@]+@{URL_CHAR}+)\Z",
    max_length=2048)]
# An e-mail address shown as a mailto: link, or nothing.
EMAIL_PATTERN = r"^([^\s\x00-\x1f\x7f@<>]+@[^\s\x00-\x1f\x7f@<>]+\.[^\s\x00-\x1f\x7f@<>]+)?\Z"
# An image of the site's media library. The marker, not the prop's name, is how grounding,
# delivery and the editor find every image a page holds (`asset_refs`). An asset's alt text
# is its sibling f"{key}_alt", else "alt".
ASSET_MARKER = "x-asset"
AssetId = Annotated[uuid.UUID, msgspec.Meta(description="an image of the site's media library",
                                            extra_json_schema={ASSET_MARKER: True})]
# A product of the site's shop: the marker is how the editor knows to offer the catalogue.
PRODUCT_MARKER = "x-product"
ProductId = Annotated[uuid.UUID, msgspec.Meta(description="a product of the site's shop",
                                              extra_json_schema={PRODUCT_MARKER: True})]
MARKERS = frozenset({ASSET_MARKER, PRODUCT_MARKER})
Label = Annotated[str, msgspec.Meta(max_length=40)]  # a button's words
Name = Annotated[str, msgspec.Meta(max_length=80)]
Paragraph = Annotated[str, msgspec.Meta(max_length=1000)]  # plain text, a few sentences
IconName = Literal[("", *ICON_NAMES)]  # "" is no icon
VideoUrl = Annotated[str, msgspec.Meta(
    pattern=r"^https://(www\.)?(youtube\.com/watch\?v=[\w-]{6,20}|youtu\.be/[\w-]{6,20}|vimeo\.com/\d{4,12})\Z",
    description="a YouTube or Vimeo address")]
RAW_HTML = re.compile(r"<\s*/?\s*[a-zA-Z!?]")


class Props(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """What every component's props share: strict, so a typo is an error, not ignored."""


# What search engines show, and what the publish gates hold a page to (gates.py): one number
# each, so a page written to the registry's schema (by a person or a model) passes its gates.
SEO_TITLE_MAX = 60
SEO_DESCRIPTION_MAX = 160


class PageProps(Props, frozen=True, kw_only=True):
    title: Annotated[str, msgspec.Meta(min_length=1, max_length=SEO_TITLE_MAX)]
    description: Annotated[str, msgspec.Meta(max_length=SEO_DESCRIPTION_MAX)] = ""  # SEO description
    social_image: AssetId | None = None


class SectionProps(Props, frozen=True, kw_only=True):
    anchor: Annotated[str, msgspec.Meta(pattern=r"^[a-z0-9-]{0,40}\Z")] = ""
    background: Literal["default", "surface", "primary", "dark"] = "default"


class ColumnsProps(Props, frozen=True, kw_only=True):
    count: Annotated[int, msgspec.Meta(ge=2, le=4)] = 2


class HeroProps(Props, frozen=True, kw_only=True):
    # centered: text in the middle; split: text beside the image; image: the image fills the
    # band behind the text, which sits on a dark scrim.
    variant: Literal["centered", "split", "image"] = "centered"
    eyebrow: Annotated[str, msgspec.Meta(max_length=60)] = ""
    headline: Title
    subheadline: Text = ""
    image: AssetId | None = None
    image_alt: Text = ""
    cta_label: Label = ""  # the primary call to action
    cta_href: Href | None = None
    secondary_label: Label = ""
    secondary_href: Href | None = None


class HeadingProps(Props, frozen=True, kw_only=True):
    text: Title
    level: Annotated[int, msgspec.Meta(ge=1, le=6)] = 2


class RichTextProps(Props, frozen=True, kw_only=True):
    markdown: LongText  # a safe subset: emphasis, links, lists, quotes; no raw HTML

    def __post_init__(self) -> None:
        if RAW_HTML.search(self.markdown):
            raise ValueError("raw HTML is not allowed in rich text; use markdown")


class ImageProps(Props, frozen=True, kw_only=True):
    asset_id: AssetId
    alt: Text = ""
    caption: Text = ""


class GalleryImage(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    asset_id: AssetId
    alt: Text = ""


class GalleryProps(Props, frozen=True, kw_only=True):
    heading: Text = ""
    # A repeated asset is refused by the publish gates and dropped by the renderer; stored
    # trees that hold one still validate.
    images: Annotated[list[GalleryImage], msgspec.Meta(min_length=1, max_length=48)]


class ButtonProps(Props, frozen=True, kw_only=True):
    label: Annotated[str, msgspec.Meta(min_length=1, max_length=40)]
    href: Href
    style: Literal["primary", "secondary", "link"] = "primary"


class Feature(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    title: Title
    body: Text = ""
    icon: IconName = ""


class FeatureGridProps(Props, frozen=True, kw_only=True):
    heading: Text = ""
    intro: Text = ""
    variant: Literal["cards", "plain", "list"] = "cards"
    columns: Annotated[int, msgspec.Meta(ge=2, le=4)] = 3
    features: Annotated[list[Feature], msgspec.Meta(min_length=1, max_length=12)]


class MediaRow(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    image: AssetId | None = None
    image_alt: Text = ""
    eyebrow: Annotated[str, msgspec.Meta(max_length=60)] = ""
    heading: Title
    text: Paragraph = ""
    link_label: Label = ""
    link_href: Href | None = None


class MediaTextProps(Props, frozen=True, kw_only=True):
    heading: Text = ""
    image_first: Literal["left", "right"] = "left"  # the first row's image side; rows alternate
    rows: Annotated[list[MediaRow], msgspec.Meta(min_length=1, max_length=8)]


class Stat(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    value: Annotated[str, msgspec.Meta(min_length=1, max_length=16)]  # "12k", "4.9/5", "1998"
    label: Annotated[str, msgspec.Meta(min_length=1, max_length=80)]


class StatsProps(Props, frozen=True, kw_only=True):
    heading: Text = ""
    items: Annotated[list[Stat], msgspec.Meta(min_length=1, max_length=6)]


class Logo(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    asset_id: AssetId
    alt: Text = ""  # the organisation's name


class LogoCloudProps(Props, frozen=True, kw_only=True):
    heading: Text = ""
    logos: Annotated[list[Logo], msgspec.Meta(min_length=1, max_length=16)]


class Member(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    name: Annotated[str, msgspec.Meta(min_length=1, max_length=80)]
    role: Name = ""
    bio: Text = ""
    photo: AssetId | None = None


class TeamProps(Props, frozen=True, kw_only=True):
    heading: Text = ""
    intro: Text = ""
    members: Annotated[list[Member], msgspec.Meta(min_length=1, max_length=16)]


class CallToActionProps(Props, frozen=True, kw_only=True):
    heading: Title
    text: Text = ""
    tone: Literal["primary", "dark", "surface"] = "primary"
    cta_label: Label = ""
    cta_href: Href | None = None
    secondary_label: Label = ""
    secondary_href: Href | None = None


Rating = Annotated[int, msgspec.Meta(ge=0, le=5)]  # stars; 0 shows none


class TestimonialProps(Props, frozen=True, kw_only=True):
    quote: Annotated[str, msgspec.Meta(min_length=1, max_length=600)]
    author: Name = ""
    role: Name = ""
    photo: AssetId | None = None
    rating: Rating = 0


class Quote(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    quote: Annotated[str, msgspec.Meta(min_length=1, max_length=600)]
    author: Name = ""
    role: Name = ""
    photo: AssetId | None = None
    rating: Rating = 0


class TestimonialsProps(Props, frozen=True, kw_only=True):
    heading: Text = ""
    items: Annotated[list[Quote], msgspec.Meta(min_length=1, max_length=9)]


class PricingPlan(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    name: Annotated[str, msgspec.Meta(min_length=1, max_length=40)]
    price: Annotated[str, msgspec.Meta(max_length=30)]
    period: Annotated[str, msgspec.Meta(max_length=20)] = ""
    features: Annotated[list[Text], msgspec.Meta(max_length=12)] = []
    cta_label: Annotated[str, msgspec.Meta(max_length=40)] = ""
    cta_href: Href | None = None
    highlighted: bool = False
    badge: Annotated[str, msgspec.Meta(max_length=30)] = ""  # shown on a highlighted plan; "Most popular" if empty


class PricingTableProps(Props, frozen=True, kw_only=True):
    heading: Text = ""
    intro: Text = ""
    plans: Annotated[list[PricingPlan], msgspec.Meta(min_length=1, max_length=4)]


class PricedItem(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    name: Annotated[str, msgspec.Meta(min_length=1, max_length=80)]
    price: Annotated[str, msgspec.Meta(min_length=1, max_length=30)]  # as the business writes it: "£12", "from 45 €"
    description: Text = ""
    # Items in a row with the same group are shown under it as a heading ("Starters", "Repairs").
    # One flat list rather than lists in a list: a model's strict schema has few levels to spare.
    group: Annotated[str, msgspec.Meta(max_length=60)] = ""


class PriceListProps(Props, frozen=True, kw_only=True):
    heading: Text = ""
    intro: Text = ""
    items: Annotated[list[PricedItem], msgspec.Meta(min_length=1, max_length=60)]
    note: Text = ""  # under the list: "Prices include VAT", "Parts are extra"
    link_label: Label = ""  # under it all: "The whole menu", where a page shows part of the list
    link_href: Href | None = None


class Question(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    question: Annotated[str, msgspec.Meta(min_length=1, max_length=200)]
    answer: Annotated[str, msgspec.Meta(min_length=1, max_length=2000)]


class FAQProps(Props, frozen=True, kw_only=True):
    heading: Text = ""
    intro: Text = ""
    items: Annotated[list[Question], msgspec.Meta(min_length=1, max_length=30)]


# The hidden field every contact form carries to catch bots (render.py): a name bots fill in.
# A field of the form's own under that name would be taken for the trap and its messages dropped.
HONEYPOT = "website"


class FormField(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    name: Annotated[str, msgspec.Meta(pattern=r"^[a-z][a-z0-9_]{0,30}\Z")]
    label: Annotated[str, msgspec.Meta(min_length=1, max_length=60)]
    kind: Literal["text", "email", "phone", "textarea", "checkbox"] = "text"
    required: bool = False

    def __post_init__(self) -> None:
        if self.name == HONEYPOT:
            raise ValueError(f"'{HONEYPOT}' is the name of the form's hidden spam trap; name the field "
                             "'web_address' or 'site_url' instead")


class ContactFormProps(Props, frozen=True, kw_only=True):
    heading: Text = ""
    intro: Text = ""
    fields: Annotated[list[FormField], msgspec.Meta(min_length=1, max_length=12)]
    submit_label: Annotated[str, msgspec.Meta(min_length=1, max_length=40)] = "Send"


class OpeningHours(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    days: Annotated[str, msgspec.Meta(min_length=1, max_length=40)]  # "Tue to Fri"
    hours: Annotated[str, msgspec.Meta(min_length=1, max_length=40)]  # "7:00 to 18:30", "Closed"


class ContactBlockProps(Props, frozen=True, kw_only=True):
    heading: Text = ""
    intro: Text = ""
    address: Annotated[str, msgspec.Meta(max_length=300)] = ""  # one line per line of the address
    hours: Annotated[list[OpeningHours], msgspec.Meta(max_length=10)] = []
    phone: Annotated[str, msgspec.Meta(pattern=r"^[+0-9 ()./-]{0,30}\Z")] = ""
    email: Annotated[str, msgspec.Meta(pattern=EMAIL_PATTERN, max_length=254)] = ""
    map_query: Text = ""  # what OpenStreetMap is searched for; the address when empty


class ProductGridProps(Props, frozen=True, kw_only=True):
    heading: Text = ""
    product_ids: Annotated[list[ProductId], msgspec.Meta(min_length=1, max_length=24)]


class NavLink(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    label: Annotated[str, msgspec.Meta(min_length=1, max_length=40)]
    href: Href


class NavbarProps(Props, frozen=True, kw_only=True):
    brand: Annotated[str, msgspec.Meta(max_length=60)] = ""
    logo: AssetId | None = None
    links: Annotated[list[NavLink], msgspec.Meta(max_length=8)] = []
    cta_label: Label = ""
    cta_href: Href | None = None
    sticky: bool = False  # stays at the top while the page scrolls


class FooterColumn(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    title: Annotated[str, msgspec.Meta(min_length=1, max_length=40)]
    links: Annotated[list[NavLink], msgspec.Meta(min_length=1, max_length=8)]


SOCIAL_NETWORKS = ("instagram", "facebook", "linkedin", "youtube", "x", "tiktok", "pinterest", "github", "mastodon")


class SocialLink(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    network: Literal[SOCIAL_NETWORKS]
    href: Href


class FooterProps(Props, frozen=True, kw_only=True):
    brand: Annotated[str, msgspec.Meta(max_length=60)] = ""
    text: Text = ""  # a line about the business, under its name
    columns: Annotated[list[FooterColumn], msgspec.Meta(max_length=4)] = []
    address: Annotated[str, msgspec.Meta(max_length=300)] = ""
    phone: Annotated[str, msgspec.Meta(pattern=r"^[+0-9 ()./-]{0,30}\Z")] = ""
    email: Annotated[str, msgspec.Meta(pattern=EMAIL_PATTERN, max_length=254)] = ""
    social: Annotated[list[SocialLink], msgspec.Meta(max_length=8)] = []
    legal: Text = ""  # "© 2025 Maison Levain SARL · Lyon"
    links: Annotated[list[NavLink], msgspec.Meta(max_length=12)] = []  # small links beside the legal line


class VideoProps(Props, frozen=True, kw_only=True):
    url: VideoUrl
    title: Text = ""


class ComponentSpec(msgspec.Struct, frozen=True):
    props: type[Props]
    children: frozenset[str]  # components it may hold; empty: a leaf
    description: str


BLOCKS = frozenset({"Hero", "Heading", "RichText", "Image", "Gallery", "Button", "FeatureGrid", "MediaText", "Stats",
                    "LogoCloud", "Team", "CallToAction", "Testimonial", "Testimonials", "PricingTable", "PriceList",
                    "FAQ", "ContactBlock", "ContactForm", "ProductGrid", "Video", "Columns"})
LEAF: frozenset[str] = frozenset()
PRICED = frozenset({"PricingTable", "PriceList", "ProductGrid"})  # blocks that show prices: copy may mention them

COMPONENTS: dict[str, ComponentSpec] = {
    "Page": ComponentSpec(PageProps, frozenset({"Navbar", "Section", "Footer"}) | BLOCKS,
                          "The root: title, SEO description and social image of the page."),
    "Section": ComponentSpec(SectionProps, BLOCKS | {"Section"}, "A band that groups blocks (sections nest)."),
    "Columns": ComponentSpec(ColumnsProps, BLOCKS - {"Columns"}, "Side-by-side blocks (2 to 4 columns)."),
    "Hero": ComponentSpec(HeroProps, LEAF, "The opening band: a headline with an optional image and calls to action; "
                                           "centered, split (image beside the text) or image (behind the text)."),
    "Heading": ComponentSpec(HeadingProps, LEAF, "A heading, levels 1 to 6."),
    "RichText": ComponentSpec(RichTextProps, LEAF, "Text in a safe markdown subset (no raw HTML)."),
    "Image": ComponentSpec(ImageProps, LEAF, "An image from the media library, with alt text."),
    "Gallery": ComponentSpec(GalleryProps, LEAF, "A grid of images from the media library."),
    "Button": ComponentSpec(ButtonProps, LEAF, "A call-to-action link styled as a button."),
    "FeatureGrid": ComponentSpec(FeatureGridProps, LEAF, "Features or benefits with icons, as cards, plain or a list."),
    "MediaText": ComponentSpec(MediaTextProps, LEAF, "Rows of an image beside text, alternating sides."),
    "Stats": ComponentSpec(StatsProps, LEAF, "A band of key numbers with their labels."),
    "LogoCloud": ComponentSpec(LogoCloudProps, LEAF, "Logos of clients, partners or press from the media library."),
    "Team": ComponentSpec(TeamProps, LEAF, "The people: photo, name, role and a short bio."),
    "CallToAction": ComponentSpec(CallToActionProps, LEAF, "A coloured band with a heading, a line and buttons."),
    "Testimonial": ComponentSpec(TestimonialProps, LEAF, "One customer quote, shown large."),
    "Testimonials": ComponentSpec(TestimonialsProps, LEAF, "Several customer quotes in a grid."),
    "PricingTable": ComponentSpec(PricingTableProps, LEAF, "Up to four plans side by side, with prices, features "
                                                           "and a button each: subscriptions, packages."),
    "PriceList": ComponentSpec(PriceListProps, LEAF, "Items and their prices, in titled groups: a menu, a list "
                                                     "of services or repairs, a salon's price list."),
    "FAQ": ComponentSpec(FAQProps, LEAF, "Questions and answers."),
    "ContactBlock": ComponentSpec(ContactBlockProps, LEAF, "Address, opening hours, phone, e-mail and a map link."),
    "ContactForm": ComponentSpec(ContactFormProps, LEAF, "A form whose submissions the tenant receives."),
    "ProductGrid": ComponentSpec(ProductGridProps, LEAF, "Products of the tenant's catalogue."),
    "Navbar": ComponentSpec(NavbarProps, LEAF, "The site's navigation bar."),
    "Footer": ComponentSpec(FooterProps, LEAF, "The site's footer: link columns, contact, social links, legal line."),
    "Video": ComponentSpec(VideoProps, LEAF, "An embedded YouTube or Vimeo video."),
}


class AssetRef(NamedTuple):
    """A place where a page holds an image: `container[key]` is an asset id or None, and
    `container[alt]` its alt text when the registry gives it one. `required`: the container
    means nothing without the picture (an Image block, a gallery picture, a logo)."""

    container: dict[str, Any]
    key: str
    alt: str | None
    required: bool


class _AssetField(NamedTuple):
    key: str
    alt: str | None = None
    required: bool = False
    inner: tuple[_AssetField, ...] = ()  # the field is a struct, or a list of them, holding assets


def _is_asset(kind: Any) -> bool:
    if isinstance(kind, msgspec.inspect.UnionType):
        return any(_is_asset(member) for member in kind.types)
    return isinstance(kind, msgspec.inspect.Metadata) and bool((kind.extra_json_schema or {}).get(ASSET_MARKER))


def _nullable(kind: Any) -> bool:
    return isinstance(kind, msgspec.inspect.UnionType) and any(
        isinstance(member, msgspec.inspect.NoneType) for member in kind.types)


def _structs(kind: Any) -> list[msgspec.inspect.StructType]:
    """The structs a field holds: the field's own type, optional or in a list."""
    if isinstance(kind, msgspec.inspect.Metadata):
        return _structs(kind.type)
    if isinstance(kind, msgspec.inspect.UnionType):
        return [struct for member in kind.types for struct in _structs(member)]
    if isinstance(kind, msgspec.inspect.ListType):
        if _is_asset(kind.item_type):  # it would have nowhere to keep its alt text
            raise TypeError("a list of AssetId: give each image a struct of its own, beside its alt text")
        return _structs(kind.item_type)
    return [kind] if isinstance(kind, msgspec.inspect.StructType) else []


def _asset_fields(struct: msgspec.inspect.StructType, within: frozenset[type] = frozenset()) -> tuple[_AssetField, ...]:
    names = {field.encode_name for field in struct.fields}
    assets = sum(_is_asset(field.type) for field in struct.fields)
    found = []
    for field in struct.fields:
        key = field.encode_name
        if _is_asset(field.type):
            # "alt" names the picture's alt text only where the struct holds a single picture.
            alt = f"{key}_alt" if f"{key}_alt" in names else "alt" if "alt" in names and assets == 1 else None
            found.append(_AssetField(key, alt, required=not _nullable(field.type)))
            continue
        inner = tuple(sub for held in _structs(field.type) if held.cls not in within
                      for sub in _asset_fields(held, within | {struct.cls}))
        if inner:
            found.append(_AssetField(key, inner=inner))
    return tuple(found)


# Derived once from the props types: which fields of each component hold an AssetId.
ASSET_FIELDS = {name: _asset_fields(msgspec.inspect.type_info(spec.props)) for name, spec in COMPONENTS.items()}


def asset_refs(component: str, props: dict[str, Any]) -> list[AssetRef]:
    """Every place in a node's props where the registry types the value as an AssetId, in
    document order, inside lists of structs too (gallery pictures, team photos, logos...);
    a slot that is empty or absent is listed as well; an unknown component holds none."""
    found: list[AssetRef] = []
    _collect(props, ASSET_FIELDS.get(component, ()), found)
    return found


def _collect(value: Any, fields: tuple[_AssetField, ...], found: list[AssetRef]) -> None:
    if isinstance(value, list):
        for item in value:
            _collect(item, fields, found)
    elif isinstance(value, dict):
        for field in fields:
            if field.inner:
                _collect(value.get(field.key), field.inner, found)
            else:
                found.append(AssetRef(value, field.key, field.alt, field.required))


# registry version N -> N+1, applied in order to a stored tree of an older version.
def _known_icons(tree: dict[str, Any]) -> dict[str, Any]:
    """1 -> 2: a feature's icon became a name from the icon set; any other word is dropped."""
    stack = [tree.get("root")]
    while stack:
        node = stack.pop()
        if not isinstance(node, dict):
            continue
        if node.get("component") == "FeatureGrid" and isinstance(node.get("props"), dict):
            for feature in node["props"].get("features") or []:
                if isinstance(feature, dict) and feature.get("icon") not in IconName.__args__:
                    feature["icon"] = ""
        stack.extend(node.get("children") or [])
    return tree


MIGRATIONS: dict[int, Callable[[dict[str, Any]], dict[str, Any]]] = {1: _known_icons}


def migrate(tree: dict[str, Any], version: int) -> dict[str, Any]:
    """A stored tree brought to the current registry version."""
    while version < REGISTRY_VERSION:
        tree = MIGRATIONS[version](tree)
        version += 1
    return tree


def props_schema(name: str) -> dict[str, Any]:
    return json_schema(COMPONENTS[name].props)


def document() -> dict[str, Any]:
    """What a visual editor needs: every component's props as JSON Schema, and its children."""
    return {"version": REGISTRY_VERSION, "components": {
        name: {"description": spec.description, "props": props_schema(name), "children": sorted(spec.children)}
        for name, spec in COMPONENTS.items()}}


def tree_schema() -> dict[str, Any]:
    """One JSON Schema for a whole page tree (what the model is asked to produce)."""
    definitions: dict[str, Any] = {}
    for name, spec in COMPONENTS.items():
        props = _without_marker(json_schema(spec.props))
        definitions.update(props.pop("$defs", {}))
        node: dict[str, Any] = {
            "type": "object", "title": name, "description": spec.description,
            "properties": {"id": {"type": "string", "pattern": "^[A-Za-z0-9_-]{1,64}$"},
                           "component": {"const": name}, "props": props},
            "required": ["id", "component", "props"], "additionalProperties": False,
        }
        node["properties"]["children"] = {"type": "array", "items": {
            "anyOf": [{"$ref": f"#/$defs/{child}Node"} for child in sorted(spec.children)]}} if spec.children \
            else {"type": "array", "maxItems": 0, "description": "a leaf: always empty"}
        node["required"].append("children")
        definitions[f"{name}Node"] = node
    return {"type": "object", "properties": {"root": {"$ref": "#/$defs/PageNode"}}, "required": ["root"],
            "additionalProperties": False, "$defs": definitions}


def _without_marker(schema: Any) -> Any:
    """The schema without the asset and product markers: OpenAI's strict structured output
    refuses any keyword it does not know (the editor's document keeps them, to offer the media
    library and the shop's catalogue)."""
    if isinstance(schema, dict):
        return {key: _without_marker(value) for key, value in schema.items() if key not in MARKERS}
    if isinstance(schema, list):
        return [_without_marker(item) for item in schema]
    return schema

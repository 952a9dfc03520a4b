"""The component registry: one msgspec struct of props per built-in component, and which
children each may hold. It is the single source of the editor's forms (JSON Schema per
component), of server-side validation, and of the schema given to the model for
structured output. Its version is stored with every tree; older trees are migrated on
read by the functions in `MIGRATIONS`."""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable
from typing import Annotated, Any, Literal

import msgspec

REGISTRY_VERSION = 1

Text = Annotated[str, msgspec.Meta(max_length=300)]
LongText = Annotated[str, msgspec.Meta(max_length=20_000)]
Title = Annotated[str, msgspec.Meta(min_length=1, max_length=120)]
# Links go to a page of the site, an anchor, the web or an e-mail address; never javascript: or data:.
Href = Annotated[str, msgspec.Meta(pattern=r"^(/[^\s]*|#[\w-]*|https?://[^\s]+|mailto:[^\s@]+@[^\s]+)$",
                                   max_length=2048)]
AssetId = uuid.UUID
VideoUrl = Annotated[str, msgspec.Meta(
    pattern=r"^https://(www\.)?(youtube\.com/watch\?v=[\w-]{6,20}|youtu\.be/[\w-]{6,20}|vimeo\.com/\d{4,12})$",
    description="a YouTube or Vimeo address")]
RAW_HTML = re.compile(r"<\s*/?\s*[a-zA-Z!?]")


class Props(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """What every component's props share: strict, so a typo is an error, not ignored."""


class PageProps(Props, frozen=True, kw_only=True):
    title: Title
    description: Annotated[str, msgspec.Meta(max_length=300)] = ""  # SEO description
    social_image: AssetId | None = None


class SectionProps(Props, frozen=True, kw_only=True):
    anchor: Annotated[str, msgspec.Meta(pattern=r"^[a-z0-9-]{0,40}$")] = ""
    background: Literal["default", "surface", "primary", "dark"] = "default"


class ColumnsProps(Props, frozen=True, kw_only=True):
    count: Annotated[int, msgspec.Meta(ge=2, le=4)] = 2


class HeroProps(Props, frozen=True, kw_only=True):
    headline: Title
    subheadline: Text = ""
    image: AssetId | None = None
    image_alt: Text = ""
    cta_label: Annotated[str, msgspec.Meta(max_length=40)] = ""
    cta_href: Href | None = None


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
    images: Annotated[list[GalleryImage], msgspec.Meta(min_length=1, max_length=48)]


class ButtonProps(Props, frozen=True, kw_only=True):
    label: Annotated[str, msgspec.Meta(min_length=1, max_length=40)]
    href: Href
    style: Literal["primary", "secondary", "link"] = "primary"


class Feature(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    title: Title
    body: Text = ""
    icon: Annotated[str, msgspec.Meta(pattern=r"^[a-z0-9-]{0,30}$")] = ""


class FeatureGridProps(Props, frozen=True, kw_only=True):
    heading: Text = ""
    features: Annotated[list[Feature], msgspec.Meta(min_length=1, max_length=12)]


class TestimonialProps(Props, frozen=True, kw_only=True):
    quote: Annotated[str, msgspec.Meta(min_length=1, max_length=600)]
    author: Annotated[str, msgspec.Meta(max_length=80)] = ""
    role: Annotated[str, msgspec.Meta(max_length=80)] = ""
    photo: AssetId | None = None


class PricingPlan(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    name: Annotated[str, msgspec.Meta(min_length=1, max_length=40)]
    price: Annotated[str, msgspec.Meta(max_length=30)]
    period: Annotated[str, msgspec.Meta(max_length=20)] = ""
    features: Annotated[list[Text], msgspec.Meta(max_length=12)] = []
    cta_label: Annotated[str, msgspec.Meta(max_length=40)] = ""
    cta_href: Href | None = None
    highlighted: bool = False


class PricingTableProps(Props, frozen=True, kw_only=True):
    heading: Text = ""
    plans: Annotated[list[PricingPlan], msgspec.Meta(min_length=1, max_length=4)]


class Question(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    question: Annotated[str, msgspec.Meta(min_length=1, max_length=200)]
    answer: Annotated[str, msgspec.Meta(min_length=1, max_length=2000)]


class FAQProps(Props, frozen=True, kw_only=True):
    heading: Text = ""
    items: Annotated[list[Question], msgspec.Meta(min_length=1, max_length=30)]


class FormField(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    name: Annotated[str, msgspec.Meta(pattern=r"^[a-z][a-z0-9_]{0,30}$")]
    label: Annotated[str, msgspec.Meta(min_length=1, max_length=60)]
    kind: Literal["text", "email", "phone", "textarea", "checkbox"] = "text"
    required: bool = False


class ContactFormProps(Props, frozen=True, kw_only=True):
    heading: Text = ""
    fields: Annotated[list[FormField], msgspec.Meta(min_length=1, max_length=12)]
    submit_label: Annotated[str, msgspec.Meta(min_length=1, max_length=40)] = "Send"


class ProductGridProps(Props, frozen=True, kw_only=True):
    heading: Text = ""
    product_ids: Annotated[list[uuid.UUID], msgspec.Meta(min_length=1, max_length=24)]


class NavLink(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    label: Annotated[str, msgspec.Meta(min_length=1, max_length=40)]
    href: Href


class NavbarProps(Props, frozen=True, kw_only=True):
    brand: Annotated[str, msgspec.Meta(max_length=60)] = ""
    logo: AssetId | None = None
    links: Annotated[list[NavLink], msgspec.Meta(max_length=8)] = []


class FooterProps(Props, frozen=True, kw_only=True):
    text: Text = ""
    links: Annotated[list[NavLink], msgspec.Meta(max_length=12)] = []


class VideoProps(Props, frozen=True, kw_only=True):
    url: VideoUrl
    title: Text = ""


class ComponentSpec(msgspec.Struct, frozen=True):
    props: type[Props]
    children: frozenset[str]  # components it may hold; empty: a leaf
    description: str


BLOCKS = frozenset({"Hero", "Heading", "RichText", "Image", "Gallery", "Button", "FeatureGrid", "Testimonial",
                    "PricingTable", "FAQ", "ContactForm", "ProductGrid", "Video", "Columns"})
LEAF: frozenset[str] = frozenset()

COMPONENTS: dict[str, ComponentSpec] = {
    "Page": ComponentSpec(PageProps, frozenset({"Navbar", "Section", "Footer"}) | BLOCKS,
                          "The root: title, SEO description and social image of the page."),
    "Section": ComponentSpec(SectionProps, BLOCKS | {"Section"}, "A band that groups blocks (sections nest)."),
    "Columns": ComponentSpec(ColumnsProps, BLOCKS - {"Columns"}, "Side-by-side blocks (2 to 4 columns)."),
    "Hero": ComponentSpec(HeroProps, LEAF, "A headline with an optional image and call to action."),
    "Heading": ComponentSpec(HeadingProps, LEAF, "A heading, levels 1 to 6."),
    "RichText": ComponentSpec(RichTextProps, LEAF, "Text in a safe markdown subset (no raw HTML)."),
    "Image": ComponentSpec(ImageProps, LEAF, "An image from the media library, with alt text."),
    "Gallery": ComponentSpec(GalleryProps, LEAF, "A grid of images from the media library."),
    "Button": ComponentSpec(ButtonProps, LEAF, "A call-to-action link styled as a button."),
    "FeatureGrid": ComponentSpec(FeatureGridProps, LEAF, "Features or benefits in a grid."),
    "Testimonial": ComponentSpec(TestimonialProps, LEAF, "A customer quote."),
    "PricingTable": ComponentSpec(PricingTableProps, LEAF, "Plans with prices and features."),
    "FAQ": ComponentSpec(FAQProps, LEAF, "Questions and answers."),
    "ContactForm": ComponentSpec(ContactFormProps, LEAF, "A form whose submissions the tenant receives."),
    "ProductGrid": ComponentSpec(ProductGridProps, LEAF, "Products of the tenant's catalogue."),
    "Navbar": ComponentSpec(NavbarProps, LEAF, "The site's navigation bar."),
    "Footer": ComponentSpec(FooterProps, LEAF, "The site's footer."),
    "Video": ComponentSpec(VideoProps, LEAF, "An embedded YouTube or Vimeo video."),
}

# registry version N -> N+1, applied in order to a stored tree of an older version.
MIGRATIONS: dict[int, Callable[[dict[str, Any]], dict[str, Any]]] = {}


def migrate(tree: dict[str, Any], version: int) -> dict[str, Any]:
    """A stored tree brought to the current registry version."""
    while version < REGISTRY_VERSION:
        tree = MIGRATIONS[version](tree)
        version += 1
    return tree


def props_schema(name: str) -> dict[str, Any]:
    return msgspec.json.schema(COMPONENTS[name].props)


def document() -> dict[str, Any]:
    """What a visual editor needs: every component's props as JSON Schema, and its children."""
    return {"version": REGISTRY_VERSION, "components": {
        name: {"description": spec.description, "props": props_schema(name), "children": sorted(spec.children)}
        for name, spec in COMPONENTS.items()}}


def tree_schema() -> dict[str, Any]:
    """One JSON Schema for a whole page tree (what the model is asked to produce)."""
    definitions: dict[str, Any] = {}
    for name, spec in COMPONENTS.items():
        props = msgspec.json.schema(spec.props)
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

"""A page tree schema as the CMS asks the model for: components in $defs, a union of them for
children, a recursive Section and menu, enums, patterns, formats, bounds and nullable fields."""

from typing import Any

SLUG = {"type": "string", "pattern": "^[a-z0-9]+(?:-[a-z0-9]+)*$", "minLength": 1, "maxLength": 60}
HEX_COLOUR = {"type": "string", "pattern": "^#[0-9a-fA-F]{6}$"}
ID = {"type": "string", "pattern": "^[a-z][a-z0-9-]{1,40}$"}


def text(low: int, high: int) -> dict[str, Any]:
    return {"type": "string", "minLength": low, "maxLength": high}


def nullable(schema: dict[str, Any]) -> dict[str, Any]:
    return {"anyOf": [schema, {"type": "null"}]}


def component(name: str, description: str, props: dict[str, Any], required: list[str], *,
              children: bool = False) -> dict[str, Any]:
    properties: dict[str, Any] = {
        "component": {"const": name},
        "id": ID,
        "props": {"type": "object", "properties": props, "required": required, "additionalProperties": False},
    }
    if children:
        properties["children"] = {"type": "array", "items": {"$ref": "#/$defs/Block"}, "maxItems": 6}
    return {"title": name, "description": description, "type": "object", "properties": properties,
            "required": ["component", "props"], "additionalProperties": False}


BLOCKS = ["Navbar", "Hero", "Heading", "RichText", "Image", "Gallery", "Button", "FeatureGrid", "Testimonial",
          "PricingTable", "FAQ", "ContactForm", "Section", "Footer"]

DEFS: dict[str, Any] = {
    "Block": {"anyOf": [{"$ref": f"#/$defs/{name}"} for name in BLOCKS]},
    "Theme": {
        "type": "object",
        "properties": {
            "primaryColor": HEX_COLOUR,
            "accentColor": {"type": ["string", "null"], "pattern": "^#[0-9a-fA-F]{6}$"},
            "font": {"enum": ["Inter", "Lora", "Playfair Display", "Roboto Mono"]},
            "mode": {"type": "string", "enum": ["light", "dark"], "default": "light"},
            "radius": {"type": "integer", "minimum": 0, "maximum": 24},
        },
        "required": ["primaryColor", "font"],
        "additionalProperties": False,
    },
    "CallToAction": {
        "type": "object",
        "properties": {"label": text(2, 32), "href": {"type": "string", "pattern": r"^(#|/|https://)\S*$"}},
        "required": ["label", "href"],
        "additionalProperties": False,
    },
    "ImageAsset": {
        "type": "object",
        "properties": {
            "src": {"type": "string", "format": "uri", "pattern": "^https://"},
            "alt": text(3, 150),
            "width": {"type": "integer", "minimum": 1, "maximum": 4000},
            "height": {"type": "integer", "exclusiveMinimum": 0, "maximum": 4000},
        },
        "required": ["src", "alt"],
        "additionalProperties": False,
    },
    "MenuItem": {
        "type": "object",
        "properties": {
            "label": text(1, 30),
            "href": {"type": "string", "pattern": r"^(#|/|https://)\S*$"},
            "children": {"type": "array", "items": {"$ref": "#/$defs/MenuItem"}, "maxItems": 5},
        },
        "required": ["label", "href"],
        "additionalProperties": False,
    },
    "Page": {
        "title": "Page",
        "description": "The root of a page: its settings and its sections, top to bottom.",
        "type": "object",
        "properties": {
            "component": {"const": "Page"},
            "props": {
                "type": "object",
                "properties": {
                    "title": text(3, 80),
                    "slug": SLUG,
                    "description": text(10, 300),
                    "theme": {"$ref": "#/$defs/Theme"},
                    "locale": {"enum": ["en", "fr", "de", "es"]},
                    "published": {"type": "boolean"},
                },
                "required": ["title", "slug"],
                "additionalProperties": False,
            },
            "children": {"type": "array", "items": {"$ref": "#/$defs/Block"}, "minItems": 1, "maxItems": 12},
        },
        "required": ["component", "props", "children"],
        "additionalProperties": False,
    },
    "Navbar": component("Navbar", "Top navigation bar with the brand and menu links.", {
        "brand": text(1, 40),
        "links": {"type": "array", "items": {"$ref": "#/$defs/MenuItem"}, "minItems": 1, "maxItems": 6},
        "sticky": {"type": "boolean"},
    }, ["brand", "links"]),
    "Hero": component("Hero", "Large banner at the top of a landing page with a headline and call to action.", {
        "headline": text(5, 90),
        "subheadline": nullable(text(1, 200)),
        "primaryAction": {"$ref": "#/$defs/CallToAction"},
        "backgroundImage": nullable({"$ref": "#/$defs/ImageAsset"}),
        "align": {"enum": ["left", "center", "right"]},
        "height": {"type": "integer", "minimum": 320, "maximum": 960, "multipleOf": 8},
    }, ["headline", "primaryAction"]),
    "Heading": component("Heading", "A heading line.", {
        "text": text(1, 120),
        "level": {"type": "integer", "minimum": 1, "maximum": 6},
    }, ["text", "level"]),
    "RichText": component("RichText", "Paragraphs of formatted text.", {
        "body": text(1, 2000),
        "columns": {"type": "integer", "minimum": 1, "maximum": 3},
    }, ["body"]),
    "Image": component("Image", "A single picture with an optional caption.", {
        "image": {"$ref": "#/$defs/ImageAsset"},
        "caption": {"type": ["string", "null"], "maxLength": 140},
    }, ["image"]),
    "Gallery": component("Gallery", "A grid of photos, e.g. a portfolio.", {
        "title": text(1, 80),
        "images": {"type": "array", "items": {"$ref": "#/$defs/ImageAsset"}, "minItems": 2, "maxItems": 12},
        "layout": {"enum": ["grid", "masonry", "carousel"]},
    }, ["images", "layout"]),
    "Button": component("Button", "A single call-to-action button.", {
        "label": text(2, 40),
        "href": {"type": "string", "format": "uri"},
        "variant": {"enum": ["primary", "secondary", "ghost"]},
    }, ["label", "href"]),
    "FeatureGrid": component("FeatureGrid", "Key features or services in a grid.", {
        "title": text(1, 80),
        "features": {"type": "array", "minItems": 2, "maxItems": 9, "items": {
            "type": "object",
            "properties": {
                "id": {"type": "string", "pattern": "^[a-z0-9-]+$"},
                "title": text(2, 60),
                "description": text(10, 240),
                "icon": {"enum": ["star", "heart", "check", "leaf", "bolt", "clock"]},
            },
            "required": ["id", "title", "description"],
            "additionalProperties": False,
        }},
        "columns": {"type": "integer", "minimum": 2, "maximum": 4},
    }, ["title", "features"]),
    "Testimonial": component("Testimonial", "A customer review quote.", {
        "quote": text(10, 400),
        "author": {
            "type": "object",
            "properties": {
                "name": text(2, 60),
                "role": nullable(text(2, 60)),
                "avatar": nullable({"$ref": "#/$defs/ImageAsset"}),
            },
            "required": ["name"],
            "additionalProperties": False,
        },
        "rating": {"type": "number", "minimum": 1, "maximum": 5, "multipleOf": 0.5},
    }, ["quote", "author"]),
    "PricingTable": component("PricingTable", "Plans and prices side by side.", {
        "title": text(1, 80),
        "currency": {"enum": ["USD", "EUR", "GBP"]},
        "plans": {"type": "array", "minItems": 1, "maxItems": 4, "uniqueItems": True, "items": {
            "type": "object",
            "properties": {
                "id": ID,
                "name": text(2, 40),
                "price": {"type": "number", "minimum": 0, "maximum": 10000},
                "period": {"enum": ["month", "year", "one-off"]},
                "features": {"type": "array", "items": text(2, 80), "minItems": 1, "maxItems": 8,
                             "uniqueItems": True},
                "highlighted": {"type": "boolean"},
                "cta": {"$ref": "#/$defs/CallToAction"},
            },
            "required": ["id", "name", "price", "period", "features"],
            "additionalProperties": False,
        }},
    }, ["plans", "currency"]),
    "FAQ": component("FAQ", "Frequently asked questions and their answers.", {
        "title": text(1, 80),
        "items": {"type": "array", "minItems": 1, "maxItems": 10, "items": {
            "type": "object",
            "properties": {
                "question": {"type": "string", "minLength": 5, "maxLength": 200, "pattern": r"\?$"},
                "answer": text(10, 800),
            },
            "required": ["question", "answer"],
            "additionalProperties": False,
        }},
    }, ["items"]),
    "ContactForm": component("ContactForm", "A form visitors use to reach the business.", {
        "title": text(1, 80),
        "recipient": {"type": "string", "format": "email"},
        "fields": {"type": "array", "minItems": 1, "maxItems": 6, "items": {
            "type": "object",
            "properties": {
                "name": {"type": "string", "pattern": "^[a-z][a-z0-9_]*$"},
                "label": text(1, 40),
                "type": {"enum": ["text", "email", "tel", "textarea"]},
                "required": {"type": "boolean"},
            },
            "required": ["name", "label", "type"],
            "additionalProperties": False,
        }},
        "submitLabel": text(2, 30),
        "successMessage": nullable(text(5, 200)),
    }, ["recipient", "fields", "submitLabel"]),
    "Section": component("Section", "A container grouping other blocks under an optional title.", {
        "title": {"type": ["string", "null"], "maxLength": 80},
        "background": nullable(HEX_COLOUR),
        "anchor": SLUG,
    }, [], children=True),
    "Footer": component("Footer", "Bottom of the page with links and social profiles.", {
        "text": text(1, 200),
        "links": {"type": "array", "items": {"$ref": "#/$defs/CallToAction"}, "maxItems": 8},
        "social": {"type": "object", "additionalProperties": {"type": "string", "format": "uri"}, "maxProperties": 4},
        "copyrightYear": {"type": "integer", "minimum": 2000, "maximum": 2100},
    }, ["text"]),
}

RICH_PAGE_SCHEMA: dict[str, Any] = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "$ref": "#/$defs/Page",
    "$defs": DEFS,
}

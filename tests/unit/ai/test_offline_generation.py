"""The offline generator writes valid, prompt-shaped values for any schema it is given."""

from __future__ import annotations

import re
from collections import Counter
from datetime import date, datetime
from typing import Any
from urllib.parse import urlsplit

import pytest
from jsonschema import Draft202012Validator, FormatChecker

from shared.ai.offline_generation import generate_instance
from shared.ai.strict_schema import from_strict, to_strict
from tests.unit.ai.rich_page_schema import RICH_PAGE_SCHEMA

# The default checker lets uri, date-time and hostname through unchecked (their libraries are
# optional), so they are checked here with the standard library.
FORMATS = FormatChecker()


@FORMATS.checks("uri")
def _is_uri(value: object) -> bool:
    return not isinstance(value, str) or bool(urlsplit(value).scheme and urlsplit(value).netloc and " " not in value)


@FORMATS.checks("date-time", raises=ValueError)
def _is_date_time(value: object) -> bool:
    return not isinstance(value, str) or bool(datetime.fromisoformat(value.replace("Z", "+00:00")).tzinfo)


@FORMATS.checks("date", raises=ValueError)
def _is_date(value: object) -> bool:
    return not isinstance(value, str) or bool(date.fromisoformat(value))


@FORMATS.checks("hostname")
def _is_hostname(value: object) -> bool:
    label = r"[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?"
    return not isinstance(value, str) or bool(re.fullmatch(rf"{label}(?:\.{label})*", value))


BUSINESSES = ["yoga studio", "wedding photographer", "coffee roastery", "dental clinic", "law firm",
              "vegan bakery", "bike repair shop", "architecture agency", "dog grooming salon", "jazz bar",
              "language school", "boutique hotel", "tattoo parlour", "organic farm", "climbing gym",
              "tax consultant", "florist", "escape room", "piano teacher", "craft brewery"]
# Each phrasing with the sections it asks for, so rates are measured against what was really asked.
PHRASINGS = [
    ("A landing page for a {b} with pricing and an FAQ", {"PricingTable", "FAQ"}),
    ("Portfolio for a {b} with client reviews", {"Gallery", "Testimonial"}),
    ("Website for a {b}", set()),
    ("Homepage for a {b}: features, testimonials and a contact form", {"FeatureGrid", "Testimonial", "ContactForm"}),
    ("{B} site with a photo gallery and our plans", {"Gallery", "PricingTable"}),
    ("One-page site for a {b}, include questions and answers", {"FAQ"}),
    ("Create a {b} page that shows our team and services", {"FeatureGrid"}),
    ("We are a {b} in Lisbon. Need a page with prices, FAQ, and a way to reach us", {"PricingTable", "FAQ",
                                                                                     "ContactForm"}),
    ("Simple page about our {b}", set()),
    ("Launch page for a new {b} with a banner, benefits and what customers say", {"Hero", "FeatureGrid",
                                                                                 "Testimonial"}),
]
PROMPTS = [(phrasing.format(b=business, B=business.capitalize()), business, asked)
           for business in BUSINESSES for phrasing, asked in PHRASINGS]


def first_problem(schema: dict[str, Any], value: Any) -> str | None:
    validator = Draft202012Validator(schema, format_checker=FORMATS)
    error = next(iter(sorted(validator.iter_errors(value), key=lambda e: list(e.absolute_path))), None)
    return None if error is None else f"/{'/'.join(map(str, error.absolute_path))}: {error.message}"


def sections(page: dict[str, Any]) -> tuple[str, ...]:
    return tuple(child["component"] for child in page["children"])


@pytest.fixture(scope="module")
def pages() -> dict[str, Any]:
    return {prompt: generate_instance(RICH_PAGE_SCHEMA, prompt) for prompt, _, _ in PROMPTS}


def test_every_page_is_valid_against_the_rich_schema(pages: dict[str, Any]) -> None:
    assert len(pages) == 200
    for prompt, page in pages.items():
        problem = first_problem(RICH_PAGE_SCHEMA, page)
        assert problem is None, f"{prompt!r} gave an invalid page at {problem}"


def test_different_prompts_give_different_structures(pages: dict[str, Any]) -> None:
    signatures = Counter(sections(page) for page in pages.values())
    assert len(signatures) >= 40
    assert signatures.most_common(1)[0][1] <= 20  # no structure dominates


@pytest.mark.parametrize("component", ["PricingTable", "FAQ", "Gallery", "Testimonial", "ContactForm"])
def test_sections_follow_what_the_prompt_asks(pages: dict[str, Any], component: str) -> None:
    asked = [component in sections(pages[prompt]) for prompt, _, wanted in PROMPTS if component in wanted]
    not_asked = [component in sections(pages[prompt]) for prompt, _, wanted in PROMPTS if component not in wanted]
    assert sum(asked) / len(asked) >= 0.9
    assert sum(not_asked) / len(not_asked) <= 0.3


def test_sections_come_in_the_order_the_prompt_names_them() -> None:
    yoga = sections(generate_instance(RICH_PAGE_SCHEMA, "a landing page for a yoga studio with pricing and an FAQ"))
    assert yoga.index("Hero") < yoga.index("PricingTable") < yoga.index("FAQ")
    wedding = sections(generate_instance(RICH_PAGE_SCHEMA, "portfolio for a wedding photographer with client reviews"))
    assert wedding.index("Gallery") < wedding.index("Testimonial")
    reversed_order = sections(generate_instance(RICH_PAGE_SCHEMA, "a bakery site: an FAQ first, then our prices"))
    assert reversed_order.index("FAQ") < reversed_order.index("PricingTable")


def test_the_same_prompt_and_seed_give_the_same_page() -> None:
    prompt = "A bakery page with a gallery"
    assert generate_instance(RICH_PAGE_SCHEMA, prompt, seed=7) == generate_instance(RICH_PAGE_SCHEMA, prompt, seed=7)
    assert generate_instance(RICH_PAGE_SCHEMA, prompt) == generate_instance(RICH_PAGE_SCHEMA, prompt)
    by_seed = {repr(generate_instance(RICH_PAGE_SCHEMA, prompt, seed=seed)) for seed in range(5)}
    assert len(by_seed) == 5


def test_copy_is_written_for_the_business(pages: dict[str, Any]) -> None:
    for prompt, business, _ in PROMPTS:
        page = pages[prompt]
        for hero in (child for child in page["children"] if child["component"] == "Hero"):
            headline = hero["props"]["headline"].lower()
            assert any(word in headline for word in business.split()), (prompt, headline)
        assert any(word in page["props"]["slug"] for word in business.split()), prompt
    texts = {repr(pages[prompt]["props"]) for prompt, _, _ in PROMPTS}
    assert len(texts) == len(PROMPTS)  # never one template for every prompt
    assert "lorem" not in repr(pages).lower()


def test_ids_are_unique_across_a_page(pages: dict[str, Any]) -> None:
    def ids(node: Any) -> list[Any]:
        if isinstance(node, dict):
            return [node["id"] for _ in [1] if "id" in node] + [i for value in node.values() for i in ids(value)]
        return [i for value in node for i in ids(value)] if isinstance(node, list) else []

    for page in pages.values():
        found = ids(page)
        assert len(found) == len(set(found))


def test_long_text_is_trimmed_on_a_word_boundary() -> None:
    def description(business: str, max_length: int | None) -> str:
        limit = {} if max_length is None else {"maxLength": max_length}
        schema = {"type": "object", "properties": {"description": {"type": "string", **limit}},
                  "required": ["description"]}
        return generate_instance(schema, f"A website for a {business}", seed=1)["description"]

    for business in BUSINESSES:
        full, short = description(business, None), description(business, 24)
        kept = short.rstrip(".?!")
        assert len(short) <= 24 < len(full)
        assert full.startswith(kept) and full[len(kept)] in " ,.;:?!", (full, short)


def test_choices_follow_the_prompt_in_any_schema() -> None:
    mode = {"enum": ["light", "dark"]}
    assert {generate_instance(mode, "a dark, moody site for a jazz bar", seed=n) for n in range(8)} == {"dark"}
    sections_as_properties = {"type": "object", "properties": {
        name: {"type": "boolean"} for name in ("pricing", "faq", "gallery", "team")}}
    written = [generate_instance(sections_as_properties, "a florist page with pricing", seed=n) for n in range(20)]
    assert all("pricing" in value for value in written)
    assert sum("gallery" in value for value in written) <= 10
    kinds = {"items": {"anyOf": [{"title": "Gallery", "type": "object", "properties": {"photos": {"type": "integer"}},
                                  "required": ["photos"]},
                                 {"title": "Opening hours", "type": "string"}]}, "type": "array", "maxItems": 1}
    assert generate_instance(kinds, "a portfolio of wedding photos")[0].keys() == {"photos"}
    nullable = {"anyOf": [{"type": "null"}, {"type": "string", "maxLength": 40}]}
    assert all(isinstance(generate_instance(nullable, prompt), str) for prompt, _, _ in PROMPTS[:20])


TREE = {"$defs": {"node": {"type": "object", "properties": {
    "label": {"type": "string", "minLength": 1},
    "children": {"type": "array", "items": {"$ref": "#/$defs/node"}},
}, "required": ["label", "children"]}}, "$ref": "#/$defs/node"}

GENERIC_SCHEMAS = {
    "bounded integer": {"type": "integer", "minimum": 3, "maximum": 9, "multipleOf": 3},
    "exclusive number": {"type": "number", "exclusiveMinimum": 0, "exclusiveMaximum": 1},
    "fine multiple": {"type": "number", "minimum": 0.1, "maximum": 0.3, "multipleOf": 0.01},
    "enum": {"enum": ["red", 2, None, {"a": 1}]},
    "const": {"const": [1, 2]},
    "boolean or null": {"type": ["boolean", "null"]},
    "unique nested arrays": {"type": "array", "minItems": 3, "maxItems": 4, "uniqueItems": True,
                             "items": {"type": "array", "minItems": 1, "maxItems": 2,
                                       "items": {"type": "integer", "minimum": 0, "maximum": 50}}},
    "unique enum items": {"type": "array", "minItems": 3, "uniqueItems": True, "items": {"enum": ["a", "b", "c"]}},
    "tuple": {"type": "array", "prefixItems": [{"type": "string", "format": "date"}, {"type": "integer"}],
              "items": False, "minItems": 2},
    "oneOf": {"oneOf": [{"type": "integer"}, {"type": "number", "minimum": 0.5, "maximum": 0.75}]},
    "allOf": {"allOf": [{"type": "object", "properties": {"name": {"type": "string"}}, "required": ["name"]},
                        {"properties": {"name": {"maxLength": 12}, "age": {"type": "integer", "minimum": 18}},
                         "required": ["age"]}]},
    "allOf of unions": {"allOf": [{"anyOf": [{"type": "integer"}, {"type": "string"}]},
                                  {"anyOf": [{"type": "string", "minLength": 4}, {"type": "boolean"}]}]},
    "nullable": {"type": "object", "properties": {"note": {"anyOf": [{"type": "string"}, {"type": "null"}]},
                                                  "count": {"type": ["integer", "null"], "minimum": 1}},
                 "required": ["note", "count"]},
    "formats": {"type": "object", "additionalProperties": False, "required": ["e", "u", "d", "t", "i", "h"],
                "properties": {"e": {"format": "email"}, "u": {"format": "uri"}, "d": {"format": "date"},
                               "t": {"format": "date-time"}, "i": {"format": "uuid"}, "h": {"format": "hostname"}}},
    "patterns": {"type": "object", "required": ["slug", "colour", "code", "phone", "sku"], "properties": {
        "slug": {"type": "string", "pattern": "^[a-z0-9-]+$"},
        "colour": {"type": "string", "pattern": "^#[0-9a-fA-F]{6}$"},
        "code": {"type": "string", "pattern": "^[A-Z]{3}-\\d{4}$"},
        "phone": {"type": "string", "pattern": "^\\+[1-9][0-9]{7,12}$"},
        "sku": {"type": "string", "pattern": "^(ab|cd)_[a-f0-9]{2,4}(-x)?$", "maxLength": 9}}},
    "map": {"type": "object", "additionalProperties": {"type": "integer", "minimum": 1}, "minProperties": 2,
            "propertyNames": {"pattern": "^[a-z]+$"}},
    "definitions and ref to root": {"definitions": {"leaf": {"type": "string", "maxLength": 5}}, "type": "object",
                                    "properties": {"leaf": {"$ref": "#/definitions/leaf"}, "next": {"$ref": "#"}},
                                    "required": ["leaf"]},
    "recursive tree": TREE,
    "anything": {},
}
GENERIC_PROMPTS = ["A florist in Utrecht", "pricing table for a SaaS", "", "FAQ about dog grooming", "画廊"]


@pytest.mark.parametrize("name", GENERIC_SCHEMAS)
def test_generic_schemas_get_valid_values(name: str) -> None:
    schema = GENERIC_SCHEMAS[name]
    for prompt in GENERIC_PROMPTS:
        value = generate_instance(schema, prompt)
        problem = first_problem(schema, value)
        assert problem is None, f"{name} for {prompt!r}: {value!r} is invalid at {problem}"


def test_recursion_is_bounded() -> None:
    def depth(node: dict[str, Any]) -> int:
        return 1 + max((depth(child) for child in node["children"]), default=0)

    trees = [generate_instance(TREE, f"a family tree {n}") for n in range(20)]
    assert max(map(depth, trees)) <= 4
    assert max(map(depth, trees)) >= 2  # but not always a single node


IMPOSSIBLE = {
    "minItems above maxItems": {"type": "array", "minItems": 3, "maxItems": 2},
    "minLength above maxLength": {"type": "string", "minLength": 5, "maxLength": 2},
    "empty integer range": {"type": "integer", "minimum": 1.2, "maximum": 1.8},
    "pattern with a lookahead": {"type": "string", "pattern": "^(?=x)y$"},
    "pattern longer than allowed": {"type": "string", "pattern": "^[0-9]{8}$", "maxLength": 4},
    "false": False,
    "types that exclude each other": {"allOf": [{"type": "string"}, {"type": "integer"}]},
    "endless recursion": {"type": "object", "properties": {"next": {"$ref": "#"}}, "required": ["next"]},
    "too few unique values": {"type": "array", "items": {"type": "boolean"}, "minItems": 3, "uniqueItems": True},
}


@pytest.mark.parametrize("name", IMPOSSIBLE)
def test_an_impossible_schema_raises_value_error(name: str) -> None:
    with pytest.raises(ValueError):
        generate_instance(IMPOSSIBLE[name], "a yoga studio")


def strict_variant(node: Any) -> Any:
    """OpenAI's strict form, keeping every constraint: objects closed, every property required,
    optional ones nullable."""
    if isinstance(node, list):
        return [strict_variant(item) for item in node]
    if not isinstance(node, dict):
        return node
    out = {key: strict_variant(value) for key, value in node.items()}
    if node.get("type") == "object":
        required = set(node.get("required", []))
        properties = {name: prop if name in required else {"anyOf": [prop, {"type": "null"}]}
                      for name, prop in out.get("properties", {}).items()}
        out.update(properties=properties, required=list(properties), additionalProperties=False)
    return out


def test_strict_variants_of_the_rich_schema_get_valid_pages() -> None:
    hand_made = strict_variant(RICH_PAGE_SCHEMA)
    # to_strict inlines a root $ref only when it stands alone, as msgspec writes it: without "$schema".
    platform = to_strict({key: value for key, value in RICH_PAGE_SCHEMA.items() if key != "$schema"})
    social = hand_made["$defs"]["Footer"]["properties"]["props"]["properties"]["social"]
    assert social["anyOf"][0]["additionalProperties"] is False
    for prompt, _, _ in PROMPTS[::4]:
        for schema in (hand_made, platform):
            page = generate_instance(schema, prompt)
            problem = first_problem(schema, page)
            assert problem is None, f"{prompt!r} gave an invalid strict page at {problem}"
        # The hand-made variant keeps every constraint, so its pages map back to valid pages.
        back = from_strict(generate_instance(hand_made, prompt), RICH_PAGE_SCHEMA)
        assert first_problem(RICH_PAGE_SCHEMA, back) is None, f"{prompt!r} does not map back to a valid page"

"""A msgspec-generated schema becomes a strict one, and the answer maps back."""

import msgspec
import pytest
from jsonschema import Draft202012Validator

from shared.ai.strict_schema import from_strict, to_strict


class Button(msgspec.Struct, tag="Button"):
    label: str
    href: str = "#"


class Hero(msgspec.Struct, tag="Hero"):
    title: str = msgspec.field(name="title")
    subtitle: str | None = None
    buttons: list[Button] = []
    height: int = 400


class Page(msgspec.Struct):
    title: str
    sections: list[Hero | Button]
    theme: dict[str, str] = {}


SCHEMA = msgspec.json.schema(Page)


def walk(node, path=()):  # type: ignore[no-untyped-def]
    if isinstance(node, dict):
        yield path, node
        for key, value in node.items():
            yield from walk(value, (*path, key))
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield from walk(value, (*path, index))


def test_every_object_is_closed_and_lists_every_property_as_required() -> None:
    strict = to_strict(SCHEMA)
    assert strict["type"] == "object" and "$ref" not in strict  # the root was inlined
    objects = [node for _, node in walk(strict) if isinstance(node.get("properties"), dict)]
    assert len(objects) >= 4
    for node in objects:
        assert node["additionalProperties"] is False
        assert set(node["required"]) == set(node["properties"])


def test_forbidden_keywords_are_gone() -> None:
    strict = to_strict({"type": "object", "properties": {
        "a": {"oneOf": [{"type": "string", "minLength": 2}, {"type": "integer", "minimum": 1}], "default": "x"},
        "b": {"allOf": [{"type": "object", "properties": {"c": {"type": "string", "format": "email"}}}]},
    }, "required": ["a"]})
    keys = {key for _, node in walk(strict) for key in node}
    assert not keys & {"oneOf", "allOf", "default", "minLength", "minimum", "format", "discriminator"}
    assert "anyOf" in keys


def test_optional_properties_become_nullable() -> None:
    strict = to_strict(SCHEMA)
    hero = strict["$defs"]["Hero"]["properties"]
    assert hero["height"] == {"type": ["integer", "null"]}
    assert {"type": "null"} in hero["subtitle"]["anyOf"] or "null" in str(hero["subtitle"])


def test_the_models_nulls_for_optional_fields_are_removed_again() -> None:
    answer = {"title": "Yoga", "theme": None, "sections": [
        {"type": "Hero", "title": "Breathe", "subtitle": None, "buttons": None, "height": None},
        {"type": "Button", "label": "Book", "href": None},
    ]}
    restored = from_strict(answer, SCHEMA)
    assert restored == {"title": "Yoga", "sections": [
        {"type": "Hero", "title": "Breathe", "subtitle": None}, {"type": "Button", "label": "Book"}]}
    Draft202012Validator(SCHEMA).validate(restored)
    assert msgspec.convert(restored, Page).sections[0].height == 400  # defaults apply again


def test_a_scalar_root_is_refused() -> None:
    with pytest.raises(ValueError, match="object at the root"):
        to_strict({"type": "string"})


def test_the_test_servers_independent_checker_accepts_what_to_strict_makes() -> None:
    from tests.servers.openai_strict_subset import strict_schema_problem

    assert strict_schema_problem(SCHEMA) is not None  # the raw msgspec schema would be refused...
    assert strict_schema_problem(to_strict(SCHEMA)) is None  # ...its strict form is accepted


def test_a_root_reference_beside_a_schema_keyword_is_inlined() -> None:
    assert to_strict({"$schema": "https://json-schema.org/draft/2020-12/schema", **SCHEMA})["type"] == "object"


def test_formats_are_really_checked_on_our_side() -> None:
    from shared.ai.base import AIInvalidOutput
    from shared.ai.output import validated

    schema = {"type": "object", "properties": {"link": {"type": "string", "format": "uri"},
                                               "at": {"type": "string", "format": "date-time"}}}
    validated(schema, {"link": "https://example.com/a", "at": "2026-11-25T10:00:00Z"})
    for bad in ({"link": "not a uri"}, {"at": "yesterday"}):
        with pytest.raises(AIInvalidOutput):
            validated(schema, bad)


def test_the_size_counts_are_what_openais_limits_count() -> None:
    from tests.servers.openai_strict_subset import schema_size

    schema = {
        "type": "object",
        "properties": {"kind": {"type": "string", "enum": ["a", "bb"]}, "tag": {"type": "string", "const": "ccc"},
                       "items": {"type": "array", "items": {"$ref": "#/$defs/Item"}},
                       "again": {"$ref": "#/$defs/Item"}},
        "required": ["kind", "tag", "items", "again"], "additionalProperties": False,
        "$defs": {"Item": {"type": "object", "properties": {"size": {"type": "string", "enum": ["s", "m", "l"]},
                                                            "inner": {"type": "object", "properties": {},
                                                                      "required": [], "additionalProperties": False}},
                           "required": ["size", "inner"], "additionalProperties": False}},
    }
    size = schema_size(schema)
    assert size.properties == 4 + 2  # a definition counts once, however often it is referenced
    assert size.depth == 3  # root -> Item -> inner
    assert size.enum_values == 2 + 3
    # names: kind tag items again size inner (4+3+5+5+4+5), definition: Item (4), enums: a bb s m l (6), const: ccc (3)
    assert size.string_length == 26 + 4 + 6 + 3
    assert size.largest_enum == (3, 3)

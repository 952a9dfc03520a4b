"""OpenAI's strict structured-output subset, as a checker: what the real API refuses
with `strict: true`, so that tests refuse it too and cannot pass where production fails."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import msgspec

# Keywords a strict schema may use. Anything else is refused, which is at least as strict as
# OpenAI. The numeric, length, pattern and format keywords are accepted because OpenAI now
# accepts them, but the model is not guaranteed to honour them: the platform must check them
# on its own side (it does, against the original schema), and this server cannot tell
# whether it relies on them.
ALLOWED_KEYWORDS = frozenset({
    "type", "properties", "required", "additionalProperties", "items", "anyOf", "$ref", "$defs",
    "definitions", "description", "title", "enum", "const",
    "minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum", "multipleOf",
    "minLength", "maxLength", "pattern", "format", "minItems", "maxItems",
})
# OpenAI's documented limits today (at launch they were 100 properties and 5 levels; the
# page-tree schema of the component registry needs the current ones). The root object is
# level 1. Definitions count once, wherever they are referenced.
MAX_OBJECT_PROPERTIES = 5000
MAX_NESTING_DEPTH = 10
MAX_ENUM_VALUES = 1000  # across the whole schema
LARGE_ENUM_VALUES = 250  # one string enum with more values than this...
MAX_LARGE_ENUM_LENGTH = 15_000  # ...may hold at most this many characters in all
# Property names, definition names, enum values and const values, all together.
MAX_STRING_LENGTH = 120_000
TOP_LEVEL_FORBIDDEN = ("oneOf", "anyOf", "allOf", "enum", "not")
JSON_TYPES = frozenset({"string", "number", "integer", "boolean", "object", "array", "null"})


def strict_schema_problem(schema: Any) -> str | None:
    """The first reason OpenAI would refuse `schema` with `strict: true`, phrased as its API
    does after "Invalid schema for response_format '<name>': ", or None if it is accepted."""
    kind = schema.get("type") if isinstance(schema, dict) else None
    if kind != "object":
        return f"schema must be a JSON Schema of 'type: \"object\"', got 'type: {msgspec.json.encode(kind).decode()}'."
    if any(keyword in schema for keyword in TOP_LEVEL_FORBIDDEN):
        return "schema must have type 'object' and not have 'oneOf'/'anyOf'/'allOf'/'enum'/'not' at the top level."
    if not all(isinstance(schema.get(key, {}), dict) for key in ("$defs", "definitions")):
        return "In context=(), '$defs' must be an object."
    definitions = {**schema.get("definitions", {}), **schema.get("$defs", {})}
    nodes = [((), schema)] + [((key, name), node) for key in ("$defs", "definitions")
                               for name, node in schema.get(key, {}).items()]
    for path, node in nodes:
        problem = _node_problem(node, path, definitions, is_root=not path)
        if problem is not None:
            return problem
    return _limits_problem(schema, definitions)


def _context(path: tuple[str, ...]) -> str:
    return f"In context={path!r}"


def _is_object_schema(node: dict[str, Any]) -> bool:
    kind = node.get("type")
    return kind == "object" or (isinstance(kind, list) and "object" in kind) or "properties" in node


def _node_problem(node: Any, path: tuple[str, ...], definitions: dict[str, Any], is_root: bool = False) -> str | None:
    """The first problem in `node` or below it; $refs are checked to exist, not followed
    (each definition is checked once, on its own)."""
    if not isinstance(node, dict):
        return f"{_context(path)}, schema must be a JSON object."
    for keyword in node:
        if keyword not in ALLOWED_KEYWORDS or (keyword in ("$defs", "definitions") and not is_root):
            return f"{_context(path)}, '{keyword}' is not permitted."
    problem = _shape_problem(node, path, definitions)
    if problem is not None:
        return problem
    for child_path, child in _children(node, path):
        problem = _node_problem(child, child_path, definitions)
        if problem is not None:
            return problem
    return None


def _shape_problem(node: dict[str, Any], path: tuple[str, ...], definitions: dict[str, Any]) -> str | None:
    if "$ref" in node:
        ref = node["$ref"]
        name = ref.rpartition("/")[2] if isinstance(ref, str) else None
        if ref != "#" and not (isinstance(ref, str) and ref.startswith(("#/$defs/", "#/definitions/"))
                               and name in definitions):
            return f"{_context(path)}, reference to component '{ref}' which was not found in the schema."
        return None
    kinds = node.get("type")
    kinds = kinds if isinstance(kinds, list) else [kinds] if kinds is not None else []
    if not kinds and not any(key in node for key in ("anyOf", "enum", "const")):
        return f"{_context(path)}, schema must have a 'type' key."
    if any(kind not in JSON_TYPES for kind in kinds):
        return f"{_context(path)}, 'type' must be one of {sorted(JSON_TYPES)}, got {node['type']!r}."
    if _is_object_schema(node):
        return _object_problem(node, path)
    return None


def _object_problem(node: dict[str, Any], path: tuple[str, ...]) -> str | None:
    if node.get("additionalProperties") is not False:
        return f"{_context(path)}, 'additionalProperties' is required to be supplied and to be false."
    properties = node.get("properties", {})
    required = node.get("required")
    if not isinstance(properties, dict):
        return f"{_context(path)}, 'properties' must be an object."
    missing = [name for name in properties if not isinstance(required, list) or name not in required]
    if required is None or missing:
        missing_text = f" Missing '{missing[0]}'." if missing else ""
        return (f"{_context(path)}, 'required' is required to be supplied and to be an array including every key "
                f"in properties.{missing_text}")
    extra = [name for name in required if name not in properties]
    if extra:
        return f"{_context(path)}, 'required' lists '{extra[0]}', which is not in properties."
    return None


def _children(node: dict[str, Any], path: tuple[str, ...]) -> list[tuple[tuple[str, ...], Any]]:
    children: list[tuple[tuple[str, ...], Any]] = []
    for name, child in (node.get("properties") or {}).items():
        children.append(((*path, "properties", name), child))
    if "items" in node:
        children.append(((*path, "items"), node["items"]))
    for index, branch in enumerate(node.get("anyOf") or []):
        children.append(((*path, "anyOf", str(index)), branch))
    return children


@dataclass(frozen=True)
class SchemaSize:
    """What OpenAI's size limits count in one schema."""

    properties: int  # object properties, all objects together
    depth: int  # objects nested in objects, through $refs (the root is 1)
    enum_values: int  # values of every enum together
    string_length: int  # characters of property names, definition names, enum and const values
    largest_enum: tuple[int, int]  # (values, characters) of the string enum with the most values


def schema_size(schema: dict[str, Any]) -> SchemaSize:
    definitions = {**schema.get("definitions", {}), **schema.get("$defs", {})}
    nodes = [node for root in [schema, *definitions.values()] for node in _nodes(root)]
    enums = [node["enum"] for node in nodes if isinstance(node.get("enum"), list)]
    string_enums = [[value for value in enum if isinstance(value, str)] for enum in enums]
    consts = [node["const"] for node in nodes if isinstance(node.get("const"), str)]
    names = [name for node in nodes for name in (node.get("properties") or {})]
    return SchemaSize(
        properties=len(names),
        depth=_object_depth(schema, definitions, following=()),
        enum_values=sum(len(enum) for enum in enums),
        string_length=(sum(map(len, names)) + sum(map(len, definitions)) + sum(map(len, consts))
                       + sum(len(value) for enum in string_enums for value in enum)),
        largest_enum=max(((len(enum), sum(map(len, enum))) for enum in string_enums), default=(0, 0)),
    )


def _nodes(node: Any) -> list[dict[str, Any]]:
    """`node` and every schema below it, not following $refs."""
    if not isinstance(node, dict):
        return []
    return [node, *(found for _, child in _children(node, ()) for found in _nodes(child))]


def _limits_problem(schema: dict[str, Any], definitions: dict[str, Any]) -> str | None:
    size = schema_size(schema)
    if size.properties > MAX_OBJECT_PROPERTIES:
        return (f"The schema has {size.properties} object properties in total, more than the limit of "
                f"{MAX_OBJECT_PROPERTIES}.")
    if size.depth > MAX_NESTING_DEPTH:
        return f"The schema nests objects {size.depth} levels deep, more than the limit of {MAX_NESTING_DEPTH}."
    if size.enum_values > MAX_ENUM_VALUES:
        return (f"Expected at most {MAX_ENUM_VALUES} enum values in total within a single schema when using "
                f"structured outputs, but received {size.enum_values}. Consider reducing the number of enums, or "
                "use 'strict: false' to opt out of structured outputs.")
    for enum in (node["enum"] for root in [schema, *definitions.values()] for node in _nodes(root)
                 if isinstance(node.get("enum"), list)):
        length = sum(len(value) for value in enum if isinstance(value, str))
        if len(enum) > LARGE_ENUM_VALUES and length > MAX_LARGE_ENUM_LENGTH:
            return (f"Expected at most {MAX_LARGE_ENUM_LENGTH} characters in total for the values of a single enum "
                    f"with more than {LARGE_ENUM_VALUES} values when using structured outputs, but received {length} "
                    f"characters in an enum of {len(enum)} values. Consider reducing the number of enum values, or "
                    "use 'strict: false' to opt out of structured outputs.")
    if size.string_length > MAX_STRING_LENGTH:
        return (f"Expected the total string length of property names, definition names, enum values and const "
                f"values to be at most {MAX_STRING_LENGTH} characters when using structured outputs, but received "
                f"{size.string_length}. Consider shortening the schema, or use 'strict: false' to opt out of "
                "structured outputs.")
    return None


def _object_depth(node: Any, definitions: dict[str, Any], following: tuple[str, ...]) -> int:
    """How many objects deep `node` goes, through $refs. A recursive reference adds no depth:
    OpenAI allows recursive schemas, and their depth is up to the model's output."""
    if not isinstance(node, dict):
        return 0
    ref = node.get("$ref")
    if isinstance(ref, str):
        name = ref.rpartition("/")[2]
        if ref == "#" or name in following or name not in definitions:
            return 0
        return _object_depth(definitions[name], definitions, (*following, name))
    below = max((_object_depth(child, definitions, following) for _, child in _children(node, ())), default=0)
    return below + (1 if _is_object_schema(node) else 0)

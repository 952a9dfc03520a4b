"""JSON Schema -> the subset OpenAI accepts with `strict: true`, and back again for the answer.

Strict structured outputs want every object closed (`additionalProperties: false`) with
every property listed in `required`; an optional property becomes a union with null. They
refuse `oneOf`, `allOf`, `not`, conditionals and `default`, and the platform does not rely
on numeric or length constraints being enforced by the model. So `to_strict` rewrites a
schema (as msgspec or a hand-written registry produces it) into that subset, and
`from_strict` turns the model's nulls for optional properties back into absent keys so the
answer can be validated against the original schema, which keeps every constraint.
"""

from __future__ import annotations

import copy
from typing import Any

# Enforced on our side after generation (against the original schema), not asked of the model.
DROPPED_KEYWORDS = frozenset({
    "default", "examples", "discriminator", "minLength", "maxLength", "pattern", "format",
    "minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum", "multipleOf",
    "minItems", "maxItems", "uniqueItems", "minProperties", "maxProperties", "$schema", "readOnly",
    "writeOnly", "deprecated", "contentEncoding", "contentMediaType",
})
NULL = {"type": "null"}


def to_strict(schema: dict[str, Any]) -> dict[str, Any]:
    """A copy of `schema` inside OpenAI's strict subset; the root is always an object."""
    definitions = {**schema.get("definitions", {}), **schema.get("$defs", {})}
    root = _inline_root_ref(schema, definitions)
    strict = _strict_node(root)
    if definitions:
        strict["$defs"] = {name: _strict_node(node) for name, node in definitions.items()}
    if strict.get("type") != "object":
        raise ValueError("strict structured output needs an object at the root of the schema")
    return strict


def _inline_root_ref(schema: dict[str, Any], definitions: dict[str, Any]) -> dict[str, Any]:
    body = {key: value for key, value in schema.items() if key not in ("$defs", "definitions", "$schema")}
    ref = body.get("$ref")
    if ref is not None and len(body) == 1:
        return copy.deepcopy(definitions[_def_name(ref)])
    return body


def _def_name(ref: str) -> str:
    prefix, _, name = ref.rpartition("/")
    if prefix not in ("#/$defs", "#/definitions"):
        raise ValueError(f"only local references are supported, got {ref!r}")
    return name


def _strict_node(node: Any) -> Any:
    if not isinstance(node, dict):
        return node
    if "$ref" in node:
        return {"$ref": "#/$defs/" + _def_name(node["$ref"])}
    out: dict[str, Any] = {}
    for key, value in node.items():
        if key in DROPPED_KEYWORDS:
            continue
        if key in ("oneOf", "anyOf"):
            out["anyOf"] = [_strict_node(branch) for branch in value]
        elif key == "allOf":
            merged = _merge_all_of(value)
            out.update({k: v for k, v in _strict_node(merged).items()})
        elif key == "properties":
            continue  # handled with `required` below
        elif key in ("items", "additionalProperties") and isinstance(value, dict):
            out[key] = _strict_node(value)
        elif key == "prefixItems":
            continue  # not in the subset; `items` below falls back to their union
        else:
            out[key] = copy.deepcopy(value)
    if "prefixItems" in node and "items" not in out:
        out["items"] = {"anyOf": [_strict_node(item) for item in node["prefixItems"]]}
    if _is_object(node):
        properties = node.get("properties", {})
        required = set(node.get("required", []))
        out["properties"] = {name: _strict_node(prop) if name in required else _nullable(_strict_node(prop))
                             for name, prop in properties.items()}
        out["required"] = list(properties)
        out["additionalProperties"] = False
        out.setdefault("type", "object")
    return out


def _is_object(node: dict[str, Any]) -> bool:
    kind = node.get("type")
    return kind == "object" or (isinstance(kind, list) and "object" in kind) or "properties" in node


def _nullable(node: dict[str, Any]) -> dict[str, Any]:
    if node.get("type") == "null" or NULL in node.get("anyOf", []):
        return node
    kind = node.get("type")
    if isinstance(kind, str) and set(node) <= {"type", "description", "title", "enum"} and "enum" not in node:
        return {**node, "type": [kind, "null"]}
    return {"anyOf": [node, NULL]}


def _merge_all_of(parts: list[dict[str, Any]]) -> dict[str, Any]:
    merged: dict[str, Any] = {}
    for part in parts:
        for key, value in part.items():
            if key == "properties":
                merged.setdefault("properties", {}).update(value)
            elif key == "required":
                merged["required"] = sorted(set(merged.get("required", [])) | set(value))
            else:
                merged[key] = value
    return merged


def from_strict(value: Any, schema: dict[str, Any]) -> Any:
    """`value` as the original `schema` wants it: optional properties the model set to
    null are removed again (unless the original property itself allows null)."""
    definitions = {**schema.get("definitions", {}), **schema.get("$defs", {})}
    return _restore(value, schema, definitions, depth=0)


def _resolve(node: dict[str, Any], definitions: dict[str, Any]) -> dict[str, Any]:
    while isinstance(node, dict) and "$ref" in node:
        node = definitions[_def_name(node["$ref"])]
    return node


def _restore(value: Any, node: Any, definitions: dict[str, Any], depth: int) -> Any:
    if depth > 64 or not isinstance(node, dict):
        return value
    node = _resolve(node, definitions)
    branches = node.get("anyOf") or node.get("oneOf")
    if branches:
        return _restore(value, _best_branch(value, branches, definitions), definitions, depth + 1)
    if "allOf" in node:
        node = _merge_all_of([_resolve(part, definitions) for part in node["allOf"]])
    if isinstance(value, dict) and _is_object(node):
        properties = node.get("properties", {})
        required = set(node.get("required", []))
        restored = {}
        for key, item in value.items():
            prop = properties.get(key)
            if item is None and key not in required and not _allows_null(prop, definitions):
                continue
            extra = node.get("additionalProperties")
            restored[key] = _restore(item, prop if prop is not None else extra, definitions, depth + 1)
        return restored
    if isinstance(value, list) and isinstance(node.get("items"), dict):
        return [_restore(item, node["items"], definitions, depth + 1) for item in value]
    return value


def _allows_null(node: Any, definitions: dict[str, Any]) -> bool:
    if not isinstance(node, dict):
        return node is None
    node = _resolve(node, definitions)
    kind = node.get("type")
    if kind == "null" or (isinstance(kind, list) and "null" in kind):
        return True
    return any(_allows_null(branch, definitions) for branch in node.get("anyOf", []) + node.get("oneOf", []))


def _best_branch(value: Any, branches: list[dict[str, Any]], definitions: dict[str, Any]) -> dict[str, Any]:
    """The union branch `value` was written for: matching JSON type, then tag, then keys."""

    def score(branch: dict[str, Any]) -> tuple[int, int, int]:
        branch = _resolve(branch, definitions)
        same_type = _json_type_matches(value, branch)
        tag_match = 0
        key_overlap = 0
        if isinstance(value, dict) and isinstance(branch.get("properties"), dict):
            properties = branch["properties"]
            key_overlap = len(set(value) & set(properties)) - len(set(value) - set(properties))
            for key, prop in properties.items():
                prop = _resolve(prop, definitions) if isinstance(prop, dict) else {}
                allowed = prop.get("enum") or ([prop["const"]] if "const" in prop else None)
                if allowed is not None and key in value:
                    tag_match += 1 if value[key] in allowed else -100
        return (int(same_type), tag_match, key_overlap)

    return max(branches, key=score)


def _json_type_matches(value: Any, node: dict[str, Any]) -> bool:
    kinds = node.get("type")
    if kinds is None:
        return True
    kinds = kinds if isinstance(kinds, list) else [kinds]
    actual = {dict: "object", list: "array", str: "string", bool: "boolean", type(None): "null"}.get(type(value))
    if actual is None:
        actual = "integer" if isinstance(value, int) else "number"
    return actual in kinds or (actual == "integer" and "number" in kinds)

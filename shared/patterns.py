"""The one rule for the patterns that validate input (msgspec `Meta(pattern=...)`): a pattern
is anchored at both ends, `^` (or `\\A`) first and `\\Z` last, never `$`.

Why not `$`: msgspec matches a pattern with Python's `re.search`, whose `$` also matches just
before a final newline, so `^#[0-9a-f]{6}$` takes "#ffffff\\n" and the newline reaches HTML,
SVG and the database. `\\Z` is the very end of the text. The unit test
tests/unit/shared/test_patterns.py walks every Struct of services/ and shared/ and refuses
a pattern that is not anchored this way, so a new schema is held to it too.

JSON Schema (the OpenAPI documents, the registry the editor reads, the schemas given to the
model) speaks ECMA-262, where `\\Z` does not exist and `$` is already the very end of the
text: `json_schema` and `for_json_schema` write the same rule in that dialect.
"""

from __future__ import annotations

import re
from typing import Any

import msgspec

try:  # Python 3.11 renamed sre_parse to re._parser
    from re import _parser as sre_parse  # type: ignore[attr-defined]
except ImportError:  # pragma: no cover
    import sre_parse  # type: ignore[no-redef]

# A `\Z` or `\A` that is an escape of its own (not the second half of an escaped backslash).
_END = re.compile(r"(?<!\\)((?:\\\\)*)\\Z")
_START = re.compile(r"^\\A")


def for_json_schema(pattern: str) -> str:
    """`pattern` as JSON Schema (ECMA-262) reads it: `\\A` and `\\Z` become `^` and `$`."""
    if "\\" not in pattern:
        return pattern
    return _END.sub(lambda found: found.group(1) + "$", _START.sub("^", pattern))


def in_json_schema(schema: Any) -> Any:
    """Every `pattern` (and `patternProperties` key) inside a JSON Schema document rewritten
    by `for_json_schema`, in place; returns the document."""
    if isinstance(schema, dict):
        for key, value in schema.items():
            if key == "pattern" and isinstance(value, str):
                schema[key] = for_json_schema(value)
            elif key == "patternProperties" and isinstance(value, dict):
                schema[key] = {for_json_schema(name): in_json_schema(inner) for name, inner in value.items()}
            else:
                in_json_schema(value)
    elif isinstance(schema, list):
        for item in schema:
            in_json_schema(item)
    return schema


def json_schema(kind: Any) -> dict[str, Any]:
    """msgspec's JSON Schema of `kind`, its patterns written for JSON Schema."""
    return in_json_schema(msgspec.json.schema(kind))


def anchored(pattern: str) -> bool:
    """Whether every text `pattern` matches is matched whole: it starts with `^` or `\\A`
    and ends with `\\Z` at its top level (so no top-level `|` escapes either anchor)."""
    items = list(sre_parse.parse(pattern))
    if len(items) < 2:
        return False
    (first_op, first_at), (last_op, last_at) = items[0], items[-1]
    return (first_op == sre_parse.AT and first_at in (sre_parse.AT_BEGINNING, sre_parse.AT_BEGINNING_STRING)
            and last_op == sre_parse.AT and last_at == sre_parse.AT_END_STRING)

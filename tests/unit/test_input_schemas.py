"""The input rules every schema is held to, read from the code so that a Struct written
tomorrow is held to them the day it is written:

- every pattern of every msgspec Struct (and type alias) in services/ and shared/ is anchored
  at both ends, `^`/`\\A` and `\\Z`, never `$`, which Python also matches before a final
  newline (shared/patterns.py); so is every module-level regex that starts with `^`;
- every JSON Schema we hand out (OpenAPI documents, the registry, the model's schemas) has
  those patterns in JSON Schema's dialect (`$`), which is the same rule there;
- every integer a route takes in its body is bounded by the integer column it lands in
  (`le=INT4_MAX`, shared/db.py), so a larger one is a 422 naming the field."""

from __future__ import annotations

import importlib
import json
import pkgutil
import re
import typing
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import msgspec
import msgspec.inspect as mi
import pytest
from litestar.handlers import HTTPRouteHandler

from shared.db import INT4_MAX
from shared.patterns import anchored, for_json_schema, in_json_schema

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("shared", "services.identity", "services.cms", "services.assets", "services.billing",
            "services.gateway")


def all_modules() -> list[ModuleType]:
    found = []
    for name in PACKAGES:
        package = importlib.import_module(name)
        found.append(package)
        for info in pkgutil.walk_packages(package.__path__, f"{name}."):
            if name == "shared" and info.name.startswith("shared.dev"):
                continue  # tooling, not what takes requests
            found.append(importlib.import_module(info.name))
    return found


MODULES = all_modules()


def own_types(module: ModuleType) -> Iterator[tuple[str, Any]]:
    """The Structs and the `Annotated` aliases a module defines."""
    for name, value in vars(module).items():
        struct = isinstance(value, type) and issubclass(value, msgspec.Struct) and value.__module__ == module.__name__
        if struct or typing.get_origin(value) is typing.Annotated:
            yield f"{module.__name__}.{name}", value


def walk(kind: mi.Type, where: str, seen: set[type]) -> Iterator[tuple[str, mi.Type]]:
    """Every type inside `kind`, with where it sits."""
    yield where, kind
    if isinstance(kind, mi.Metadata):
        yield from walk(kind.type, where, seen)
    elif isinstance(kind, mi.StructType | mi.DataclassType | mi.TypedDictType | mi.NamedTupleType):
        if kind.cls in seen:
            return
        seen.add(kind.cls)
        for field in kind.fields:
            yield from walk(field.type, f"{where}.{field.name}", seen)
    elif isinstance(kind, mi.UnionType):
        for member in kind.types:
            yield from walk(member, where, seen)
    elif isinstance(kind, mi.ListType | mi.SetType | mi.FrozenSetType | mi.VarTupleType):
        yield from walk(kind.item_type, f"{where}[]", seen)
    elif isinstance(kind, mi.TupleType):
        for index, item in enumerate(kind.item_types):
            yield from walk(item, f"{where}[{index}]", seen)
    elif isinstance(kind, mi.DictType):
        yield from walk(kind.key_type, f"{where}{{key}}", seen)
        yield from walk(kind.value_type, f"{where}{{}}", seen)


def schema_patterns() -> dict[str, str]:
    """Every pattern of every Struct and alias of services/ and shared/, by where it sits."""
    patterns: dict[str, str] = {}
    for module in MODULES:
        for where, kind in own_types(module):
            try:
                info = mi.type_info(kind)
            except (TypeError, ValueError):  # not a type msgspec reads
                continue
            for place, inner in walk(info, where, set()):
                if isinstance(inner, mi.StrType | mi.DictType) and getattr(inner, "pattern", None):
                    patterns[place] = inner.pattern  # type: ignore[union-attr]
    return patterns


PATTERNS = schema_patterns()


def test_the_walk_sees_the_patterns_the_probe_named() -> None:
    """The walk can fail: it finds the theme's colour, the registry's links, the shop's paths."""
    places = "\n".join(PATTERNS)
    for expected in ("shared.theme.Colors.primary", "services.cms.registry.ButtonProps.href",
                     "services.billing.schemas.CheckoutIn.success_path", "services.billing.schemas.ProductIn.currency"):
        assert expected in places, places
    assert len(PATTERNS) >= 20


@pytest.mark.parametrize("place", sorted(PATTERNS))
def test_every_schema_pattern_is_anchored_at_both_ends(place: str) -> None:
    pattern = PATTERNS[place]
    assert anchored(pattern), f"{place}: {pattern!r} must start with ^ (or \\A) and end with \\Z, not $"


def module_regexes() -> dict[str, re.Pattern[str]]:
    """Module-level regexes anchored at the start: validators. The offline writers' (cms's
    offline_*.py, reading briefs for facts and phrases) are heuristics over text, not checks of
    input, and are left out."""
    return {f"{module.__name__}.{name}": value for module in MODULES for name, value in vars(module).items()
            if isinstance(value, re.Pattern) and isinstance(value.pattern, str) and value.pattern.startswith("^")
            and not value.flags & re.MULTILINE and not module.__name__.rsplit(".", 1)[-1].startswith("offline_")}


def test_every_module_regex_that_starts_with_a_caret_ends_with_backslash_z() -> None:
    """A validator written as `re.compile(r"^...$")` and used with `.match` is the same hole."""
    found = module_regexes()
    assert "services.cms.favicons.HEX" in found and "services.cms.tree.NODE_ID" in found
    wrong = {name: regex.pattern for name, regex in found.items() if regex.pattern.endswith("$")}
    assert not wrong, wrong


@pytest.mark.parametrize(("pattern", "expected"), [
    (r"^#[0-9a-f]{6}\Z", True), (r"\A[a-z]+\Z", True), (r"^(a|b)\Z", True),
    (r"^#[0-9a-f]{6}$", False),  # takes "#ffffff\n"
    (r"^a|b\Z", False), (r"^a\Z|b", False),  # a top-level | escapes one anchor
    (r"#[0-9a-f]{6}\Z", False), (r"^[a-z]+", False), (r"^x\\Z", False),  # \\Z is a backslash and Z
])
def test_anchored_says_what_the_rule_says(pattern: str, expected: bool) -> None:
    assert anchored(pattern) is expected


@pytest.mark.parametrize("place", sorted(PATTERNS))
def test_no_pattern_takes_a_trailing_newline(place: str) -> None:
    """The behaviour the anchoring buys: whatever a pattern takes, it refuses with "\\n" after it."""
    pattern = PATTERNS[place]
    taken = [sample for sample in SAMPLES if re.search(pattern, sample)]
    for sample in taken:
        assert not re.search(pattern, sample + "\n"), (place, sample)


# Texts some pattern of ours takes; each is tried against every pattern.
SAMPLES = ["", "#ffffff", "en", "en-GB", "/", "/about", "#top", "https://example.com/x", "mailto:a@b.example",
           "a@b.example", "+41 22 345 67 89", "eur", "pain-de-mie", "hero", "email", "section-1",
           "https://www.youtube.com/watch?v=abcdefgh", "https://vimeo.com/123456"]


def test_the_variants_the_probe_found_are_refused_and_their_twins_pass() -> None:
    from services.cms.registry import Href
    from shared.theme import Hex

    for value in ("#ffffff\n", "#fff", "#ffffff "):
        with pytest.raises(msgspec.ValidationError):
            msgspec.convert(value, Hex)
    assert msgspec.convert("#ffffff", Hex) == "#ffffff"
    control = [chr(code) for code in (*range(0x20), 0x7F)]
    for good in ("/x", "#x", "https://x.example/a?b=c#d", "mailto:a@b.example", "/"):
        assert msgspec.convert(good, Href) == good
        for char in control:  # anywhere in a URL: at the end, inside, after the scheme
            for bad in (good + char, good[:1] + char + good[1:], good + char + "x"):
                with pytest.raises(msgspec.ValidationError):
                    msgspec.convert(bad, Href)


# --- JSON Schema: the same rule in its dialect ---------------------------------------------


@pytest.mark.parametrize(("python", "json_schema"), [
    (r"^#[0-9a-f]{6}\Z", "^#[0-9a-f]{6}$"), (r"\A[a-z]\Z", "^[a-z]$"), (r"^x\\Z", r"^x\\Z"),
    (r"^x\\\Z", r"^x\\$"), ("^plain$", "^plain$"),
])
def test_patterns_are_written_for_json_schema(python: str, json_schema: str) -> None:
    assert for_json_schema(python) == json_schema
    assert re.fullmatch(r"(?:[^\\]|\\.)*", json_schema)  # still a well-formed escape sequence


def no_python_only_anchor(document: Any) -> list[str]:
    text = json.dumps(document)
    return re.findall(r'"pattern": "[^"]*(?<!\\)(?:\\\\\\\\)*\\\\[AZ][^"]*"', text)


def test_every_json_schema_handed_out_has_json_schema_patterns() -> None:
    from services.cms import generation, registry

    documents = {"registry": registry.document(), "tree": registry.tree_schema(),
                 "plan": generation.plan_schema(), "page plan": generation.page_plan_schema(3)}
    for name in ("openapi.json", "asyncapi.json"):
        documents[name] = json.loads((ROOT / "services" / "gateway" / "api" / name).read_text())
    for name, document in documents.items():
        assert not no_python_only_anchor(document), name
    assert json.dumps(documents["registry"]).count('"pattern"') >= 5  # the check read patterns
    assert no_python_only_anchor({"pattern": r"^a\Z"}) and not no_python_only_anchor(in_json_schema(
        {"pattern": r"^a\Z"}))  # and can fail


# --- integers: as large as the column they land in -----------------------------------------


def route_handlers() -> list[HTTPRouteHandler]:
    return [value for module in MODULES for value in vars(module).values() if isinstance(value, HTTPRouteHandler)]


def body_integers() -> dict[str, mi.IntType]:
    found: dict[str, mi.IntType] = {}
    for handler in route_handlers():
        hints = typing.get_type_hints(handler.fn, include_extras=True)
        if "data" not in hints:
            continue
        for place, kind in walk(mi.type_info(hints["data"]), f"{sorted(handler.paths)[0]} data", set()):
            if isinstance(kind, mi.IntType):
                found[place] = kind
    return found


INTEGERS = body_integers()


def test_the_walk_sees_the_integers_the_probe_named() -> None:
    places = "\n".join(INTEGERS)
    for expected in ("/products data.inventory", "/site-publications data.pages[].revision",
                     "/orders/{order_id:uuid}/refund data.amount"):
        assert expected in places, places


@pytest.mark.parametrize("place", sorted(INTEGERS))
def test_every_integer_of_a_request_body_fits_an_integer_column(place: str) -> None:
    kind = INTEGERS[place]
    most = kind.le if kind.le is not None else (kind.lt - 1 if kind.lt is not None else None)
    assert most is not None and most <= INT4_MAX, f"{place} needs Meta(le=INT4_MAX) or less"

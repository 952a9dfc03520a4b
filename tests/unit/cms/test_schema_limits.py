"""Every schema cms sends to a model stays far inside OpenAI's strict structured-output
limits, measured the way the test server measures them (tests/servers/openai_strict_subset.py),
so the registry can grow several times over before any request nears a refusal.

Sizes (properties, enum values, characters) may use a quarter of each limit: they grow with
the registry. Depth does not (a new component adds width, not depth), and a quarter of ten
levels would not hold a node with a list of items, so depth keeps three levels spare for every
schema and half the limit for the one-block schemas a page's sections are generated with.
"""

from __future__ import annotations

import json
import uuid
from typing import Any

import msgspec
import pytest

from services.cms import ai_edits, registry, schemas
from shared.ai.strict_schema import to_strict
from tests.servers.openai_strict_subset import (
    MAX_ENUM_VALUES,
    MAX_LARGE_ENUM_LENGTH,
    MAX_NESTING_DEPTH,
    MAX_OBJECT_PROPERTIES,
    MAX_STRING_LENGTH,
    SchemaSize,
    schema_size,
    strict_schema_problem,
)

SHARE = 0.25
SPARE_LEVELS = 3
CONTAINERS = frozenset(name for name, spec in registry.COMPONENTS.items() if spec.children)


def overruns(size: SchemaSize, *, max_depth: int) -> list[str]:
    """Each measure of `size` over its budget, named (empty when all fit)."""
    budgets = {"properties": (size.properties, MAX_OBJECT_PROPERTIES * SHARE),
               "enum values": (size.enum_values, MAX_ENUM_VALUES * SHARE),
               "characters": (size.string_length, MAX_STRING_LENGTH * SHARE),
               "characters of the largest enum": (size.largest_enum[1], MAX_LARGE_ENUM_LENGTH * SHARE),
               "depth": (size.depth, max_depth)}
    return [f"{name}: {used} > {budget:g}" for name, (used, budget) in budgets.items() if used > budget]


def assert_far_inside(schema: dict[str, Any], *, max_depth: int = MAX_NESTING_DEPTH - SPARE_LEVELS) -> None:
    assert strict_schema_problem(schema) is None, strict_schema_problem(schema)
    assert not overruns(schema_size(schema), max_depth=max_depth)


@pytest.mark.parametrize("component", sorted(registry.COMPONENTS))
def test_a_nodes_schema_is_far_inside_the_limits(component: str) -> None:
    leaf = component not in CONTAINERS
    depth = MAX_NESTING_DEPTH // 2 if leaf else MAX_NESTING_DEPTH - SPARE_LEVELS
    assert_far_inside(to_strict(ai_edits.node_schema(component)), max_depth=depth)


@pytest.mark.parametrize("component", sorted(registry.COMPONENTS))
def test_an_edits_schema_is_far_inside_the_limits(component: str) -> None:
    assert_far_inside(to_strict(ai_edits.edit_schema(component, "x", [])))


def test_the_site_plan_schema_is_far_inside_the_limits() -> None:
    site_plan = getattr(schemas, "SitePlan", None)
    if site_plan is None:
        pytest.skip("services.cms.schemas.SitePlan is not defined yet (the lead adds it)")
    assert_far_inside(to_strict(msgspec.json.schema(site_plan)), max_depth=MAX_NESTING_DEPTH // 2)


def test_the_budget_check_names_what_overruns() -> None:
    # the check above can fail: a schema at a third of a limit is over budget
    wide = {"type": "object", "properties": {f"p{n}": {"type": "string"} for n in range(1700)},
            "required": [f"p{n}" for n in range(1700)], "additionalProperties": False}
    assert strict_schema_problem(wide) is None
    assert overruns(schema_size(wide), max_depth=7) == ["properties: 1700 > 1250"]


def copies_of(schema: dict[str, Any], copies: int) -> dict[str, Any]:
    """One object holding `copies` independent copies of `schema` (definitions renamed, so
    each copy counts in full, as a registry that many times larger would)."""
    text = json.dumps(schema)
    properties, definitions = {}, {}
    for n in range(copies):
        copy = json.loads(text.replace('"#/$defs/', f'"#/$defs/c{n}_'))
        definitions.update({f"c{n}_{name}": node for name, node in copy.pop("$defs").items()})
        properties[f"copy{n}"] = copy
    return {"type": "object", "properties": properties, "required": list(properties),
            "additionalProperties": False, "$defs": definitions}


def test_a_whole_page_schema_grown_enough_times_is_refused() -> None:
    """What the per-section schemas avoid: the whole page tree in one request, with the
    registry grown N-fold, is refused by the server's limits."""
    tree = to_strict(registry.tree_schema())
    assert strict_schema_problem(tree) is None
    copies = next(n for n in range(2, 100) if strict_schema_problem(copies_of(tree, n)) is not None)
    problem = strict_schema_problem(copies_of(tree, copies))
    assert problem is not None and ("limit of" in problem or "Expected at most" in problem), problem
    assert strict_schema_problem(copies_of(tree, copies - 1)) is None  # its allowed twin


def test_an_edit_of_a_page_with_many_pictures_is_inside_the_limits() -> None:
    # The block's known ids are listed once (a $defs entry every id field references), so the
    # enum values an edit schema counts grow with the pictures, not with pictures times id fields.
    known = [str(uuid.UUID(int=n)) for n in range(400)]
    assert strict_schema_problem(to_strict(ai_edits.edit_schema("Page", "x", known))) is None

"""The fast path of tree validation (one msgspec decode into the generated node types) agrees
with the walker (`check_tree`): the same stored tree for a valid one, without the walker
running; the same pointer and problem for an invalid one, from a document or from bytes."""

import copy
import random
from collections.abc import Callable
from functools import cache
from typing import Any

import msgspec
import msgspec.inspect
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from services.cms import registry, tree
from services.cms.tree import MAX_BYTES, MAX_DEPTH, MAX_NODES, TreeInvalid, check_tree, validate, validate_json
from shared.ai.offline_generation import generate_instance
from shared.errors import BadRequest
from tests.unit.cms.test_tree import SAMPLE_PROPS

ASSET = "0b8e7d2a-3f7e-4b8e-9a53-2d2b9f1b2c11"


@cache
def full_props(name: str) -> dict[str, Any]:
    """Props the offline model writes for the component: most optional props set."""
    return generate_instance(registry.props_schema(name), f"a {name} for a bakery in Porto")


def props_for(name: str, rng: random.Random) -> dict[str, Any]:
    # The hand-written samples leave defaults out; the registry may hold components they lack.
    choices = [full_props(name)] + ([SAMPLE_PROPS[name]] if name in SAMPLE_PROPS else [])
    return copy.deepcopy(rng.choice(choices))


def random_tree(rng: random.Random, width: int, depth: int = 4) -> dict[str, Any]:
    counter = iter(range(10**6))

    def node(name: str, level: int) -> dict[str, Any]:
        allowed = sorted(registry.COMPONENTS[name].children)
        children = [] if not allowed or level >= depth else [
            node(rng.choice(allowed), level + 1) for _ in range(rng.randint(0, width))]
        made = {"id": f"n{next(counter)}", "component": name, "props": props_for(name, rng), "children": children}
        if not children and rng.random() < 0.2:
            del made["children"]  # the walker takes a missing list as empty
        return made

    return {"root": node("Page", 1)}


def every_node(document: dict[str, Any]) -> list[dict[str, Any]]:
    found, stack = [], [document["root"]]
    while stack:
        node = stack.pop()
        found.append(node)
        stack.extend(node.get("children", []))
    return found


@pytest.fixture
def walker_calls(monkeypatch: pytest.MonkeyPatch) -> list[Any]:
    """Every document the walker is asked about while the test runs."""
    calls: list[Any] = []

    def recorded(document: Any) -> dict[str, Any]:
        calls.append(document)
        return check_tree(document)

    monkeypatch.setattr(tree, "check_tree", recorded)
    return calls


def outcome(run: Callable[[], dict[str, Any]]) -> tuple[str, Any]:
    try:
        return "stored", run()
    except TreeInvalid as exc:
        return "refused", (exc.pointer, exc.errors, str(exc), exc.status)


def assert_all_agree(document: Any) -> tuple[str, Any]:
    expected = outcome(lambda: check_tree(copy.deepcopy(document)))
    assert outcome(lambda: validate(copy.deepcopy(document))) == expected
    assert outcome(lambda: validate_json(msgspec.json.encode(document))) == expected
    return expected


def test_node_types_follow_the_registry() -> None:
    assert set(tree.NODE_TYPES) == set(registry.COMPONENTS)
    for name, node_type in tree.NODE_TYPES.items():
        assert node_type.__struct_config__.tag == name and node_type.__struct_config__.tag_field == "component"


@given(seed=st.integers(0, 10**9), width=st.integers(0, 4))
@settings(max_examples=150, suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
          deadline=None)
def test_valid_trees_are_stored_alike_without_the_walker(seed: int, width: int, walker_calls: list[Any]) -> None:
    document = random_tree(random.Random(seed), width)
    expected = check_tree(copy.deepcopy(document))
    walker_calls.clear()
    assert validate(copy.deepcopy(document)) == expected
    assert validate_json(msgspec.json.encode(document)) == expected
    assert validate_json(msgspec.json.encode(document, order="sorted")) == expected  # key order is free
    assert walker_calls == []
    assert msgspec.json.encode(expected, order="sorted") == msgspec.json.encode(validate(expected), order="sorted")


def test_every_parent_and_child_pair_is_judged_as_the_registry_says(walker_calls: list[Any]) -> None:
    rng = random.Random(7)
    for parent in registry.COMPONENTS:
        for child in registry.COMPONENTS:
            inner = {"id": "child", "component": child, "props": props_for(child, rng), "children": []}
            holder = {"id": "parent", "component": parent, "props": props_for(parent, rng), "children": [inner]}
            document = {"root": holder if parent == "Page" else
                        {"id": "page", "component": "Page", "props": {"title": "T"}, "children": [holder]}}
            allowed = child in registry.COMPONENTS[parent].children and \
                (parent == "Page" or parent in registry.COMPONENTS["Page"].children)
            walker_calls.clear()
            kind, _ = assert_all_agree(document)
            assert kind == ("stored" if allowed else "refused"), (parent, child)
            assert (walker_calls == []) == allowed, (parent, child)  # valid: fast path; refused: the walker


def _limits(document: dict[str, Any], mutation: str, rng: random.Random) -> None:
    page = document["root"]
    if mutation == "too deep":
        deep: dict[str, Any] = {"id": "leaf", "component": "Heading", "props": {"text": "x"}, "children": []}
        for level in range(MAX_DEPTH - 1 + rng.randint(0, 2)):  # 11 levels below the Page: exactly the limit
            deep = {"id": f"deep{level}", "component": "Section", "props": {}, "children": [deep]}
        page.setdefault("children", []).append(deep)
    elif mutation == "too many nodes":
        page.setdefault("children", []).extend(
            {"id": f"many{i}", "component": "Heading", "props": {"text": "x"}, "children": []}
            for i in range(MAX_NODES - len(every_node(document)) + rng.randint(0, 2)))
    elif mutation == "too large":
        page.setdefault("children", []).extend(
            {"id": f"big{i}", "component": "RichText", "props": {"markdown": "x" * 19_990}, "children": []}
            for i in range(MAX_BYTES // 20_000 + rng.randint(-1, 1)))


MUTATIONS = ["unknown component", "wrong child", "child of a leaf", "duplicate id", "bad id", "id with a newline",
             "id not a string", "wrong prop type", "unknown prop", "missing required prop", "props missing",
             "props null", "raw html", "javascript link", "unknown node field", "children not a list",
             "node not an object", "root not a page", "root without a component", "extra top-level key",
             "too deep", "too many nodes", "too large"]


@given(seed=st.integers(0, 10**9), mutation=st.sampled_from(MUTATIONS))
@settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow], deadline=None)
def test_fast_path_and_walker_agree_on_broken_trees(seed: int, mutation: str) -> None:
    rng = random.Random(seed)
    document = random_tree(rng, 3)
    nodes = every_node(document)
    victim = rng.choice(nodes[1:]) if len(nodes) > 1 else nodes[0]
    if mutation == "unknown component":
        victim["component"] = "Marquee"
    elif mutation == "wrong child":
        victim["component"], victim["props"] = "Columns", {}
        victim["children"] = [{"id": "nested", "component": "Columns", "props": {}, "children": []}]
    elif mutation == "child of a leaf":
        victim["component"], victim["props"] = "Heading", {"text": "x"}
        victim["children"] = [{"id": "orphan", "component": "Heading", "props": {"text": "y"}, "children": []}]
    elif mutation == "duplicate id":
        victim["id"] = rng.choice(nodes)["id"]
    elif mutation == "bad id":
        victim["id"] = rng.choice(["has space", "", "x" * 65, "é", "a/b"])
    elif mutation == "id with a newline":
        victim["id"] = rng.choice(["a\nb", "ok\n", "\nok"])  # "ok\n" passes the walker's `$`; so must it here
    elif mutation == "id not a string":
        victim["id"] = rng.choice([7, None, ["x"]])
    elif mutation == "wrong prop type":
        victim["component"], victim["props"], victim["children"] = "Heading", {"text": 42}, []
    elif mutation == "unknown prop":
        victim["props"]["onclick"] = "alert(1)"
    elif mutation == "missing required prop":
        victim["component"], victim["props"], victim["children"] = "Button", {"label": "Go"}, []
    elif mutation == "props missing":
        del victim["props"]  # fine where every prop has a default (Section), refused elsewhere
    elif mutation == "props null":
        victim["props"] = None
    elif mutation == "raw html":
        victim["component"], victim["props"], victim["children"] = "RichText", {"markdown": "<b>x</b>"}, []
    elif mutation == "javascript link":
        victim["component"], victim["props"], victim["children"] = "Button", {"label": "x",
                                                                             "href": "javascript:alert(1)"}, []
    elif mutation == "unknown node field":
        victim[rng.choice(["style", "Children", "key"])] = "x"
    elif mutation == "children not a list":
        victim["children"] = rng.choice([None, {}, "x"])
    elif mutation == "node not an object":
        document["root"].setdefault("children", []).append(rng.choice([None, "Heading", [], 3]))
    elif mutation == "root not a page":
        document["root"]["component"] = rng.choice(["Section", "Heading"])
    elif mutation == "root without a component":
        del document["root"]["component"]
    elif mutation == "extra top-level key":
        document["version"] = 1
    else:
        _limits(document, mutation, rng)
    assert_all_agree(document)


def test_the_limits_are_inclusive_on_both_paths(walker_calls: list[Any]) -> None:
    """Exactly MAX_DEPTH levels and exactly MAX_NODES nodes are stored by the fast path."""
    deep: dict[str, Any] = {"id": "leaf", "component": "Heading", "props": {"text": "x"}, "children": []}
    for level in range(MAX_DEPTH - 2):
        deep = {"id": f"s{level}", "component": "Section", "props": {}, "children": [deep]}
    wide = [{"id": f"h{i}", "component": "Heading", "props": {"text": "x"}, "children": []}
            for i in range(MAX_NODES - MAX_DEPTH)]  # the Page and the deep chain are the other 12
    document = {"root": {"id": "p", "component": "Page", "props": {"title": "t"}, "children": [deep, *wide]}}
    assert len(every_node(document)) == MAX_NODES
    assert assert_all_agree(document)[0] == "stored" and walker_calls == []
    document["root"]["children"].append({"id": "one-more", "component": "Heading", "props": {"text": "x"}})
    last = len(document["root"]["children"]) - 1
    assert assert_all_agree(document)[1][:2] == (f"/root/children/{last}", [
        {"pointer": f"/root/children/{last}", "problem": f"more than {MAX_NODES} nodes"}])


def test_the_bytes_may_say_the_same_tree_in_other_ways() -> None:
    document = {"root": {"id": "p", "component": "Page", "props": {"title": "Home"}, "children": [
        {"id": "img", "component": "Image", "props": {"asset_id": ASSET.upper(), "alt": "Caf\u00e9 </b>"}}]}}
    expected = check_tree(document)
    assert expected["root"]["children"][0]["props"]["asset_id"] == ASSET  # UUIDs are stored in one spelling
    spaced = msgspec.json.format(msgspec.json.encode(document), indent=4)
    escaped = msgspec.json.encode(document).replace(b"Caf\xc3\xa9", b"Caf\\u00e9").replace(b"/b", b"\\/b")
    repeated = msgspec.json.encode(document).replace(b'"title":"Home"', b'"title":"Old","title":"Home"')
    for raw in (spaced, escaped, repeated):
        assert validate_json(raw) == expected == validate(msgspec.json.decode(raw))


def test_a_repeated_component_key_counts_as_the_decoded_document_says() -> None:
    raw = (b'{"root":{"id":"p","component":"Page","props":{"title":"T"},"children":[{"id":"h",'
           b'"component":"Button","component":"Heading","props":{"text":"x"},"children":[]}]}}')
    assert outcome(lambda: validate_json(raw)) == outcome(lambda: check_tree(msgspec.json.decode(raw)))


def test_bytes_over_the_limit_that_hold_a_smaller_document_are_judged_by_the_document() -> None:
    document = {"root": {"id": "p", "component": "Page", "props": {"title": "T"}, "children": []}}
    padded = msgspec.json.encode(document).replace(b",", b"," + b" " * (MAX_BYTES // 2))
    assert len(padded) > MAX_BYTES
    assert validate_json(padded) == check_tree(document)


def test_a_number_where_an_int_belongs_is_refused_alike() -> None:
    for level in ("2.0", "1e2", "true", '"2"'):
        raw = (b'{"root":{"id":"p","component":"Page","props":{"title":"T"},"children":[{"id":"h",'
               b'"component":"Heading","props":{"text":"x","level":' + level.encode() + b'},"children":[]}]}}')
        kind, _ = assert_all_agree(msgspec.json.decode(raw))
        assert kind == "refused" and outcome(lambda: validate_json(raw))[0] == "refused"  # noqa: B023


def test_bytes_that_are_not_json_are_a_bad_request() -> None:
    for raw in (b"", b"{", b'{"root":', b"\xff"):
        with pytest.raises(BadRequest):
            validate_json(raw)


def test_only_types_that_do_not_grow_when_encoded_again_trust_the_raw_length() -> None:
    class Measured(msgspec.Struct):
        ratio: float

    class Named(msgspec.Struct):
        name: str
        count: int
        tags: list[str]

    assert not tree._keeps_its_length(msgspec.inspect.type_info(Measured), set())  # 1e15 encodes as 1000000000000000.0
    assert tree._keeps_its_length(msgspec.inspect.type_info(Named), set())
    assert tree._RAW_LENGTH_BOUNDS_THE_DOCUMENT  # the registry holds strings, ints, booleans and UUIDs

"""The registry and tree validation: valid trees round-trip, invalid ones are refused with
the JSON pointer of the first bad node."""

import copy
import random
from typing import Any

import msgspec
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from jsonschema import Draft202012Validator

from services.cms import registry
from services.cms.tree import MAX_DEPTH, MAX_NODES, TreeInvalid, diff, starter, validate
from shared.ai.offline_generation import generate_instance

SAMPLE_PROPS: dict[str, dict[str, Any]] = {
    "Page": {"title": "Home"}, "Section": {}, "Columns": {"count": 3}, "Hero": {"headline": "Hello"},
    "Heading": {"text": "Hi"}, "RichText": {"markdown": "Some *text*."},
    "Image": {"asset_id": "0b8e7d2a-3f7e-4b8e-9a53-2d2b9f1b2c11", "alt": "a cat"},
    "Gallery": {"images": [{"asset_id": "0b8e7d2a-3f7e-4b8e-9a53-2d2b9f1b2c11", "alt": "x"}]},
    "Button": {"label": "Go", "href": "/contact"}, "FeatureGrid": {"features": [{"title": "Fast"}]},
    "Testimonial": {"quote": "Great."}, "PricingTable": {"plans": [{"name": "Pro", "price": "9 EUR"}]},
    "PriceList": {"items": [{"name": "Puncture repair", "price": "£12"}]},
    "FAQ": {"items": [{"question": "Why?", "answer": "Because."}]},
    "ContactForm": {"fields": [{"name": "email", "label": "E-mail", "kind": "email"}]},
    "ProductGrid": {"product_ids": ["0b8e7d2a-3f7e-4b8e-9a53-2d2b9f1b2c11"]},
    "Navbar": {"brand": "Acme"}, "Footer": {"text": "(c) Acme"},
    "Video": {"url": "https://www.youtube.com/watch?v=dQw4w9WgXcQ"},
    "MediaText": {"rows": [{"heading": "Row"}]}, "Stats": {"items": [{"value": "12", "label": "years"}]},
    "LogoCloud": {"logos": [{"asset_id": "0b8e7d2a-3f7e-4b8e-9a53-2d2b9f1b2c11", "alt": "Acme"}]},
    "Team": {"members": [{"name": "Ada"}]}, "CallToAction": {"heading": "Come by"},
    "Testimonials": {"items": [{"quote": "Great."}]}, "ContactBlock": {"phone": "+33 1 23 45 67 89"},
}


def random_tree(rng: random.Random, size: int) -> dict[str, Any]:
    counter = iter(range(10**6))

    def node(name: str, depth: int) -> dict[str, Any]:
        allowed = sorted(registry.COMPONENTS[name].children)
        children = [] if not allowed or depth >= 4 else [
            node(rng.choice(allowed), depth + 1) for _ in range(rng.randint(0, size))]
        return {"id": f"n{next(counter)}", "component": name, "props": copy.deepcopy(SAMPLE_PROPS[name]),
                "children": children}

    return {"root": node("Page", 1)}


def pointer_exists(document: Any, pointer: str) -> bool:
    current = document
    for part in [p for p in pointer.split("/") if p][:-1]:
        current = current[int(part)] if isinstance(current, list) else current.get(part)
        if current is None:
            return False
    return True


def test_every_component_is_in_the_registry_document_with_its_schema() -> None:
    doc = registry.document()
    assert doc["version"] == registry.REGISTRY_VERSION
    assert set(doc["components"]) == set(SAMPLE_PROPS)
    assert "Navbar" in doc["components"]["Page"]["children"] and doc["components"]["Hero"]["children"] == []


@given(seed=st.integers(0, 10**9), size=st.integers(0, 4))
@settings(max_examples=200, suppress_health_check=[HealthCheck.too_slow], deadline=None)
def test_random_valid_trees_round_trip(seed: int, size: int) -> None:
    tree = random_tree(random.Random(seed), size)
    stored = validate(tree)
    assert validate(stored) == stored  # idempotent: stored trees stay valid
    assert diff(tree, stored) == {"added": [], "removed": [], "changed": diff(tree, stored)["changed"]}
    Draft202012Validator(registry.tree_schema()).validate(stored)  # and the model's schema agrees


MUTATIONS = ["unknown component", "wrong prop type", "unknown prop", "child of a leaf", "duplicate id", "bad id",
             "raw html", "javascript link", "root not a page"]


@given(seed=st.integers(0, 10**9), mutation=st.sampled_from(MUTATIONS))
@settings(max_examples=200, suppress_health_check=[HealthCheck.too_slow], deadline=None)
def test_random_invalid_trees_are_refused_with_a_pointer(seed: int, mutation: str) -> None:
    rng = random.Random(seed)
    tree = random_tree(rng, 3)
    everything = [tree["root"]]
    stack = [tree["root"]]
    while stack:
        for child in stack.pop()["children"]:
            everything.append(child)
            stack.append(child)
    victim = rng.choice(everything[1:]) if len(everything) > 1 and mutation != "root not a page" else tree["root"]
    if mutation == "unknown component":
        victim["component"] = "Marquee"
    elif mutation == "wrong prop type":
        victim["component"], victim["props"], victim["children"] = "Heading", {"text": 42}, []
    elif mutation == "unknown prop":
        victim["props"]["onclick"] = "alert(1)"
    elif mutation == "child of a leaf":
        victim["component"], victim["props"] = "Heading", {"text": "x"}
        victim["children"] = [{"id": "orphan", "component": "Heading", "props": {"text": "y"}, "children": []}]
    elif mutation == "duplicate id":
        victim["id"] = tree["root"]["id"] if victim is not tree["root"] else "x"
        if victim is tree["root"]:
            return
    elif mutation == "bad id":
        victim["id"] = "has space"
    elif mutation == "raw html":
        victim["component"], victim["props"], victim["children"] = "RichText", {"markdown": "<script>x</script>"}, []
    elif mutation == "javascript link":
        victim["component"], victim["props"], victim["children"] = "Button", {"label": "x",
                                                                             "href": "javascript:alert(1)"}, []
    elif mutation == "root not a page":
        tree["root"]["component"] = "Section"
    with pytest.raises(TreeInvalid) as caught:
        validate(tree)
    assert caught.value.pointer.startswith("/root") and pointer_exists(tree, caught.value.pointer)
    assert caught.value.status == 422


def test_limits_name_where_they_are_exceeded() -> None:
    deep: dict[str, Any] = {"id": "leaf", "component": "Heading", "props": {"text": "x"}, "children": []}
    for level in range(MAX_DEPTH + 2):
        deep = {"id": f"s{level}", "component": "Section", "props": {}, "children": [deep]}
    with pytest.raises(TreeInvalid, match="deeper than"):
        validate({"root": {"id": "p", "component": "Page", "props": {"title": "t"}, "children": [deep]}})
    wide = [{"id": f"h{i}", "component": "Heading", "props": {"text": "x"}, "children": []}
            for i in range(MAX_NODES + 1)]
    with pytest.raises(TreeInvalid, match=f"more than {MAX_NODES}"):
        validate({"root": {"id": "p", "component": "Page", "props": {"title": "t"}, "children": wide}})
    with pytest.raises(TreeInvalid, match="larger than"):
        validate({"root": {"id": "p", "component": "Page", "props": {"title": "t"}, "children": [
            {"id": f"r{i}", "component": "RichText", "props": {"markdown": "x" * 19000}, "children": []}
            for i in range(60)]}})


def test_a_prop_error_points_inside_the_props() -> None:
    tree = starter("Home")
    tree["root"]["children"].append({"id": "grid", "component": "FeatureGrid",
                                     "props": {"features": [{"title": "ok"}, {"title": ""}]}, "children": []})
    with pytest.raises(TreeInvalid) as caught:
        validate(tree)
    assert caught.value.pointer == "/root/children/1/props/features/1/title"


def test_the_offline_model_writes_trees_the_validator_accepts() -> None:
    for prompt in ("a landing page for a bakery with prices and an FAQ", "portfolio of a wedding photographer",
                   "contact page for a dentist in Porto"):
        tree = generate_instance(registry.tree_schema(), prompt)
        validate(tree)


def test_diff_by_node_id() -> None:
    before = starter("Home")
    after = msgspec.json.decode(msgspec.json.encode(before))
    after["root"]["children"][0]["props"]["text"] = "Welcome"
    after["root"]["children"].append({"id": "cta", "component": "Button", "props": {"label": "Go", "href": "/x"},
                                      "children": []})
    assert diff(validate(before), validate(after)) == {"added": ["cta"], "removed": [], "changed": ["heading", "page"]}


def test_diff_ignores_the_key_order_jsonb_gives_back() -> None:
    stored = {"root": {"id": "p", "component": "Page", "props": {"title": "T", "description": "D"}, "children": []}}
    reordered = {"root": {**stored["root"], "props": {"description": "D", "title": "T"}}}
    assert diff(stored, reordered) == {"added": [], "removed": [], "changed": []}


@pytest.mark.parametrize(("name", "taken"), [("website", True), ("web_address", False), ("websites", False),
                                             ("site", False), ("email", False)])
def test_no_form_field_takes_the_spam_traps_name(name: str, taken: bool) -> None:
    """A field named like the hidden trap would be read as the trap, and every message that
    filled it in dropped as a bot's."""
    tree = starter("Contact")
    tree["root"]["children"].append({"id": "form", "component": "ContactForm", "children": [], "props": {
        "fields": [{"name": "email", "label": "E-mail", "kind": "email"}, {"name": name, "label": "Your site"}]}})
    if taken:
        with pytest.raises(TreeInvalid, match="spam trap"):
            validate(tree)
    else:
        assert validate(tree)["root"]["children"][-1]["props"]["fields"][1]["name"] == name

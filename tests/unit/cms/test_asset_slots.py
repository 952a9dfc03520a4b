"""Where a page holds an image: one rule, the registry's AssetId type, found by
`registry.asset_refs` and checked here against the JSON Schema the registry publishes (an
independent reading of the same types), so a new component or prop is covered on its own."""

import uuid
from collections.abc import Callable
from typing import Annotated, Any

import msgspec
import pytest

from services.cms import registry
from services.cms.ai_edits import edit_schema
from services.cms.gates import check_page
from services.cms.registry import ASSET_MARKER, AssetId, asset_refs
from services.cms.tree import validate
from shared.ai.offline_generation import generate_instance
from shared.ai.strict_schema import to_strict
from tests.servers.openai_strict_subset import strict_schema_problem

# What the registry holds today: a floor, so that the marker cannot silently disappear from
# the types (the schema reading below would then find nothing, and agree).
KNOWN = {"Page", "Hero", "Image", "Gallery", "MediaText", "LogoCloud", "Team", "Testimonial", "Testimonials",
         "Navbar"}


def marked(schema: dict[str, Any]) -> bool:
    return bool(schema.get(ASSET_MARKER)) or any(marked(branch) for branch in schema.get("anyOf", []))


def resolve(schema: dict[str, Any], defs: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in schema:
        schema = defs[schema["$ref"].rpartition("/")[2]]
    return schema


def plant(value: Any, schema: dict[str, Any], defs: dict[str, Any], fresh: Callable[[], str],
          prompt: str = "a picture") -> list[str]:
    """Puts a fresh id into every slot the published schema marks as an asset, optional ones
    included (an empty optional list gets an item), in `value` (props); the ids, in order."""
    schema = resolve(schema, defs)
    planted: list[str] = []
    for key, prop in schema.get("properties", {}).items():
        if marked(prop):
            value[key] = fresh()
            planted.append(value[key])
            continue
        for branch in [prop, *prop.get("anyOf", [])]:
            branch = resolve(branch, defs)
            if branch.get("type") == "array" and isinstance(branch.get("items"), dict):
                item_schema = resolve(branch["items"], defs)
                if not holds_assets(item_schema, defs):
                    continue
                if not value.get(key):
                    value[key] = [generate_instance({**item_schema, "$defs": defs}, prompt)]
                for item in value[key]:
                    planted += plant(item, item_schema, defs, fresh, prompt)
            elif "properties" in branch and holds_assets(branch, defs):
                if not isinstance(value.get(key), dict):
                    value[key] = generate_instance({**branch, "$defs": defs}, prompt)
                planted += plant(value[key], branch, defs, fresh, prompt)
    return planted


def holds_assets(schema: dict[str, Any], defs: dict[str, Any], seen: frozenset[int] = frozenset()) -> bool:
    schema = resolve(schema, defs)
    if id(schema) in seen:
        return False
    seen = seen | {id(schema)}
    if marked(schema):
        return True
    inner = [*schema.get("properties", {}).values(), *schema.get("anyOf", [])]
    if isinstance(schema.get("items"), dict):
        inner.append(schema["items"])
    return any(holds_assets(part, defs, seen) for part in inner)


def planted_props(name: str, fresh: Callable[[], str]) -> tuple[dict[str, Any], list[str]]:
    """Valid props of the component as the offline model writes them, with an id in every image slot."""
    schema = registry.props_schema(name)
    props = generate_instance(schema, f"a {name} for a lakeside sauna in Finland")
    planted = plant(props, schema, schema.get("$defs", {}), fresh)
    return props, planted


def components_with_assets() -> list[str]:
    schema = {name: registry.props_schema(name) for name in registry.COMPONENTS}
    return [name for name, each in schema.items() if holds_assets(each, each.get("$defs", {}))]


def test_the_schema_marks_every_known_image_slot_and_no_product() -> None:
    assert set(components_with_assets()) >= KNOWN
    assert "ProductGrid" not in components_with_assets()  # product ids stay plain UUIDs
    assert asset_refs("ProductGrid", {"product_ids": [str(uuid.uuid4())]}) == []


@pytest.mark.parametrize("name", sorted(registry.COMPONENTS))
def test_asset_refs_find_exactly_the_slots_the_schema_marks(name: str) -> None:
    props, planted = planted_props(name, lambda: str(uuid.uuid4()))
    msgspec.convert(props, registry.COMPONENTS[name].props)  # the planted props are valid
    refs = asset_refs(name, props)
    assert [ref.container[ref.key] for ref in refs] == planted  # every slot, once, in document order
    for ref in refs:
        assert ref.alt is None or ref.alt in ref.container or ref.alt in schema_props(name, ref)


def schema_props(name: str, ref: registry.AssetRef) -> set[str]:
    """The props a container may hold, from the published schema (an alt left at its default is absent)."""
    defs = registry.props_schema(name).get("$defs", {})
    return {key for each in defs.values() if ref.key in each.get("properties", {}) for key in each["properties"]}


def test_each_picture_names_its_alt_text_and_what_cannot_stand_without_it() -> None:
    image, gallery_image = str(uuid.uuid4()), str(uuid.uuid4())
    found = {
        name: [(ref.key, ref.alt, ref.required) for ref in asset_refs(name, props)]
        for name, props in {
            "Hero": {"headline": "H", "image": image},
            "Image": {"asset_id": image},
            "Gallery": {"images": [{"asset_id": gallery_image}, {"asset_id": image, "alt": "b"}]},
            "MediaText": {"rows": [{"heading": "a"}, {"heading": "b", "image": image}]},
            "LogoCloud": {"logos": [{"asset_id": image, "alt": "Monocle"}]},
            "Team": {"members": [{"name": "Aino", "photo": image}]},
            "Testimonials": {"items": [{"quote": "q"}]},
            "Navbar": {"logo": None},
            "Page": {"title": "T"},
        }.items()}
    assert found == {
        "Hero": [("image", "image_alt", False)], "Image": [("asset_id", "alt", True)],
        "Gallery": [("asset_id", "alt", True)] * 2, "MediaText": [("image", "image_alt", False)] * 2,
        "LogoCloud": [("asset_id", "alt", True)], "Team": [("photo", None, False)],
        "Testimonials": [("photo", None, False)], "Navbar": [("logo", None, False)],
        "Page": [("social_image", None, False)]}
    assert asset_refs("Unknown", {"asset_id": image}) == [] and asset_refs("Heading", {"text": "T"}) == []


def test_a_list_of_bare_asset_ids_is_refused_when_the_registry_is_read() -> None:
    class Strip(msgspec.Struct, kw_only=True):
        images: list[AssetId]

    class Framed(msgspec.Struct, kw_only=True):
        images: Annotated[list[registry.GalleryImage], msgspec.Meta(max_length=4)] = []

    with pytest.raises(TypeError, match="struct of its own"):
        registry._asset_fields(msgspec.inspect.type_info(Strip))
    assert registry._asset_fields(msgspec.inspect.type_info(Framed))  # its allowed twin


def test_the_editor_sees_the_marker_and_the_model_a_strict_schema_without_it() -> None:
    assert ASSET_MARKER in msgspec.json.encode(registry.document()).decode()
    model = registry.tree_schema()
    assert ASSET_MARKER not in msgspec.json.encode(model).decode()
    assert strict_schema_problem(to_strict(model)) is None
    assert strict_schema_problem(to_strict(edit_schema("Gallery", "gallery"))) is None
    assert strict_schema_problem(to_strict({"type": "object", "properties": {
        "image": {"type": "string", ASSET_MARKER: True}}})) is not None  # the marker would be refused


def page(*children: dict[str, Any]) -> dict[str, Any]:
    return {"root": {"id": "page", "component": "Page", "props": {"title": "Home", "description": "A page."},
                     "children": list(children)}}


def alt_errors(tree: dict[str, Any]) -> list[str]:
    return [f.pointer or "" for f in check_page(validate(tree), {"/"}) if f.check == "alt-text"]


def test_every_picture_with_an_alt_slot_needs_its_alt_text_to_publish() -> None:
    image, logo = str(uuid.uuid4()), str(uuid.uuid4())
    bare = page(
        {"id": "rows", "component": "MediaText", "props": {"rows": [
            {"heading": "No picture, no alt needed"}, {"heading": "Jetty", "image": image}]}, "children": []},
        {"id": "logos", "component": "LogoCloud", "props": {"logos": [{"asset_id": logo}]}, "children": []},
        {"id": "hero", "component": "Hero", "props": {"headline": "H", "image": image, "image_alt": " "},
         "children": []},
        {"id": "team", "component": "Team", "props": {"members": [{"name": "Aino", "photo": image}]},
         "children": []})
    assert alt_errors(bare) == ["/root/children/0/props/rows/1/image_alt", "/root/children/1/props/logos/0/alt",
                                "/root/children/2/props/image_alt"]  # a member's photo is named by the member
    described = page(
        {"id": "rows", "component": "MediaText", "props": {"rows": [
            {"heading": "No picture, no alt needed"},
            {"heading": "Jetty", "image": image, "image_alt": "A jetty in the mist"}]}, "children": []},
        {"id": "logos", "component": "LogoCloud", "props": {"logos": [{"asset_id": logo, "alt": "Monocle"}]},
         "children": []},
        {"id": "hero", "component": "Hero", "props": {"headline": "H", "image": image, "image_alt": "A lake"},
         "children": []})
    assert alt_errors(described) == []

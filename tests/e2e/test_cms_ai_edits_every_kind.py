"""AI edits of every kind of block, through the gateway: on one page holding a node of every
registry component, every action (rewrite, shorten, translate, tone, regenerate) on every
node is proposed as operations on that node, and a part of each proposal applied changes
the draft exactly there. The model is the platform's stand-in (tests/conftest.py): cms's
own offline edit writer, which is what the embedded default answers with."""

from __future__ import annotations

import copy
import json
from typing import Any

import jsonpatch
import pytest

from services.cms import registry
from tests.e2e.platform_client import PlatformClient, SignedUp
from tests.e2e.test_assets import png, upload
from tests.e2e.test_billing_top_ups import ready
from tests.unit.cms.test_tree import SAMPLE_PROPS

SAMPLE_ASSET = "0b8e7d2a-3f7e-4b8e-9a53-2d2b9f1b2c11"  # SAMPLE_PROPS' image and product id
KINDS = sorted(registry.COMPONENTS)  # the Page itself included: its title and description are copy too
# Copy long enough that every action has something to do (shorten a one-word headline?).
WORDS = {
    "Hero": {"headline": "Sourdough worth crossing Lyon for", "subheadline": "Baked at dawn on the Croix-Rousse hill, "
             "every day of the week", "cta_label": "Visit us", "cta_href": "#heading-node"},
    "Heading": {"text": "Visit our bakery on the hill"},
    "RichText": {"markdown": "We bake *naturally leavened* country loaves, rye and seeded breads every morning "
                             "from six, and serve brunch at the weekend."},
    "Button": {"label": "Order a loaf for pick-up", "href": "/"},
    "Testimonial": {"quote": "The best sourdough in Lyon, and the croissants are worth the queue.", "author": "Ana"},
    "Footer": {"text": "Maison Levain, a family bakery in Lyon since 1998"},
    "ContactBlock": {"heading": "Come and find us on the hill", "intro": "We are open from seven every morning, "
                     "Tuesday to Sunday, and we are always happy to see you."},
    "ContactForm": {"heading": "Write to the bakery about an order or a question", "intro": "Tell us what you "
                    "would like and when, and we answer within a day, usually the same morning."},
    "LogoCloud": {"heading": "The restaurants and cafés of Lyon that serve our bread every day"},
    "Navbar": {"brand": "Maison Levain", "cta_label": "Order a loaf for pick-up",
               "links": [{"label": "Our breads and pastries", "href": "/"}]},
    "ProductGrid": {"heading": "Loaves, pastries and tarts you can order for pick-up"},
    "Team": {"heading": "The bakers behind the morning loaves", "intro": "A small family team that starts "
             "work at three in the morning so the bread is warm when you arrive.",
             "members": [{"name": "Ada", "role": "Head baker", "bio": "Ada has shaped our sourdough by hand "
                                                                      "every morning for twenty years."}]},
    "Video": {"title": "How we shape a country loaf by hand, from dough to oven"},
    "FAQ": {"heading": "Questions our customers ask us most often", "intro": "Everything about pre-orders, "
            "gluten and our opening hours, answered in a few words.",
            "items": [{"question": "Can I order a loaf in advance for pick-up?",
                       "answer": "Yes: call or come by the day before and we keep your loaf for you until noon."}]},
    "FeatureGrid": {"heading": "Why people cross Lyon for our bread", "intro": "Slow dough, local flour and "
                    "an oven that is lit before dawn every single morning.",
                    "features": [{"title": "Forty-eight hours of slow rising",
                                  "body": "Our dough rises slowly for two days, which gives the crust its "
                                          "depth and the crumb its open, glossy texture."}]},
    "Gallery": {"heading": "A morning at the bakery, from the first loaves to the last tarts"},
    "MediaText": {"heading": "How our bread is made", "rows": [{
        "heading": "Shaped by hand before dawn", "text": "Every loaf is weighed, folded and shaped by hand by "
        "one of our bakers before it goes into the stone oven at five in the morning.",
        "link_label": "See our breads", "link_href": "/"}]},
    "Stats": {"heading": "Maison Levain in numbers, since we opened in 1998"},
    "Testimonials": {"heading": "What our neighbours say about the bread", "items": [{
        "quote": "The best sourdough in Lyon, with a crust that crackles and a crumb that stays soft for days.",
        "author": "Ana", "role": "Neighbour"}]},
    "PricingTable": {"heading": "Bread boxes for the week", "intro": "Pick up a box of fresh loaves every "
                     "Saturday morning and save on your weekly bread.",
                     "plans": [{"name": "Family box", "price": "20 EUR", "period": "a week",
                                "cta_label": "Order the box", "features": ["Two country loaves"]}]},
    "PriceList": {"heading": "Today's breads and what they cost", "intro": "Baked this morning and sold by the "
                  "loaf until the last one goes, usually by early afternoon.",
                  "items": [{"group": "Loaves", "name": "Country sourdough", "price": "6.50 EUR",
                             "description": "A kilo of slow-risen dough with a dark, crackling crust."}]},
}
# A container has no copy of its own: its edit is of what it holds.
CONTAINERS = frozenset({"Section", "Columns"})
EDIT_ACTIONS = {"rewrite": {}, "shorten": {}, "translate": {"language": "fr"}, "tone": {"tone": "playful"},
                "regenerate": {}}


def node_id(component: str) -> str:
    return f"{component.lower()}-node"


def page_of_every_kind(asset_id: str) -> dict[str, Any]:
    """A page with one node of each component, each in a Section when the page may not hold it."""
    children = []
    for component in KINDS:
        if component == "Page":
            continue
        props = json.loads(json.dumps(SAMPLE_PROPS[component] | WORDS.get(component, {})).replace(SAMPLE_ASSET,
                                                                                                   asset_id))
        node = {"id": node_id(component), "component": component, "props": props, "children": []}
        if component == "Section":
            node["props"] = {"anchor": "visit"}
            node["children"] = [{"id": "section-words", "component": "Heading", "props": {"text": "Come and see us"},
                                 "children": []}]
        elif component == "Columns":
            node["children"] = [{"id": "columns-words", "component": "RichText", "props": {
                "markdown": "Open Tuesday to Sunday, from seven in the morning."}, "children": []}]
        if component not in registry.COMPONENTS["Page"].children:
            node = {"id": f"band-{component.lower()}", "component": "Section", "props": {}, "children": [node]}
        children.append(node)
    return {"root": {"id": node_id("Page"), "component": "Page", "props": {
        "title": "Maison Levain, sourdough bakery in Lyon",
        "description": "Sourdough breads, morning pastries and a weekend brunch, baked every day in Lyon."},
        "children": children}}


def applied(structure: dict[str, Any], operation: dict[str, Any]) -> dict[str, Any]:
    """`structure` with one of a proposal's operations (as the proposal shows it) applied."""
    op = {"op": operation["op"], "path": operation["path"]}
    if operation["op"] in ("add", "replace", "test"):
        op["value"] = operation["after"]
    if operation.get("from") is not None:
        op["from"] = operation["from"]
    return jsonpatch.apply_patch(copy.deepcopy(structure), [op])


def held_by(structure: dict[str, Any], target: str) -> list[dict[str, Any]]:
    """The children of the node `target`."""
    stack = [structure["root"]]
    while stack:
        node = stack.pop()
        if node["id"] == target:
            return list(node["children"])
        stack.extend(node["children"])
    raise AssertionError(f"no node {target}")


async def page_for(client: PlatformClient) -> tuple[SignedUp, str, dict[str, Any], str]:
    tenant = await ready(client)
    asset = (await upload(client, tenant, png(320, 240, (200, 160, 90)), "croissant.png")).json()["id"]
    created = await client.call("POST", "/api/cms/pages", slug=tenant.slug, token=tenant.token,
                                json={"slug": "/", "structure": page_of_every_kind(asset)})
    assert created.status_code == 201, created.text
    return tenant, created.json()["id"], created.json()["structure"], created.headers["etag"]


@pytest.mark.parametrize("action", list(EDIT_ACTIONS))
async def test_every_action_on_every_kind_of_node_is_proposed_and_applied_in_part(
        client: PlatformClient, action: str) -> None:
    tenant, page_id, structure, etag = await page_for(client)
    kinds = {node_id(c) for c in KINDS}
    assert kinds <= set(json.dumps(structure).split('"')), "the page lost a node"
    failures: list[str] = []
    for component in KINDS:
        target = node_id(component)
        proposed = await client.call("POST", f"/api/cms/pages/{page_id}/ai-edits", slug=tenant.slug,
                                     token=tenant.token, headers={"if-match": etag},
                                     json={"node_id": target, "action": action, **EDIT_ACTIONS[action]})
        if proposed.status_code != 201:
            failures.append(f"{component}: {proposed.status_code} {proposed.text[:300]}")
            continue
        proposal = proposed.json()
        operations = proposal["operations"]
        inside = {target, *(child["id"] for child in held_by(structure, target))} if component in CONTAINERS \
            else {target}
        ours = [op for op in operations if op["node_id"] in inside]
        if not ours:
            failures.append(f"{component}: no operation on the node: {operations}")
            continue
        assert proposal["node_id"] == target and proposal["action"] == action
        first = ours[0]
        decided = await client.call("POST", f"/api/cms/pages/{page_id}/ai-edits/{proposal['id']}/decision",
                                    slug=tenant.slug, token=tenant.token, headers={"if-match": etag},
                                    json={"accept": [first["index"]]})
        if decided.status_code != 200:
            failures.append(f"{component}: decision {decided.status_code} {decided.text[:300]}")
            continue
        after = decided.json()["structure"]
        assert after == applied(structure, first), (component, first)  # exactly that operation, nothing else
        assert after != structure, (component, first)
        structure, etag = after, decided.headers["etag"]
    assert failures == [], "\n".join(failures)

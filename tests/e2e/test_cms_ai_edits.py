"""Editing with AI through the gateway: a proposal as JSON Patch, accepted in part, refused
on a stale draft, paid whether accepted or not, and remembered as AI's in the history."""

from __future__ import annotations

import json
from typing import Any

from tests.e2e.platform_client import PlatformClient, SignedUp, eventually
from tests.e2e.test_billing_top_ups import ready
from tests.e2e.test_cms_generation import balance, settled
from tests.servers.openai_compatible import FakeOpenAI, Reply

HERO = {"id": "hero", "component": "Hero", "props": {
    "headline": "Bread worth the queue", "subheadline": "Sourdough from Lyon", "cta_label": "Visit",
    "cta_href": "#visit"}, "children": []}
FEATURES = {"id": "features", "component": "FeatureGrid", "props": {"heading": "Why us", "features": [
    {"title": "Slow dough", "body": "Forty-eight hours of rising"}]}, "children": []}
VISIT = {"id": "visit", "component": "Section", "props": {"anchor": "visit"}, "children": [  # the hero's #visit
    {"id": "visit-heading", "component": "Heading", "props": {"text": "Visit us"}, "children": []}]}
TREE = {"root": {"id": "page", "component": "Page", "props": {"title": "Maison Levain", "description": "A bakery"},
                 "children": [HERO, FEATURES, VISIT]}}


def edited_hero(**props: Any) -> Reply:
    node = {**HERO, "props": {**HERO["props"], "image": None, "image_alt": "", **props}}
    return Reply(content={"node": node}, input_tokens=900, output_tokens=200)


async def page_with_hero(client: PlatformClient, tenant: SignedUp, slug: str) -> tuple[str, str]:
    created = await client.call("POST", "/api/cms/pages", slug=tenant.slug, token=tenant.token,
                                json={"slug": slug, "structure": TREE})
    assert created.status_code == 201, created.text
    return created.json()["id"], created.headers["etag"]


async def ask(client: PlatformClient, tenant: SignedUp, page_id: str, etag: str, **body: Any):  # type: ignore[no-untyped-def]
    return await client.call("POST", f"/api/cms/pages/{page_id}/ai-edits", slug=tenant.slug, token=tenant.token,
                             headers={"if-match": etag}, json={"node_id": "hero", "action": "rewrite", **body})


async def decide(client: PlatformClient, tenant: SignedUp, page_id: str, proposal: dict, etag: str,  # type: ignore[type-arg]
                 accept: list[int] | None):  # type: ignore[no-untyped-def]
    return await client.call("POST", f"/api/cms/pages/{page_id}/ai-edits/{proposal['id']}/decision",
                             slug=tenant.slug, token=tenant.token, headers={"if-match": etag},
                             json={} if accept is None else {"accept": accept})


async def test_a_proposal_accepted_in_part_changes_exactly_those_fields(client: PlatformClient,
                                                                        ai_server: FakeOpenAI) -> None:
    tenant = await ready(client)
    page_id, etag = await page_with_hero(client, tenant, "/partial")
    ai_server.script(edited_hero(headline="Sourdough worth crossing town for", subheadline="Baked at dawn in Lyon",
                                 cta_label="Find us"))
    proposed = await ask(client, tenant, page_id, etag, instruction="Make it warmer")
    assert proposed.status_code == 201, proposed.text
    proposal = proposed.json()
    by_field = {op["field"]: op for op in proposal["operations"]}
    assert set(by_field) == {"headline", "subheadline", "cta_label"}
    assert by_field["headline"]["before"] == "Bread worth the queue" and by_field["headline"]["node_id"] == "hero"
    assert proposal["credits"] == 2 and proposal["base_revision"] == 1  # 1,100 tokens
    assert "Make it warmer" in ai_server.requests[-1].body["messages"][-1]["content"]

    take = [by_field["headline"]["index"], by_field["cta_label"]["index"]]
    accepted = await decide(client, tenant, page_id, proposal, etag, take)
    assert accepted.status_code == 200, accepted.text
    page = accepted.json()
    hero, features, _ = page["structure"]["root"]["children"]
    assert (hero["props"]["headline"], hero["props"]["subheadline"], hero["props"]["cta_label"]) == (
        "Sourdough worth crossing town for", "Sourdough from Lyon", "Find us")
    untouched = {key: features["props"][key] for key in FEATURES["props"]}  # (the registry's defaults filled besides)
    assert untouched == {**FEATURES["props"], "features": [{**FEATURES["props"]["features"][0], "icon": ""}]}
    assert page["ai_nodes"] == {"hero": proposal["id"]}  # the history knows which part AI wrote
    again = await decide(client, tenant, page_id, proposal, accepted.headers["etag"], None)
    assert again.status_code == 409  # decided once

    published = await client.call("POST", f"/api/cms/pages/{page_id}/publish", slug=tenant.slug, token=tenant.token,
                                  headers={"if-match": accepted.headers["etag"]})
    assert published.status_code == 200, published.text
    versions = (await client.call("GET", f"/api/cms/pages/{page_id}/versions", slug=tenant.slug,
                                  token=tenant.token)).json()
    assert versions[0]["ai_nodes"] == {"hero": proposal["id"]}
    work = (await client.call("GET", f"/api/cms/pages/{page_id}/generations", slug=tenant.slug,
                              token=tenant.token)).json()
    assert work[0]["id"] == proposal["id"] and work[0]["kind"] == "edit" and work[0]["credits"] == 2

    # A person rewrites the hero: from then on it is theirs, not AI's.
    current = await client.call("GET", f"/api/cms/pages/{page_id}", slug=tenant.slug, token=tenant.token)
    tree = current.json()["structure"]
    tree["root"]["children"][0]["props"]["headline"] = "Written by hand"
    patched = await client.call("PATCH", f"/api/cms/pages/{page_id}", slug=tenant.slug, token=tenant.token,
                                headers={"if-match": current.headers["etag"]}, json={"structure": tree})
    assert patched.status_code == 200 and patched.json()["ai_nodes"] == {}


async def test_an_edit_is_priced_before_it_is_asked_as_it_will_be_reserved(client: PlatformClient,
                                                                          ai_server: FakeOpenAI) -> None:
    """The estimate of an edit is what the edit then reserves; the charge is what it used, never
    more. It needs the editor's role and an existing node, like the edit."""
    tenant = await ready(client)
    page_id, etag = await page_with_hero(client, tenant, "/priced")
    body = {"node_id": "hero", "action": "shorten"}
    priced = await client.call("POST", f"/api/cms/pages/{page_id}/ai-edits/estimate", slug=tenant.slug,
                               token=tenant.token, json=body)
    assert priced.status_code == 200, priced.text
    estimate = priced.json()
    assert estimate["fits"] and 0 < estimate["expected_credits"] <= estimate["max_credits"]
    assert estimate["available"] == (await balance(client, tenant))["available"]

    ai_server.script(edited_hero(headline="Bread worth it"))
    proposal = (await ask(client, tenant, page_id, etag, **body)).json()
    work = (await client.call("GET", f"/api/cms/pages/{page_id}/generations", slug=tenant.slug,
                              token=tenant.token)).json()
    assert work[0]["id"] == proposal["id"] and work[0]["max_credits"] == estimate["max_credits"]
    assert 0 < proposal["credits"] <= estimate["max_credits"]

    longer = await client.call("POST", f"/api/cms/pages/{page_id}/ai-edits/estimate", slug=tenant.slug,
                               token=tenant.token, json={**body, "instruction": "Keep the bakery's name. " * 60})
    assert longer.json()["max_credits"] > estimate["max_credits"]  # the instruction is part of what is sent
    missing = await client.call("POST", f"/api/cms/pages/{page_id}/ai-edits/estimate", slug=tenant.slug,
                                token=tenant.token, json={**body, "node_id": "nope"})
    assert missing.status_code == 404
    anonymous = await client.call("POST", f"/api/cms/pages/{page_id}/ai-edits/estimate", slug=tenant.slug, json=body)
    assert anonymous.status_code == 401


async def test_a_proposal_on_a_stale_draft_is_refused(client: PlatformClient, ai_server: FakeOpenAI) -> None:
    tenant = await ready(client)
    page_id, etag = await page_with_hero(client, tenant, "/stale")
    ai_server.script(edited_hero(headline="A newer headline"))
    proposal = (await ask(client, tenant, page_id, etag)).json()
    renamed = await client.call("PATCH", f"/api/cms/pages/{page_id}", slug=tenant.slug, token=tenant.token,
                                headers={"if-match": etag}, json={"slug": "/stale-renamed"})
    assert renamed.status_code == 200
    refused = await decide(client, tenant, page_id, proposal, renamed.headers["etag"], None)
    assert refused.status_code == 412 and "ask for a new proposal" in refused.json()["detail"]
    stale_ask = await ask(client, tenant, page_id, etag)  # asking on an old revision is refused before paying
    assert stale_ask.status_code == 412
    unchanged = await client.call("GET", f"/api/cms/pages/{page_id}", slug=tenant.slug, token=tenant.token)
    assert unchanged.json()["structure"]["root"]["children"][0]["props"]["headline"] == "Bread worth the queue"


async def test_a_rejected_proposal_is_still_paid_and_changes_nothing(client: PlatformClient,
                                                                     ai_server: FakeOpenAI) -> None:
    tenant = await ready(client)
    page_id, etag = await page_with_hero(client, tenant, "/rejected")
    before = await balance(client, tenant)
    ai_server.script(edited_hero(headline="Nobody wants this"))
    proposal = (await ask(client, tenant, page_id, etag)).json()
    rejected = await decide(client, tenant, page_id, proposal, etag, [])
    assert rejected.status_code == 200 and rejected.headers["etag"] == etag  # the draft did not move
    assert proposal["charged"].startswith("paid when proposed")
    after = await settled(client, tenant)
    assert after["balance"] == before["balance"] - proposal["credits"]
    missing = await client.call("POST", f"/api/cms/pages/{page_id}/ai-edits", slug=tenant.slug, token=tenant.token,
                                headers={"if-match": etag}, json={"node_id": "nope", "action": "shorten"})
    assert missing.status_code == 404
    bad_action = await ask(client, tenant, page_id, etag, action="delete-everything")
    assert bad_action.status_code in (400, 422)


PARTNER = "https://partner.example/"  # a link out a person added: theirs to keep
LINKED = {"root": {"id": "page", "component": "Page", "props": {"title": "Maison Levain", "description": "A bakery"},
                   "children": [
    {"id": "nav", "component": "Navbar", "props": {"brand": "Maison Levain", "links": [
        {"label": "Partner", "href": PARTNER}]}, "children": []},
    HERO,
    {"id": "visit", "component": "Section", "props": {"anchor": "visit"}, "children": [
        {"id": "text", "component": "RichText", "props": {"markdown": "Come by."}, "children": []},
        {"id": "order", "component": "Button", "props": {"label": "Order", "href": "#visit"}, "children": []},
        {"id": "plans", "component": "PricingTable", "props": {"plans": [
            {"name": "Box", "price": "20 EUR", "cta_label": "Buy", "cta_href": "#visit"}]}, "children": []},
    ]},
]}}
OFF_SITE_MARKDOWN = (
    "Come by [today](https://evil.example/md 'now'), [a [nested] deal](//evil.example/n), [ref][r], [js](JaVaScRiPt:x)"
    " and ![a loaf](https://evil.example/i.png).\n\n> [r]: https://evil.example/ref\n\n"
    "Or [write](mailto:hello@maison.example), see [contact](/contact) or [visit](#visit).")


def reply(node: dict[str, Any]) -> Reply:
    return Reply(content={"node": node}, input_tokens=900, output_tokens=200)


async def test_an_ai_edit_adding_links_off_the_site_has_them_scrubbed(client: PlatformClient,
                                                                     ai_server: FakeOpenAI) -> None:
    tenant = await ready(client)
    contact = await client.call("POST", "/api/cms/pages", slug=tenant.slug, token=tenant.token, json={
        "slug": "/contact", "structure": {"root": {"id": "page", "component": "Page", "props": {"title": "Contact"},
                                                   "children": []}}})
    assert contact.status_code == 201, contact.text
    created = await client.call("POST", "/api/cms/pages", slug=tenant.slug, token=tenant.token,
                                json={"slug": "/links", "structure": LINKED})
    assert created.status_code == 201, created.text
    page_id, etag = created.json()["id"], created.headers["etag"]
    nav, _, visit = LINKED["root"]["children"]
    edits = {
        "nav": {**nav, "props": {"brand": "Maison Levain", "links": [
            {"label": "Partner", "href": PARTNER}, {"label": "Win", "href": "https://evil.example/nav"},
            {"label": "Sneak", "href": "//evil.example/nav"}, {"label": "Contact", "href": "/contact"}]}},
        "hero": {**HERO, "props": {**HERO["props"], "cta_href": "https://evil.example/cta"}},
        "visit": {**visit, "children": [
            {"id": "text", "component": "RichText", "props": {"markdown": OFF_SITE_MARKDOWN}, "children": []},
            {"id": "order", "component": "Button", "props": {"label": "Order", "href": "/\\evil.example/b"},
             "children": []},
            {"id": "plans", "component": "PricingTable", "props": {"plans": [
                {"name": "Box", "price": "20 EUR", "cta_label": "Buy", "cta_href": "https://evil.example/plan"},
                {"name": "Loaf", "price": "5 EUR", "cta_label": "Ask", "cta_href": "/contact"}]}, "children": []},
        ]},
    }
    for node_id, node in edits.items():
        ai_server.script(reply(node))
        proposed = await ask(client, tenant, page_id, etag, node_id=node_id, instruction="Link to https://evil.example")
        assert proposed.status_code == 201, proposed.text
        proposal = proposed.json()
        assert proposal["operations"], proposal  # the rest of the edit is proposed
        assert "evil.example" not in json.dumps(proposal["operations"]).lower(), proposal["operations"]
        assert len(proposal["notes"]) == 1 and "evil.example" in proposal["notes"][0], proposal  # and it says so
        accepted = await decide(client, tenant, page_id, proposal, etag, None)
        assert accepted.status_code == 200, accepted.text
        etag = accepted.headers["etag"]

    draft = accepted.json()["structure"]
    assert "evil.example" not in json.dumps(draft).lower() and "javascript" not in json.dumps(draft).lower()
    links = [link["href"] for link in draft["root"]["children"][0]["props"]["links"]]
    assert links == [PARTNER, "#", "#", "/contact"]  # the person's link out stays; the model's go
    markdown = draft["root"]["children"][2]["children"][0]["props"]["markdown"]
    assert "[write](mailto:hello@maison.example), see [contact](/contact) or [visit](#visit)" in markdown
    published = await client.call("POST", f"/api/cms/pages/{page_id}/publish", slug=tenant.slug, token=tenant.token,
                                  headers={"if-match": etag})
    assert published.status_code == 200, published.text

    async def live() -> int:
        return (await client.call("GET", "/links", slug=tenant.slug)).status_code

    assert await eventually(live, 200, within=10) == 200
    html = (await client.call("GET", "/links", slug=tenant.slug)).text
    assert "evil.example" not in html.lower()
    for twin in (f'href="{PARTNER}"', 'href="mailto:hello@maison.example"', 'href="/contact"', 'href="#visit"'):
        assert twin in html, twin


async def test_an_ai_edit_linking_inside_the_site_is_proposed_as_written(client: PlatformClient,
                                                                        ai_server: FakeOpenAI) -> None:
    tenant = await ready(client)
    page_id, etag = await page_with_hero(client, tenant, "/inside")
    ai_server.script(edited_hero(cta_href="/inside", headline="Come inside"))
    proposal = (await ask(client, tenant, page_id, etag)).json()
    assert proposal["notes"] == []
    assert {op["field"]: op["after"] for op in proposal["operations"]} == {"cta_href": "/inside",
                                                                           "headline": "Come inside"}

"""Whole sites from one brief, through the gateway: a plan, every page written section by
section and streamed, drafts that pass every gate and lint, a shared header and footer that
reach every page, published together; the wallet bounds the job and no hold outlives it.

cms's model calls are answered by the test server's stand-in model, which is cms's own
offline writers (tests/conftest.py): the copy is the embedded default's, the wire is OpenAI's."""

from __future__ import annotations

import asyncio
import json
import re
import uuid
from typing import Any

import nats

from shared.contracts import ReserveCredits
from shared.messaging import request
from tests.e2e.platform_client import PlatformClient, SignedUp, eventually
from tests.e2e.test_billing_top_ups import ready
from tests.e2e.test_cms_generation import balance, events_of, settled
from tests.servers.openai_compatible import FakeOpenAI, Reply

BRIEF = {
    "name": "Blue Ocean Surf School",
    "business": "Surf lessons for beginners and improvers on the Côte des Basques, board and wetsuit rental, "
                "and small groups with certified instructors. A 2-hour group lesson is 45 €, a private lesson "
                "80 €, board rental 20 € a day. Open every day 9:00-19:00 from April to October.",
    "location": "Biarritz", "tone": "warm", "language": "en",
    "pages": ["about", "lessons", "pricing", "contact"],
}


async def plan_of(client: PlatformClient, tenant: SignedUp, brief: dict[str, Any]) -> dict[str, Any]:
    planned = await client.call("POST", "/api/cms/site-plans", slug=tenant.slug, token=tenant.token, json=brief)
    assert planned.status_code == 200, planned.text
    return planned.json()


async def generate_site(client: PlatformClient, tenant: SignedUp, brief: dict[str, Any],
                        plan: dict[str, Any]) -> tuple[dict[str, Any], list[tuple[str, dict[str, Any]]]]:
    started = await client.call("POST", "/api/cms/site-generations", slug=tenant.slug, token=tenant.token,
                                json={"brief": brief, "plan": plan})
    assert started.status_code == 202, started.text
    events = await events_of(client, tenant, started.json()["events_url"])
    job = (await client.call("GET", started.json()["status_url"], slug=tenant.slug, token=tenant.token)).json()
    return job, events


async def publish_all(client: PlatformClient, tenant: SignedUp, job: dict[str, Any]) -> Any:
    """Every page the job wrote and the layout's draft, published together."""
    refs = []
    for page in job["pages"]:
        draft = await client.call("GET", f"/api/cms/pages/{page['page_id']}", slug=tenant.slug, token=tenant.token)
        refs.append({"id": page["page_id"], "revision": draft.json()["revision"]})
    layout = (await client.call("GET", "/api/cms/layout", slug=tenant.slug, token=tenant.token)).json()
    return await client.call("POST", "/api/cms/site-publications", slug=tenant.slug, token=tenant.token,
                             json={"pages": refs, "layout_revision": layout["revision"]})


async def test_a_brief_becomes_a_site_that_publishes_as_generated(client: PlatformClient) -> None:
    tenant = await ready(client)
    before = await balance(client, tenant)
    planned = await plan_of(client, tenant, BRIEF)
    plan, estimate = planned["plan"], planned["estimate"]
    slugs = [page["slug"] for page in plan["pages"]]
    assert len(slugs) >= 4 and slugs[0] == "/" and len(set(slugs)) == len(slugs)
    assert plan["facts"]["business_name"] == "Blue Ocean Surf School"
    assert plan["facts"]["prices"] and all(p["price"] in BRIEF["business"] for p in plan["facts"]["prices"])
    assert plan["facts"]["phone"] == "" and plan["facts"]["email"] == ""  # the brief gives none
    assert estimate["fits"] and estimate["expected_credits"] <= estimate["max_credits"] <= before["available"]

    job, events = await generate_site(client, tenant, BRIEF, plan)
    names = [name for name, _ in events]
    assert job["status"] == "saved", job["reason"]
    assert names[:2] == ["queued", "reserved"] and names[-1] == "saved"
    sections = [data for name, data in events if name == "section"]
    assert len(sections) == sum(len(p["sections"]) for p in plan["pages"]) - len(estimate["dropped"])
    assert names.index("section") < names.index("page") < names.index("saved")  # streamed before the end
    for step, (name, data) in enumerate(events, start=1):  # each event's data is the job at that transition
        assert len(data["history"]) == step and data["history"][-1].get("event", data["status"]) == name
        assert step == len(events) or (data["pages"] == [] and data["credits"] is None)
    assert all(data["history"][-1]["node"]["id"] for data in sections)  # each section's node, in its event
    assert all("node" not in entry for data in sections for entry in data["history"][:-1])  # sent once
    assert [p["slug"] for p in job["pages"]] == slugs and all(p["page_id"] for p in job["pages"])
    assert 0 < job["credits"] <= job["max_credits"] == estimate["max_credits"]
    assert sum(p["credits"] for p in job["pages"]) >= job["credits"] - len(slugs)  # each page rounded up

    # Every page passes its gates and its lints as generated.
    for page in job["pages"]:
        checked = await client.call("POST", f"/api/cms/pages/{page['page_id']}/check", slug=tenant.slug,
                                    token=tenant.token)
        assert checked.json() == {"publishable": True, "findings": []}, (page["slug"], checked.json())
    layout = (await client.call("GET", "/api/cms/layout", slug=tenant.slug, token=tenant.token)).json()
    assert [link["href"] for link in layout["header"]["props"]["links"]] == slugs
    published = await publish_all(client, tenant, job)
    assert published.status_code == 200, published.text

    # The nav of every page reaches every page; the footer edited once changes on every page.
    for slug in slugs:
        page = await client.call("GET", slug, slug=tenant.slug)
        assert page.status_code == 200, (slug, page.text[:300])
        hrefs = set(re.findall(r'<a [^>]*href="([^"#]+)"', page.text))
        assert set(slugs) <= hrefs, (slug, set(slugs) - hrefs)
        assert "Blue Ocean Surf School" in page.text
    footer = layout["footer"]
    footer["props"]["text"] = "Lessons every day on the Côte des Basques, all year round."
    saved = await client.call("PUT", "/api/cms/layout", slug=tenant.slug, token=tenant.token,
                              headers={"if-match": f'"{layout["revision"]}"'},
                              json={"header": layout["header"], "footer": footer})
    assert saved.status_code == 200, saved.text
    live = await client.call("POST", "/api/cms/layout/publish", slug=tenant.slug, token=tenant.token,
                             headers={"if-match": saved.headers["etag"]})
    assert live.status_code == 200, live.text
    for slug in slugs:
        async def shows_new_footer(slug: str = slug) -> bool:
            return "all year round" in (await client.call("GET", slug, slug=tenant.slug)).text

        assert await eventually(shows_new_footer, True, within=10), slug

    after = await settled(client, tenant)
    assert after["balance"] == before["balance"] - job["credits"]  # one capture for the whole job


async def test_a_plan_cannot_carry_a_fact_the_brief_does_not_give(client: PlatformClient) -> None:
    tenant = await ready(client)
    plan = (await plan_of(client, tenant, BRIEF))["plan"]
    plan["facts"] |= {"phone": "+33 5 59 99 99 99", "email": "hello@blue-ocean.example",
                      "prices": [*plan["facts"]["prices"], {"item": "VIP lesson", "price": "300 €"}]}
    estimate = await client.call("POST", "/api/cms/site-generations/estimate", slug=tenant.slug, token=tenant.token,
                                 json={"brief": BRIEF, "plan": plan})
    assert estimate.status_code == 200, estimate.text
    job, _ = await generate_site(client, tenant, BRIEF, plan)
    assert job["status"] == "saved", job["reason"]
    written = json.dumps(job["plan"] if job.get("plan") else {})
    pages = [(await client.call("GET", f"/api/cms/pages/{p['page_id']}", slug=tenant.slug,
                                token=tenant.token)).json()["structure"] for p in job["pages"]]
    layout = (await client.call("GET", "/api/cms/layout", slug=tenant.slug, token=tenant.token)).json()
    everything = json.dumps([pages, layout, written])
    assert "99 99 99" not in everything and "blue-ocean.example" not in everything and "300 €" not in everything


async def hold(client: PlatformClient, tenant: SignedUp, amount: int) -> None:
    """`amount` credits held by other work for a few seconds."""
    nc = await nats.connect(client.stack.nats_url)
    try:
        answer = await request(nc, ReserveCredits(tenant_id=uuid.UUID(tenant.tenant_id), amount=amount,
                                                  reference=f"other-work:{uuid.uuid4()}",
                                                  ledger_type="AI_GENERATION", ttl_seconds=8), timeout=5)
        assert answer.status == "held", answer
    finally:
        await nc.close()


async def test_five_credits_still_make_a_small_page_and_none_get_402_with_the_price(client: PlatformClient) -> None:
    tenant = await ready(client)
    await hold(client, tenant, (await balance(client, tenant))["available"] - 5)
    prompt = {"prompt": "A surf school in Biarritz: lessons for beginners", "slug": "/small"}
    estimate = (await client.call("POST", "/api/cms/generations/estimate", slug=tenant.slug, token=tenant.token,
                                  json=prompt)).json()
    assert estimate["fits"] and estimate["available"] == 5 and estimate["max_credits"] <= 5, estimate
    started = await client.call("POST", "/api/cms/generations", slug=tenant.slug, token=tenant.token, json=prompt)
    assert started.status_code == 202, started.text
    job = (await events_of(client, tenant, started.json()["events_url"]))[-1][1]
    assert job["status"] == "saved" and job["credits"] <= 5, job["reason"]
    page = (await client.call("GET", f"/api/cms/pages/{job['page_id']}", slug=tenant.slug, token=tenant.token)).json()
    assert page["structure"]["root"]["children"], page  # a smaller page, not a refusal
    left = (await balance(client, tenant))["available"]
    assert left >= 0

    await hold(client, tenant, left) if left else None
    refused = await client.call("POST", "/api/cms/generations", slug=tenant.slug, token=tenant.token, json=prompt)
    assert refused.status_code == 402, refused.text
    problem = refused.json()
    assert problem["extensions"]["available"] == 0 and problem["extensions"]["price"] > 0
    assert "top up" in problem["detail"]
    plan = (await plan_of(client, tenant, BRIEF))["plan"]
    site = await client.call("POST", "/api/cms/site-generations", slug=tenant.slug, token=tenant.token,
                             json={"brief": BRIEF, "plan": plan})
    assert site.status_code == 402 and site.json()["extensions"]["available"] == 0
    final = await settled(client, tenant)  # every hold ended (ours expire), no wallet below zero
    assert final["balance"] >= 0 and final["held"] == 0


async def test_a_scripted_model_plans_a_site_and_its_cached_input_is_priced_lower(client: PlatformClient,
                                                                                ai_server: FakeOpenAI) -> None:
    tenant = await ready(client)
    grid = {"component": "FeatureGrid", "purpose": "what we bake"}
    plan = {"language": "en", "tagline": "Sourdough from Lyon since 1998.",
            "facts": {"business_name": "Maison Levain", "city": "Lyon", "prices": [], "hours": [], "services": [
                "Sourdough breads", "Weekend brunch"]},
            "pages": [{"slug": "/", "nav_label": "Home", "title": "Maison Levain | Sourdough bakery in Lyon",
                       "description": "Sourdough breads, morning pastries and a weekend brunch, baked in Lyon.",
                       "sections": [{"component": "Hero", "anchor": "top", "purpose": "welcome"},
                                    {**grid, "anchor": "breads"}]},
                      {"slug": "/visit", "nav_label": "Visit", "title": "Visit Maison Levain in Lyon",
                       "description": "Where to find Maison Levain in Lyon and how to send us a message.",
                       "sections": [{**grid, "anchor": "brunch"},
                                    {"component": "ContactForm", "anchor": "write", "purpose": "messages"}]}]}
    brief = {"name": "Maison Levain", "business": "A sourdough bakery: breads, pastries and a weekend brunch",
             "location": "Lyon", "pages": ["visit"]}
    ai_server.script(Reply(content=plan, input_tokens=900, output_tokens=600))
    planned = await plan_of(client, tenant, brief)
    assert [p["slug"] for p in planned["plan"]["pages"]] == ["/", "/visit"]
    assert planned["credits"] == 0 and planned["input_tokens"] == 900  # a plan is not charged

    # The sections are answered by the stand-in model; the server caches prompts' shared prefixes
    # (the schema, then the rules, then the site's context) as OpenAI does, and says so in usage.
    job, _ = await generate_site(client, tenant, brief, planned["plan"])
    assert job["status"] == "saved", job["reason"]
    sections = [r.body for r in ai_server.requests[-4:]]
    assert all(r["messages"][0]["content"].startswith("You write one section") and r["stream"] for r in sections)
    assert job["cached_input_tokens"] >= 1024, job  # the second FeatureGrid's prefix was the first's
    uncached = job["input_tokens"] - job["cached_input_tokens"]
    assert job["credits"] == -(-(uncached + job["cached_input_tokens"] * 0.5 + job["output_tokens"]) // 1000)
    assert sum(p["cached_input_tokens"] for p in job["pages"]) == job["cached_input_tokens"]
    charged = await client.call("GET", f"/api/cms/generations/{job['id']}", slug=tenant.slug, token=tenant.token)
    assert charged.json()["cached_input_tokens"] == job["cached_input_tokens"]

    # The scripted plan's pages publish as written, together with their header and footer.
    published = await publish_all(client, tenant, job)
    assert published.status_code == 200, published.text
    visit = await client.call("GET", "/visit", slug=tenant.slug)
    assert visit.status_code == 200 and 'href="/"' in visit.text and "Maison Levain" in visit.text


def page_with_link(title: str, href: str) -> dict[str, Any]:
    return {"root": {"id": "page", "component": "Page", "props": {"title": title, "description": f"{title} page."},
                     "children": [{"id": "go", "component": "Button", "props": {"label": "Go", "href": href},
                                   "children": []}]}}


async def test_publishing_together_is_all_or_nothing_and_the_layout_names_its_revision(client: PlatformClient) -> None:
    tenant = await client.sign_up("together")
    made = []
    for slug, href in (("/fine", "/fine"), ("/broken", "/nowhere")):
        created = await client.call("POST", "/api/cms/pages", slug=tenant.slug, token=tenant.token,
                                    json={"slug": slug, "structure": page_with_link(slug.strip("/"), href)})
        assert created.status_code == 201, created.text
        made.append({"id": created.json()["id"], "revision": created.json()["revision"]})
    refused = await client.call("POST", "/api/cms/site-publications", slug=tenant.slug, token=tenant.token,
                                json={"pages": made})
    assert refused.status_code == 422, refused.text
    assert [e["page_id"] for e in refused.json()["errors"]] == [made[1]["id"]]
    assert "/nowhere" in json.dumps(refused.json()["errors"])
    for ref in made:  # nothing went live, the fine page neither
        page = await client.call("GET", f"/api/cms/pages/{ref['id']}", slug=tenant.slug, token=tenant.token)
        assert page.json()["is_published"] is False
    twice = await client.call("POST", "/api/cms/site-publications", slug=tenant.slug, token=tenant.token,
                              json={"pages": [made[0], made[0]]})
    assert twice.status_code == 422

    navbar = {"id": "nav", "component": "Navbar", "props": {"brand": "Together", "links": [
        {"label": "Fine", "href": "/fine"}]}, "children": []}
    first = await client.call("PUT", "/api/cms/layout", slug=tenant.slug, token=tenant.token,
                              headers={"if-match": '"0"'}, json={"header": navbar})
    assert first.status_code == 200 and first.json()["revision"] == 1, first.text
    stale = await client.call("PUT", "/api/cms/layout", slug=tenant.slug, token=tenant.token,
                              headers={"if-match": '"0"'}, json={"header": navbar})
    assert stale.status_code == 412 and stale.json()["extensions"]["revision"] == 1
    swapped = await client.call("PUT", "/api/cms/layout", slug=tenant.slug, token=tenant.token,
                                headers={"if-match": '"1"'}, json={"footer": navbar})
    assert swapped.status_code == 422 and "Footer" in swapped.json()["detail"]
    broken = {**navbar, "props": {**navbar["props"], "links": [{"label": "Gone", "href": "/gone"}]}}
    saved = await client.call("PUT", "/api/cms/layout", slug=tenant.slug, token=tenant.token,
                              headers={"if-match": '"1"'}, json={"header": broken})
    assert saved.status_code == 200, saved.text
    unpublishable = await client.call("POST", "/api/cms/layout/publish", slug=tenant.slug, token=tenant.token,
                                      headers={"if-match": '"2"'})
    assert unpublishable.status_code == 422 and "/gone" in json.dumps(unpublishable.json()["errors"])
    viewer_sees = await client.call("GET", "/api/cms/layout", slug=tenant.slug, token=tenant.token)
    assert viewer_sees.json()["live_revision"] is None and viewer_sees.headers["etag"] == '"2"'


async def test_a_site_written_in_german_speaks_german_in_everything_no_editor_wrote(client: PlatformClient) -> None:
    tenant = await ready(client)
    brief = {"name": "Pho Hanoi", "business": "Vietnamesische Nudelbar: Pho Bo, Bun Cha und frische Sommerrollen, "
             "alles auch zum Mitnehmen. Hauptgericht ab 12 €.", "location": "Leipzig", "tone": "herzlich",
             "language": "de", "pages": ["speisekarte", "kontakt"]}
    planned = await plan_of(client, tenant, brief)
    job, _ = await generate_site(client, tenant, brief, planned["plan"])
    assert job["status"] == "saved", job
    published = await publish_all(client, tenant, job)
    assert published.status_code == 200, published.text
    browser = {"accept": "text/html,application/xhtml+xml"}

    async def german_home() -> bool:
        return '<html lang="de">' in (await client.call("GET", "/", slug=tenant.slug)).text

    assert await eventually(german_home, True, within=15)
    home = (await client.call("GET", "/", slug=tenant.slug)).text
    assert ">Zum Inhalt springen<" in home and "Menü" in home and 'aria-label="Hauptnavigation"' in home
    assert "Skip to content" not in home and 'aria-label="Main"' not in home
    missing = await client.call("GET", "/gibt-es-nicht", slug=tenant.slug, headers=browser)
    assert missing.status_code == 404 and '<html lang="de">' in missing.text
    assert "Diese Seite gibt es nicht" in missing.text


async def test_plans_asked_for_at_once_get_no_more_than_the_hours_allowance(client: PlatformClient) -> None:
    tenant = await client.sign_up("plans-at-once")
    brief = {"name": "Fellwater Boats", "business": "Rowing boat hire on the lake, by the hour, for families.",
             "location": "Keswick"}
    answers = await asyncio.gather(*(client.call("POST", "/api/cms/site-plans", slug=tenant.slug, token=tenant.token,
                                                 json=brief) for _ in range(40)))
    codes = sorted(answer.status_code for answer in answers)
    assert codes == [200] * 30 + [429] * 10, codes  # SITE_PLANS_PER_HOUR is 30: each slot taken before the model
    plan_id = next(answer.json()["id"] for answer in answers if answer.status_code == 200)
    saved = await client.call("GET", f"/api/cms/generations/{plan_id}", slug=tenant.slug, token=tenant.token)
    assert saved.status_code == 200 and saved.json()["status"] == "saved"

"""AI page generation through the gateway, with cms talking to the OpenAI-compatible test
server: a page plan, then one call per planned section, each streamed as a `section` event;
202 and progress events, a draft, publish, the rendered site; repair, failure and timeout
release the credits; the job is fitted to the wallet and concurrent jobs never overdraw."""

from __future__ import annotations

import asyncio
import contextlib
import json
import re
import signal
import uuid
from collections.abc import Iterator
from typing import Any

import nats
import pytest

from services.cms.prompts import PLACEHOLDER_IMAGE, read_context
from shared.contracts import ReserveCredits
from shared.dev.demo_site import seed_demo_site
from shared.messaging import request
from tests.e2e.platform_client import PASSWORD, PlatformClient, SignedUp, eventually
from tests.e2e.test_billing_top_ups import ready, send
from tests.servers.openai_compatible import FakeOpenAI, Reply, Slow
from tests.servers.stripe_compatible import FakeStripe

BRIEF = "A bakery in Lyon called Maison Levain: sourdough breads, morning pastries and a weekend brunch"


@pytest.fixture(autouse=True)
def clean_model(ai_server: FakeOpenAI) -> Iterator[None]:
    """A step a failed test left queued would answer the next test's first call; the
    requests recorded are this test's."""
    ai_server.reset()
    yield
    ai_server.reset()


def plan_reply(*sections: tuple[str, str], input_tokens: int = 900, output_tokens: int = 300,
               facts: dict[str, Any] | None = None, **page: Any) -> Reply:
    """A one-page plan as the model would send it in strict mode (every property present):
    `sections` are (component, anchor) pairs, in order; `facts` and `page` override the
    plan's. No cached input: exact charges."""
    return Reply(content={
        "language": "en", "tagline": "Sourdough from Lyon since 1998.",
        "facts": {"business_name": "Maison Levain", "city": "Lyon", "address": "", "phone": "", "email": "",
                  "hours": [], "prices": [], "services": ["Sourdough breads", "Morning pastries", "Weekend brunch"]}
        | (facts or {}),
        "pages": [{"slug": "/", "nav_label": "Home", "title": "Maison Levain | Sourdough bakery in Lyon",
                   "description": "Sourdough breads, morning pastries and a weekend brunch, baked every day in Lyon.",
                   "purpose": "Bring people into the bakery",
                   "sections": [{"component": component, "anchor": anchor, "purpose": f"the {anchor} section"}
                                for component, anchor in sections]} | page]},
        input_tokens=input_tokens, output_tokens=output_tokens, cached_tokens=0)


def hero_reply(headline: str, *, input_tokens: int = 2000, output_tokens: int = 400, **props: Any) -> Reply:
    """A Hero section as the model sends it in strict mode."""
    return Reply(content={"id": "hero", "component": "Hero", "children": [], "props": {
        "variant": "centered", "eyebrow": "", "headline": headline, "subheadline": "Baked in Lyon since 1998",
        "image": PLACEHOLDER_IMAGE, "image_alt": "a loaf of sourdough", "cta_label": "Our story",
        "cta_href": "#story", "secondary_label": "", "secondary_href": None} | props},
        input_tokens=input_tokens, output_tokens=output_tokens, cached_tokens=0)


def text_reply(markdown: str, *, input_tokens: int = 2000, output_tokens: int = 500) -> Reply:
    """A RichText section."""
    return Reply(content={"id": "story", "component": "RichText", "props": {"markdown": markdown}, "children": []},
                 input_tokens=input_tokens, output_tokens=output_tokens, cached_tokens=0)


@contextlib.contextmanager
def sections_answered(ai_server: FakeOpenAI, replies: dict[str, Reply | list[Reply]]) -> Iterator[None]:
    """The model answers every section of a planned component with `replies[component]`,
    whatever order the concurrent section calls arrive in (scripted steps still come first);
    a list is a component's successive answers (its first, then its repair), after which the
    stand-in model answers."""
    stand_in = ai_server.default_reply
    assert stand_in is not None
    queues = {component: list(reply) if isinstance(reply, list) else reply for component, reply in replies.items()}

    def answer(body: dict[str, Any]) -> Reply:
        if body["response_format"]["json_schema"]["name"] == "page_section":
            component = read_context(body["messages"][-1]["content"])["section"]["component"]
            queued = queues.get(component)
            if isinstance(queued, Reply):
                return queued
            if queued:
                return queued.pop(0)
        return stand_in(body)

    ai_server.default_reply = answer
    try:
        yield
    finally:
        ai_server.default_reply = stand_in


async def balance(client: PlatformClient, tenant: SignedUp) -> dict[str, int]:
    return (await client.call("GET", "/api/billing/balance", slug=tenant.slug, token=tenant.token)).json()


async def settled(client: PlatformClient, tenant: SignedUp) -> dict[str, int]:
    """The balance once no credits are held any more."""
    async def held() -> int:
        return (await balance(client, tenant))["held"]

    assert await eventually(held, 0, within=20) == 0
    return await balance(client, tenant)


async def events_of(client: PlatformClient, tenant: SignedUp, url: str) -> list[tuple[str, dict[str, Any]]]:
    """The server-sent events of a job, read through the gateway until the stream ends."""
    headers = {"host": client.host(tenant.slug), "authorization": f"Bearer {tenant.token}"}
    events, name = [], ""
    async with client.http.stream("GET", url, headers=headers, timeout=30) as response:
        assert response.headers["content-type"].startswith("text/event-stream")
        async for line in response.aiter_lines():
            if line.startswith("event:"):
                name = line.split(":", 1)[1].strip()
            elif line.startswith("data:"):
                events.append((name, json.loads(line.split(":", 1)[1])))
    return events


async def generate(client: PlatformClient, tenant: SignedUp, **body: Any) -> dict[str, Any]:
    """A page generation run to its end: the job as its last event has it, with the events'
    names and the nodes of its `section` events."""
    started = await client.call("POST", "/api/cms/generations", slug=tenant.slug, token=tenant.token,
                                json={"prompt": BRIEF, **body})
    assert started.status_code == 202, started.text
    events = await events_of(client, tenant, started.json()["events_url"])
    for step, (name, job) in enumerate(events, start=1):  # each event's data is the job at that transition
        assert job["history"][-1].get("event", job["status"]) == name and len(job["history"]) == step, (name, job)
        assert step == len(events) or (job["page_id"] is None and job["reason"] is None), (name, job)
    return {**events[-1][1], "events": [name for name, _ in events],
            "sections": [job["history"][-1]["node"] for name, job in events if name == "section"]}


async def test_a_prompt_becomes_a_published_page_paid_for_what_it_used(client: PlatformClient,
                                                                      ai_server: FakeOpenAI) -> None:
    tenant = await ready(client)
    before = await balance(client, tenant)
    estimate = (await client.call("POST", "/api/cms/generations/estimate", slug=tenant.slug, token=tenant.token,
                                  json={"prompt": BRIEF, "sections": ["hero", "story"]})).json()
    assert estimate["fits"] and estimate["calls"] == 3 and estimate["dropped"] == [], estimate  # a plan, 2 sections
    assert 0 < estimate["expected_credits"] <= estimate["max_credits"] <= before["available"]
    ai_server.script(plan_reply(("Hero", "top"), ("RichText", "story")))
    with sections_answered(ai_server, {"Hero": hero_reply("Sourdough worth crossing Lyon for"),
                                       "RichText": text_reply("Fresh bread every morning, from our oven.")}):
        job = await generate(client, tenant, slug="/", tone="warm", sections=["hero", "story"])
    assert job["events"] == ["queued", "reserved", "planning", "generating", "section", "section", "saved"], job
    assert sorted(node["component"] for node in job["sections"]) == ["Hero", "Section"]  # each as it was written
    # 900 + 2,000 + 2,000 tokens in, 300 + 400 + 500 out: 6,100 tokens at 1 credit per 1k, rounded up.
    assert job["status"] == "saved" and job["input_tokens"] == 4900 and job["output_tokens"] == 1200, job
    assert job["cached_input_tokens"] == 0 and job["repaired"] is False
    assert job["credits"] == 7 and job["max_credits"] == estimate["max_credits"]
    plan_call, *section_calls = [r.body for r in ai_server.requests[-3:]]
    assert plan_call["response_format"]["json_schema"]["name"] == "page_plan"
    assert [c["response_format"]["json_schema"]["name"] for c in section_calls] == ["page_section"] * 2
    assert all(c["messages"][0]["content"].startswith("You write one section") for c in section_calls)
    assert all("no HTML" in c["messages"][0]["content"] and c["stream"] for c in section_calls)
    assert "Write the plan of ONE page" in plan_call["messages"][-1]["content"]

    page = (await client.call("GET", f"/api/cms/pages/{job['page_id']}", slug=tenant.slug, token=tenant.token))
    root = page.json()["structure"]["root"]
    assert page.json()["slug"] == "/" and root["props"]["title"] == "Maison Levain | Sourdough bakery in Lyon"
    hero, story = root["children"]
    assert hero["component"] == "Hero" and hero["props"]["image"] is None  # no picture in the library to show
    assert story["component"] == "Section" and story["props"]["anchor"] == "story"  # wrapped by cms
    assert story["children"][0]["props"]["markdown"] == "Fresh bread every morning, from our oven."
    published = await client.call("POST", f"/api/cms/pages/{job['page_id']}/publish", slug=tenant.slug,
                                  token=tenant.token, headers={"if-match": page.headers["etag"]})
    assert published.status_code == 200, published.text
    site = await client.call("GET", "/", slug=tenant.slug)
    assert site.status_code == 200 and "Sourdough worth crossing Lyon for" in site.text

    after = await settled(client, tenant)
    assert after["balance"] == before["balance"] - 7  # the actual use, not the reservation
    history = (await client.call("GET", f"/api/cms/pages/{job['page_id']}/generations", slug=tenant.slug,
                                 token=tenant.token)).json()
    assert [g["id"] for g in history] == [job["id"]] and history[0]["request"]["prompt"] == BRIEF


async def test_invalid_output_is_repaired_once_then_the_job_fails_and_releases(client: PlatformClient,
                                                                             ai_server: FakeOpenAI) -> None:
    tenant = await ready(client)
    before = await balance(client, tenant)
    # One planned section, so the scripted answers arrive in a known order: the plan, the
    # section, the section's repair.
    ai_server.script(plan_reply(("RichText", "story")), text_reply("<script>alert(1)</script>"),
                     text_reply("Fresh and clean bread."))
    repaired = await generate(client, tenant, slug="/repaired")
    assert repaired["status"] == "saved" and repaired["repaired"] is True, repaired
    assert repaired["input_tokens"] == 900 + 2 * 2000 and repaired["credits"] == 7  # the repair call is paid
    repair_prompt = ai_server.requests[-1].body["messages"][-1]["content"]
    assert "Your previous answer for this section was refused" in repair_prompt
    assert "raw HTML is not allowed" in repair_prompt

    # A heading over 70 characters passes the registry but not the site lints: it goes back
    # to the model once, and a second overlong answer fails the job.
    long = "Sourdough breads, morning pastries and a weekend brunch in the heart of Lyon"
    ai_server.script(plan_reply(("Hero", "top")), hero_reply(long), hero_reply(f"{long}, every day"))
    failed = await generate(client, tenant, slug="/failed")
    assert failed["status"] == "failed" and "did not pass its checks after a repair round" in failed["reason"], failed
    assert "nothing was charged" in failed["reason"] and failed["page_id"] is None
    assert "Your previous answer for this section was refused" in ai_server.requests[-1].body["messages"][-1]["content"]

    ai_server.script(plan_reply(("RichText", "story")), text_reply("<b>no</b>"), text_reply("<i>no</i>"))
    invalid = await generate(client, tenant, slug="/invalid")
    assert invalid["status"] == "failed" and "after a repair round" in invalid["reason"], invalid
    after = await settled(client, tenant)
    assert after["balance"] == before["balance"] - repaired["credits"]  # the failures cost nothing
    pages = (await client.call("GET", "/api/cms/pages", slug=tenant.slug, token=tenant.token)).json()["pages"]
    assert [p["slug"] for p in pages] == ["/repaired"]


async def test_a_section_of_the_wrong_shape_is_repaired_once(client: PlatformClient, ai_server: FakeOpenAI) -> None:
    """An answer the section's schema refuses (a URL where an asset id goes, a javascript:
    link) goes back to the model once, like raw HTML: it is the registry that refuses it."""
    tenant = await ready(client)
    before = await balance(client, tenant)
    ai_server.script(plan_reply(("Hero", "top")),
                     hero_reply("Fresh", image="https://evil.example/x.png", cta_href="javascript:alert(1)"),
                     hero_reply("Fresh and clean"))
    job = await generate(client, tenant, slug="/shape")
    assert job["status"] == "saved" and job["repaired"] is True, job["reason"]
    repair_prompt = ai_server.requests[-1].body["messages"][-1]["content"]
    assert "Your previous answer for this section was refused" in repair_prompt
    assert "/props/image" in repair_prompt and "/props/cta_href" in repair_prompt
    after = await settled(client, tenant)
    assert after["balance"] == before["balance"] - job["credits"] and job["credits"] == 6  # 4,900 in, 1,100 out


async def test_a_model_timeout_fails_the_job_and_releases_the_hold(client: PlatformClient,
                                                                   ai_server: FakeOpenAI) -> None:
    tenant = await ready(client)
    before = await balance(client, tenant)
    ai_server.script(Slow(seconds=5, then=plan_reply(("Hero", "top"))))
    job = await generate(client, tenant, slug="/slow")
    assert job["status"] == "failed" and "did not answer in time" in job["reason"], job
    assert (await settled(client, tenant))["balance"] == before["balance"]
    ai_server.reset()

    # A section the model never finishes fails the job as well, after the plan was written.
    ai_server.script(plan_reply(("RichText", "story")), Slow(seconds=5, then=text_reply("Too late.")))
    job = await generate(client, tenant, slug="/slow-section")
    assert job["status"] == "failed" and "did not answer in time" in job["reason"], job
    assert "generating" in job["events"] and "section" not in job["events"]
    assert (await settled(client, tenant))["balance"] == before["balance"]
    ai_server.reset()


async def hold_all_but(client: PlatformClient, tenant: SignedUp, left: int) -> None:
    """Everything but `left` credits held by other work."""
    nc = await nats.connect(client.stack.nats_url)
    try:
        available = (await balance(client, tenant))["available"]
        await request(nc, ReserveCredits(tenant_id=uuid.UUID(tenant.tenant_id), amount=available - left,
                                         reference=f"busy-{left}", ledger_type="AI_GENERATION"))
    finally:
        await nc.drain()


async def estimate(client: PlatformClient, tenant: SignedUp, **body: Any) -> dict[str, Any]:
    answer = await client.call("POST", "/api/cms/generations/estimate", slug=tenant.slug, token=tenant.token,
                               json={"prompt": BRIEF, **body})
    assert answer.status_code == 200, answer.text
    return answer.json()


async def test_exactly_enough_credits_succeed_once_then_402_with_the_price(client: PlatformClient) -> None:
    tenant = await ready(client)
    full = await estimate(client, tenant, slug="/once")
    price = full["smallest_credits"]  # the smallest useful page: its plan and its opening section
    assert 0 < price < full["max_credits"], full
    await hold_all_but(client, tenant, price)
    busy = (await balance(client, tenant))["held"]
    fitted = await estimate(client, tenant, slug="/once")
    assert fitted["available"] == price and fitted["fits"] and fitted["max_credits"] == price, fitted
    assert fitted["calls"] == 2 and len(fitted["dropped"]) == full["calls"] - 2, fitted
    job = await generate(client, tenant, slug="/once")
    assert job["status"] == "saved" and job["max_credits"] == price, job
    assert job["events"].count("section") == 1 and 0 < job["credits"] <= price

    async def held() -> int:
        return (await balance(client, tenant))["held"]

    assert await eventually(held, busy, within=10) == busy  # the job's hold is captured
    refused = await client.call("POST", "/api/cms/generations", slug=tenant.slug, token=tenant.token,
                                json={"prompt": BRIEF, "slug": "/twice"})
    assert refused.status_code == 402 and refused.headers["content-type"] == "application/problem+json"
    problem = refused.json()
    assert problem["extensions"]["price"] == price and problem["extensions"]["available"] == price - job["credits"]
    assert "top up" in problem["detail"]


async def top_up(client: PlatformClient, stripe_server: FakeStripe, tenant: SignedUp, pack: str) -> None:
    started = await client.call("POST", "/api/billing/top-ups", slug=tenant.slug, token=tenant.token,
                                json={"pack": pack})
    paid = next(e for e in stripe_server.complete_checkout(started.json()["checkout_session_id"])
                if e["type"] == "checkout.session.completed")
    await send(client, stripe_server, paid)

    async def credited() -> bool:
        return (await balance(client, tenant))["balance"] > 100

    assert await eventually(credited, True, within=10)


async def test_twenty_concurrent_generations_on_credits_for_five(client: PlatformClient, stripe_server: FakeStripe,
                                                                  ai_server: FakeOpenAI) -> None:
    tenant = await ready(client)
    await top_up(client, stripe_server, tenant, "500")
    # The model takes a moment to plan, so no job ends (and returns its credits) while the
    # twenty requests are still being answered: then exactly five can hold credits at once.
    ai_server.reset()
    ai_server.script(*[Slow(seconds=2.5) for _ in range(5)])
    price = (await estimate(client, tenant))["max_credits"]
    await hold_all_but(client, tenant, 5 * price)  # exactly five full generations' worth available
    before = await balance(client, tenant)
    answers = await asyncio.gather(*(
        client.call("POST", "/api/cms/generations", slug=tenant.slug, token=tenant.token,
                    json={"prompt": BRIEF, "slug": f"/rush-{n}"}) for n in range(20)))
    reserved = [a.json()["max_credits"] for a in answers if a.status_code == 202]
    refused = [a.json()["extensions"] for a in answers if a.status_code == 402]
    assert len(reserved) + len(refused) == 20, (price, reserved, refused)
    # Never more than the wallet holds; and a request is refused only when not even the
    # smallest page fits what is left (every hold here is a full price, so nothing is left).
    assert sum(reserved) <= before["available"], (price, reserved, before)
    assert reserved == [price] * 5, (price, reserved, before, refused[:2])
    assert all(r["available"] < r["price"] for r in refused), refused
    ai_server.reset()

    async def outcome(url: str) -> str:
        job = (await client.call("GET", url, slug=tenant.slug, token=tenant.token)).json()
        return job["status"] if job["status"] != "failed" else job["reason"]

    jobs = [a.json()["status_url"] for a in answers if a.status_code == 202]
    for url in jobs:
        assert await eventually(lambda url=url: outcome(url), "saved", within=45) == "saved"
    spent = 0
    for url in jobs:
        spent += (await client.call("GET", url, slug=tenant.slug, token=tenant.token)).json()["credits"]

    async def held() -> int:
        return (await balance(client, tenant))["held"]

    assert await eventually(held, before["held"], within=20) == before["held"]  # the five holds are settled
    after = await balance(client, tenant)
    assert after["balance"] == before["balance"] - spent and after["available"] >= 0


async def test_cms_killed_between_reserve_and_settle_is_settled_by_hold_expiry(client: PlatformClient,
                                                                              ai_server: FakeOpenAI) -> None:
    tenant = await ready(client)
    before = await balance(client, tenant)
    # The plan is written; the model is still thinking about the only section...
    ai_server.script(plan_reply(("RichText", "story")), Slow(seconds=2.5, then=text_reply("Never saved.")))
    started = await client.call("POST", "/api/cms/generations", slug=tenant.slug, token=tenant.token,
                                json={"prompt": BRIEF, "slug": "/lost"})
    assert started.status_code == 202

    async def status() -> str:
        return (await client.call("GET", started.headers["location"], slug=tenant.slug,
                                  token=tenant.token)).json()["status"]

    assert await eventually(status, "generating", within=5) == "generating"
    assert (await balance(client, tenant))["held"] == started.json()["max_credits"]
    client.stack.stop_service("cms", signal.SIGKILL)  # ...when cms dies
    await asyncio.to_thread(client.stack.start_service, "cms")
    await asyncio.to_thread(client.stack.wait_ready, "cms")
    ai_server.reset()

    after = await settled(client, tenant)  # the hold outlives nothing: billing's sweep releases it
    assert after["balance"] == before["balance"] and after["available"] == before["available"]
    job = (await client.call("GET", started.headers["location"], slug=tenant.slug, token=tenant.token)).json()
    assert job["status"] == "failed" and "interrupted" in job["reason"]
    pages = (await client.call("GET", "/api/cms/pages", slug=tenant.slug, token=tenant.token)).json()["pages"]
    assert [p["slug"] for p in pages] == []  # nothing half-written


async def test_the_demo_site_is_made_through_the_platforms_own_api(client: PlatformClient) -> None:
    """What `make run` does for the demo tenant (log in, upload, build, publish), on a fresh
    tenant here; tests/e2e/test_demo_site.py looks at the site in Chromium."""
    tenant = await ready(client)
    made = await asyncio.to_thread(seed_demo_site, client.stack.url("gateway"), client.host(tenant.slug).split(":")[0],
                                   tenant.email, PASSWORD)
    assert made.startswith("Fellwater Boat Co.") and made.endswith("published"), made
    site = await client.call("GET", "/", slug=tenant.slug)
    assert site.status_code == 200 and "Fellwater Boat Co." in site.text
    own = {a["id"] for a in (await client.call("GET", "/api/assets/assets", slug=tenant.slug,
                                               token=tenant.token)).json()["assets"]}
    shown = set(re.findall(r"/assets/([0-9a-f-]{36})", site.text))
    assert shown and shown <= own  # only the photos it uploaded
    again = await asyncio.to_thread(seed_demo_site, client.stack.url("gateway"),
                                    client.host(tenant.slug).split(":")[0], tenant.email, PASSWORD)
    assert again == "already there"

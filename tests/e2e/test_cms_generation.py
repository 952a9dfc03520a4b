"""AI page generation through the gateway, with cms talking to the OpenAI-compatible test
server: 202 and progress events, a draft, publish, the rendered site; repair, failure and
timeout release the credits; concurrent jobs never overdraw."""

from __future__ import annotations

import asyncio
import json
import re
import signal
import uuid
from typing import Any

import nats

from shared.contracts import ReserveCredits
from shared.dev.demo_site import seed_demo_site
from shared.messaging import request
from tests.e2e.platform_client import PASSWORD, PlatformClient, SignedUp, eventually
from tests.e2e.test_billing_top_ups import ready, send
from tests.servers.openai_compatible import FakeOpenAI, Reply, Slow
from tests.servers.stripe_compatible import FakeStripe

BRIEF = "A bakery in Lyon called Maison Levain: sourdough breads, morning pastries and a weekend brunch"


def page_reply(headline: str, *, markdown: str = "Fresh bread every morning.") -> Reply:
    """A page as the model would send it in strict mode (every property present)."""
    return Reply(content={"root": {"id": "page", "component": "Page", "props": {
        "title": "Maison Levain", "description": "Sourdough bakery in Lyon", "social_image": None},
        "children": [
            {"id": "hero", "component": "Hero", "props": {
                "headline": headline, "subheadline": "Baked in Lyon since 1998",
                "image": "00000000-0000-4000-8000-000000000000", "image_alt": "a loaf of sourdough",
                "cta_label": "Visit us", "cta_href": "/contact"}, "children": []},
            {"id": "story", "component": "RichText", "props": {"markdown": markdown}, "children": []},
        ]}}, input_tokens=5000, output_tokens=1200)


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
    started = await client.call("POST", "/api/cms/generations", slug=tenant.slug, token=tenant.token,
                                json={"prompt": BRIEF, **body})
    assert started.status_code == 202, started.text
    events = await events_of(client, tenant, started.json()["events_url"])
    for step, (name, job) in enumerate(events, start=1):  # each event's data is the job at that transition
        assert job["status"] == name and len(job["history"]) == step, (name, job)
        assert step == len(events) or (job["page_id"] is None and job["reason"] is None), (name, job)
    return {**events[-1][1], "events": [name for name, _ in events]}


async def test_a_prompt_becomes_a_published_page_paid_for_what_it_used(client: PlatformClient,
                                                                      ai_server: FakeOpenAI) -> None:
    tenant = await ready(client)
    before = await balance(client, tenant)
    estimate = (await client.call("POST", "/api/cms/generations/estimate", slug=tenant.slug, token=tenant.token,
                                  json={"prompt": BRIEF})).json()
    assert estimate["max_credits"] > 0
    ai_server.script(page_reply("Sourdough worth crossing Lyon for"))
    job = await generate(client, tenant, slug="/", tone="warm", sections=["hero", "story"])
    assert job["events"] == ["queued", "reserved", "generating", "validating", "saved"], job
    assert job["status"] == "saved" and job["input_tokens"] == 5000 and job["output_tokens"] == 1200
    assert job["credits"] == 7 and job["max_credits"] == estimate["max_credits"]  # 6,200 tokens at 1 per 1k
    system = ai_server.requests[-1].body["messages"][0]["content"]
    assert "Never write HTML" in system and "page_tree" in json.dumps(ai_server.requests[-1].body["response_format"])

    page = (await client.call("GET", f"/api/cms/pages/{job['page_id']}", slug=tenant.slug, token=tenant.token))
    assert page.json()["slug"] == "/" and page.json()["structure"]["root"]["children"][0]["props"]["image"] is None
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
    ai_server.script(page_reply("Fresh", markdown="<script>alert(1)</script>"), page_reply("Fresh and clean"))
    repaired = await generate(client, tenant, slug="/repaired")
    assert repaired["status"] == "saved" and repaired["repaired"] is True
    repair_prompt = ai_server.requests[-1].body["messages"][-1]["content"]
    assert "raw HTML is not allowed" in repair_prompt

    ai_server.script(page_reply("Bad", markdown="<b>no</b>"), page_reply("Still bad", markdown="<i>no</i>"))
    failed = await generate(client, tenant, slug="/failed")
    assert failed["status"] == "failed" and "still invalid after a repair round" in failed["reason"]
    after = await settled(client, tenant)
    assert after["balance"] == before["balance"] - repaired["credits"]  # the failure cost nothing


async def test_a_model_timeout_fails_the_job_and_releases_the_hold(client: PlatformClient,
                                                                   ai_server: FakeOpenAI) -> None:
    tenant = await ready(client)
    before = await balance(client, tenant)
    ai_server.script(Slow(seconds=5, then=page_reply("Too late")))
    job = await generate(client, tenant, slug="/slow")
    assert job["status"] == "failed" and "did not answer in time" in job["reason"]
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


async def test_exactly_enough_credits_succeed_once_then_402_with_the_price(client: PlatformClient) -> None:
    tenant = await ready(client)
    price = (await client.call("POST", "/api/cms/generations/estimate", slug=tenant.slug, token=tenant.token,
                               json={"prompt": BRIEF, "slug": "/once"})).json()["max_credits"]
    await hold_all_but(client, tenant, price)
    busy = (await balance(client, tenant))["held"]
    job = await generate(client, tenant, slug="/once")
    assert job["status"] == "saved" and job["max_credits"] == price

    async def held() -> int:
        return (await balance(client, tenant))["held"]

    assert await eventually(held, busy, within=10) == busy  # the job's hold is captured
    refused = await client.call("POST", "/api/cms/generations", slug=tenant.slug, token=tenant.token,
                                json={"prompt": BRIEF, "slug": "/twice"})
    assert refused.status_code == 402 and refused.headers["content-type"] == "application/problem+json"
    problem = refused.json()
    assert problem["extensions"]["price"] == price and problem["extensions"]["available"] == price - job["credits"]


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
    # The model takes a moment, so no job ends (and returns its credits) while the twenty
    # requests are still being answered: then exactly five can hold credits at once.
    ai_server.reset()
    ai_server.script(*[Slow(seconds=1.5) for _ in range(5)])
    price = (await client.call("POST", "/api/cms/generations/estimate", slug=tenant.slug, token=tenant.token,
                               json={"prompt": BRIEF})).json()["max_credits"]
    await hold_all_but(client, tenant, 5 * price)  # exactly five generations' worth available
    before = await balance(client, tenant)
    answers = await asyncio.gather(*(
        client.call("POST", "/api/cms/generations", slug=tenant.slug, token=tenant.token,
                    json={"prompt": BRIEF, "slug": f"/rush-{n}"}) for n in range(20)))
    reserved = [a.json()["max_credits"] for a in answers if a.status_code == 202]
    refused = [a.json()["extensions"] for a in answers if a.status_code == 402]
    assert len(reserved) + len(refused) == 20 and len(set(reserved)) == 1, (price, reserved, refused)
    # Exactly as many as the available credits cover at the reserved price, never one more.
    assert len(reserved) == before["available"] // reserved[0], (price, reserved, before, refused[:2])
    assert reserved[0] == price and len(reserved) == 5, (price, reserved, before)
    ai_server.reset()

    async def outcome(url: str) -> str:
        job = (await client.call("GET", url, slug=tenant.slug, token=tenant.token)).json()
        return job["status"] if job["status"] != "failed" else job["reason"]

    jobs = [a.json()["status_url"] for a in answers if a.status_code == 202]
    for url in jobs:
        assert await eventually(lambda url=url: outcome(url), "saved", within=30) == "saved"
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
    ai_server.script(Slow(seconds=2.5, then=page_reply("Never saved")))  # the model is still thinking...
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

"""One AI page generation is one trace, from the browser's request to the last event
consumer, across the five processes; every process exports it over OTLP/HTTP to a real
receiver on loopback (tests/servers/otlp_receiver.py)."""

from __future__ import annotations

import secrets

from tests.e2e.platform_client import PlatformClient, eventually
from tests.e2e.test_billing_top_ups import ready
from tests.e2e.test_cms_generation import BRIEF, events_of, hero_reply, plan_reply
from tests.servers.openai_compatible import FakeOpenAI
from tests.servers.otlp_receiver import OtlpReceiver, ReceivedSpan


def only(spans: list[ReceivedSpan], *, service: str, name: str, parent: ReceivedSpan | str) -> ReceivedSpan:
    """The one span of `service` called `name` whose parent is `parent` (a span or a span id)."""
    parent_id = parent if isinstance(parent, str) else parent.span_id
    found = [s for s in spans if s.service == service and s.name == name and s.parent_span_id == parent_id]
    named = sorted({(s.service, s.name, s.parent_span_id[:6]) for s in spans})
    assert len(found) == 1, f"{service} {name!r} under {parent_id}: {len(found)} of {named}"
    return found[0]


async def test_one_ai_generation_is_one_trace_parent_by_parent(client: PlatformClient, ai_server: FakeOpenAI,
                                                               otlp_receiver: OtlpReceiver) -> None:
    tenant = await ready(client)
    trace_id, browser_span = secrets.token_hex(16), secrets.token_hex(8)
    ai_server.script(plan_reply(("Hero", "top")), hero_reply("Traced from end to end", input_tokens=5000))
    started = await client.call("POST", "/api/cms/generations", slug=tenant.slug, token=tenant.token,
                                json={"prompt": BRIEF, "slug": "/traced"},
                                headers={"traceparent": f"00-{trace_id}-{browser_span}-01"})
    assert started.status_code == 202
    events = await events_of(client, tenant, started.json()["events_url"])
    job_id = events[-1][1]["id"]
    assert events[-1][0] == "saved"

    async def charged() -> bool:
        job = (await client.call("GET", f"/api/cms/generations/{job_id}", slug=tenant.slug, token=tenant.token)).json()
        return job["charged_credits"] == job["credits"]

    assert await eventually(charged, True, within=10)  # billing captured, cms heard CreditsDebited

    def tree() -> list[ReceivedSpan]:
        return otlp_receiver.trace(trace_id)

    async def complete() -> bool:  # the last consumer's span, and billing's (exported in their own batches)
        spans = tree()
        names = {(s.service, s.name) for s in spans}
        # assets answers two searches: the job's pricing reads the library in the request, the
        # job grounds its images later; each span comes in its own export.
        jobs = {s.span_id for s in spans if (s.service, s.name) == ("cms", "generate page")}
        grounded = any((s.service, s.name) == ("assets", "handle cmd.assets.search.v1") and s.parent_span_id in jobs
                       for s in spans)
        return grounded and {("cms", "consume billing.credits.debited.v1"), ("gateway", "POST /api/cms/generations"),
                             ("billing", "publish billing.credits.debited.v1")} <= names

    assert await eventually(complete, True, within=10)
    spans = tree()

    edge = only(spans, service="gateway", name="POST /api/cms/generations", parent=browser_span)
    assert edge.kind == "server"
    hop = only(spans, service="gateway", name="POST cms", parent=edge)
    assert hop.kind == "client" and hop.attributes["url.path"] == "/generations"
    served = only(spans, service="cms", name="POST /generations", parent=hop)
    assert served.kind == "server"
    reserve = only(spans, service="billing", name="handle cmd.billing.credits.reserve.v1", parent=served)
    assert any(s.parent_span_id == reserve.span_id and s.name == "SELECT" for s in spans)  # billing's SQL
    job = only(spans, service="cms", name="generate page", parent=served)
    assert job.attributes["generation.id"] == job_id and job.attributes["credits"] >= 1
    calls = [s for s in spans
             if s.service == "cms" and s.name == "ai generate_json" and s.parent_span_id == job.span_id]
    assert sorted(c.attributes["gen_ai.usage.input_tokens"] for c in calls) == [900, 5000]  # the plan, its section
    assert all(c.attributes["gen_ai.request.model"] for c in calls)
    writes = [s for s in spans if s.parent_span_id == job.span_id and s.name == "INSERT"]
    assert any("outbox" in s.attributes["db.query.text"] for s in writes)  # the outbox write, statement only
    assert all("Traced from end to end" not in s.attributes["db.query.text"] for s in writes)  # never values
    published = only(spans, service="cms", name="publish cms.page.generated.v1", parent=job)
    capture = only(spans, service="billing", name="consume cms.page.generated.v1", parent=published)
    debit = only(spans, service="billing", name="publish billing.credits.debited.v1", parent=capture)
    only(spans, service="cms", name="consume billing.credits.debited.v1", parent=debit)

    # tenant.id on every span of the action, in every process.
    missing = [(s.service, s.name) for s in spans if s.attributes.get("tenant.id") != tenant.tenant_id]
    assert missing == []
    only(spans, service="assets", name="handle cmd.assets.search.v1", parent=job)  # grounding the images
    assert {s.service for s in spans} == {"gateway", "cms", "assets", "billing"}


async def test_every_process_exports_over_otlp_with_its_resource(client: PlatformClient,
                                                                 otlp_receiver: OtlpReceiver) -> None:
    tenant = await client.sign_up("otlp")
    await client.call("GET", "/api/identity/tenant", slug=tenant.slug, token=tenant.token)
    await client.call("GET", "/api/assets/assets", slug=tenant.slug, token=tenant.token)

    async def services() -> set[str]:
        return {s.service for s in otlp_receiver.spans}

    expected = {"gateway", "identity", "cms", "assets", "billing"}
    assert await eventually(services, expected, within=10) == expected
    assert otlp_receiver.requests > 0
    for span in list(otlp_receiver.spans)[-200:]:
        assert span.resource["service.version"] and span.resource["deployment.environment.name"]

"""AI descriptions paid with credits (offline provider here: no key), and search by
meaning and by words, within the tenant only."""

import uuid

import nats

from shared.contracts import ReserveCredits
from shared.messaging import request
from tests.e2e.platform_client import PlatformClient, SignedUp, eventually
from tests.e2e.test_assets import png, upload
from tests.e2e.test_billing_top_ups import ready, send
from tests.servers.stripe_compatible import FakeStripe


async def described(client: PlatformClient, tenant: SignedUp, asset_id: str) -> dict:  # type: ignore[type-arg]
    async def state() -> str:
        return (await client.call("GET", f"/api/assets/assets/{asset_id}", slug=tenant.slug,
                                  token=tenant.token)).json()["status"]

    assert await eventually(state, "described", within=20) == "described"
    return (await client.call("GET", f"/api/assets/assets/{asset_id}", slug=tenant.slug, token=tenant.token)).json()


async def test_an_upload_is_described_paid_once_and_found(client: PlatformClient) -> None:
    tenant = await ready(client)
    sneaker = (await upload(client, tenant, png(900, 600, (200, 30, 40)), "red-running-sneaker.png")).json()
    lake = (await upload(client, tenant, png(600, 900, (40, 90, 210)), "blue-mountain-lake.png")).json()
    for asset in (sneaker, lake):
        done = await described(client, tenant, asset["id"])
        assert done["ai_description"] and done["alt_text"] and done["tags"]

    async def balance() -> int:
        return (await client.call("GET", "/api/billing/balance", slug=tenant.slug, token=tenant.token)).json()[
            "balance"]

    assert await eventually(balance, 98, within=10) == 98  # one credit per description, captured once
    ledger = (await client.call("GET", "/api/billing/ledger?type=AI_ASSET_DESCRIPTION", slug=tenant.slug,
                                token=tenant.token)).json()
    assert sorted(e["reference_id"] for e in ledger["entries"]) == sorted(
        f"describe:{a['id']}" for a in (sneaker, lake))

    found = (await client.call("GET", "/api/assets/assets/search?q=red sneaker", slug=tenant.slug,
                               token=tenant.token)).json()
    assert found[0]["id"] == sneaker["id"] and "words" in found[0]["matched"]
    lake_first = (await client.call("GET", "/api/assets/assets/search?q=mountain lake&k=1", slug=tenant.slug,
                                    token=tenant.token)).json()
    assert [a["id"] for a in lake_first] == [lake["id"]]
    other = await client.sign_up("search-other")
    assert (await client.call("GET", "/api/assets/assets/search?q=red sneaker", slug=other.slug,
                              token=other.token)).json() == []


async def test_without_credits_an_asset_waits_and_goes_on_when_credits_arrive(client: PlatformClient,
                                                                             stripe_server: FakeStripe) -> None:
    tenant = await ready(client)
    nc = await nats.connect(client.stack.nats_url)
    try:  # all credits held by other work
        await request(nc, ReserveCredits(tenant_id=uuid.UUID(tenant.tenant_id), amount=100, reference="busy",
                                         ledger_type="AI_PAGE_GENERATION"))
    finally:
        await nc.drain()
    asset = (await upload(client, tenant, png(300, 300, (10, 160, 60)), "green.png")).json()

    async def reason() -> str | None:
        body = (await client.call("GET", f"/api/assets/assets/{asset['id']}", slug=tenant.slug,
                                  token=tenant.token)).json()
        return body["status_reason"] if body["status"] == "undescribed" else None

    async def waiting() -> bool:
        return "not enough credits" in (await reason() or "")

    assert await eventually(waiting, True, within=15)

    # A top-up arrives: the waiting asset is described at once, not at its next retry.
    started = await client.call("POST", "/api/billing/top-ups", slug=tenant.slug, token=tenant.token,
                                json={"pack": "100"})
    paid = next(e for e in stripe_server.complete_checkout(started.json()["checkout_session_id"])
                if e["type"] == "checkout.session.completed")
    await send(client, stripe_server, paid)
    done = await described(client, tenant, asset["id"])
    assert done["ai_description"]


async def test_an_edit_is_searchable_at_once_and_keeps_the_vector_in_step(client: PlatformClient,
                                                                          admin_sql) -> None:  # type: ignore[no-untyped-def]
    tenant = await ready(client)
    asset = (await upload(client, tenant, png(500, 500, (240, 220, 40)), "banner.png")).json()
    before = await described(client, tenant, asset["id"])
    assert before["ai_description"].startswith(before["alt_text"])  # the offline model's paragraph
    vector_before = await admin_sql.fetchval("SELECT embedding::text FROM assets.assets WHERE id = $1",
                                             uuid.UUID(asset["id"]))
    edited = await client.call("PATCH", f"/api/assets/assets/{asset['id']}", slug=tenant.slug, token=tenant.token,
                               json={"description": "Limited edition SKU-7731 lemon tote bag on a studio table"})
    assert edited.status_code == 200 and edited.json()["ai_description"].startswith("Limited edition")
    found = (await client.call("GET", "/api/assets/assets/search?q=SKU-7731", slug=tenant.slug,
                               token=tenant.token)).json()
    assert [a["id"] for a in found] == [asset["id"]] and "words" in found[0]["matched"]
    vector_after = await admin_sql.fetchval("SELECT embedding::text FROM assets.assets WHERE id = $1",
                                            uuid.UUID(asset["id"]))
    assert vector_after != vector_before  # re-embedded from the new words
    refused = await client.call("PATCH", f"/api/assets/assets/{asset['id']}", slug=tenant.slug, token=tenant.token,
                                json={"description": "x" * 2001})
    assert refused.status_code == 422


async def test_a_model_change_re_embeds_the_library_with_progress(client: PlatformClient,
                                                                  admin_sql) -> None:  # type: ignore[no-untyped-def]
    tenant = await ready(client)
    ids = []
    for n, colour in enumerate([(200, 30, 40), (40, 90, 210), (50, 160, 60)]):
        asset = (await upload(client, tenant, png(200 + n, 200, colour), f"stale-{n}.png")).json()
        await described(client, tenant, asset["id"])
        ids.append(uuid.UUID(asset["id"]))
    current = await admin_sql.fetchval("SELECT embedding_model FROM assets.assets WHERE id = $1", ids[0])
    # As if described under an earlier model: their vectors no longer compare with queries.
    await admin_sql.execute("UPDATE assets.assets SET embedding_model = 'retired-model' WHERE id = ANY($1)", ids)
    lost = (await client.call("GET", "/api/assets/assets/search?q=stale", slug=tenant.slug, token=tenant.token)).json()
    assert all(a["matched"] == ["words"] for a in lost)

    editor_key = (await client.call("POST", "/api/identity/api-keys", slug=tenant.slug, token=tenant.token,
                                    json={"name": "editor", "role": "EDITOR"})).json()["key"]
    refused = await client.call("POST", "/api/assets/reembed", slug=tenant.slug, token=editor_key)
    assert refused.status_code == 403  # the platform pays for it: owners only
    started = await client.call("POST", "/api/assets/reembed", slug=tenant.slug, token=tenant.token)
    assert started.status_code == 202 and started.headers["location"].endswith(started.json()["id"])
    again = await client.call("POST", "/api/assets/reembed", slug=tenant.slug, token=tenant.token)
    assert again.json()["id"] == started.json()["id"] or again.json()["status"] == "done"

    async def progress() -> tuple[str, int, int]:
        job = (await client.call("GET", started.headers["location"], slug=tenant.slug, token=tenant.token)).json()
        return job["status"], job["done"], job["total"]

    assert await eventually(progress, ("done", 3, 3), within=20) == ("done", 3, 3)
    assert await admin_sql.fetchval("SELECT count(*) FROM assets.assets WHERE id = ANY($1) AND embedding_model = $2",
                                    ids, current) == 3
    found = (await client.call("GET", "/api/assets/assets/search?q=stale", slug=tenant.slug, token=tenant.token)).json()
    assert any("meaning" in a["matched"] for a in found)
    other = await client.sign_up("reembed-other")
    elsewhere = await client.call("GET", started.headers["location"], slug=other.slug, token=other.token)
    assert elsewhere.status_code == 404

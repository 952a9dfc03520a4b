"""Buying credits through Stripe Checkout, credited once by a verified webhook, through
the gateway, with the official client against the local Stripe-compatible server.

Reconciliation runs every second in tests, so a genuine event the test has not delivered
yet may already have been applied from Stripe's event list: such sends answer
"duplicate", and every check is on the credits, which must arrive exactly once."""

import time
import uuid

from tests.e2e.platform_client import PlatformClient, SignedUp, eventually
from tests.servers.stripe_compatible import FakeStripe

WEBHOOK = "/api/billing/webhooks/stripe"
APPLIED = ({"outcome": "credited"}, {"outcome": "duplicate"})  # by this delivery, or already by reconciliation


async def wallet(client: PlatformClient, tenant: SignedUp) -> int:
    return (await client.call("GET", "/api/billing/balance", slug=tenant.slug, token=tenant.token)).json()["balance"]


async def ready(client: PlatformClient) -> SignedUp:
    tenant = await client.sign_up("buyer")

    async def opened() -> int:
        return (await client.call("GET", "/api/billing/balance", slug=tenant.slug, token=tenant.token)).status_code

    assert await eventually(opened, 200, within=5) == 200
    return tenant


async def send(client: PlatformClient, stripe: FakeStripe, event: dict, **signing) -> tuple[int, dict]:  # type: ignore[type-arg]
    payload, signature = stripe.signed(event, **signing)
    response = await client.call("POST", WEBHOOK, content=payload,
                                 headers={"stripe-signature": signature, "content-type": "application/json"})
    return response.status_code, response.json()


async def test_a_paid_checkout_credits_the_pack_once(client: PlatformClient, stripe_server: FakeStripe) -> None:
    tenant = await ready(client)
    started = await client.call("POST", "/api/billing/top-ups", slug=tenant.slug, token=tenant.token,
                                json={"pack": "500"})
    assert started.status_code == 201, started.text
    session_id = started.json()["checkout_session_id"]
    assert started.json()["checkout_url"].startswith("https://")
    created = [r for r in stripe_server.requests if r.path == "/v1/checkout/sessions" and r.method == "POST"][-1]
    assert created.headers["idempotency-key"].startswith("top-up-")

    events = stripe_server.complete_checkout(session_id)
    completed = next(e for e in events if e["type"] == "checkout.session.completed")
    status, outcome = await send(client, stripe_server, completed)
    assert status == 200 and outcome in APPLIED
    assert await wallet(client, tenant) == 600
    assert await send(client, stripe_server, completed) == (200, {"outcome": "duplicate"})  # Stripe retries
    assert await wallet(client, tenant) == 600
    ledger = (await client.call("GET", "/api/billing/ledger?type=TOP_UP", slug=tenant.slug, token=tenant.token)).json()
    assert [(e["amount"], e["reference_id"]) for e in ledger["entries"]] == [(500, session_id)]


async def test_forged_replayed_and_foreign_events_credit_nothing(client: PlatformClient,
                                                                 stripe_server: FakeStripe) -> None:
    tenant = await ready(client)
    started = await client.call("POST", "/api/billing/top-ups", slug=tenant.slug, token=tenant.token,
                                json={"pack": "100"})
    completed = next(e for e in stripe_server.complete_checkout(started.json()["checkout_session_id"])
                     if e["type"] == "checkout.session.completed")
    assert (await send(client, stripe_server, completed, secret="whsec_forged"))[0] == 400
    assert (await send(client, stripe_server, completed, timestamp=int(time.time()) - 3600))[0] == 400  # replayed
    tampered = {**completed, "id": "evt_tampered"}
    payload, signature = stripe_server.signed(completed)
    response = await client.call("POST", WEBHOOK, content=payload.replace(completed["id"].encode(), b"evt_other"),
                                 headers={"stripe-signature": signature})
    assert response.status_code == 400 and tampered
    # A session this platform never created, naming the tenant: signed by Stripe, but not ours.
    foreign = await stripe_server.client().v1.checkout.sessions.create_async(params={
        "mode": "payment", "success_url": "https://x.example/ok", "cancel_url": "https://x.example/no",
        "metadata": {"tenant_id": tenant.tenant_id, "top_up_id": str(uuid.uuid4())},
        "line_items": [{"quantity": 1, "price_data": {"currency": "eur", "unit_amount": 1,
                                                      "product_data": {"name": "free credits?"}}}]})
    foreign_event = next(e for e in stripe_server.complete_checkout(foreign.id)
                         if e["type"] == "checkout.session.completed")
    assert await send(client, stripe_server, foreign_event) in ((200, {"outcome": "unknown session"}),
                                                                (200, {"outcome": "duplicate"}))
    assert (await send(client, stripe_server, completed))[1] in APPLIED  # the real one still works
    assert await wallet(client, tenant) == 200  # 100 + the genuine pack, and nothing for the foreign session
    ledger = (await client.call("GET", "/api/billing/ledger?type=TOP_UP", slug=tenant.slug, token=tenant.token)).json()
    assert [e["reference_id"] for e in ledger["entries"]] == [started.json()["checkout_session_id"]]


async def test_delayed_payments_credit_once_whatever_the_order(client: PlatformClient,
                                                               stripe_server: FakeStripe) -> None:
    tenant = await ready(client)
    started = await client.call("POST", "/api/billing/top-ups", slug=tenant.slug, token=tenant.token,
                                json={"pack": "100"})
    session_id = started.json()["checkout_session_id"]
    completed = next(e for e in stripe_server.complete_checkout(session_id, async_payment=True)
                     if e["type"] == "checkout.session.completed")
    succeeded = stripe_server.succeed_async_payment(session_id)
    assert (await send(client, stripe_server, succeeded))[1] in APPLIED  # arrives first
    assert (await send(client, stripe_server, completed))[1] in ({"outcome": "awaiting payment"},
                                                                 {"outcome": "duplicate"})
    assert await wallet(client, tenant) == 200


async def test_unknown_packs_and_non_owners_are_refused(client: PlatformClient) -> None:
    tenant = await ready(client)
    bad = await client.call("POST", "/api/billing/top-ups", slug=tenant.slug, token=tenant.token,
                            json={"pack": "999999"})
    assert bad.status_code == 422
    anonymous = await client.call("POST", "/api/billing/top-ups", slug=tenant.slug, json={"pack": "100"})
    assert anonymous.status_code == 401

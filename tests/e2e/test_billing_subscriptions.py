"""Subscriptions kept right by Stripe's events, delivered twice and out of order; a grant
per paid invoice; reconciliation of events whose delivery failed."""

import uuid

from tests.e2e.platform_client import PlatformClient, SignedUp, eventually
from tests.e2e.test_billing_top_ups import WEBHOOK, ready
from tests.servers.stripe_compatible import FakeStripe


async def account(client: PlatformClient, tenant: SignedUp) -> tuple[int, str]:
    body = (await client.call("GET", "/api/billing/balance", slug=tenant.slug, token=tenant.token)).json()
    return body["balance"], body["subscription_status"]


async def deliver_all(client: PlatformClient, stripe: FakeStripe, events: list[dict]) -> None:  # type: ignore[type-arg]
    url = f"{client.stack.url('gateway')}{WEBHOOK}"
    for event in events:
        assert await stripe.deliver(event, url, host=client.host()) == 200


def subscription_of(stripe: FakeStripe, events: list[dict]) -> str:  # type: ignore[type-arg]
    return next(e["data"]["object"]["id"] for e in events if e["type"] == "customer.subscription.created")


async def test_a_subscription_follows_stripe_whatever_the_order(client: PlatformClient,
                                                                stripe_server: FakeStripe) -> None:
    tenant = await ready(client)
    started = await client.call("POST", "/api/billing/subscription", slug=tenant.slug, token=tenant.token,
                                json={"plan": "pro"})
    assert started.status_code == 201, started.text
    events = stripe_server.complete_checkout(started.json()["checkout_session_id"])
    await deliver_all(client, stripe_server, list(reversed(events)) + events)  # out of order, and twice
    assert await account(client, tenant) == (1100, "active")  # one grant for the one paid invoice

    subscription = subscription_of(stripe_server, events)
    await deliver_all(client, stripe_server, stripe_server.renew_subscription(subscription, paid=False))
    assert await account(client, tenant) == (1100, "past_due")
    await deliver_all(client, stripe_server, stripe_server.retry_payment(subscription, paid=True))
    assert await account(client, tenant) == (2100, "active")
    portal = await client.call("POST", "/api/billing/billing-portal", slug=tenant.slug, token=tenant.token)
    assert portal.status_code == 201 and portal.json()["url"].startswith("https://")

    await deliver_all(client, stripe_server, stripe_server.cancel_subscription(subscription))
    assert await account(client, tenant) == (2100, "canceled")  # credits already granted stay


async def test_events_that_never_arrived_are_reconciled(client: PlatformClient, stripe_server: FakeStripe) -> None:
    tenant = await ready(client)
    started = await client.call("POST", "/api/billing/subscription", slug=tenant.slug, token=tenant.token,
                                json={"plan": "pro"})
    stripe_server.complete_checkout(started.json()["checkout_session_id"])  # ... and the webhooks all fail

    async def state() -> tuple[int, str]:
        return await account(client, tenant)

    assert await eventually(state, (1100, "active"), within=15) == (1100, "active")


async def test_only_owners_subscribe_and_only_to_paid_plans(client: PlatformClient) -> None:
    tenant = await ready(client)
    free = await client.call("POST", "/api/billing/subscription", slug=tenant.slug, token=tenant.token,
                             json={"plan": "free"})
    assert free.status_code == 422
    nobody = await client.call("POST", "/api/billing/subscription", slug=tenant.slug, json={"plan": "pro"})
    assert nobody.status_code == 401
    no_customer = await client.call("POST", "/api/billing/billing-portal", slug=tenant.slug, token=tenant.token)
    assert no_customer.status_code == 409
    assert uuid.UUID(tenant.tenant_id)

"""A new tenant's site is ready when its sign-up answers (issue 19): cms learns of a tenant
from identity's TenantCreatedV1, and where that has not arrived yet it asks identity
(DescribeTenant), so the first publish and view never meet "this site is not set up yet".

The race is made certain, not hoped for: cms's durable consumer of identity's events is
paused through JetStream before the sign-up and resumed after, so everything here happens
while cms has still not consumed the tenant's event."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import pytest
from nats.js import JetStreamContext

from shared.contracts import STREAMS
from shared.messaging import connect_nats
from tests.e2e.platform_client import PlatformClient

IDENTITY_STREAM = next(name for name, subjects in STREAMS.items() if subjects == "identity.>")
SITES_CONSUMER = "cms-sites"  # services/cms/consumers.py
PAGE = {"root": {"id": "page", "component": "Page",
                 "props": {"title": "Blue Ocean Surf School", "description": "Surf lessons for beginners in Biarritz."},
                 "children": [{"id": "hero", "component": "Hero", "props": {"headline": "Catch your first wave"},
                               "children": []}]}}


@pytest.fixture
async def cms_not_consuming_identity(client: PlatformClient) -> AsyncIterator[JetStreamContext]:
    """cms's consumer of identity's events paused for the test (resumed after, whatever happens)."""
    nc = await connect_nats(client.stack.nats_url, name="tests-site-ready")
    js = nc.jetstream()
    until = (datetime.now(UTC) + timedelta(minutes=5)).strftime("%Y-%m-%dT%H:%M:%SZ")
    try:
        paused = await js.pause_consumer(IDENTITY_STREAM, SITES_CONSUMER, until)
        assert paused.paused
        yield js
    finally:
        await js.resume_consumer(IDENTITY_STREAM, SITES_CONSUMER)
        await nc.drain()


async def test_a_page_published_right_after_sign_up_is_served_at_once(
        client: PlatformClient, cms_not_consuming_identity: JetStreamContext) -> None:
    tenant = await client.sign_up("ready")
    made = await client.call("POST", "/api/cms/pages", slug=tenant.slug, token=tenant.token,
                             json={"slug": "/", "structure": PAGE})
    assert made.status_code == 201, made.text
    published = await client.call("POST", f"/api/cms/pages/{made.json()['id']}/publish", slug=tenant.slug,
                                  token=tenant.token, headers={"if-match": made.headers["etag"]})
    assert published.status_code == 200, published.text

    home = await client.call("GET", "/", slug=tenant.slug)
    assert home.status_code == 200, home.text
    assert "Catch your first wave" in home.text and "Blue Ocean Surf School" in home.text
    canonical = f"http://{tenant.slug}.{client.stack.config.platform_domain}:{client.stack.ports['gateway']}"
    assert f'<link rel="canonical" href="{canonical}/">' in home.text  # the site's slug, from identity
    robots = await client.call("GET", "/robots.txt", slug=tenant.slug)
    assert robots.status_code == 200 and f"Sitemap: {canonical}/sitemap.xml" in robots.text
    assert (await client.call("GET", "/favicon.svg", slug=tenant.slug)).status_code == 200
    assert (await client.call("GET", "/nowhere", slug=tenant.slug)).status_code == 404  # its twin: not a page

    # All of it happened before cms consumed the sign-up's event: the consumer is still paused
    # with that event (at least) waiting.
    info = await cms_not_consuming_identity.consumer_info(IDENTITY_STREAM, SITES_CONSUMER)
    assert info.paused and (info.num_pending or 0) >= 1


WALLETS_CONSUMER = "billing-accounts"  # services/billing/consumers.py


@pytest.fixture
async def billing_not_consuming_identity(client: PlatformClient) -> AsyncIterator[JetStreamContext]:
    """billing's consumer of sign-ups (it opens wallets) paused for the test, resumed after."""
    nc = await connect_nats(client.stack.nats_url, name="tests-wallet-ready")
    js = nc.jetstream()
    until = (datetime.now(UTC) + timedelta(minutes=5)).strftime("%Y-%m-%dT%H:%M:%SZ")
    try:
        assert (await js.pause_consumer(IDENTITY_STREAM, WALLETS_CONSUMER, until)).paused
        yield js
    finally:
        await js.resume_consumer(IDENTITY_STREAM, WALLETS_CONSUMER)
        await nc.drain()


async def test_the_first_generation_right_after_sign_up_finds_the_sign_up_credits(
        client: PlatformClient, billing_not_consuming_identity: JetStreamContext) -> None:
    tenant = await client.sign_up("wallet")
    prompt = {"prompt": "A surf school in Biarritz: lessons for beginners", "slug": "/"}
    estimate = await client.call("POST", "/api/cms/generations/estimate", slug=tenant.slug, token=tenant.token,
                                 json=prompt)
    assert estimate.status_code == 200 and estimate.json()["available"] == 100, estimate.text  # opened on demand
    started = await client.call("POST", "/api/cms/generations", slug=tenant.slug, token=tenant.token, json=prompt)
    assert started.status_code == 202, started.text
    balance = await client.call("GET", "/api/billing/balance", slug=tenant.slug, token=tenant.token)
    assert balance.status_code == 200 and balance.json()["balance"] == 100  # one grant, not two
    info = await billing_not_consuming_identity.consumer_info(IDENTITY_STREAM, WALLETS_CONSUMER)
    assert info.paused and (info.num_pending or 0) >= 1  # the sign-up event had not been consumed

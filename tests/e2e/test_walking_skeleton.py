"""Sign-up to balance, over real HTTP through the gateway, real PostgreSQL and NATS."""

import asyncio
import uuid
from collections.abc import AsyncIterator

import httpx
import pytest

from shared.dev.stack import SERVICES, Stack
from tests.e2e.platform_client import another_address

PASSWORD = "a-long-enough-password"


@pytest.fixture(scope="module")
async def gateway(platform: Stack) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(base_url=platform.url("gateway"), timeout=20) as client:
        yield client


def host(slug: str | None, stack: Stack) -> dict[str, str]:
    domain = stack.config.platform_domain
    return {"host": f"{slug}.{domain}:{stack.ports['gateway']}" if slug else f"{domain}:{stack.ports['gateway']}"}


async def sign_up(gateway: httpx.AsyncClient, stack: Stack, slug: str) -> dict:  # type: ignore[type-arg]
    """Sign up and open the mailed link: the confirmation's answer."""
    return await stack.sign_up(slug, slug.title(), f"owner@{slug}.example", PASSWORD,
                               source_address=another_address())


async def balance_when_ready(gateway: httpx.AsyncClient, stack: Stack, slug: str, token: str) -> httpx.Response:
    """The account opens asynchronously (outbox -> JetStream -> billing); wait for it, boundedly."""
    for _ in range(100):
        response = await gateway.get("/api/billing/balance", headers=authorized(slug, stack, token))
        if response.status_code != 404 or "billing account" not in response.text:
            return response
        await asyncio.sleep(0.1)
    return response


def authorized(slug: str, stack: Stack, token: str) -> dict[str, str]:
    return {**host(slug, stack), "authorization": f"Bearer {token}"}


def unique_slug(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:10]}"


async def test_sign_up_opens_a_wallet_of_100_credits_visible_through_the_gateway(gateway, platform) -> None:  # type: ignore[no-untyped-def]
    slug = unique_slug("skeleton")
    signed_up = await sign_up(gateway, platform, slug)
    token = signed_up["token"]["access_token"]
    assert signed_up["token"]["role"] == "OWNER"

    response = await balance_when_ready(gateway, platform, slug, token)
    assert response.status_code == 200, response.text
    body = response.json()
    assert body == {"tenant_id": signed_up["tenant_id"], "balance": 100, "held": 0, "available": 100,
                    "ledger_sum": 100, "subscription_status": "none"}
    assert response.headers["x-request-id"]


async def test_a_token_is_refused_on_another_tenants_host(gateway, platform) -> None:  # type: ignore[no-untyped-def]
    a, b = unique_slug("tenant-a"), unique_slug("tenant-b")
    token_a = (await sign_up(gateway, platform, a))["token"]["access_token"]
    token_b = (await sign_up(gateway, platform, b))["token"]["access_token"]
    assert (await balance_when_ready(gateway, platform, b, token_b)).status_code == 200  # allowed twin

    refused = await gateway.get("/api/billing/balance", headers=authorized(b, platform, token_a))
    assert refused.status_code == 403
    assert refused.headers["content-type"] == "application/problem+json"
    assert a not in refused.text


async def test_log_in_on_the_tenant_host_and_refusals(gateway, platform) -> None:  # type: ignore[no-untyped-def]
    slug = unique_slug("login")
    await sign_up(gateway, platform, slug)
    credentials = {"email": f"owner@{slug}.example", "password": PASSWORD}
    logged_in = await gateway.post("/api/identity/login", headers=host(slug, platform), json=credentials)
    assert logged_in.status_code == 200, logged_in.text
    me = await gateway.get("/api/identity/me", headers=authorized(slug, platform, logged_in.json()["access_token"]))
    assert me.status_code == 200 and me.json()["role"] == "OWNER"

    wrong = await gateway.post("/api/identity/login", headers=host(slug, platform),
                               json={**credentials, "password": "nope-nope-nope"})
    assert wrong.status_code == 401
    anonymous = await gateway.get("/api/identity/me", headers=host(slug, platform))
    assert anonymous.status_code == 401
    unknown_host = await gateway.get("/api/billing/balance", headers=host(unique_slug("nobody"), platform))
    assert unknown_host.status_code == 404
    bad_token = await gateway.get("/api/identity/me", headers=authorized(slug, platform, "x.y.z"))
    assert bad_token.status_code == 401


async def test_slug_rules_and_clashes(gateway, platform) -> None:  # type: ignore[no-untyped-def]
    slug = unique_slug("clash")
    await sign_up(gateway, platform, slug)
    clash = await gateway.post("/api/identity/signup", headers=host(None, platform), json={
        "slug": slug, "name": "Other", "email": "other@clash.example", "password": PASSWORD})
    assert clash.status_code == 409
    assert clash.json()["extensions"]["suggestion"] == f"{slug}-2"
    reserved = await gateway.post("/api/identity/signup", headers=host(None, platform), json={
        "slug": "admin", "name": "Admin", "email": "x@admin.example", "password": PASSWORD})
    assert reserved.status_code == 422
    malformed = await gateway.post("/api/identity/signup", content=b"{not json",
                                   headers={**host(None, platform), "content-type": "application/json"})
    assert malformed.status_code == 400
    assert malformed.headers["content-type"] == "application/problem+json"


async def test_services_refuse_requests_that_skip_the_gateway(gateway, platform) -> None:  # type: ignore[no-untyped-def]
    slug = unique_slug("direct")
    signed_up = await sign_up(gateway, platform, slug)
    token = signed_up["token"]["access_token"]
    assert (await balance_when_ready(gateway, platform, slug, token)).status_code == 200  # allowed twin
    async with httpx.AsyncClient(base_url=platform.url("billing")) as direct:
        forged = await direct.get("/balance", headers={"x-sb-tenant": signed_up["tenant_id"], "x-sb-role": "OWNER",
                                                      "x-sb-account": str(uuid.uuid4())})
    assert forged.status_code == 401
    # Identity headers sent by a client to the gateway are dropped, not trusted.
    spoofed = await gateway.get("/api/billing/balance", headers={**host(slug, platform), "x-sb-role": "OWNER",
                                                                 "x-sb-tenant": signed_up["tenant_id"]})
    assert spoofed.status_code == 401


@pytest.mark.parametrize("service", SERVICES)
async def test_every_service_is_ready_and_publishes_openapi(platform, service: str) -> None:  # type: ignore[no-untyped-def]
    async with httpx.AsyncClient(base_url=platform.url(service)) as client:
        ready = await client.get("/ready")
        schema = await client.get("/schema/openapi.json")
    assert ready.status_code == 200
    assert schema.status_code == 200 and schema.json()["openapi"].startswith("3.")

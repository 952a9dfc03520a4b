"""A shop through the gateway as its visitors and its editors meet it: Buy buttons only while
the tenant's Connect account can take charges (a publish-gate warning until then, the live
page changing by itself once it can), and a refused purchase answered with a page in the
site's design for a browser, problem+json for an API client."""

from __future__ import annotations

import uuid
from typing import Any

import httpx

from services.cms.gates import SHOP_CLOSED
from tests.e2e.platform_client import PlatformClient, SignedUp, eventually
from tests.e2e.test_billing_top_ups import ready, send
from tests.e2e.test_commerce import onboarded, product
from tests.servers.stripe_compatible import FakeStripe

BUY = 'action="/__checkout"'


async def shop_page(client: PlatformClient, tenant: SignedUp, product_id: str) -> str:
    """A live /shop page with a grid of the product (once cms's catalogue has it); its page id."""
    grid = {"root": {"id": "p", "component": "Page", "props": {"title": "Shop", "description": "Our bread"},
                     "children": [{"id": "g", "component": "ProductGrid",
                                   "props": {"heading": "Bread", "product_ids": [product_id]}, "children": []}]}}
    made = await client.call("POST", "/api/cms/pages", slug=tenant.slug, token=tenant.token,
                             json={"slug": "/shop", "structure": grid})
    assert made.status_code == 201, made.text

    async def published() -> int:
        return (await client.call("POST", f"/api/cms/pages/{made.json()['id']}/publish", slug=tenant.slug,
                                  token=tenant.token, headers={"if-match": made.headers["etag"]})).status_code

    assert await eventually(published, 200, within=10) == 200
    return str(made.json()["id"])


async def shop_warnings(client: PlatformClient, tenant: SignedUp, page_id: str) -> list[dict[str, Any]]:
    check = await client.call("POST", f"/api/cms/pages/{page_id}/check", slug=tenant.slug, token=tenant.token)
    assert check.status_code == 200 and check.json()["publishable"], check.text
    return [f for f in check.json()["findings"] if f["check"] == "shop"]


async def buy(client: PlatformClient, tenant: SignedUp, product_id: str, *, json: bool = False) -> httpx.Response:
    """A Buy button pressed on /shop: a browser follows the refusal's redirect (with the page it
    came from as Referer), an API client asks for JSON."""
    headers = {"accept": "application/json"} if json else {"accept": "text/html", "referer": "http://x/shop"}
    pressed = await client.call("POST", "/__checkout", slug=tenant.slug, data={"product_id": product_id},
                                headers=headers)
    if json or pressed.status_code != 303 or not pressed.headers["location"].startswith("/__checkout?"):
        return pressed
    return await client.call("GET", pressed.headers["location"], slug=tenant.slug, headers=headers)


def assert_site_page(answer: httpx.Response, tenant: SignedUp, status: int, words: str) -> None:
    assert answer.status_code == status, (answer.status_code, answer.text[:300])
    assert answer.headers["content-type"].startswith("text/html")
    assert answer.headers["cache-control"] == "no-store"
    text = answer.text
    assert tenant.slug.title() in text and words in text and "nothing was charged" in text
    assert 'href="/shop"' in text  # the way back to the page the visitor came from


async def test_buy_buttons_appear_once_the_shop_can_take_charges(client: PlatformClient,
                                                                 stripe_server: FakeStripe) -> None:
    tenant = await ready(client)
    loaf = await product(client, tenant)
    page_id = await shop_page(client, tenant, loaf["id"])

    # No Connect account: the products with their price, no Buy button; the gates warn.
    before = await client.call("GET", "/shop", slug=tenant.slug)
    assert before.status_code == 200 and "Sourdough loaf" in before.text and "12.50 EUR" in before.text
    assert BUY not in before.text and "Available in the shop soon" in before.text
    warnings = await shop_warnings(client, tenant, page_id)
    assert [(w["severity"], w["message"], w["pointer"]) for w in warnings] == [
        ("warning", SHOP_CLOSED, "/root/children/0")]

    # A Buy button pressed anyway (a page cached elsewhere, a hand-made form): the site's own page.
    assert_site_page(await buy(client, tenant, loaf["id"]), tenant, 409, "cannot take payments yet")
    as_api = await buy(client, tenant, loaf["id"], json=True)
    assert as_api.status_code == 409 and as_api.headers["content-type"] == "application/problem+json"
    assert "cannot take payments yet" in as_api.json()["detail"]

    # Onboarding finishes: the cached live page is evicted and renders with its Buy button.
    await onboarded(client, stripe_server, tenant)

    async def buyable() -> bool:
        text = (await client.call("GET", "/shop", slug=tenant.slug)).text
        return BUY in text and "Available in the shop soon" not in text

    assert await eventually(buyable, True, within=10)
    assert await eventually(lambda: shop_warnings(client, tenant, page_id), [], within=5) == []
    bought = await client.call("POST", "/__checkout", slug=tenant.slug, data={"product_id": loaf["id"]})
    assert bought.status_code == 303 and bought.headers["location"].startswith("https://")

    # Stripe takes the account's charges away again: the buttons go.
    account = (await client.call("GET", "/api/billing/connect", slug=tenant.slug, token=tenant.token)).json()
    status, _ = await send(client, stripe_server, stripe_server.update_account(
        account["account_id"], charges_enabled=False, payouts_enabled=False))
    assert status == 200
    assert await eventually(buyable, False, within=10) is False
    assert "Available in the shop soon" in (await client.call("GET", "/shop", slug=tenant.slug)).text


async def test_a_refused_purchase_gets_a_page_in_the_site_design(client: PlatformClient,
                                                                 stripe_server: FakeStripe) -> None:
    tenant = await ready(client)
    await onboarded(client, stripe_server, tenant)
    loaf = await product(client, tenant)
    await shop_page(client, tenant, loaf["id"])

    forged = str(uuid.uuid4())
    assert_site_page(await buy(client, tenant, forged), tenant, 404, "This product is no longer in the shop")
    as_api = await buy(client, tenant, forged, json=True)
    assert as_api.status_code == 422 and as_api.headers["content-type"] == "application/problem+json"

    malformed = await buy(client, tenant, "not-a-product")
    assert_site_page(malformed, tenant, 422, "Please choose a product")

    changed = await client.call("PATCH", f"/api/billing/products/{loaf['id']}", slug=tenant.slug,
                                token=tenant.token, json={"active": False})
    assert changed.status_code == 200, changed.text

    async def named_and_gone() -> int:  # cms names the product once its projection has the change
        answer = await buy(client, tenant, loaf["id"])
        return answer.status_code if "Sourdough loaf is no longer in the shop" in answer.text else 0

    assert await eventually(named_and_gone, 404, within=10) == 404
    assert_site_page(await buy(client, tenant, loaf["id"]), tenant, 404, "no longer in the shop")

    # the allowed twin: an active product still leads to Stripe
    jam = await product(client, tenant, name="Jam", slug="jam")
    bought = await client.call("POST", "/__checkout", slug=tenant.slug, data={"product_id": jam["id"]})
    assert bought.status_code == 303 and bought.headers["location"].startswith("https://")

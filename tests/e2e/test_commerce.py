"""Commerce through the gateway, with billing talking to the Stripe-compatible server through
the official client and webhooks signed with Stripe's real scheme: onboarding, a purchase
with the platform's fee, duplicate and replayed webhooks, a tampered price, a refund, and
tenants that can never sell each other's products or pay each other's accounts."""

from __future__ import annotations

import time
from typing import Any

from tests.e2e.platform_client import PlatformClient, SignedUp, eventually
from tests.e2e.test_billing_top_ups import WEBHOOK, ready, send
from tests.servers.stripe_compatible import FakeStripe

LOAF = {"name": "Sourdough loaf", "slug": "sourdough-loaf", "price_amount": 1250, "currency": "eur",
        "description": "Naturally leavened, baked at dawn", "inventory": 3}


async def product(client: PlatformClient, tenant: SignedUp, **fields: Any) -> dict[str, Any]:
    made = await client.call("POST", "/api/billing/products", slug=tenant.slug, token=tenant.token,
                             json={**LOAF, **fields})
    assert made.status_code == 201, made.text
    return made.json()


async def onboarded(client: PlatformClient, stripe_server: FakeStripe, tenant: SignedUp, *,
                    charges: bool = True) -> str:
    started = await client.call("POST", "/api/billing/connect/onboarding", slug=tenant.slug, token=tenant.token)
    assert started.status_code == 201, started.text
    account_id = started.json()["account_id"]
    assert started.json()["url"].startswith("https://")
    status, body = await send(client, stripe_server, stripe_server.update_account(
        account_id, charges_enabled=charges, payouts_enabled=charges))
    assert status == 200 and body["outcome"] == "account updated", body
    return account_id


async def checkout(client: PlatformClient, tenant: SignedUp, items: list[dict[str, Any]]):  # type: ignore[no-untyped-def]
    return await client.call("POST", "/api/billing/storefront/checkout", slug=tenant.slug,
                             json={"items": items, "success_path": "/thanks"})


async def paid(client: PlatformClient, stripe_server: FakeStripe, session_id: str) -> dict[str, Any]:
    events = stripe_server.complete_checkout(session_id)
    completed = next(e for e in events if e["type"] == "checkout.session.completed")
    status, body = await send(client, stripe_server, completed)
    assert status == 200 and body["outcome"] == "order paid", body
    return completed


async def test_onboarding_states_and_a_shop_that_cannot_charge_yet(client: PlatformClient,
                                                                   stripe_server: FakeStripe) -> None:
    tenant = await ready(client)
    loaf = await product(client, tenant)
    before = (await client.call("GET", "/api/billing/connect", slug=tenant.slug, token=tenant.token)).json()
    assert before == {"account_id": None, "charges_enabled": False, "payouts_enabled": False,
                      "details_submitted": False, "requirements": [], "fee_percent": 5.0}
    refused = await checkout(client, tenant, [{"product_id": loaf["id"]}])
    assert refused.status_code == 409 and "cannot take payments yet" in refused.json()["detail"]

    account_id = await onboarded(client, stripe_server, tenant, charges=False)
    again = await client.call("POST", "/api/billing/connect/onboarding", slug=tenant.slug, token=tenant.token)
    assert again.json()["account_id"] == account_id  # reused, never a second account
    assert (await checkout(client, tenant, [{"product_id": loaf["id"]}])).status_code == 409  # still not enabled

    await onboarded(client, stripe_server, tenant)
    state = (await client.call("GET", "/api/billing/connect", slug=tenant.slug, token=tenant.token)).json()
    assert state["charges_enabled"] and state["payouts_enabled"] and state["details_submitted"]
    dashboard = await client.call("POST", "/api/billing/connect/dashboard-link", slug=tenant.slug, token=tenant.token)
    assert dashboard.status_code == 201 and dashboard.json()["url"].startswith("https://")
    assert (await checkout(client, tenant, [{"product_id": loaf["id"]}])).status_code == 201


async def test_a_purchase_pays_the_tenant_less_the_platform_fee_exactly_once(client: PlatformClient,
                                                                              stripe_server: FakeStripe) -> None:
    tenant = await ready(client)
    account_id = await onboarded(client, stripe_server, tenant)
    loaf = await product(client, tenant)
    # The client says the loaf costs 1 cent: ignored, the catalogue's price is charged.
    started = await checkout(client, tenant, [{"product_id": loaf["id"], "quantity": 2, "price": 1,
                                               "unit_amount": 1}])
    assert started.status_code == 201, started.text
    order = started.json()
    assert order["amount_total"] == 2500 and order["currency"] == "eur"
    stripe = stripe_server.client()
    lines = await stripe.v1.checkout.sessions.line_items.list_async(order["checkout_session_id"])
    assert [(line.amount_total, line.quantity) for line in lines.data] == [(2500, 2)]

    completed = await paid(client, stripe_server, order["checkout_session_id"])
    intent = await stripe.v1.payment_intents.retrieve_async(completed["data"]["object"]["payment_intent"])
    assert intent.application_fee_amount == 125 and intent.transfer_data.destination == account_id  # 5% (free plan)
    assert (await send(client, stripe_server, completed))[1]["outcome"] == "duplicate"
    replay_body, replay_signature = stripe_server.signed(completed, timestamp=int(time.time()) - 3600)
    replayed = await client.call("POST", WEBHOOK, content=replay_body, headers={
        "stripe-signature": replay_signature, "content-type": "application/json"})
    assert replayed.status_code == 400  # signed an hour ago: outside Stripe's tolerance

    orders = (await client.call("GET", "/api/billing/orders", slug=tenant.slug, token=tenant.token)).json()["orders"]
    assert [(o["status"], o["amount_total"], o["application_fee"]) for o in orders] == [("paid", 2500, 125)]
    assert orders[0]["items"] == [{"product_id": loaf["id"], "name": "Sourdough loaf", "unit_amount": 1250,
                                   "quantity": 2}]
    stock = (await client.call("GET", f"/api/billing/products/{loaf['id']}", slug=tenant.slug,
                               token=tenant.token)).json()["inventory"]
    assert stock == 1  # taken once, despite the duplicate
    too_many = await checkout(client, tenant, [{"product_id": loaf["id"], "quantity": 2}])
    assert too_many.status_code == 409 and too_many.json()["extensions"]["available"] == 1


async def test_a_refund_reaches_the_order_and_the_sales_report(client: PlatformClient,
                                                                stripe_server: FakeStripe) -> None:
    tenant = await ready(client)
    await onboarded(client, stripe_server, tenant)
    loaf = await product(client, tenant, inventory=None)
    order = (await checkout(client, tenant, [{"product_id": loaf["id"], "quantity": 4}])).json()
    await paid(client, stripe_server, order["checkout_session_id"])
    asked = await client.call("POST", f"/api/billing/orders/{order['order_id']}/refund", slug=tenant.slug,
                              token=tenant.token, json={"amount": 1250})
    assert asked.status_code == 202, asked.text
    refunded = [e for e in stripe_server.events if e["type"] == "charge.refunded"][-1]
    assert (await send(client, stripe_server, refunded))[1]["outcome"] == "order refunded"

    async def status() -> tuple[str, int]:
        found = (await client.call("GET", "/api/billing/orders", slug=tenant.slug, token=tenant.token)).json()
        return found["orders"][0]["status"], found["orders"][0]["amount_refunded"]

    assert await eventually(status, ("partially_refunded", 1250), within=5) == ("partially_refunded", 1250)
    report = (await client.call("GET", "/api/billing/reports/sales", slug=tenant.slug, token=tenant.token)).json()
    assert report[0]["gross"] == 5000 and report[0]["refunded"] == 1250 and report[0]["orders"] == 1
    assert report[0]["platform_fees"] == 188 and report[0]["net"] == 5000 - 1250 - 188  # 250 fee, 3/4 kept
    twice = await client.call("POST", f"/api/billing/orders/{order['order_id']}/refund", slug=tenant.slug,
                              token=tenant.token, json={"amount": 999999})
    assert twice.status_code == 422


async def test_a_tenant_never_sees_or_sells_another_tenants_products(client: PlatformClient,
                                                                      stripe_server: FakeStripe) -> None:
    shop_a, shop_b = await ready(client), await ready(client)
    account_a = await onboarded(client, stripe_server, shop_a)
    account_b = await onboarded(client, stripe_server, shop_b)
    loaf_a = await product(client, shop_a)
    assert account_a != account_b
    assert (await client.call("GET", f"/api/billing/products/{loaf_a['id']}", slug=shop_b.slug,
                              token=shop_b.token)).status_code == 404
    assert (await client.call("GET", "/api/billing/storefront/products", slug=shop_b.slug)).json()["products"] == []
    on_b = await checkout(client, shop_b, [{"product_id": loaf_a["id"]}])
    assert on_b.status_code == 422  # A's product is not for sale on B's host
    on_a = (await checkout(client, shop_a, [{"product_id": loaf_a["id"]}])).json()
    completed = await paid(client, stripe_server, on_a["checkout_session_id"])
    intent = await stripe_server.client().v1.payment_intents.retrieve_async(
        completed["data"]["object"]["payment_intent"])
    assert intent.transfer_data.destination == account_a  # A's host pays A's account, whatever the cart
    orders_b = (await client.call("GET", "/api/billing/orders", slug=shop_b.slug, token=shop_b.token)).json()
    assert orders_b["orders"] == []
    public = (await client.call("GET", "/api/billing/storefront/products", slug=shop_a.slug)).json()["products"]
    assert [p["id"] for p in public] == [loaf_a["id"]]
    viewer_write = await client.call("POST", "/api/billing/products", slug=shop_a.slug, json=LOAF)
    assert viewer_write.status_code == 401


async def test_the_site_sells_through_its_product_grid(client: PlatformClient, stripe_server: FakeStripe) -> None:
    tenant = await ready(client)
    await onboarded(client, stripe_server, tenant)
    loaf = await product(client, tenant)
    grid = {"root": {"id": "p", "component": "Page", "props": {"title": "Shop", "description": "Our bread"},
                     "children": [{"id": "g", "component": "ProductGrid",
                                   "props": {"heading": "Bread", "product_ids": [loaf["id"]]}, "children": []}]}}
    made = await client.call("POST", "/api/cms/pages", slug=tenant.slug, token=tenant.token,
                             json={"slug": "/shop", "structure": grid})

    async def published() -> int:  # once cms's projection of the catalogue has the loaf
        return (await client.call("POST", f"/api/cms/pages/{made.json()['id']}/publish", slug=tenant.slug,
                                  token=tenant.token, headers={"if-match": made.headers["etag"]})).status_code

    assert await eventually(published, 200, within=10) == 200
    shop = await client.call("GET", "/shop", slug=tenant.slug)
    assert "Sourdough loaf" in shop.text and "12.50 EUR" in shop.text and 'action="/__checkout"' in shop.text
    bought = await client.call("POST", "/__checkout", slug=tenant.slug, data={"product_id": loaf["id"]})
    assert bought.status_code == 303 and bought.headers["location"].startswith("https://")

    changed = await client.call("PATCH", f"/api/billing/products/{loaf['id']}", slug=tenant.slug,
                                token=tenant.token, json={"price_amount": 1390, "inventory": 0})
    assert changed.status_code == 200, changed.text

    async def repriced() -> bool:  # the product event evicts the cached page; the grid re-renders
        text = (await client.call("GET", "/shop", slug=tenant.slug)).text
        return "13.90 EUR" in text and "Sold out" in text

    assert await eventually(repriced, True, within=5)

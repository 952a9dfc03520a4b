"""The fake Stripe server is faithful: the OFFICIAL client parses its answers and raises the
errors it raises against Stripe, and its webhooks pass the client's own signature check.
Each refusal has its allowed twin."""

from __future__ import annotations

import json
import time
from collections.abc import AsyncIterator
from typing import Any

import pytest
import stripe
from aiohttp import web

from tests.servers.stripe_compatible import FakeStripe, mask_key

# The official client's HTTPX transport posts its form body as data=<str>, which httpx deprecates.
pytestmark = pytest.mark.filterwarnings("ignore:Use 'content=<...>' to upload raw bytes:DeprecationWarning")

URLS = {"success_url": "https://tenant.example/billing/done", "cancel_url": "https://tenant.example/billing"}
CREDITS = {"price_data": {"currency": "usd", "unit_amount": 500, "product_data": {"name": "100 AI credits"}},
           "quantity": 2}


class WebhookReceiver:
    """A stand-in for the billing service's webhook endpoint: checks the signature with the
    official client and answers with the status it is told to."""

    def __init__(self, secret: str) -> None:
        self.secret, self.status = secret, 200
        self.received: list[tuple[stripe.Event, str]] = []  # event, Host header
        self.url = ""

    async def handle(self, request: web.Request) -> web.Response:
        event = stripe.Webhook.construct_event(await request.read(), request.headers["Stripe-Signature"],
                                               self.secret)
        self.received.append((event, request.headers["Host"]))
        return web.Response(status=self.status)


@pytest.fixture
async def receiver(fake: FakeStripe) -> AsyncIterator[WebhookReceiver]:
    hook = WebhookReceiver(fake.webhook_secret)
    app = web.Application()
    app.router.add_post("/billing/webhooks/stripe", hook.handle)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    hook.url = f"http://127.0.0.1:{runner.addresses[0][1]}/billing/webhooks/stripe"
    yield hook
    await runner.cleanup()


async def top_up(client: stripe.StripeClient, **extra: Any) -> stripe.checkout.Session:
    params = {"mode": "payment", "line_items": [CREDITS], **URLS, **extra}
    return await client.v1.checkout.sessions.create_async(params)  # type: ignore[arg-type]


async def subscribe(fake: FakeStripe, client: stripe.StripeClient) -> stripe.checkout.Session:
    price = fake.add_price(2900, interval="month", product_name="Pro plan")
    return await client.v1.checkout.sessions.create_async({
        "mode": "subscription", "line_items": [{"price": price["id"], "quantity": 1}],
        "subscription_data": {"metadata": {"tenant_id": "t-42"}}, "client_reference_id": "t-42", **URLS,
    })  # type: ignore[arg-type]


def of_type(events: list[dict[str, Any]], type: str) -> dict[str, Any]:
    (event,) = [event for event in events if event["type"] == type]
    return event


def unknown_fields(obj: stripe.StripeObject | dict[str, Any], model: type) -> set[str]:
    """Fields the fake sends that the official client's model of the object does not know."""
    fields = obj.to_dict() if isinstance(obj, stripe.StripeObject) else obj
    return set(fields) - set(model.__annotations__)


# --- checkout ----------------------------------------------------------------------------


async def test_a_payment_session_is_created_and_read_back(fake, client) -> None:  # type: ignore[no-untyped-def]
    session = await top_up(client, client_reference_id="tenant-7", customer_email="owner@tenant.example",
                           metadata={"tenant_id": "tenant-7", "credits": "100"})

    assert session.id.startswith("cs_test_") and session.object == "checkout.session"
    assert session.url == f"https://checkout.stripe.test/c/pay/{session.id}"
    assert (session.status, session.payment_status, session.mode) == ("open", "unpaid", "payment")
    assert (session.amount_total, session.currency, session.livemode) == (1000, "usd", False)
    assert session.metadata.to_dict() == {"tenant_id": "tenant-7", "credits": "100"}
    assert session.expires_at - session.created == 24 * 3600
    again = await client.v1.checkout.sessions.retrieve_async(session.id)
    assert again.to_dict() == session.to_dict()
    items = await client.v1.checkout.sessions.line_items.list_async(session.id)
    assert [(item.description, item.quantity, item.amount_total) for item in items.data] == [("100 AI credits", 2,
                                                                                              1000)]


async def test_the_client_form_encodes_nested_params_and_always_sends_an_idempotency_key(fake, client) -> None:  # type: ignore[no-untyped-def]
    await top_up(client, metadata={"tenant_id": "t-1"})

    recorded = fake.requests[-1]
    assert recorded.headers["content-type"] == "application/x-www-form-urlencoded"
    assert recorded.headers["stripe-version"] == stripe.api_version
    assert recorded.headers["idempotency-key"]  # generated for every POST, reused by its retries
    assert recorded.params["line_items"] == [{"price_data": {"currency": "usd", "unit_amount": "500",
                                                             "product_data": {"name": "100 AI credits"}},
                                              "quantity": "2"}]
    assert recorded.params["metadata"] == {"tenant_id": "t-1"}


async def test_objects_carry_only_fields_the_official_client_knows(fake, client) -> None:  # type: ignore[no-untyped-def]
    session = await subscribe(fake, client)
    fake.complete_checkout(session.id)
    session = await client.v1.checkout.sessions.retrieve_async(session.id)
    subscription = await client.v1.subscriptions.retrieve_async(session.subscription)
    invoice = await client.v1.invoices.retrieve_async(session.invoice)
    account = await client.v1.accounts.create_async({"type": "express", "country": "US"})
    paid = await top_up(client)
    fake.complete_checkout(paid.id)
    intent = await client.v1.payment_intents.retrieve_async(
        (await client.v1.checkout.sessions.retrieve_async(paid.id)).payment_intent)

    portal = await client.v1.billing_portal.sessions.create_async({"customer": session.customer})
    link = await client.v1.account_links.create_async({"account": account.id, "type": "account_onboarding",
                                                       "refresh_url": URLS["cancel_url"],
                                                       "return_url": URLS["success_url"]})
    login = await client.v1.accounts.login_links.create_async(account.id)
    item = (await client.v1.checkout.sessions.line_items.list_async(paid.id)).data[0]

    customer = await client.v1.customers.retrieve_async(session.customer)
    subscription_item = subscription["items"].data[0]
    checks = [(session, stripe.checkout.Session), (item, stripe.LineItem), (intent, stripe.PaymentIntent),
              (subscription, stripe.Subscription), (subscription_item, stripe.SubscriptionItem),
              (subscription_item.price, stripe.Price), (invoice, stripe.Invoice),
              (invoice.lines.data[0], stripe.InvoiceLineItem), (customer, stripe.Customer),
              (portal, stripe.billing_portal.Session), (account, stripe.Account), (link, stripe.AccountLink),
              (login, stripe.LoginLink), (fake.events[-1], stripe.Event)]
    for obj, model in checks:
        assert unknown_fields(obj, model) == set(), model


async def test_checkout_refuses_what_stripe_refuses(fake, client) -> None:  # type: ignore[no-untyped-def]
    monthly = fake.add_price(2900, interval="month")
    refusals = [
        ({"line_items": [CREDITS], "success_url": URLS["success_url"], "cancel_url": URLS["cancel_url"]}, "mode"),
        ({"mode": "payment", "line_items": [CREDITS], "cancel_url": URLS["cancel_url"]}, "success_url"),
        ({"mode": "payment", **URLS}, "line_items"),
        ({"mode": "payment", "line_items": [{"price": "price_nope", "quantity": 1}], **URLS}, "line_items[0][price]"),
        ({"mode": "payment", "line_items": [{"price": monthly["id"], "quantity": 1}], **URLS}, "line_items"),
        ({"mode": "payment", "line_items": [{**CREDITS, "pric": "x"}], **URLS}, "line_items[0][pric]"),
        ({"mode": "payment", "line_items": [CREDITS], "customer": "cus_nope", **URLS}, "customer"),
        ({"mode": "payment", "line_items": [CREDITS], "subscription_data": {"metadata": {"a": "b"}}, **URLS},
         "subscription_data"),
    ]
    for params, param in refusals:
        with pytest.raises(stripe.InvalidRequestError) as refused:
            await client.v1.checkout.sessions.create_async(params)  # type: ignore[arg-type]
        assert (refused.value.http_status, refused.value.param) == (400, param), params

    allowed = await client.v1.checkout.sessions.create_async({
        "mode": "subscription", "line_items": [{"price": monthly["id"], "quantity": 1}], **URLS})
    assert allowed.status == "open"


async def test_an_unknown_parameter_is_refused_by_name(client) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(stripe.InvalidRequestError, match=r"Received unknown parameter: tenant_id") as refused:
        await top_up(client, tenant_id="t-1")
    assert refused.value.code == "parameter_unknown"
    assert (await top_up(client, client_reference_id="t-1")).client_reference_id == "t-1"


async def test_an_unknown_id_is_resource_missing(client) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(stripe.InvalidRequestError) as missing:
        await client.v1.checkout.sessions.retrieve_async("cs_test_nope")
    assert (missing.value.http_status, missing.value.code, missing.value.param) == (404, "resource_missing", "id")
    assert missing.value.user_message == "No such checkout.session: 'cs_test_nope'"
    assert missing.value.request_id.startswith("req_")


async def test_expand_replaces_ids_with_objects(fake, client) -> None:  # type: ignore[no-untyped-def]
    session = await subscribe(fake, client)
    fake.complete_checkout(session.id)

    expanded = await client.v1.checkout.sessions.retrieve_async(
        session.id, {"expand": ["subscription.latest_invoice", "line_items"]})
    assert expanded.subscription.object == "subscription"
    assert expanded.subscription.latest_invoice.status == "paid"
    assert expanded.line_items.data[0].price.recurring.interval == "month"
    with pytest.raises(stripe.InvalidRequestError, match=r"cannot be expanded \(nothing\)"):
        await client.v1.checkout.sessions.retrieve_async(session.id, {"expand": ["nothing"]})


# --- idempotency, auth and failures ------------------------------------------------------


async def test_an_idempotency_key_replays_the_first_response(fake, client) -> None:  # type: ignore[no-untyped-def]
    first = await client.v1.checkout.sessions.create_async({"mode": "payment", "line_items": [CREDITS], **URLS},
                                                           {"idempotency_key": "topup-1"})
    replay = await client.v1.checkout.sessions.create_async({"mode": "payment", "line_items": [CREDITS], **URLS},
                                                            {"idempotency_key": "topup-1"})

    assert replay.id == first.id
    assert replay.last_response.headers["idempotent-replayed"] == "true"
    assert replay.last_response.idempotency_key == "topup-1"
    other = await client.v1.checkout.sessions.create_async({"mode": "payment", "line_items": [CREDITS], **URLS},
                                                           {"idempotency_key": "topup-2"})
    assert other.id != first.id


async def test_an_idempotency_key_reused_with_other_params_is_refused(client) -> None:  # type: ignore[no-untyped-def]
    await client.v1.customers.create_async({"email": "a@tenant.example"}, {"idempotency_key": "cust-1"})

    with pytest.raises(stripe.IdempotencyError, match="same parameters"):
        await client.v1.customers.create_async({"email": "b@tenant.example"}, {"idempotency_key": "cust-1"})
    with pytest.raises(stripe.IdempotencyError, match="same endpoint"):
        await client.v1.checkout.sessions.create_async({"mode": "payment", "line_items": [CREDITS], **URLS},
                                                       {"idempotency_key": "cust-1"})


async def test_a_wrong_key_is_an_authentication_error_that_masks_the_key(fake) -> None:  # type: ignore[no-untyped-def]
    wrong = fake.client(api_key="sk_test_51WrongKey0000000000001234")

    with pytest.raises(stripe.AuthenticationError) as refused:
        await wrong.v1.customers.create_async({"email": "a@tenant.example"})
    assert refused.value.http_status == 401
    assert refused.value.user_message == f"Invalid API Key provided: {mask_key('sk_test_51WrongKey0000000000001234')}"
    assert "WrongKey" not in refused.value.user_message and refused.value.user_message.endswith("1234")
    assert (await fake.client().v1.customers.create_async({"email": "a@tenant.example"})).id.startswith("cus_")


async def test_a_500_is_retried_by_the_client_with_the_same_key_and_creates_one_object(fake) -> None:  # type: ignore[no-untyped-def]
    fake.fail_next(500)
    customer = await fake.client(max_network_retries=2).v1.customers.create_async({"email": "a@tenant.example"})

    posts = [r for r in fake.requests if r.path == "/v1/customers"]
    assert len(posts) == 2 and posts[0].headers["idempotency-key"] == posts[1].headers["idempotency-key"]
    assert [e["data"]["object"]["id"] for e in fake.events if e["type"] == "customer.created"] == [customer.id]


async def test_a_500_without_retries_is_an_api_error(fake, client) -> None:  # type: ignore[no-untyped-def]
    fake.fail_next(500)
    with pytest.raises(stripe.APIError) as failed:
        await client.v1.customers.create_async({"email": "a@tenant.example"})
    assert failed.value.http_status == 500 and failed.value.error.type == "api_error"
    assert fake.events == []


async def test_a_rate_limit_is_not_retried_unless_stripe_says_so(fake) -> None:  # type: ignore[no-untyped-def]
    client = fake.client(max_network_retries=2)
    fake.fail_next(429)
    with pytest.raises(stripe.RateLimitError) as limited:
        await client.v1.customers.create_async({"email": "a@tenant.example"})
    assert limited.value.error.code == "rate_limit" and len(fake.requests) == 1  # .code stays None

    fake.fail_next(429, should_retry=True)
    assert (await client.v1.customers.create_async({"email": "a@tenant.example"})).object == "customer"
    assert len(fake.requests) == 3


async def test_a_lost_response_is_replayed_on_retry_so_one_object_exists(fake) -> None:  # type: ignore[no-untyped-def]
    fake.drop_next_response()
    customer = await fake.client(max_network_retries=1).v1.customers.create_async({"email": "a@tenant.example"})

    assert customer.last_response.headers["idempotent-replayed"] == "true"
    assert len([e for e in fake.events if e["type"] == "customer.created"]) == 1

    fake.drop_next_response()
    with pytest.raises(stripe.APIConnectionError):
        await fake.client().v1.customers.create_async({"email": "b@tenant.example"})


# --- webhooks and events -----------------------------------------------------------------


async def test_a_completed_checkout_event_passes_the_official_signature_check(fake, client) -> None:  # type: ignore[no-untyped-def]
    session = await top_up(client, metadata={"tenant_id": "t-9"})
    event = of_type(fake.complete_checkout(session.id), "checkout.session.completed")
    payload, header = fake.signed(event)

    verified = stripe.Webhook.construct_event(payload, header, fake.webhook_secret, tolerance=300)
    assert verified.id == event["id"] and verified.id.startswith("evt_")
    assert verified.data.object.id == session.id
    assert (verified.data.object.payment_status, verified.data.object.metadata["tenant_id"]) == ("paid", "t-9")
    assert verified.data.object.payment_intent.startswith("pi_")
    assert (verified.api_version, verified.request.id) == (stripe.api_version, None)

    refusals = [
        (payload.replace(b'"paid"', b'"unpaid"'), header, fake.webhook_secret),
        (payload, header, "whsec_someone_else"),
        (*fake.signed(event, timestamp=int(time.time()) - 301), fake.webhook_secret),
    ]
    for body, signature, secret in refusals:
        with pytest.raises(stripe.SignatureVerificationError):
            stripe.Webhook.construct_event(body, signature, secret, tolerance=300)
    recent = fake.signed(event, timestamp=int(time.time()) - 200)
    assert stripe.Webhook.construct_event(*recent, fake.webhook_secret, tolerance=300).id == event["id"]


async def test_a_delayed_payment_completes_unpaid_then_succeeds(fake, client) -> None:  # type: ignore[no-untyped-def]
    session = await top_up(client)
    events = fake.complete_checkout(session.id, async_payment=True)

    assert [e["type"] for e in events] == ["checkout.session.completed"]
    assert events[0]["data"]["object"]["payment_status"] == "unpaid"
    succeeded = fake.succeed_async_payment(session.id)
    assert succeeded["type"] == "checkout.session.async_payment_succeeded"
    assert succeeded["data"]["object"]["payment_status"] == "paid"
    assert (await client.v1.checkout.sessions.retrieve_async(session.id)).payment_status == "paid"


async def test_a_delayed_subscription_payment_activates_it_and_a_bounced_top_up_fails(fake, client) -> None:  # type: ignore[no-untyped-def]
    session = await subscribe(fake, client)
    events = fake.complete_checkout(session.id, paid=False)
    subscription = of_type(events, "customer.subscription.created")["data"]["object"]
    assert subscription["status"] == "incomplete" and "invoice.paid" not in [e["type"] for e in events]

    fake.succeed_async_payment(session.id)
    assert [e["type"] for e in fake.events[-4:]] == ["invoice.paid", "invoice.payment_succeeded",
                                                     "customer.subscription.updated",
                                                     "checkout.session.async_payment_succeeded"]
    assert (await client.v1.subscriptions.retrieve_async(subscription["id"])).status == "active"

    top_up_session = await top_up(client)
    fake.complete_checkout(top_up_session.id, async_payment=True)
    assert fake.fail_async_payment(top_up_session.id)["type"] == "checkout.session.async_payment_failed"
    abandoned = await top_up(client)
    assert fake.expire_checkout(abandoned.id)["data"]["object"]["status"] == "expired"


async def test_a_failed_delivery_is_listed_until_delivered(fake, client, receiver) -> None:  # type: ignore[no-untyped-def]
    customer = await client.v1.customers.create_async({"email": "a@tenant.example"})
    created = fake.events[-1]
    assert created["request"]["id"] and created["request"]["idempotency_key"]  # caused by our request

    receiver.status = 500
    assert await fake.deliver(created, receiver.url, host="billing.internal") == 500
    failed = await client.v1.events.list_async({"delivery_success": False})
    assert [event.id for event in failed.data] == [created["id"]]
    assert failed.data[0].data.object.id == customer.id

    receiver.status = 200
    assert await fake.deliver(created, receiver.url) == 200
    assert (await client.v1.events.list_async({"delivery_success": False})).data == []
    assert [e.id for e in (await client.v1.events.list_async({"delivery_success": True})).data] == [created["id"]]
    assert [host for _, host in receiver.received] == ["billing.internal", receiver.url.split("/")[2]]


async def test_events_list_newest_first_with_filters_and_pages(fake, client) -> None:  # type: ignore[no-untyped-def]
    session = await subscribe(fake, client)
    fake.complete_checkout(session.id)
    every = [event["id"] for event in reversed(fake.events)]

    first = await client.v1.events.list_async({"limit": 3})
    assert [e.id for e in first.data] == every[:3] and first.has_more and first.url == "/v1/events"
    rest = await client.v1.events.list_async({"limit": 100, "starting_after": first.data[-1].id})
    assert [e.id for e in rest.data] == every[3:] and not rest.has_more
    invoices = await client.v1.events.list_async({"type": "invoice.*"})
    assert {e.type for e in invoices.data} == {"invoice.created", "invoice.finalized", "invoice.paid",
                                               "invoice.payment_succeeded"}
    since = await client.v1.events.list_async({"created": {"gte": fake.events[0]["created"]}, "limit": 100})
    assert len(since.data) == len(every)
    assert (await client.v1.events.retrieve_async(every[0])).id == every[0]
    with pytest.raises(stripe.InvalidRequestError):
        await client.v1.events.list_async({"limit": 101})


# --- subscriptions -------------------------------------------------------------------------


async def test_a_subscription_checkout_creates_consistent_objects_and_events(fake, client) -> None:  # type: ignore[no-untyped-def]
    session = await subscribe(fake, client)
    events = fake.complete_checkout(session.id)

    assert [e["type"] for e in events] == [
        "customer.created", "customer.subscription.created", "invoice.created", "invoice.finalized",
        "invoice.paid", "invoice.payment_succeeded", "checkout.session.completed"]
    completed = of_type(events, "checkout.session.completed")["data"]["object"]
    subscription = of_type(events, "customer.subscription.created")["data"]["object"]
    invoice = of_type(events, "invoice.paid")["data"]["object"]
    assert completed["subscription"] == subscription["id"] and subscription["id"].startswith("sub_")
    assert completed["invoice"] == invoice["id"] == subscription["latest_invoice"]
    assert completed["customer"] == subscription["customer"] == invoice["customer"]
    assert invoice["parent"]["subscription_details"]["subscription"] == subscription["id"]
    assert (invoice["billing_reason"], invoice["amount_paid"], invoice["status"]) == ("subscription_create", 2900,
                                                                                      "paid")
    assert subscription["metadata"] == {"tenant_id": "t-42"} and completed["client_reference_id"] == "t-42"

    live = await client.v1.subscriptions.retrieve_async(subscription["id"])
    item = live["items"].data[0]
    assert live.status == "active" and item.current_period_end > item.current_period_start
    portal = await client.v1.billing_portal.sessions.create_async(
        {"customer": live.customer, "return_url": "https://tenant.example/billing"})
    assert portal.object == "billing_portal.session" and portal.url.startswith("https://")


async def test_a_declined_renewal_makes_the_subscription_past_due(fake, client) -> None:  # type: ignore[no-untyped-def]
    session = await subscribe(fake, client)
    created = of_type(fake.complete_checkout(session.id), "customer.subscription.created")
    subscription_id = created["data"]["object"]["id"]

    events = fake.renew_subscription(subscription_id, paid=False)
    assert [e["type"] for e in events] == ["invoice.created", "invoice.finalized", "invoice.payment_failed",
                                           "customer.subscription.updated"]
    failed = of_type(events, "invoice.payment_failed")["data"]["object"]
    assert (failed["status"], failed["attempt_count"], failed["billing_reason"]) == ("open", 1, "subscription_cycle")
    updated = of_type(events, "customer.subscription.updated")["data"]
    assert (updated["object"]["status"], updated["previous_attributes"]["status"]) == ("past_due", "active")
    assert (await client.v1.subscriptions.retrieve_async(subscription_id)).status == "past_due"

    recovered = fake.retry_payment(subscription_id)
    assert [e["type"] for e in recovered] == ["invoice.paid", "invoice.payment_succeeded",
                                              "customer.subscription.updated"]
    assert (await client.v1.subscriptions.retrieve_async(subscription_id)).status == "active"


async def test_a_paid_renewal_moves_the_period_on_and_cancel_ends_it(fake, client) -> None:  # type: ignore[no-untyped-def]
    session = await subscribe(fake, client)
    subscription = of_type(fake.complete_checkout(session.id), "customer.subscription.created")["data"]["object"]
    first_end = subscription["items"]["data"][0]["current_period_end"]

    events = fake.renew_subscription(subscription["id"])
    paid = of_type(events, "invoice.paid")["data"]["object"]
    assert paid["lines"]["data"][0]["period"]["start"] == first_end
    assert (paid["period_end"], paid["amount_paid"]) == (first_end, 2900)  # invoice period: the one just billed
    renewed = await client.v1.subscriptions.retrieve_async(subscription["id"])
    assert renewed.status == "active" and renewed["items"].data[0].current_period_start == first_end

    (deleted,) = fake.cancel_subscription(subscription["id"])
    assert deleted["type"] == "customer.subscription.deleted"
    assert deleted["data"]["object"]["status"] == "canceled" and deleted["data"]["object"]["ended_at"]


# --- Connect -------------------------------------------------------------------------------


async def test_an_express_account_onboards_and_takes_destination_charges(fake, client) -> None:  # type: ignore[no-untyped-def]
    account = await client.v1.accounts.create_async({
        "type": "express", "country": "US", "email": "studio@tenant.example",
        "capabilities": {"card_payments": {"requested": True}, "transfers": {"requested": True}},
        "metadata": {"tenant_id": "t-5"}})
    assert account.id.startswith("acct_") and not account.charges_enabled
    assert account.capabilities.to_dict() == {"card_payments": "inactive", "transfers": "inactive"}
    link = await client.v1.account_links.create_async({
        "account": account.id, "type": "account_onboarding", "refresh_url": "https://tenant.example/connect/retry",
        "return_url": "https://tenant.example/connect/done"})
    assert link.object == "account_link" and account.id in link.url and link.expires_at > link.created

    destination = {"application_fee_amount": 100, "transfer_data": {"destination": account.id}}
    with pytest.raises(stripe.InvalidRequestError) as not_yet:
        await top_up(client, payment_intent_data=destination)
    assert not_yet.value.param == "payment_intent_data[transfer_data][destination]"

    updated = fake.update_account(account.id, charges_enabled=True, payouts_enabled=True)
    assert (updated["type"], updated["account"]) == ("account.updated", account.id)
    assert updated["data"]["previous_attributes"]["charges_enabled"] is False
    assert (await client.v1.accounts.retrieve_async(account.id)).charges_enabled
    login = await client.v1.accounts.login_links.create_async(account.id)
    assert login.object == "login_link"

    session = await top_up(client, payment_intent_data=destination)
    fake.complete_checkout(session.id)
    intent_id = (await client.v1.checkout.sessions.retrieve_async(session.id)).payment_intent
    intent = await client.v1.payment_intents.retrieve_async(intent_id)
    assert (intent.application_fee_amount, intent.transfer_data.destination, intent.amount) == (100, account.id, 1000)


async def test_a_fee_without_a_destination_is_refused(client) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(stripe.InvalidRequestError) as refused:
        await top_up(client, payment_intent_data={"application_fee_amount": 100})
    assert refused.value.param == "payment_intent_data[application_fee_amount]"
    assert (await top_up(client, payment_intent_data={"metadata": {"a": "b"}})).status == "open"


def test_signed_payloads_are_the_json_stripe_sends() -> None:
    fake = FakeStripe(webhook_secret="whsec_test")
    payload, header = fake.signed({"id": "evt_1", "object": "event"}, timestamp=1700000000)
    assert json.loads(payload) == {"id": "evt_1", "object": "event"}
    assert header.startswith("t=1700000000,v1=") and len(header.split("v1=")[1]) == 64

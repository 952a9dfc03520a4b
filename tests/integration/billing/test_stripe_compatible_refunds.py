"""The fake Stripe server's charges, refunds and disputes, through the OFFICIAL client: a paid
checkout leaves a real charge, refunds move it toward fully refunded with Stripe's refusals
on the way, and a dispute freezes it. Each refusal has its allowed twin."""

from __future__ import annotations

from typing import Any

import pytest
import stripe

from tests.integration.billing.test_stripe_compatible_server import of_type, unknown_fields
from tests.servers.stripe_compatible import FakeStripe

pytestmark = pytest.mark.filterwarnings("ignore:Use 'content=<...>' to upload raw bytes:DeprecationWarning")

URLS = {"success_url": "https://tenant.example/shop/done", "cancel_url": "https://tenant.example/shop"}
ORDER = {"price_data": {"currency": "usd", "unit_amount": 500, "product_data": {"name": "Poster"}}, "quantity": 2}


async def shop_account(fake: FakeStripe, client: stripe.StripeClient) -> str:
    """A tenant's onboarded Express account, able to take destination charges."""
    account = await client.v1.accounts.create_async({
        "type": "express", "country": "US",
        "capabilities": {"card_payments": {"requested": True}, "transfers": {"requested": True}}})
    fake.update_account(account.id)
    return account.id


async def checkout(client: stripe.StripeClient, **intent_data: Any) -> stripe.checkout.Session:
    params = {"mode": "payment", "line_items": [ORDER], "payment_intent_data": intent_data, **URLS}
    return await client.v1.checkout.sessions.create_async(params)  # type: ignore[arg-type]


async def paid_order(fake: FakeStripe, client: stripe.StripeClient) -> stripe.PaymentIntent:
    """A 10.00 USD destination charge to a shop, 1.50 of it the platform's fee, paid."""
    shop = await shop_account(fake, client)
    session = await checkout(client, application_fee_amount=150, transfer_data={"destination": shop},
                             metadata={"tenant_id": "t-3", "order_id": "o-17"})
    fake.complete_checkout(session.id)
    session = await client.v1.checkout.sessions.retrieve_async(session.id)
    return await client.v1.payment_intents.retrieve_async(session.payment_intent)


# --- charges ---------------------------------------------------------------------------------


async def test_a_paid_destination_checkout_leaves_a_charge_with_its_fee_and_transfer(fake, client) -> None:  # type: ignore[no-untyped-def]
    shop = await shop_account(fake, client)
    session = await checkout(client, application_fee_amount=150, transfer_data={"destination": shop},
                             metadata={"order_id": "o-17"})
    events = fake.complete_checkout(session.id)

    assert [e["type"] for e in events] == ["charge.succeeded", "payment_intent.succeeded",
                                           "checkout.session.completed"]
    intent_id = (await client.v1.checkout.sessions.retrieve_async(session.id)).payment_intent
    intent = await client.v1.payment_intents.retrieve_async(intent_id)
    charge = await client.v1.charges.retrieve_async(intent.latest_charge)
    assert charge.id.startswith("ch_") and charge.payment_intent == intent.id
    assert (charge.amount, charge.amount_captured, charge.amount_refunded, charge.currency) == (1000, 1000, 0, "usd")
    assert (charge.status, charge.paid, charge.captured, charge.refunded, charge.disputed) == (
        "succeeded", True, True, False, False)
    assert charge.application_fee_amount == 150 and charge.application_fee.startswith("fee_")
    assert charge.transfer_data.to_dict() == {"amount": None, "destination": shop}
    assert charge.metadata.to_dict() == {"order_id": "o-17"} == intent.metadata.to_dict()
    assert of_type(events, "charge.succeeded")["data"]["object"]["id"] == charge.id
    assert unknown_fields(charge, stripe.Charge) == set()
    assert "refunds" not in charge  # included only when expanded, at this API version


async def test_a_delayed_payment_gets_its_charge_when_it_clears(fake, client) -> None:  # type: ignore[no-untyped-def]
    session = await checkout(client, metadata={"order_id": "o-2"})
    fake.complete_checkout(session.id, async_payment=True)
    intent_id = (await client.v1.checkout.sessions.retrieve_async(session.id)).payment_intent
    assert (await client.v1.payment_intents.retrieve_async(intent_id)).latest_charge is None

    fake.succeed_async_payment(session.id)
    assert [e["type"] for e in fake.events[-3:]] == ["charge.succeeded", "payment_intent.succeeded",
                                                     "checkout.session.async_payment_succeeded"]
    intent = await client.v1.payment_intents.retrieve_async(intent_id)
    charge = await client.v1.charges.retrieve_async(intent.latest_charge)
    assert (intent.status, charge.amount, charge.transfer_data, charge.application_fee) == ("succeeded", 1000, None,
                                                                                           None)
    assert charge.metadata.to_dict() == {"order_id": "o-2"}


# --- refunds ---------------------------------------------------------------------------------


async def test_a_partial_then_a_full_refund_and_nothing_beyond_what_is_left(fake, client) -> None:  # type: ignore[no-untyped-def]
    intent = await paid_order(fake, client)

    partial = await client.v1.refunds.create_async({
        "payment_intent": intent.id, "amount": 300, "reverse_transfer": True, "refund_application_fee": True,
        "reason": "requested_by_customer", "metadata": {"order_id": "o-17"}})
    assert (partial.object, partial.status, partial.amount, partial.currency) == ("refund", "succeeded", 300, "usd")
    assert (partial.charge, partial.payment_intent) == (intent.latest_charge, intent.id)
    assert partial.transfer_reversal.startswith("trr_") and partial.reason == "requested_by_customer"
    assert partial.metadata.to_dict() == {"order_id": "o-17"}
    refunded, created = fake.events[-2:]
    assert (refunded["type"], created["type"]) == ("charge.refunded", "refund.created")
    assert (refunded["data"]["object"]["amount_refunded"], refunded["data"]["object"]["refunded"]) == (300, False)
    assert refunded["data"]["previous_attributes"] == {"amount_refunded": 0}
    assert created["data"]["object"]["id"] == partial.id
    assert refunded["request"]["id"] == created["request"]["id"] == partial.last_response.request_id

    with pytest.raises(stripe.InvalidRequestError) as too_much:
        await client.v1.refunds.create_async({"charge": intent.latest_charge, "amount": 800})
    assert too_much.value.user_message == "Refund amount ($8.00) is greater than unrefunded amount on charge ($7.00)"
    assert (too_much.value.http_status, too_much.value.param) == (400, "amount")

    rest = await client.v1.refunds.create_async({"charge": intent.latest_charge})  # amount: what is left
    assert rest.amount == 700 and rest.transfer_reversal is None
    refunded = fake.events[-2]
    assert (refunded["data"]["object"]["amount_refunded"], refunded["data"]["object"]["refunded"]) == (1000, True)
    assert refunded["data"]["previous_attributes"] == {"amount_refunded": 300, "refunded": False}
    charge = await client.v1.charges.retrieve_async(intent.latest_charge, {"expand": ["refunds"]})
    assert (charge.amount_refunded, charge.refunded) == (1000, True)
    assert [refund.id for refund in charge.refunds.data] == [rest.id, partial.id]  # newest first
    assert (await client.v1.refunds.retrieve_async(partial.id)).amount == 300
    assert unknown_fields(partial, stripe.Refund) == set()

    with pytest.raises(stripe.InvalidRequestError) as again:
        await client.v1.refunds.create_async({"payment_intent": intent.id, "amount": 1})
    assert again.value.code == "charge_already_refunded"
    assert again.value.user_message == f"Charge {intent.latest_charge} has already been refunded."


async def test_a_refund_create_is_idempotent(fake, client) -> None:  # type: ignore[no-untyped-def]
    intent = await paid_order(fake, client)
    params = {"payment_intent": intent.id, "amount": 250}

    first = await client.v1.refunds.create_async(params, {"idempotency_key": "refund-o-17-1"})  # type: ignore[arg-type]
    replay = await client.v1.refunds.create_async(params, {"idempotency_key": "refund-o-17-1"})  # type: ignore[arg-type]

    assert replay.id == first.id and replay.last_response.headers["idempotent-replayed"] == "true"
    assert [e["data"]["object"]["id"] for e in fake.events if e["type"] == "refund.created"] == [first.id]
    assert of_type(fake.events, "refund.created")["request"]["idempotency_key"] == "refund-o-17-1"
    assert (await client.v1.charges.retrieve_async(intent.latest_charge)).amount_refunded == 250
    with pytest.raises(stripe.IdempotencyError):
        await client.v1.refunds.create_async({**params, "amount": 100}, {"idempotency_key": "refund-o-17-1"})  # type: ignore[arg-type]
    other = await client.v1.refunds.create_async(params, {"idempotency_key": "refund-o-17-2"})  # type: ignore[arg-type]
    assert other.id != first.id
    assert (await client.v1.charges.retrieve_async(intent.latest_charge)).amount_refunded == 500


async def test_refunds_refuse_what_stripe_refuses(fake, client) -> None:  # type: ignore[no-untyped-def]
    intent = await paid_order(fake, client)
    pending = await checkout(client)
    fake.complete_checkout(pending.id, async_payment=True)
    processing = (await client.v1.checkout.sessions.retrieve_async(pending.id)).payment_intent
    refusals = [
        ({}, "charge", "Missing required param: charge."),
        ({"payment_intent": intent.id, "charge": intent.latest_charge}, "payment_intent",
         "You may only specify one of these parameters: charge, payment_intent."),
        ({"payment_intent": "pi_nope"}, "payment_intent", "No such payment_intent: 'pi_nope'"),
        ({"charge": "ch_nope"}, "charge", "No such charge: 'ch_nope'"),
        ({"payment_intent": processing}, "payment_intent",
         f"This PaymentIntent ({processing}) does not have a successful charge to refund."),
        ({"payment_intent": intent.id, "amount": 1001}, "amount",
         "Refund amount ($10.01) is greater than charge amount ($10.00)"),
        ({"payment_intent": intent.id, "reason": "changed_mind"}, "reason", None),
        ({"payment_intent": intent.id, "amount": 0}, "amount", None),
    ]
    for params, param, message in refusals:
        with pytest.raises(stripe.InvalidRequestError) as refused:
            await client.v1.refunds.create_async(params)  # type: ignore[arg-type]
        assert (refused.value.http_status, refused.value.param) == (400, param), params
        assert message is None or refused.value.user_message == message, params
    assert not [e for e in fake.events if e["type"] == "refund.created"]

    allowed = await client.v1.refunds.create_async({"payment_intent": intent.id, "amount": 1000, "reason": "duplicate"})
    assert allowed.amount == 1000


async def test_a_dashboard_refund_has_the_same_effects(fake, client) -> None:  # type: ignore[no-untyped-def]
    intent = await paid_order(fake, client)

    refunded, created = fake.refund(intent.id, 400)
    assert (refunded["type"], created["type"]) == ("charge.refunded", "refund.created")
    assert refunded["data"]["object"]["payment_intent"] == created["data"]["object"]["payment_intent"] == intent.id
    assert refunded["data"]["object"]["metadata"] == {"tenant_id": "t-3", "order_id": "o-17"}
    assert (created["data"]["object"]["amount"], created["request"]["id"]) == (400, None)  # not our request

    (_, rest) = fake.refund(intent.id)
    assert rest["data"]["object"]["amount"] == 600
    assert (await client.v1.charges.retrieve_async(intent.latest_charge)).refunded is True
    with pytest.raises(stripe.InvalidRequestError, match="has already been refunded"):
        await client.v1.refunds.create_async({"payment_intent": intent.id})


# --- disputes --------------------------------------------------------------------------------


async def test_a_dispute_is_a_fraud_chargeback_that_blocks_refunds(fake, client) -> None:  # type: ignore[no-untyped-def]
    intent = await paid_order(fake, client)
    fake.refund(intent.id, 200)

    event = fake.dispute(intent.id)
    assert event["type"] == "charge.dispute.created"
    payload, header = fake.signed(event)
    verified = stripe.Webhook.construct_event(payload, header, fake.webhook_secret)
    dispute = verified.data.object
    assert isinstance(dispute, stripe.Dispute) and dispute.id.startswith("dp_")
    assert (dispute.charge, dispute.payment_intent) == (intent.latest_charge, intent.id)
    assert (dispute.amount, dispute.currency, dispute.reason, dispute.status) == (800, "usd", "fraudulent",
                                                                                  "needs_response")
    assert dispute.is_charge_refundable is False and dispute.evidence_details.due_by > dispute.created
    assert (await client.v1.disputes.retrieve_async(dispute.id)).status == "needs_response"
    assert (await client.v1.charges.retrieve_async(intent.latest_charge)).disputed is True
    assert unknown_fields(dispute, stripe.Dispute) == set()

    with pytest.raises(stripe.InvalidRequestError) as refused:
        await client.v1.refunds.create_async({"payment_intent": intent.id})
    assert refused.value.code == "charge_disputed"
    assert refused.value.user_message == f"Charge {intent.latest_charge} has been charged back; cannot issue a refund."
    with pytest.raises(ValueError, match="already disputed"):
        fake.dispute(intent.id)

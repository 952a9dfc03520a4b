"""Stripe through the official client: Checkout Sessions, and webhook verification with
Stripe's real signature scheme. Every create call carries an idempotency key derived
from our own operation id, so a retry after a crash or timeout creates nothing new."""

from __future__ import annotations

from typing import Annotated, Any, Literal

import msgspec
import stripe

from shared import bodies
from shared.errors import BadRequest, Invalid, Unavailable

StripeId = Annotated[str, msgspec.Meta(min_length=1, max_length=255)]


class StripeObject(msgspec.Struct, frozen=True, omit_defaults=True):
    """What every handler reads of an event's object; the rest of it passes as it came."""

    id: StripeId | None = None  # a balance has none; everything an event here names has one
    metadata: dict[str, str] | None = None  # Stripe's metadata values are always strings


class StripeEventData(msgspec.Struct, frozen=True, omit_defaults=True):
    object: dict[str, Any]
    previous_attributes: dict[str, Any] | None = None


class StripeEvent(msgspec.Struct, frozen=True, omit_defaults=True):
    """A snapshot event's envelope (https://docs.stripe.com/api/events/object): the fields
    billing reads are required and typed; others (request, pending_webhooks) are ignored."""

    id: StripeId
    type: Annotated[str, msgspec.Meta(min_length=1, max_length=255)]
    created: Annotated[int, msgspec.Meta(ge=0, le=253_402_300_799)]  # Unix seconds a datetime can hold
    data: StripeEventData
    object: Literal["event"] = "event"
    livemode: bool = False
    account: StripeId | None = None  # a connected account's event
    api_version: str | None = None

    def __post_init__(self) -> None:
        msgspec.convert(self.data.object, StripeObject)  # ValidationError: a 422, made 400 by verify


class Payments:
    def __init__(self, secret_key: str, webhook_secret: str, api_base: str = "") -> None:
        self.webhook_secret = webhook_secret
        self.client = stripe.StripeClient(
            secret_key, base_addresses={"api": api_base} if api_base else None, max_network_retries=2,
            http_client=stripe.AIOHTTPClient(),  # aiohttp is already ours; the default async client needs httpx
        )

    async def create_checkout(self, params: dict[str, Any], *, operation_id: str) -> Any:
        try:
            return await self.client.v1.checkout.sessions.create_async(
                params=params, options={"idempotency_key": operation_id})  # type: ignore[arg-type]
        except stripe.StripeError as exc:
            raise Unavailable(f"Stripe refused or failed: {exc.user_message or type(exc).__name__}") from None

    async def create_connected_account(self, tenant_id: str, email: str | None) -> Any:
        """An Express account for the tenant; the key makes a retry return the same one."""
        params: dict[str, Any] = {"type": "express", "metadata": {"tenant_id": tenant_id},
                                  "capabilities": {"card_payments": {"requested": True},
                                                   "transfers": {"requested": True}}}
        if email:
            params["email"] = email
        return await self._call(self.client.v1.accounts.create_async(
            params=params, options={"idempotency_key": f"connect-account-{tenant_id}"}))  # type: ignore[arg-type]

    async def account_link(self, account_id: str, refresh_url: str, return_url: str) -> Any:
        return await self._call(self.client.v1.account_links.create_async(params={
            "account": account_id, "type": "account_onboarding", "refresh_url": refresh_url,
            "return_url": return_url}))

    async def login_link(self, account_id: str) -> Any:
        return await self._call(self.client.v1.accounts.login_links.create_async(account_id))

    async def refund(self, payment_intent_id: str, amount: int | None, *, operation_id: str) -> Any:
        """A refund on a destination charge: the transfer and the platform's fee are reversed
        in proportion, so the tenant and the platform each give back their share."""
        params: dict[str, Any] = {"payment_intent": payment_intent_id, "reverse_transfer": True,
                                  "refund_application_fee": True}
        if amount is not None:
            params["amount"] = amount
        return await self._call(self.client.v1.refunds.create_async(
            params=params, options={"idempotency_key": operation_id}))  # type: ignore[arg-type]

    async def payment_intent(self, payment_intent_id: str) -> dict[str, Any]:
        return (await self._call(self.client.v1.payment_intents.retrieve_async(payment_intent_id))).to_dict()

    async def _call(self, call: Any) -> Any:
        try:
            return await call
        except stripe.StripeError as exc:
            raise Unavailable(f"Stripe refused or failed: {exc.user_message or type(exc).__name__}") from None

    async def subscription(self, subscription_id: str) -> Any:
        try:
            return await self.client.v1.subscriptions.retrieve_async(subscription_id)
        except stripe.StripeError as exc:
            raise Unavailable(f"Stripe could not be read: {type(exc).__name__}") from None

    async def portal(self, customer_id: str, return_url: str) -> Any:
        try:
            return await self.client.v1.billing_portal.sessions.create_async(
                params={"customer": customer_id, "return_url": return_url})
        except stripe.StripeError as exc:
            raise Unavailable(f"Stripe refused or failed: {type(exc).__name__}") from None

    async def undelivered_events(self, since: int) -> list[dict[str, Any]]:
        """Events Stripe could not deliver to us, newest first, for reconciliation."""
        try:
            page = await self.client.v1.events.list_async(
                params={"delivery_success": False, "created": {"gte": since}, "limit": 100})
        except stripe.StripeError as exc:
            raise Unavailable(f"Stripe could not be read: {type(exc).__name__}") from None
        return [event.to_dict() for event in page.data]

    def verify(self, payload: bytes, signature: str | None) -> dict[str, Any]:
        """The event, if Stripe signed it within the last 300 s and it has an event's shape;
        else 400, which Stripe shows in the endpoint's log and retries."""
        # Stripe signs the text of the body; its own construct_event would then parse it with
        # the standard library (RecursionError on deep nesting): the body rule decodes instead.
        text = bodies.check_utf8(payload)
        try:
            stripe.WebhookSignature.verify_header(text, signature, self.webhook_secret, tolerance=300)
        except stripe.SignatureVerificationError:
            raise BadRequest("the Stripe signature does not match this payload") from None
        try:
            event = bodies.decode_json(payload, StripeEvent)
        except Invalid as exc:  # signed, but not an event: a malformed delivery, as Stripe sees it
            raise BadRequest(f"not a Stripe event: {exc.detail}") from None
        return msgspec.to_builtins(event)

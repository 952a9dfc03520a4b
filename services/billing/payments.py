"""Stripe through the official client: Checkout Sessions, and webhook verification with
Stripe's real signature scheme. Every create call carries an idempotency key derived
from our own operation id, so a retry after a crash or timeout creates nothing new."""

from __future__ import annotations

from typing import Any

import msgspec
import stripe

from shared.errors import BadRequest, Unavailable


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

    def verify(self, payload: bytes, signature: str | None) -> dict[str, Any]:
        """The event as plain JSON, if Stripe signed it within the last 300 s; else 400."""
        try:
            stripe.Webhook.construct_event(payload, signature, self.webhook_secret, tolerance=300)
        except (stripe.SignatureVerificationError, ValueError):
            raise BadRequest("the Stripe signature does not match this payload") from None
        return msgspec.json.decode(payload)

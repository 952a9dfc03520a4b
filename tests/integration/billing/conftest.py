"""The Stripe-compatible test server, fresh for each test, and an official client of it."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
import stripe

from tests.servers.stripe_compatible import FakeStripe

KEY = "sk_test_51FakeKeyForTheBillingTests0000"


@pytest.fixture
async def fake() -> AsyncIterator[FakeStripe]:
    server = FakeStripe(api_key=KEY)
    await server.start()
    yield server
    await server.stop()


@pytest.fixture
def client(fake: FakeStripe) -> stripe.StripeClient:
    return fake.client()

"""Billing killed (SIGKILL) while it settles holds and takes a top-up: after a restart,
every hold is settled once and every credit applied once."""

import asyncio
import signal
import uuid

import nats

from shared.contracts import PageGeneratedV1, ReserveCredits, encode_event
from shared.messaging import request
from tests.e2e.platform_client import PlatformClient, eventually
from tests.e2e.test_billing_top_ups import WEBHOOK, ready
from tests.servers.stripe_compatible import FakeStripe


async def test_a_killed_billing_loses_and_doubles_nothing(client: PlatformClient, stripe_server: FakeStripe,
                                                          admin_sql) -> None:  # type: ignore[no-untyped-def]
    stack = client.stack
    tenant = await ready(client)
    tenant_id = uuid.UUID(tenant.tenant_id)
    nc = await nats.connect(stack.nats_url)
    try:
        js = nc.jetstream()
        holds = [await request(nc, ReserveCredits(tenant_id=tenant_id, amount=2, reference=f"gen-{n}",
                                                  ledger_type="AI_PAGE_GENERATION")) for n in range(20)]
        top_up = await client.call("POST", "/api/billing/top-ups", slug=tenant.slug, token=tenant.token,
                                   json={"pack": "100"})
        paid = next(e for e in stripe_server.complete_checkout(top_up.json()["checkout_session_id"])
                    if e["type"] == "checkout.session.completed")
        events = [PageGeneratedV1(tenant_id=tenant_id, page_id=uuid.uuid4(), generation_id=uuid.uuid4(),
                                  hold_id=hold.hold_id, model="m", input_tokens=1, output_tokens=1, credits=1)
                  for hold in holds]
        for event in events[:10]:
            await js.publish(event.subject(), encode_event(event))
        stack.stop_service("billing", signal.SIGKILL)  # mid-flow: some settled, some not
        for event in events[10:]:
            await js.publish(event.subject(), encode_event(event))
        url = f"{stack.url('gateway')}{WEBHOOK}"
        assert await stripe_server.deliver(paid, url, host=client.host()) != 200  # billing is down: Stripe retries

        await asyncio.to_thread(stack.start_service, "billing")
        await asyncio.to_thread(stack.wait_ready, "billing")
        assert await stripe_server.deliver(paid, url, host=client.host()) == 200
        for event in events:  # and every outcome arrives a second time
            await js.publish(event.subject(), encode_event(event))

        async def wallet() -> tuple[int, int]:
            body = (await client.call("GET", "/api/billing/balance", slug=tenant.slug, token=tenant.token)).json()
            return body["balance"], body["held"]

        assert await eventually(wallet, (180, 0), within=20) == (180, 0)  # 100 - 20 + 100
        await asyncio.sleep(0.5)
        assert await wallet() == (180, 0)
        charges = await admin_sql.fetchval("SELECT count(*) FROM billing.credit_transactions WHERE tenant_id = $1 "
                                           "AND type = 'AI_PAGE_GENERATION'", tenant_id)
        assert charges == 20
    finally:
        await nc.drain()

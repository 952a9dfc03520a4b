"""Monthly grants: once per tenant and month, whichever replica runs them, and only for
plans that grant credits without a Stripe subscription."""

import asyncio
import uuid
from datetime import UTC, datetime

from services.billing.repo import wallets
from services.billing.settings import Plan, Settings
from services.billing.subscriptions import grant_monthly
from shared.db import Database
from tests.integration.billing.contexts import context_over

SETTINGS = Settings(database_url="", internal_secret="", plans={"free": Plan(monthly_credits=25),
                                                                "pro": Plan(monthly_credits=1000, stripe_price="p")})
GRANTS = "SELECT amount, reference_id FROM billing.credit_transactions WHERE type = 'MONTHLY_GRANT' ORDER BY 2"


async def new_account(db: Database, **state: str) -> uuid.UUID:
    tenant = uuid.uuid4()
    async with db.tenant_tx(tenant) as tx:
        await wallets.insert_account(tx, tenant)
        for column, value in state.items():  # staged as the service would set them
            await tx.execute(f"UPDATE billing.accounts SET {column} = $1", value)
    return tenant


async def grants(db: Database, tenant: uuid.UUID) -> list[tuple[int, str]]:
    async with db.tenant_tx(tenant) as tx:
        return [(row["amount"], row["reference_id"]) for row in await tx.fetch(GRANTS)]


async def test_grants_are_monthly_once_and_skip_subscribed_and_closed_accounts(billing_db: Database) -> None:
    free = await new_account(billing_db)
    subscribed = await new_account(billing_db, plan="pro", stripe_subscription_id=f"sub_{uuid.uuid4().hex}")
    closed = await new_account(billing_db, subscription_status="closed")
    november, december = datetime(2026, 11, 25, tzinfo=UTC), datetime(2026, 12, 1, tzinfo=UTC)

    ctx = context_over(billing_db, SETTINGS)
    await asyncio.gather(*(grant_monthly(ctx, november) for _ in range(3)))  # three replicas
    await grant_monthly(ctx, november)
    await grant_monthly(ctx, december)

    assert await grants(billing_db, free) == [(25, "grant:2026-11"), (25, "grant:2026-12")]
    assert await grants(billing_db, subscribed) == []  # its grants come with paid invoices
    assert await grants(billing_db, closed) == []

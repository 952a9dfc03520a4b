"""Holds that expire, the low-balance notice once per crossing, and adjustments."""

import asyncio
import uuid

import pytest

from services.billing import service
from services.billing.repo import ledger, wallets
from shared.contracts import ReserveCredits
from shared.db import Database
from shared.errors import Conflict, Invalid
from tests.integration.billing.contexts import context_over

OUTBOX_SUBJECTS = "SELECT subject FROM outbox WHERE convert_from(payload, 'UTF8') LIKE '%' || $1 || '%' ORDER BY id"


async def funded(db: Database, credits: int = 100) -> uuid.UUID:
    tenant = uuid.uuid4()
    async with db.tenant_tx(tenant) as tx:
        await wallets.insert_account(tx, tenant)
        await ledger.apply_entry(tx, tenant, credits, "SIGNUP_GRANT", "signup")
    return tenant


async def reserve(db: Database, tenant: uuid.UUID, amount: int, ttl: int = 900):  # type: ignore[no-untyped-def]
    command = ReserveCredits(tenant_id=tenant, amount=amount, reference=uuid.uuid4().hex, ledger_type="AI_EMBEDDING",
                             ttl_seconds=ttl)
    return await service.reserve_credits(context_over(db), command)


async def wallet(db: Database, tenant: uuid.UUID) -> tuple[int, int]:
    async with db.tenant_tx(tenant) as tx:
        row = await wallets.balance(tx)
    assert row is not None
    return row["balance"], row["held"]


async def test_the_sweeper_releases_expired_holds_only(billing_db: Database) -> None:
    tenant = await funded(billing_db)
    short, long = await reserve(billing_db, tenant, 30, ttl=1), await reserve(billing_db, tenant, 20, ttl=900)
    assert await wallet(billing_db, tenant) == (100, 50)
    await asyncio.sleep(1.2)
    assert await service.expire_holds(context_over(billing_db)) >= 1
    assert await wallet(billing_db, tenant) == (100, 20)
    with pytest.raises(Conflict):  # the expired hold cannot be captured any more
        async with billing_db.tenant_tx(tenant) as tx:
            await service.capture(tx, tenant, short.hold_id, 5)
    async with billing_db.tenant_tx(tenant) as tx:  # the allowed twin: the live one can
        await service.capture(tx, tenant, long.hold_id, 5)
    assert await wallet(billing_db, tenant) == (95, 0)


async def test_crossing_the_low_balance_threshold_is_announced_once_per_crossing(billing_db: Database) -> None:
    tenant = await funded(billing_db, 20)  # threshold 10

    async def spend(amount: int) -> None:
        hold = await reserve(billing_db, tenant, amount)
        async with billing_db.tenant_tx(tenant) as tx:
            await service.capture(tx, tenant, hold.hold_id, amount)

    async def low_notices() -> int:
        async with billing_db.tenant_tx(tenant) as tx:
            subjects = [row["subject"] for row in await tx.fetch(OUTBOX_SUBJECTS, str(tenant))]
        return subjects.count("billing.credits.low.v1")

    await spend(5)  # 15: above
    assert await low_notices() == 0
    await spend(7)  # 8: crossed
    await spend(1)  # 7: still below, no second notice
    assert await low_notices() == 1
    async with billing_db.tenant_tx(tenant) as tx:
        await ledger.apply_entry(tx, tenant, 50, "TOP_UP", "cs_refill")  # back above
    await spend(52)  # 5: crossed again
    assert await low_notices() == 2


async def test_adjustments_say_who_and_why_and_cannot_overdraw(billing_db: Database) -> None:
    tenant = await funded(billing_db)
    row = await service.apply_adjustment(billing_db, tenant, -30, "ticket-42", "refund of a failed page", "ops:ana")
    assert row["balance"] == 70 and not row["replayed"]
    again = await service.apply_adjustment(billing_db, tenant, -30, "ticket-42", "refund of a failed page", "ops:ana")
    assert again["replayed"] and again["balance"] == 70
    with pytest.raises(Conflict):  # the same reference with another amount
        await service.apply_adjustment(billing_db, tenant, -31, "ticket-42", "typo", "ops:ana")
    with pytest.raises(Conflict):  # would go below zero
        await service.apply_adjustment(billing_db, tenant, -500, "ticket-43", "too much", "ops:ana")
    with pytest.raises(Invalid):
        await service.apply_adjustment(billing_db, tenant, 5, "ticket-44", " ", "ops:ana")
    async with billing_db.tenant_tx(tenant) as tx:
        entries = await ledger.ledger_page(tx, before=None, type_="ADJUSTMENT", since=None, until=None, limit=10)
    assert [(e["amount"], e["note"], e["created_by"]) for e in entries] == [(-30, "refund of a failed page", "ops:ana")]


async def test_the_operator_command_adjusts_once(stack, billing_db: Database) -> None:  # type: ignore[no-untyped-def]
    import os
    import subprocess
    import sys

    from shared.dev.stack import ROOT
    from tests.conftest import KERNEL_DATABASE, ROLE_PASSWORD

    tenant = await funded(billing_db)
    env = {**os.environ, "DATABASE_URL": stack.admin_url, "DATABASE_NAME": KERNEL_DATABASE,
           "DB_ROLE_PASSWORD": ROLE_PASSWORD}
    command = [sys.executable, "-m", "services.admin", "adjust", "--tenant", str(tenant), "--amount", "25",
               "--reference", "T-7", "--reason", "goodwill after an outage", "--operator", "ops:ana"]
    first = await asyncio.to_thread(subprocess.run, command, env=env, cwd=ROOT, capture_output=True, text=True)
    second = await asyncio.to_thread(subprocess.run, command, env=env, cwd=ROOT, capture_output=True, text=True)
    assert first.returncode == 0 and "applied: +25" in first.stdout and "balance 125" in first.stdout
    assert second.returncode == 0 and "already applied" in second.stdout
    assert await wallet(billing_db, tenant) == (125, 0)

"""Every mail identity sends spends one allowance first (services/identity/accounts.py,
queue_mail): its recipient's (MAILS_PER_EMAIL, shared by sign-up, reset and invitation mail),
and the asker's: a client address's for sign-up and reset, the tenant's hourly one for
invitations. Past it, a 429 with Retry-After, and neither the invitation nor its mail is written."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Callable

import pytest

from services.identity import accounts, members
from services.identity.accounts import TooManyAttempts
from services.identity.context import Ctx
from services.identity.schemas import InviteIn, PasswordResetRequestIn, SignupOut
from shared.auth import Caller
from shared.db import Database
from tests.integration.identity.test_handoffs import context_over, site


def owner_of(made: SignupOut) -> Caller:
    return Caller(tenant_id=made.tenant_id, account_id=made.token.account_id, role="OWNER")


async def written(db: Database, tenant_id: uuid.UUID, email: str) -> tuple[int, int]:
    """(invitations, mails) stored for `email`."""
    async with db.tenant_tx(tenant_id) as tx:
        invitations = await tx.fetchval("SELECT count(*) FROM identity.invitations WHERE email = $1", email)
        mails = await tx.fetchval("SELECT count(*) FROM identity.mail_queue WHERE to_address = $1", email)
    return invitations, mails


def address() -> str:
    return f"ed@mail-{uuid.uuid4().hex[:10]}.example"


@pytest.mark.parametrize("spelling", [str, str.upper, lambda e: f"  {e.title()} "], ids=["same", "upper", "spaced"])
async def test_the_invitation_past_an_addresses_allowance_is_refused_and_not_mailed(
        identity_db: Database, spelling: Callable[[str], str]) -> None:
    ctx = context_over(identity_db)
    made = await site(ctx)
    to = address()
    for _ in range(ctx.settings.mails_per_email):
        await members.invite(ctx, owner_of(made), InviteIn(email=to, role="EDITOR"))
    assert await written(identity_db, made.tenant_id, to) == (3, 3)

    with pytest.raises(TooManyAttempts) as refused:
        await members.invite(ctx, owner_of(made), InviteIn(email=spelling(to), role="VIEWER"))
    assert refused.value.status == 429 and 1 <= int(refused.value.headers["retry-after"]) <= 30
    assert await written(identity_db, made.tenant_id, to) == (3, 3)
    # The allowed twin: another address of the same tenant is invited and mailed at once.
    other = address()
    await members.invite(ctx, owner_of(made), InviteIn(email=other, role="VIEWER"))
    assert await written(identity_db, made.tenant_id, other) == (1, 1)


async def test_reset_and_invitation_mails_to_one_address_share_its_allowance(identity_db: Database) -> None:
    ctx = context_over(identity_db)
    made = await site(ctx)
    to = address()
    await site(ctx, to)  # an account, so the resets are mailed
    for _ in range(ctx.settings.mails_per_email - 1):
        await accounts.request_password_reset(ctx, PasswordResetRequestIn(email=to), f"client-{uuid.uuid4().hex}")
    await members.invite(ctx, owner_of(made), InviteIn(email=to.upper(), role="EDITOR"))
    with pytest.raises(TooManyAttempts):
        await members.invite(ctx, owner_of(made), InviteIn(email=to, role="EDITOR"))
    with pytest.raises(TooManyAttempts):
        await accounts.request_password_reset(ctx, PasswordResetRequestIn(email=to), f"client-{uuid.uuid4().hex}")


async def invite_many(ctx: Ctx, made: SignupOut, count: int) -> list[str]:
    addresses = [address() for _ in range(count)]
    for to in addresses:
        await members.invite(ctx, owner_of(made), InviteIn(email=to, role="VIEWER"))
    return addresses


async def test_a_tenant_past_its_hourly_mail_allowance_is_refused_until_its_hour_moves_on(
        identity_db: Database) -> None:
    ctx = context_over(identity_db, mails_per_tenant_hour=4)
    made, neighbour = await site(ctx), await site(ctx)
    await invite_many(ctx, made, 4)
    one_too_many = address()
    with pytest.raises(TooManyAttempts) as refused:
        await members.invite(ctx, owner_of(made), InviteIn(email=one_too_many, role="VIEWER"))
    assert "4 mails in the last hour" in str(refused.value)
    assert 3590 <= int(refused.value.headers["retry-after"]) <= 3600
    assert await written(identity_db, made.tenant_id, one_too_many) == (0, 0)

    await invite_many(ctx, neighbour, 4)  # the allowed twin: each tenant has its own hour

    # Retry-After says when: with the oldest mail 59 min 40 s old, 20 s.
    async with identity_db.system_tx() as tx:
        await tx.execute("UPDATE identity.mail_queue SET created_at = created_at - interval '3580 seconds' "
                         "WHERE sent_for_tenant = $1", made.tenant_id)
    with pytest.raises(TooManyAttempts) as refused:
        await members.invite(ctx, owner_of(made), InviteIn(email=one_too_many, role="VIEWER"))
    assert 15 <= int(refused.value.headers["retry-after"]) <= 21
    async with identity_db.system_tx() as tx:
        await tx.execute("UPDATE identity.mail_queue SET created_at = created_at - interval '30 seconds' "
                         "WHERE sent_for_tenant = $1", made.tenant_id)
    await members.invite(ctx, owner_of(made), InviteIn(email=one_too_many, role="VIEWER"))
    assert await written(identity_db, made.tenant_id, one_too_many) == (1, 1)


async def test_a_tenant_that_sends_its_hourly_allowance_every_hour_is_stopped_by_its_day(
        identity_db: Database) -> None:
    ctx = context_over(identity_db, mails_per_tenant_hour=3, mails_per_tenant_day=5)
    made = await site(ctx)
    await invite_many(ctx, made, 3)
    async with identity_db.system_tx() as tx:  # that hour is over: 5 of the day's are spent by two more
        await tx.execute("UPDATE identity.mail_queue SET created_at = created_at - interval '2 hours' "
                         "WHERE sent_for_tenant = $1", made.tenant_id)
    await invite_many(ctx, made, 2)
    one_too_many = address()
    with pytest.raises(TooManyAttempts) as refused:
        await members.invite(ctx, owner_of(made), InviteIn(email=one_too_many, role="VIEWER"))
    assert "5 mails in the last day" in str(refused.value)
    assert 22 * 3600 - 10 <= int(refused.value.headers["retry-after"]) <= 22 * 3600  # when the first leaves the day
    assert await written(identity_db, made.tenant_id, one_too_many) == (0, 0)


async def test_sent_mail_is_kept_a_day_for_the_tenants_count_whatever_the_sweep_keeps(
        identity_db: Database) -> None:
    ctx = context_over(identity_db, spent_kept_for=60)
    made = await site(ctx)
    await invite_many(ctx, made, 2)
    async with identity_db.system_tx() as tx:
        await tx.execute("UPDATE identity.mail_queue SET sent_at = now() - interval '23 hours', "
                         "created_at = created_at - interval '23 hours' WHERE sent_for_tenant = $1", made.tenant_id)
        await tx.execute("UPDATE identity.mail_queue SET sent_at = now() - interval '25 hours', "
                         "created_at = created_at - interval '25 hours' WHERE id = (SELECT min(id) FROM "
                         "identity.mail_queue WHERE sent_for_tenant = $1)", made.tenant_id)
    await accounts.sweep_spent(ctx)
    async with identity_db.system_tx() as tx:
        kept = await tx.fetchval("SELECT count(*) FROM identity.mail_queue WHERE sent_for_tenant = $1", made.tenant_id)
    assert kept == 1  # the one sent 25 hours ago went; the one inside the day stays


async def test_invitations_at_once_cannot_overrun_the_tenants_hour(identity_db: Database) -> None:
    ctx = context_over(identity_db, mails_per_tenant_hour=3)
    made = await site(ctx)
    results = await asyncio.gather(*(members.invite(ctx, owner_of(made), InviteIn(email=address(), role="VIEWER"))
                                     for _ in range(8)), return_exceptions=True)
    assert sum(not isinstance(r, BaseException) for r in results) == 3
    assert all(isinstance(r, TooManyAttempts) for r in results if isinstance(r, BaseException))

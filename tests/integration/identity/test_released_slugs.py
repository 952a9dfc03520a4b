"""A renamed tenant's old slug stays its own for RELEASED_SLUG_HOLD: nobody else can sign up
at the address its visitors, search results and sent mails know (an outside probe took one
the moment it was free). The tenant may take it back; once the hold ends, anyone may."""

from __future__ import annotations

import uuid

import pytest

from services.identity import accounts, tenants
from services.identity.context import Ctx
from services.identity.schemas import SignupConfirmIn, SignupIn, SignupOut, TenantPatch
from shared.auth import Caller
from shared.db import Database
from shared.errors import Conflict
from tests.integration.identity.test_handoffs import PASSWORD, context_over, site


def owner_of(made: SignupOut) -> Caller:
    return Caller(tenant_id=made.tenant_id, account_id=made.token.account_id, role="OWNER")


def stranger(slug: str) -> SignupIn:
    return SignupIn(slug=slug, name="Squatter", email=f"squat-{uuid.uuid4().hex[:8]}@evil.example",
                    password=PASSWORD)


async def renamed(ctx: Ctx, made: SignupOut) -> str:
    """The new slug; `made.slug` is released."""
    new = f"{made.slug}-new"
    await tenants.update_tenant(ctx, owner_of(made), TenantPatch(slug=new))
    return new


async def test_nobody_else_can_take_a_renamed_tenants_old_slug(identity_db: Database) -> None:
    ctx = context_over(identity_db)
    made = await site(ctx)
    await renamed(ctx, made)
    with pytest.raises(Conflict):  # an operator's sign-up, and the mailed one, ask the same question
        await accounts.create_tenant_for_operator(ctx, stranger(made.slug))
    with pytest.raises(Conflict):
        await accounts.request_sign_up(ctx, stranger(made.slug), f"client-{uuid.uuid4().hex}")
    other = await site(ctx)
    with pytest.raises(Conflict):  # nor by renaming another tenant to it
        await tenants.update_tenant(ctx, owner_of(other), TenantPatch(slug=made.slug))


async def test_a_link_mailed_before_the_rename_cannot_take_the_slug_either(identity_db: Database) -> None:
    ctx = context_over(identity_db)
    made = await site(ctx)
    free = f"early-{uuid.uuid4().hex[:8]}"
    await accounts.request_sign_up(ctx, stranger(free), f"client-{uuid.uuid4().hex}")
    async with identity_db.system_tx() as tx:
        token_hash = await tx.fetchval("SELECT token_hash FROM identity.signups WHERE slug = $1", free)
        # The pending sign-up's slug is the one the tenant is about to give up.
        await tx.execute("UPDATE identity.signups SET slug = $2 WHERE token_hash = $1", token_hash, made.slug)
        await tx.execute("UPDATE identity.signups SET token_hash = $2 WHERE token_hash = $1", token_hash,
                         accounts.digest("known-token"))
    await renamed(ctx, made)
    with pytest.raises(Conflict):
        await accounts.confirm_sign_up(ctx, SignupConfirmIn(token="known-token"))


async def test_the_tenant_may_take_its_old_slug_back_and_anyone_may_once_the_hold_ends(identity_db: Database) -> None:
    ctx = context_over(identity_db)
    made = await site(ctx)
    new = await renamed(ctx, made)
    back = await tenants.update_tenant(ctx, owner_of(made), TenantPatch(slug=made.slug))
    assert back.slug == made.slug
    async with identity_db.system_tx() as tx:  # and the slug it gave up now is held for it in turn
        held = await tx.fetchval("SELECT released_by FROM identity.released_slugs WHERE slug = $1", new)
        assert held == made.tenant_id
        assert await tx.fetchval("SELECT count(*) FROM identity.released_slugs WHERE slug = $1", made.slug) == 0
        await tx.execute("UPDATE identity.released_slugs SET held_until = now() - interval '1 second' "
                         "WHERE slug = $1", new)
    taken = await accounts.create_tenant_for_operator(ctx, stranger(new))
    assert taken.slug == new

"""Hand-offs against real PostgreSQL (services/identity/handoffs.py): a platform session makes
a code for one of its account's sites; that site's host trades it, once, for a session. Each
refusal has its allowed twin, so a broken set-up cannot pass."""

from __future__ import annotations

import uuid
from typing import Any

import msgspec
import pytest
from nats.aio.client import Client as NATS

from services.identity import accounts, handoffs, repo
from services.identity.browser_sessions import CsrfRefused
from services.identity.context import Ctx
from services.identity.domain import HandoffRefused, Passwords
from services.identity.schemas import HandoffRedeemIn, SignupIn, SignupOut
from services.identity.settings import Settings
from services.identity.tokens import Tokens, digest
from services.identity.txt_records import TxtChecker
from shared.auth import SigningKey
from shared.db import Database
from shared.errors import Forbidden
from shared.web import Runtime

PASSWORD = "a long enough password"
KEY = SigningKey.generate()


def context_over(db: Database, **settings: Any) -> Ctx:
    """Identity's context over the test's database; NATS never connects (nothing here publishes)."""
    config = Settings(database_url="", internal_secret="handoff-test-secret", jwt_private_key=KEY.private_pem,
                      public_base_url="http://localhost:8000", **settings)
    nc = NATS()
    return Ctx(db=db, nc=nc, js=nc.jetstream(), runtime=Runtime("identity", config), settings=config,
               tokens=Tokens(KEY, None, 900), passwords=Passwords(time_cost=1, memory_kib=1024),
               txt_checker=TxtChecker("127.0.0.1:9"))


async def site(ctx: Ctx, email: str | None = None) -> SignupOut:
    """A tenant and its OWNER (a new account, or `email`'s existing one) with a session."""
    slug = f"hand-{uuid.uuid4().hex[:10]}"
    return await accounts.create_tenant_for_operator(ctx, SignupIn(slug=slug, name=slug, password=PASSWORD,
                                                                   email=email or f"owner@{slug}.example"))


def session_of(made: SignupOut) -> tuple[str, str | None]:
    assert made.token.refresh_token is not None
    return made.token.refresh_token, None  # the JSON flow: no CSRF token to check


def code_of(url: str) -> HandoffRedeemIn:
    return HandoffRedeemIn(code=url.split("#code=", 1)[1])


async def test_a_code_signs_its_account_in_on_its_site_once(identity_db: Database) -> None:
    ctx = context_over(identity_db)
    owner = await site(ctx)
    handoff = await handoffs.create_handoff(ctx, owner.tenant_id, *session_of(owner))
    assert handoff.url == f"http://{owner.slug}.localhost:8000/studio/handoff#code={handoff.code}"
    assert handoff.code.startswith("sbh_") and handoff.expires_in == 60
    async with identity_db.tenant_tx(owner.tenant_id) as tx:  # kept as its hash
        stored = await tx.fetchval("SELECT count(*) FROM identity.handoffs WHERE code_hash = $1",
                                   digest(handoff.code))
    assert stored == 1

    token = await handoffs.redeem_handoff(ctx, owner.tenant_id, code_of(handoff.url))
    assert (token.account_id, token.tenant_id, token.role) == (owner.token.account_id, owner.tenant_id, "OWNER")
    # A session of its own on the site's host: not the platform's refresh token.
    assert token.refresh_token and token.refresh_token != owner.token.refresh_token and token.csrf_token
    renewed = await accounts.tenant_token(ctx, owner.tenant_id, token.refresh_token)
    assert renewed.account_id == owner.token.account_id

    with pytest.raises(HandoffRefused) as again:
        await handoffs.redeem_handoff(ctx, owner.tenant_id, code_of(handoff.url))
    assert again.value.extensions == {"reason": "used"}


async def test_a_code_works_only_on_the_host_of_its_own_site(identity_db: Database) -> None:
    ctx = context_over(identity_db)
    first = await site(ctx)
    second = await site(ctx, email=first.email)  # the same account owns both
    handoff = await handoffs.create_handoff(ctx, first.tenant_id, *session_of(first))
    with pytest.raises(HandoffRefused) as elsewhere:
        await handoffs.redeem_handoff(ctx, second.tenant_id, code_of(handoff.url))
    assert elsewhere.value.extensions == {"reason": "unknown"}
    # The attempt on the other host spent nothing: on its own host the code still works.
    token = await handoffs.redeem_handoff(ctx, first.tenant_id, code_of(handoff.url))
    assert token.tenant_id == first.tenant_id
    with pytest.raises(HandoffRefused):
        await handoffs.redeem_handoff(ctx, first.tenant_id, HandoffRedeemIn(code="sbh_" + "x" * 43))


async def test_only_a_member_gets_a_code_for_a_site(identity_db: Database) -> None:
    ctx = context_over(identity_db)
    owner, stranger = await site(ctx), await site(ctx)
    with pytest.raises(Forbidden):
        await handoffs.create_handoff(ctx, owner.tenant_id, *session_of(stranger))
    with pytest.raises(Forbidden):  # a site that does not exist: the same answer
        await handoffs.create_handoff(ctx, uuid.uuid4(), *session_of(stranger))
    async with identity_db.tenant_tx(owner.tenant_id) as tx:
        await repo.insert_membership(tx, owner.tenant_id, stranger.token.account_id, "EDITOR")
    handoff = await handoffs.create_handoff(ctx, owner.tenant_id, *session_of(stranger))
    token = await handoffs.redeem_handoff(ctx, owner.tenant_id, code_of(handoff.url))
    assert token.role == "EDITOR"  # the role is the membership's, read when the code is redeemed


async def test_a_member_removed_after_the_code_was_made_is_refused_and_the_code_is_spent(
        identity_db: Database) -> None:
    ctx = context_over(identity_db)
    owner, editor = await site(ctx), await site(ctx)
    async with identity_db.tenant_tx(owner.tenant_id) as tx:
        await repo.insert_membership(tx, owner.tenant_id, editor.token.account_id, "EDITOR")
    handoff = await handoffs.create_handoff(ctx, owner.tenant_id, *session_of(editor))
    async with identity_db.tenant_tx(owner.tenant_id) as tx:
        assert await repo.delete_membership(tx, editor.token.account_id)
    with pytest.raises(Forbidden):
        await handoffs.redeem_handoff(ctx, owner.tenant_id, code_of(handoff.url))
    async with identity_db.tenant_tx(owner.tenant_id) as tx:
        await repo.insert_membership(tx, owner.tenant_id, editor.token.account_id, "EDITOR")
    with pytest.raises(HandoffRefused) as spent:
        await handoffs.redeem_handoff(ctx, owner.tenant_id, code_of(handoff.url))
    assert spent.value.extensions == {"reason": "used"}


async def test_an_expired_code_or_one_whose_session_ended_is_refused(identity_db: Database) -> None:
    owner = await site(context_over(identity_db))
    instant = context_over(identity_db, handoff_ttl=0)
    expired = await handoffs.create_handoff(instant, owner.tenant_id, *session_of(owner))
    with pytest.raises(HandoffRefused) as late:
        await handoffs.redeem_handoff(instant, owner.tenant_id, code_of(expired.url))
    assert late.value.extensions == {"reason": "expired"}

    ctx = context_over(identity_db)
    orphan = await handoffs.create_handoff(ctx, owner.tenant_id, *session_of(owner))
    await accounts.log_out(ctx, *session_of(owner))
    with pytest.raises(HandoffRefused) as ended:
        await handoffs.redeem_handoff(ctx, owner.tenant_id, code_of(orphan.url))
    assert ended.value.extensions == {"reason": "session-ended"}


async def test_a_browser_session_makes_a_code_only_with_its_own_csrf_token(identity_db: Database) -> None:
    ctx = context_over(identity_db)
    owner, other = await site(ctx), await site(ctx)
    refresh, _ = session_of(owner)
    with pytest.raises(CsrfRefused):
        await handoffs.create_handoff(ctx, owner.tenant_id, refresh, other.token.csrf_token)
    own = msgspec.structs.asdict(owner.token)["csrf_token"]
    handoff = await handoffs.create_handoff(ctx, owner.tenant_id, refresh, own)
    assert handoff.code

"""One form of an e-mail address against real PostgreSQL (services/identity/domain.py,
normal_email): every spelling that logs into an account spends that account's log-in
allowance, and a spelling that is another address never logs into it. The security probe's
finding: `VİEW@…` (U+0130) had a fresh allowance, because Python lower-cased it for the
throttle's key, yet logged into `view@…`, because PostgreSQL lower-cased it for the lookup.

Sign-up, invitation and password reset store and mail the same form."""

from __future__ import annotations

import asyncio
import re
import uuid

import pytest

from services.identity import accounts, members
from services.identity.accounts import TooManyAttempts
from services.identity.context import Ctx
from services.identity.schemas import AcceptIn, InviteIn, PasswordResetRequestIn, SignupConfirmIn, SignupIn
from shared.auth import Caller
from shared.db import Database
from shared.errors import Conflict, Unauthorized
from tests.integration.identity.test_handoffs import PASSWORD, context_over, site

WRONG = "not the password at all"
FULLWIDTH = {c: chr(ord(c) + 0xFEE0) for c in "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ@."}


def probe_domain() -> str:
    return f"probe-{uuid.uuid4().hex[:10]}.example"


def fullwidth(text: str) -> str:
    return "".join(FULLWIDTH.get(c, c) for c in text)


def same_account(domain: str) -> list[str]:
    """Spellings of kiosk@<domain>: each logs into its account."""
    return [f"kiosk@{domain}", f"KIOSK@{domain.upper()}", f"\u212aiosk@{domain}", fullwidth(f"Kiosk@{domain}"),
            f"  Kiosk@{domain}\t"]


def other_address(domain: str) -> list[str]:
    """Look-alikes of kiosk@<domain> that are other addresses: none logs into its account."""
    return [f"K\u0130OSK@{domain}", f"ki\u0307osk@{domain}", f"k\u0456osk@{domain}", f"kiosk@{domain}."]


def client() -> str:
    return f"client-{uuid.uuid4().hex[:10]}"  # a client address of the test's own


async def guess_wrong(ctx: Ctx, email: str, who: str, times: int) -> None:
    for _ in range(times):
        with pytest.raises(Unauthorized):
            await accounts.authenticate(ctx, email, WRONG, who)


@pytest.mark.parametrize("guesser", range(5), ids=["as-stored", "upper", "kelvin", "fullwidth", "spaces"])
async def test_a_lock_out_holds_for_every_spelling_that_logs_into_the_account(identity_db: Database,
                                                                               guesser: int) -> None:
    ctx = context_over(identity_db)
    domain = probe_domain()
    owner = await site(ctx, f"kiosk@{domain}")
    spellings = same_account(domain)
    for spelling in spellings:  # the allowed twin: each is the account
        assert await accounts.authenticate(ctx, spelling, PASSWORD, client()) == owner.token.account_id

    attacker = client()
    await guess_wrong(ctx, spellings[guesser], attacker, ctx.settings.login_max_failures)
    for spelling in spellings:  # the right password, from another address too: the e-mail's lock holds
        with pytest.raises(TooManyAttempts):
            await accounts.authenticate(ctx, spelling, PASSWORD, client())
        with pytest.raises(TooManyAttempts):
            await accounts.authenticate(ctx, spelling, PASSWORD, attacker)


async def test_the_probes_bypass_is_closed(identity_db: Database) -> None:
    """The report's repro: six wrong log-ins for view@…, then V\u0130EW@… with the right password."""
    ctx = context_over(identity_db)
    domain = probe_domain()
    await site(ctx, f"view@{domain}")
    attacker = client()
    await guess_wrong(ctx, f"view@{domain}", attacker, ctx.settings.login_max_failures)
    with pytest.raises(TooManyAttempts):
        await accounts.authenticate(ctx, f"view@{domain}", WRONG, attacker)
    with pytest.raises(Unauthorized):  # before the fix: the account, logged in
        await accounts.authenticate(ctx, f"V\u0130EW@{domain}", PASSWORD, attacker)


@pytest.mark.parametrize("other", range(4), ids=["dotted-capital-I", "i-combining-dot", "cyrillic-i", "final-dot"])
async def test_a_look_alike_address_neither_logs_in_nor_spends_the_accounts_allowance(identity_db: Database,
                                                                                      other: int) -> None:
    ctx = context_over(identity_db)
    domain = probe_domain()
    owner = await site(ctx, f"kiosk@{domain}")
    look_alike = other_address(domain)[other]
    with pytest.raises(Unauthorized) as refused:  # with the account's password: not the account
        await accounts.authenticate(ctx, look_alike, PASSWORD, client())
    assert not isinstance(refused.value, TooManyAttempts)

    # Its failures (that one and more) lock it, and not the account, whose owner still logs in
    # (the allowed twin).
    await guess_wrong(ctx, look_alike, client(), ctx.settings.login_max_failures - 1)
    with pytest.raises(TooManyAttempts):
        await accounts.authenticate(ctx, look_alike, PASSWORD, client())
    assert await accounts.authenticate(ctx, f"kiosk@{domain}", PASSWORD, client()) == owner.token.account_id

    # An account locked by its own failures: a look-alike, with its own allowance, is still no way in.
    domain = probe_domain()
    await site(ctx, f"kiosk@{domain}")
    await guess_wrong(ctx, f"Kiosk@{domain}", client(), ctx.settings.login_max_failures)
    with pytest.raises(TooManyAttempts):
        await accounts.authenticate(ctx, f"kiosk@{domain}", PASSWORD, client())
    with pytest.raises(Unauthorized) as refused:
        await accounts.authenticate(ctx, other_address(domain)[other], PASSWORD, client())
    assert not isinstance(refused.value, TooManyAttempts)


async def test_a_sign_up_stores_and_mails_the_normal_form_and_finds_the_existing_account(identity_db: Database) -> None:
    ctx = context_over(identity_db)
    domain = probe_domain()
    made = await site(ctx, fullwidth(f"KIOSK@{domain}"))
    assert made.email == f"kiosk@{domain}"
    assert await stored_email(identity_db, made.token.account_id) == f"kiosk@{domain}"

    slug = f"norm-{uuid.uuid4().hex[:10]}"
    await accounts.request_sign_up(ctx, SignupIn(slug=slug, name=slug, email=f" \u212aiosk@{domain.upper()} ",
                                                 password=PASSWORD), client())
    async with identity_db.system_tx() as tx:
        pending = await tx.fetchval("SELECT email FROM identity.signups WHERE slug = $1", slug)
    assert pending == f"kiosk@{domain}"
    added = await accounts.confirm_sign_up(ctx, SignupConfirmIn(token=await mailed_token(identity_db, pending,
                                                                                         "sbs_")))
    assert added.token.account_id == made.token.account_id  # the site joins the one account
    async with identity_db.system_tx() as tx:
        assert await tx.fetchval("SELECT count(*) FROM identity.accounts WHERE email = $1", pending) == 1


async def test_an_invitation_stores_the_normal_form_and_its_acceptance_finds_the_account(identity_db: Database) -> None:
    ctx = context_over(identity_db)
    owner = await site(ctx)
    caller = Caller(tenant_id=owner.tenant_id, account_id=owner.token.account_id, role="OWNER")
    domain = probe_domain()
    invitation = await members.invite(ctx, caller, InviteIn(email=fullwidth(f"Ed@{domain}"), role="EDITOR"))
    assert invitation.email == f"ed@{domain}"
    token = await mailed_token(identity_db, f"ed@{domain}", "sbi_")
    joined = await members.accept_invitation(ctx, owner.tenant_id, AcceptIn(token=token, password=PASSWORD), client())
    assert await stored_email(identity_db, joined.account_id) == f"ed@{domain}"
    assert await accounts.authenticate(ctx, f"ED@{domain}", PASSWORD, client()) == joined.account_id

    with pytest.raises(Conflict):  # another spelling of a member is that member
        await members.invite(ctx, caller, InviteIn(email=f" ED@{domain.upper()}", role="VIEWER"))
    other = await members.invite(ctx, caller, InviteIn(email=f"ed2@{domain}", role="VIEWER"))  # the allowed twin
    assert other.email == f"ed2@{domain}"


async def test_a_password_reset_for_another_spelling_mails_the_account(identity_db: Database) -> None:
    ctx = context_over(identity_db)
    domain = probe_domain()
    await site(ctx, f"kiosk@{domain}")
    await accounts.request_password_reset(ctx, PasswordResetRequestIn(email=f"\u212aIOSK@{domain}"), client())
    assert (await mailed_token(identity_db, f"kiosk@{domain}", "sbp_")).startswith("sbp_")
    await accounts.request_password_reset(ctx, PasswordResetRequestIn(email=f"K\u0130OSK@{domain}"), client())
    async with identity_db.system_tx() as tx:  # the look-alike has no account: nothing mailed to anyone
        mailed = await tx.fetch("SELECT to_address FROM identity.mail_queue WHERE to_address LIKE $1", f"%@{domain}")
    assert [row[0] for row in mailed] == [f"kiosk@{domain}"]


async def stored_email(db: Database, account_id: uuid.UUID) -> str:
    async with db.system_tx() as tx:
        return await tx.fetchval("SELECT email FROM identity.accounts WHERE id = $1", account_id)


async def mailed_token(db: Database, to_address: str, prefix: str) -> str:
    """The newest link's token mailed to `to_address`, stored exactly so."""
    async with db.system_tx() as tx:
        body = await tx.fetchval("SELECT body FROM identity.mail_queue WHERE to_address = $1 ORDER BY id DESC LIMIT 1",
                                 to_address)
    assert body is not None, f"nothing mailed to {to_address}"
    found = re.search(rf"{prefix}[A-Za-z0-9_-]+", body)
    assert found is not None
    return found.group(0)


# --- attempts at once ---------------------------------------------------------------------------

async def test_guesses_sent_at_once_get_no_more_tries_than_one_after_another(identity_db: Database) -> None:
    ctx = context_over(identity_db)
    domain = probe_domain()
    await site(ctx, f"kiosk@{domain}")
    results = await asyncio.gather(*(accounts.authenticate(ctx, f"kiosk@{domain}", WRONG, client())
                                     for _ in range(30)), return_exceptions=True)
    checked = [r for r in results if isinstance(r, Unauthorized)]
    assert len(checked) == ctx.settings.login_max_failures  # each guess was counted before the next was let in
    assert all(isinstance(r, TooManyAttempts) for r in results if not isinstance(r, Unauthorized))


async def test_the_owners_right_password_gives_the_attempt_back_to_its_address(identity_db: Database) -> None:
    ctx = context_over(identity_db)
    domain, office = probe_domain(), client()
    owner = await site(ctx, f"kiosk@{domain}")
    allowance = ctx.settings.login_max_failures * 10
    for _ in range(allowance + 5):  # far more log-ins from one office than its failure allowance
        assert await accounts.authenticate(ctx, f"kiosk@{domain}", PASSWORD, office) == owner.token.account_id
    async with identity_db.system_tx() as tx:
        left = await tx.fetchval("SELECT failures FROM identity.login_throttle WHERE key = $1", f"ip:{office}")
    assert left in (None, 0)  # and none of those log-ins was refused (an office is not locked out by its own)


async def test_password_resets_asked_at_once_mail_no_more_than_the_addresses_allowance(identity_db: Database) -> None:
    ctx = context_over(identity_db)
    domain = probe_domain()
    await site(ctx, f"kiosk@{domain}")
    asker = client()
    await asyncio.gather(*(accounts.request_password_reset(ctx, PasswordResetRequestIn(email=f"kiosk@{domain}"),
                                                           asker) for _ in range(25)), return_exceptions=True)
    async with identity_db.system_tx() as tx:
        mailed = await tx.fetchval("SELECT count(*) FROM identity.mail_queue WHERE to_address = $1 "
                                   "AND subject ILIKE '%password%'", f"kiosk@{domain}")
    assert mailed == ctx.settings.mails_per_email


# --- a browser the owner logged in from ------------------------------------------------------------

async def test_whoever_locks_an_email_out_does_not_lock_its_owner_out_of_a_browser_they_used(
        identity_db: Database) -> None:
    ctx = context_over(identity_db)
    domain = probe_domain()
    owner = await site(ctx, f"kiosk@{domain}")
    known = accounts.new_device_token(ctx, f"kiosk@{domain}")  # what the owner's browser kept at its last log-in
    await guess_wrong(ctx, f"kiosk@{domain}", client(), ctx.settings.login_max_failures)  # a stranger locks it
    with pytest.raises(TooManyAttempts):  # from a new browser, the lock holds (for the owner too)
        await accounts.authenticate(ctx, f"kiosk@{domain}", PASSWORD, client())
    for spelling in same_account(domain):  # from the browser they used, any spelling: in
        assert await accounts.authenticate(ctx, spelling, PASSWORD, client(), known) == owner.token.account_id
    with pytest.raises(TooManyAttempts):  # and the stranger's lock on the e-mail still holds for strangers
        await accounts.authenticate(ctx, f"kiosk@{domain}", PASSWORD, client())


async def test_a_known_browser_guessing_wrong_is_locked_out_on_its_own(identity_db: Database) -> None:
    ctx = context_over(identity_db)
    domain = probe_domain()
    await site(ctx, f"kiosk@{domain}")
    stolen = accounts.new_device_token(ctx, f"kiosk@{domain}")
    for _ in range(ctx.settings.login_max_failures):
        with pytest.raises(Unauthorized):
            await accounts.authenticate(ctx, f"kiosk@{domain}", WRONG, client(), stolen)
    with pytest.raises(TooManyAttempts):  # a device token is no way round guessing: it has its own count
        await accounts.authenticate(ctx, f"kiosk@{domain}", WRONG, client(), stolen)


@pytest.mark.parametrize("presented", ["forged", "dv1.abc.def", "dv1..", "", "other-account"])
async def test_a_device_token_that_is_not_this_accounts_is_a_stranger(identity_db: Database, presented: str) -> None:
    ctx = context_over(identity_db)
    domain = probe_domain()
    await site(ctx, f"kiosk@{domain}")
    token = accounts.new_device_token(ctx, f"other@{domain}") if presented == "other-account" else presented
    await guess_wrong(ctx, f"kiosk@{domain}", client(), ctx.settings.login_max_failures)
    with pytest.raises(TooManyAttempts):
        await accounts.authenticate(ctx, f"kiosk@{domain}", PASSWORD, client(), token)

"""Accounts tell nothing and guessing is useless: sign-up answers the same whether or not an
e-mail has an account (the mailbox's owner decides, by a mailed link), and sign-up, log-in and
reset mails share one throttle per e-mail and per client address whose lock grows quickly.

Each test comes from loopback addresses of its own (all of 127/8 reaches the gateway), so the
per-address counts are the test's alone."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest

from tests.e2e.platform_client import PASSWORD, PlatformClient, SignedUp, another_address, unique_slug
from tests.servers.smtp_sink import SmtpSink


@pytest.fixture
async def person(client: PlatformClient) -> AsyncIterator[httpx.AsyncClient]:
    """A client on an address of its own, talking to the platform host."""
    transport = httpx.AsyncHTTPTransport(local_address=another_address())
    async with httpx.AsyncClient(base_url=str(client.http.base_url), transport=transport, timeout=20,
                                 headers={"host": client.host()}) as http:
        yield http


def signup_body(email: str, password: str = PASSWORD) -> dict[str, str]:
    slug = unique_slug("acct")
    return {"slug": slug, "name": slug.title(), "email": email, "password": password}


async def lock_by_wrong_logins(person: httpx.AsyncClient, email: str) -> list[int]:
    return [(await person.post("/api/identity/login", json={"email": email, "password": "wrong-guess-123"})).status_code
            for _ in range(6)]


async def test_a_locked_email_cannot_be_guessed_through_sign_up(client: PlatformClient, person: httpx.AsyncClient,
                                                                admin_sql) -> None:  # type: ignore[no-untyped-def]
    """The probe's reproduction: log-in locked, then sign-up with the right password."""
    owner = await client.sign_up("victim")
    assert await lock_by_wrong_logins(person, owner.email) == [401] * 5 + [429]
    for password in ("a-wrong-guess-1", PASSWORD):
        answer = await person.post("/api/identity/signup", json=signup_body(owner.email, password))
        assert answer.status_code == 429, answer.text  # the same throttle as log-in
        assert "token" not in answer.text
        assert int(answer.headers["retry-after"]) >= 1
    assert (await person.post("/api/identity/login", json={"email": owner.email, "password": PASSWORD})
            ).status_code == 429
    tenants = await admin_sql.fetchval(
        "SELECT count(*) FROM identity.memberships m JOIN identity.accounts a ON a.id = m.account_id "
        "WHERE a.email = $1", owner.email)
    assert tenants == 1  # nothing was added to the account


async def test_sign_up_answers_the_same_whether_or_not_the_email_has_an_account(
        client: PlatformClient, admin_sql) -> None:  # type: ignore[no-untyped-def]
    owner = await client.sign_up("known")
    stranger = f"nobody-{unique_slug()}@example.com"
    answers, slugs = {}, []
    for label, email, password in (("existing, wrong password", owner.email, "a-wrong-guess-9"),
                                   ("existing, right password", owner.email, PASSWORD),
                                   ("new", stranger, PASSWORD)):
        transport = httpx.AsyncHTTPTransport(local_address=another_address())
        async with httpx.AsyncClient(base_url=str(client.http.base_url), transport=transport,
                                     headers={"host": client.host()}) as http:
            body = signup_body(email, password)
            slugs.append(body["slug"])
            answers[label] = await http.post("/api/identity/signup", json=body)
    shapes = {label: (a.status_code, tuple(sorted(a.json())), a.json()["detail"], a.json()["status"])
              for label, a in answers.items()}
    assert len(set(shapes.values())) == 1, shapes
    assert answers["new"].status_code == 202 and "token" not in answers["new"].text
    # Nothing exists before the link is opened: no account for the stranger, no new tenant.
    assert await admin_sql.fetchval("SELECT count(*) FROM identity.accounts WHERE email = $1", stranger) == 0
    assert await admin_sql.fetchval("SELECT count(*) FROM identity.tenants WHERE slug = ANY($1)", slugs) == 0


async def test_the_existing_owner_is_mailed_and_keeps_their_password(client: PlatformClient, person: httpx.AsyncClient,
                                                                     mailbox: SmtpSink) -> None:
    owner = await client.sign_up("keeper")
    body = signup_body(owner.email, "an-attackers-password")
    assert (await person.post("/api/identity/signup", json=body)).status_code == 202
    token = await client.stack.mailed_token(owner.email)
    mailed = await delivered(mailbox, owner.email, "Add ")
    assert "already has an account" in mailed and f"/studio/confirm-signup?token={token}" in mailed
    # Opening the link proves the mailbox: the site joins the account, whose password is unchanged.
    confirmed = await person.post("/api/identity/signup/confirm", json={"token": token})
    assert confirmed.status_code == 201, confirmed.text
    assert confirmed.json()["token"]["account_id"] == owner.account_id
    login = await client.call("POST", "/api/identity/login", slug=body["slug"],
                              json={"email": owner.email, "password": "an-attackers-password"})
    assert login.status_code == 401
    login = await client.call("POST", "/api/identity/login", slug=body["slug"],
                              json={"email": owner.email, "password": PASSWORD})
    assert login.status_code == 200 and login.json()["role"] == "OWNER"


async def test_a_new_email_is_confirmed_by_its_mailed_link_once(client: PlatformClient, person: httpx.AsyncClient,
                                                                mailbox: SmtpSink, admin_sql) -> None:  # type: ignore[no-untyped-def]
    email = f"new-{unique_slug()}@example.com"
    body = signup_body(email)
    assert (await person.post("/api/identity/signup", json=body)).status_code == 202
    mailed = await delivered(mailbox, email, "Confirm your e-mail")
    token = mailed.split("/studio/confirm-signup?token=", 1)[1].split()[0]
    confirmed = await person.post("/api/identity/signup/confirm", json={"token": token})
    assert confirmed.status_code == 201, confirmed.text
    made = confirmed.json()
    assert made["slug"] == body["slug"] and made["token"]["role"] == "OWNER" and made["token"]["refresh_token"]
    me = await client.call("GET", "/api/identity/me", slug=body["slug"], token=made["token"]["access_token"])
    assert me.status_code == 200
    # The link works once; a made-up or spent one leaves nothing behind.
    for bad in (token, "sbs_made-up", ""):
        again = await person.post("/api/identity/signup/confirm", json={"token": bad})
        assert again.status_code == 422, again.text
        assert again.headers["content-type"] == "application/problem+json"
    assert await admin_sql.fetchval("SELECT count(*) FROM identity.tenants WHERE slug = $1", body["slug"]) == 1


async def test_an_expired_sign_up_link_is_refused(client: PlatformClient, person: httpx.AsyncClient,
                                                  admin_sql) -> None:  # type: ignore[no-untyped-def]
    email = f"late-{unique_slug()}@example.com"
    body = signup_body(email)
    assert (await person.post("/api/identity/signup", json=body)).status_code == 202
    token = await client.stack.mailed_token(email)
    await admin_sql.execute("UPDATE identity.signups SET expires_at = now() - interval '1 second' "
                            "WHERE email = $1", email)
    late = await person.post("/api/identity/signup/confirm", json={"token": token})
    assert late.status_code == 422 and "not valid any more" in late.json()["detail"]
    assert await admin_sql.fetchval("SELECT count(*) FROM identity.accounts WHERE email = $1", email) == 0


async def test_mail_is_limited_per_email_whether_or_not_it_has_an_account(client: PlatformClient) -> None:
    owner = await client.sign_up("mails")
    stranger = f"stranger-{unique_slug()}@example.com"
    for email in (owner.email, stranger):
        statuses = []
        for _ in range(4):  # each from another address: only the e-mail's count can refuse
            transport = httpx.AsyncHTTPTransport(local_address=another_address())
            async with httpx.AsyncClient(base_url=str(client.http.base_url), transport=transport,
                                         headers={"host": client.host()}) as http:
                statuses.append((await http.post("/api/identity/password-reset", json={"email": email})).status_code)
        # The sign-up already mailed the owner once: one reset fewer, which says nothing an
        # attacker can use (the stranger's count is the same three, then refused).
        expected = [202, 202, 429, 429] if email == owner.email else [202, 202, 202, 429]
        assert statuses == expected, (email, statuses)


async def test_reset_mail_is_limited_per_address(client: PlatformClient, person: httpx.AsyncClient) -> None:
    """The probe sent four reset mails within seconds; now one address gets twenty in a day,
    then waits (the allowed twin: the first twenty pass)."""
    statuses = [(await person.post("/api/identity/password-reset",
                                   json={"email": f"r{i}-{unique_slug()}@example.com"})).status_code
                for i in range(21)]
    assert statuses == [202] * 20 + [429], statuses


async def test_the_lock_out_starts_at_thirty_seconds_and_grows_fast(client: PlatformClient, person: httpx.AsyncClient,
                                                                    admin_sql) -> None:  # type: ignore[no-untyped-def]
    owner: SignedUp = await client.sign_up("grow")
    assert await lock_by_wrong_logins(person, owner.email) == [401] * 5 + [429]
    waits = []
    for _ in range(3):
        locked = await person.post("/api/identity/login", json={"email": owner.email, "password": "wrong-guess-123"})
        assert locked.status_code == 429
        waits.append(int(locked.headers["retry-after"]))
        # Stage the lock's end, then guess wrong once more: the next lock is four times longer.
        await admin_sql.execute("UPDATE identity.login_throttle SET locked_until = now() WHERE key = $1",
                                f"email:{owner.email}")
        wrong = await person.post("/api/identity/login", json={"email": owner.email, "password": "wrong-guess-123"})
        assert wrong.status_code == 401
    final = await person.post("/api/identity/login", json={"email": owner.email, "password": PASSWORD})
    assert final.status_code == 429
    waits.append(int(final.headers["retry-after"]))
    assert 25 <= waits[0] <= 30 and waits[1] >= 110 and waits[2] >= 470 and waits[3] >= 1900, waits


async def delivered(mailbox: SmtpSink, email: str, subject: str) -> str:
    """The text of the newest mail to `email` whose subject starts with `subject`."""
    import asyncio

    for _ in range(100):  # the mail worker is woken when mail is queued
        found = [m for m in mailbox.to(email) if str(m["Subject"]).startswith(subject)]
        if found:
            return found[-1].get_content()
        await asyncio.sleep(0.05)
    raise AssertionError(f"no mail {subject!r} to {email}")

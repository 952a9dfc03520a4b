"""Members, the last-owner rule, invitations by e-mail, API keys and the audit log."""

import asyncio
import re
import uuid

from tests.e2e.platform_client import PASSWORD, PlatformClient, SignedUp
from tests.servers.smtp_sink import SmtpSink


async def invitation_token(mailbox: SmtpSink, email: str) -> str:
    for _ in range(100):  # the mail worker delivers within about a second
        for message in reversed(mailbox.to(email)):  # the newest invitation, among other mail
            if match := re.search(r"token=(sbi_[\w-]+)", message.get_content()):
                return match.group(1)
        await asyncio.sleep(0.05)
    raise AssertionError(f"no invitation mailed to {email}")


async def invite(client: PlatformClient, owner: SignedUp, email: str, role: str):  # type: ignore[no-untyped-def]
    return await client.call("POST", "/api/identity/invitations", slug=owner.slug, token=owner.token,
                             json={"email": email, "role": role})


async def test_invitation_by_mail_creates_the_member_once(client: PlatformClient, mailbox: SmtpSink) -> None:
    owner = await client.sign_up("invite")
    email = f"editor-{uuid.uuid4().hex[:6]}@example.com"
    created = await invite(client, owner, email, "EDITOR")
    assert created.status_code == 201, created.text
    token = await invitation_token(mailbox, email)
    assert owner.slug in mailbox.to(email)[-1].get_content()  # the link is on the tenant's host

    accepted = await client.call("POST", "/api/identity/invitations/accept", slug=owner.slug,
                                 json={"token": token, "password": PASSWORD})
    assert accepted.status_code == 200, accepted.text
    assert accepted.json()["role"] == "EDITOR"
    members = await client.call("GET", "/api/identity/members", slug=owner.slug, token=owner.token)
    assert {m["email"]: m["role"] for m in members.json()}[email] == "EDITOR"

    reused = await client.call("POST", "/api/identity/invitations/accept", slug=owner.slug,
                               json={"token": token, "password": PASSWORD})
    assert reused.status_code == 409
    other = await client.sign_up("elsewhere")  # a token works only on its own tenant's host
    assert (await client.call("POST", "/api/identity/invitations/accept", slug=other.slug,
                              json={"token": token, "password": PASSWORD})).status_code == 422


async def test_an_existing_accounts_password_is_guessed_no_faster_than_at_log_in(client: PlatformClient,
                                                                             mailbox: SmtpSink) -> None:
    """Accepting with a password checks an existing account's as a log-in does: in the same
    throttle, so an invitation is no way round the log-in's lock-out."""
    owner = await client.sign_up("guess")
    member = await client.sign_up("guessed")  # an account of its own, with PASSWORD
    assert (await invite(client, owner, member.email, "VIEWER")).status_code == 201
    token = await invitation_token(mailbox, member.email)
    answers = []
    for attempt in range(6):
        wrong = await client.call("POST", "/api/identity/invitations/accept", slug=owner.slug,
                                  json={"token": token, "password": f"not-the-password-{attempt}"})
        answers.append(wrong.status_code)
    assert answers[0] == 422 and answers[-1] == 429, answers  # five failures lock the e-mail out
    locked = await client.call("POST", "/api/identity/login", json={"email": member.email, "password": PASSWORD})
    assert locked.status_code == 429  # the same lock as the log-in's
    # The invitation itself is untouched: once the lock passes, the right password joins.
    assert (await client.call("GET", "/api/identity/members", slug=owner.slug, token=owner.token)).json()[-1][
        "email"] != member.email


async def test_expired_and_revoked_invitations_are_refused(client: PlatformClient, mailbox: SmtpSink,
                                                           admin_sql) -> None:  # type: ignore[no-untyped-def]
    owner = await client.sign_up("expire")
    late, revoked = (f"{kind}-{uuid.uuid4().hex[:6]}@example.com" for kind in ("late", "revoked"))
    await invite(client, owner, late, "VIEWER")
    invitation_id = (await invite(client, owner, revoked, "VIEWER")).json()["id"]
    late_token, revoked_token = await invitation_token(mailbox, late), await invitation_token(mailbox, revoked)

    await admin_sql.execute("UPDATE identity.invitations SET expires_at = now() - interval '1 day' "
                            "WHERE email = $1", late)
    expired = await client.call("POST", "/api/identity/invitations/accept", slug=owner.slug,
                                json={"token": late_token, "password": PASSWORD})
    assert expired.status_code == 422 and "expired" in expired.json()["detail"]
    assert (await client.call("DELETE", f"/api/identity/invitations/{invitation_id}", slug=owner.slug,
                              token=owner.token)).status_code == 204
    assert (await client.call("POST", "/api/identity/invitations/accept", slug=owner.slug,
                              json={"token": revoked_token, "password": PASSWORD})).status_code == 422


async def test_the_last_owner_can_neither_leave_nor_be_demoted(client: PlatformClient, mailbox: SmtpSink) -> None:
    owner = await client.sign_up("owners")
    me = f"/api/identity/members/{owner.account_id}"
    demote = await client.call("PUT", f"{me}/role", slug=owner.slug, token=owner.token, json={"role": "EDITOR"})
    leave = await client.call("DELETE", me, slug=owner.slug, token=owner.token)
    assert demote.status_code == leave.status_code == 409

    second = f"second-{uuid.uuid4().hex[:6]}@example.com"
    await invite(client, owner, second, "OWNER")
    accepted = await client.call("POST", "/api/identity/invitations/accept", slug=owner.slug,
                                 json={"token": await invitation_token(mailbox, second), "password": PASSWORD})
    assert accepted.status_code == 200
    # With a second OWNER, the first may step down (the allowed twin).
    demoted = await client.call("PUT", f"{me}/role", slug=owner.slug, token=owner.token, json={"role": "EDITOR"})
    assert demoted.status_code == 200 and demoted.json()["role"] == "EDITOR"
    # The role change shows in the next token, not the current one.
    second_token = accepted.json()["access_token"]
    assert (await client.call("DELETE", me, slug=owner.slug, token=second_token)).status_code == 204
    audit = await client.call("GET", "/api/identity/tenant/audit", slug=owner.slug, token=second_token)
    actions = [entry["action"] for entry in audit.json()]
    assert {"member.role_changed", "member.removed", "member.joined", "member.invited"} <= set(actions)


async def test_api_keys_are_shown_once_act_with_their_role_and_can_be_revoked(client: PlatformClient) -> None:
    owner = await client.sign_up("keys")
    created = await client.call("POST", "/api/identity/api-keys", slug=owner.slug, token=owner.token,
                                json={"name": "CI deploys", "role": "VIEWER"})
    assert created.status_code == 201
    key = created.json()["key"]
    assert key.startswith("sbk_") and created.json()["prefix"] == key[:12]
    listed = await client.call("GET", "/api/identity/api-keys", slug=owner.slug, token=owner.token)
    assert "key" not in listed.json()[0] and key not in listed.text

    as_key = await client.call("GET", "/api/identity/tenant", slug=owner.slug, token=key)
    assert as_key.status_code == 200 and as_key.json()["slug"] == owner.slug
    assert (await client.call("GET", "/api/identity/members", slug=owner.slug, token=key)).status_code == 200
    refused = await client.call("POST", "/api/identity/invitations", slug=owner.slug, token=key,
                                json={"email": "x@example.com", "role": "VIEWER"})
    assert refused.status_code == 403  # a VIEWER key cannot write
    other = await client.sign_up("keys-other")
    assert (await client.call("GET", "/api/identity/tenant", slug=other.slug, token=key)).status_code == 401

    key_id = created.json()["id"]
    assert (await client.call("DELETE", f"/api/identity/api-keys/{key_id}", slug=owner.slug,
                              token=owner.token)).status_code == 204
    listed = await client.call("GET", "/api/identity/api-keys", slug=owner.slug, token=owner.token)
    assert listed.json()[0]["revoked_at"] is not None and listed.json()[0]["last_used_at"] is not None

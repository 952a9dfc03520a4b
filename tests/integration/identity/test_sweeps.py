"""The sweep of lapsed links against real PostgreSQL (services/identity/accounts.py,
sweep_spent): what ended more than `spent_kept_for` ago goes, what is live or lapsed
recently stays, so a late click still hears "expired"."""

from __future__ import annotations

import uuid

from services.identity import accounts
from shared.db import Database
from tests.integration.identity.test_handoffs import context_over, site

DAY = 24 * 3600


async def test_only_what_lapsed_past_the_grace_is_swept(identity_db: Database) -> None:
    ctx = context_over(identity_db, spent_kept_for=7 * DAY)
    owner = await site(ctx)
    account = await account_of(identity_db, owner.tenant_id)
    mark = uuid.uuid4().hex[:8]
    async with identity_db.system_tx() as tx:
        session = await tx.fetchval("SELECT id FROM identity.sessions WHERE account_id = $1 LIMIT 1", account)
        for age_days, label in ((8, "old"), (6, "recent"), (-1, "live")):  # how long ago each ended
            ended = f"now() - make_interval(days => {age_days})"
            await tx.execute(f"INSERT INTO identity.signups (token_hash, email, slug, name, password_hash, expires_at) "
                             f"VALUES ($1, $2, 'slug', 'name', 'hash', {ended})",
                             f"{mark}-{label}".encode(), f"{label}@{mark}.example")
            await tx.execute(f"INSERT INTO identity.password_resets (token_hash, account_id, expires_at) "
                             f"VALUES ($1, $2, {ended})", f"{mark}-reset-{label}".encode(), account)
            await tx.execute(f"INSERT INTO identity.refresh_tokens (token_hash, session_id, expires_at) "
                             f"VALUES ($1, $2, {ended})", f"{mark}-refresh-{label}".encode(), session)
            await tx.execute(f"INSERT INTO identity.mail_queue (to_address, subject, body, sent_at) "
                             f"VALUES ($1, 'Confirm', 'a link', {ended})", f"{label}@{mark}.example")
        await tx.execute("INSERT INTO identity.mail_queue (to_address, subject, body) VALUES ($1, 'Waiting', '')",
                         f"unsent@{mark}.example")  # not sent yet: never swept, however old
        await tx.execute("UPDATE identity.mail_queue SET created_at = now() - interval '30 days' WHERE to_address = $1",
                         f"unsent@{mark}.example")
        for key, last_failure, locked in ((f"{mark}-stale", "2 days", "NULL"), (f"{mark}-today", "1 hour", "NULL"),
                                          (f"{mark}-locked", "2 days", "now() + interval '1 hour'")):
            await tx.execute(f"INSERT INTO identity.login_throttle (key, failures, last_failure, locked_until) "
                             f"VALUES ($1, 3, now() - interval '{last_failure}', {locked})", key)

    assert await accounts.sweep_spent(ctx) >= 5

    async with identity_db.system_tx() as tx:
        signups = {row[0] for row in await tx.fetch("SELECT email FROM identity.signups WHERE email LIKE $1",
                                                     f"%@{mark}.example")}
        resets = {row[0] for row in await tx.fetch("SELECT token_hash FROM identity.password_resets "
                                                   "WHERE token_hash >= $1 AND token_hash < $2",
                                                   mark.encode(), (mark + "~").encode())}
        refresh = {row[0] for row in await tx.fetch("SELECT token_hash FROM identity.refresh_tokens "
                                                    "WHERE token_hash >= $1 AND token_hash < $2",
                                                    mark.encode(), (mark + "~").encode())}
        mail = {row[0] for row in await tx.fetch("SELECT to_address FROM identity.mail_queue WHERE to_address LIKE $1",
                                                 f"%@{mark}.example")}
        throttled = {row[0] for row in await tx.fetch("SELECT key FROM identity.login_throttle WHERE key LIKE $1",
                                                      f"{mark}-%")}
    assert signups == {f"recent@{mark}.example", f"live@{mark}.example"}
    assert resets == {f"{mark}-reset-recent".encode(), f"{mark}-reset-live".encode()}
    assert refresh == {f"{mark}-refresh-recent".encode(), f"{mark}-refresh-live".encode()}
    assert mail == {f"recent@{mark}.example", f"live@{mark}.example", f"unsent@{mark}.example"}
    assert throttled == {f"{mark}-today", f"{mark}-locked"}


async def test_the_owners_own_session_survives_the_sweep(identity_db: Database) -> None:
    ctx = context_over(identity_db)
    owner = await site(ctx)
    await accounts.sweep_spent(ctx)
    assert owner.token.refresh_token is not None
    token = await accounts.tenant_token(ctx, owner.tenant_id, owner.token.refresh_token)
    assert token.access_token


async def account_of(db: Database, tenant_id: uuid.UUID) -> uuid.UUID:
    async with db.tenant_tx(tenant_id) as tx:
        return await tx.fetchval("SELECT account_id FROM identity.memberships WHERE role = 'OWNER' LIMIT 1")

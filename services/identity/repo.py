"""Identity's SQL. Tenant-scoped tables are filtered by row-level security, never by hand;
the tenant registry, accounts, sessions and throttling are deliberately not tenant data."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

import asyncpg

from .domain import normal_email

Tx = asyncpg.Connection

# tenants -------------------------------------------------------------------------------

INSERT_TENANT = "INSERT INTO identity.tenants (id, slug, name, theme_config) VALUES ($1, $2, $3, $4)"
# A slug is taken by a tenant that has it (live, or deleted and not yet purged) or that gave it
# up lately (released_slugs); `$2`, when given, is the tenant asking: what it holds is free to it.
SELECT_SLUG_TAKEN = """
SELECT EXISTS (SELECT 1 FROM identity.tenants WHERE slug = $1 AND id IS DISTINCT FROM $2)
    OR EXISTS (SELECT 1 FROM identity.released_slugs
               WHERE slug = $1 AND held_until > now() AND released_by IS DISTINCT FROM $2)
"""
HOLD_SLUG = """
INSERT INTO identity.released_slugs (slug, released_by, held_until)
VALUES ($1, $2, now() + make_interval(secs => $3))
ON CONFLICT (slug) DO UPDATE SET released_by = excluded.released_by, held_until = excluded.held_until
"""
DROP_OWN_HOLD = "DELETE FROM identity.released_slugs WHERE slug = $1 AND released_by = $2"
SELECT_TENANT = """
SELECT id, slug, name, custom_domain, theme_config, deleted_at, purge_after FROM identity.tenants WHERE id = $1
"""
# Shared-locked, so a change in flight commits (and stamps its event) before the read, or
# waits for the reading transaction to end and stamps its event after it.
SELECT_LIVE_TENANT_LOCKED = """
SELECT id, slug, name, custom_domain, theme_config FROM identity.tenants
WHERE id = $1 AND deleted_at IS NULL FOR SHARE
"""
SELECT_LIVE_TENANT_BY_SLUG = "SELECT id, slug FROM identity.tenants WHERE slug = $1 AND deleted_at IS NULL"
SELECT_LIVE_TENANT_BY_DOMAIN = """
SELECT id, slug FROM identity.tenants WHERE custom_domain = $1 AND deleted_at IS NULL
"""
UPDATE_TENANT_NAMES = """
UPDATE identity.tenants SET slug = $2, name = $3, updated_at = now() WHERE id = $1 AND deleted_at IS NULL
"""
UPDATE_TENANT_THEME = """
UPDATE identity.tenants SET theme_config = $2, updated_at = now() WHERE id = $1 AND deleted_at IS NULL
"""
MARK_TENANT_DELETED = """
UPDATE identity.tenants SET deleted_at = now(), purge_after = now() + make_interval(secs => $2),
       custom_domain = NULL, updated_at = now()
WHERE id = $1 AND deleted_at IS NULL
"""
SET_TENANT_DOMAIN = "UPDATE identity.tenants SET custom_domain = $2, updated_at = now() WHERE id = $1"
SELECT_TENANTS_WITH_DOMAINS = """
SELECT id FROM identity.tenants WHERE custom_domain IS NOT NULL AND deleted_at IS NULL
"""


SELECT_DUE_PURGES = """
SELECT id, slug FROM identity.tenants WHERE purge_after <= now() AND purged_at IS NULL ORDER BY purge_after LIMIT $1
"""
# The claim: of several identity replicas, only the one whose update hits the row purges.
MARK_TENANT_PURGED = """
UPDATE identity.tenants SET purged_at = now() WHERE id = $1 AND purged_at IS NULL AND purge_after <= now()
"""
PURGE_TENANT_ACCESS = [
    "DELETE FROM identity.memberships", "DELETE FROM identity.invitations", "DELETE FROM identity.api_keys",
    "DELETE FROM identity.domains", "DELETE FROM identity.handoffs",
]


async def due_purges(tx: Tx, limit: int) -> list[asyncpg.Record]:
    return await tx.fetch(SELECT_DUE_PURGES, limit)


async def claim_purge(tx: Tx, tenant_id: uuid.UUID) -> bool:
    return await tx.execute(MARK_TENANT_PURGED, tenant_id) == "UPDATE 1"


async def purge_tenant_access(tx: Tx) -> None:
    """Remove who and what could reach the transaction's tenant (RLS scopes each statement);
    the audit log stays, as the security record of what happened."""
    for statement in PURGE_TENANT_ACCESS:
        await tx.execute(statement)


async def insert_tenant(tx: Tx, tenant_id: uuid.UUID, slug: str, name: str, theme: dict[str, Any]) -> None:
    await tx.execute(INSERT_TENANT, tenant_id, slug, name, theme)


async def slug_taken(tx: Tx, slug: str, asker: uuid.UUID | None = None) -> bool:
    return await tx.fetchval(SELECT_SLUG_TAKEN, slug, asker)


async def hold_released_slug(tx: Tx, slug: str, tenant_id: uuid.UUID, seconds: int) -> None:
    await tx.execute(HOLD_SLUG, slug, tenant_id, float(seconds))


async def take_back_slug(tx: Tx, slug: str, tenant_id: uuid.UUID) -> None:
    await tx.execute(DROP_OWN_HOLD, slug, tenant_id)


async def tenant(tx: Tx, tenant_id: uuid.UUID) -> asyncpg.Record | None:
    return await tx.fetchrow(SELECT_TENANT, tenant_id)


async def live_tenant_locked(tx: Tx, tenant_id: uuid.UUID) -> asyncpg.Record | None:
    return await tx.fetchrow(SELECT_LIVE_TENANT_LOCKED, tenant_id)


async def live_tenant_by_slug(tx: Tx, slug: str) -> asyncpg.Record | None:
    return await tx.fetchrow(SELECT_LIVE_TENANT_BY_SLUG, slug)


async def live_tenant_by_domain(tx: Tx, domain: str) -> asyncpg.Record | None:
    return await tx.fetchrow(SELECT_LIVE_TENANT_BY_DOMAIN, domain)


async def update_tenant_names(tx: Tx, tenant_id: uuid.UUID, slug: str, name: str) -> None:
    await tx.execute(UPDATE_TENANT_NAMES, tenant_id, slug, name)


async def update_tenant_theme(tx: Tx, tenant_id: uuid.UUID, theme: dict[str, Any]) -> None:
    await tx.execute(UPDATE_TENANT_THEME, tenant_id, theme)


async def mark_tenant_deleted(tx: Tx, tenant_id: uuid.UUID, grace_seconds: int) -> bool:
    return await tx.execute(MARK_TENANT_DELETED, tenant_id, grace_seconds) == "UPDATE 1"


async def set_tenant_domain(tx: Tx, tenant_id: uuid.UUID, domain: str | None) -> None:
    await tx.execute(SET_TENANT_DOMAIN, tenant_id, domain)


async def tenants_with_domains(tx: Tx) -> list[uuid.UUID]:
    return [row["id"] for row in await tx.fetch(SELECT_TENANTS_WITH_DOMAINS)]


SELECT_LIVE_TENANTS = """
SELECT id, slug, extract(epoch FROM now() - created_at)::float8 AS age FROM identity.tenants
WHERE deleted_at IS NULL AND ($1::uuid IS NULL OR id = $1) ORDER BY created_at
"""


async def live_tenants(tx: Tx, only: uuid.UUID | None = None) -> list[asyncpg.Record]:
    """Every live tenant (or the one named), for the operators' commands."""
    return await tx.fetch(SELECT_LIVE_TENANTS, only)


# accounts and memberships ------------------------------------------------------------------

# E-mails are stored in their one normal form (domain.normal_email) and compared exactly:
# lower() on both sides let PostgreSQL match an address the log-in throttle counted as another.
SELECT_ACCOUNT_BY_EMAIL = "SELECT id, email, password_hash FROM identity.accounts WHERE email = $1"
SELECT_ACCOUNT = "SELECT id, email, password_hash FROM identity.accounts WHERE id = $1"
INSERT_ACCOUNT = "INSERT INTO identity.accounts (id, email, password_hash) VALUES ($1, $2, $3)"
UPDATE_PASSWORD = "UPDATE identity.accounts SET password_hash = $2 WHERE id = $1"
INSERT_MEMBERSHIP = "INSERT INTO identity.memberships (tenant_id, account_id, role) VALUES ($1, $2, $3)"
SELECT_ROLE = "SELECT role FROM identity.memberships WHERE account_id = $1"
SELECT_MEMBERS = """
SELECT m.account_id, a.email, m.role, m.created_at
FROM identity.memberships m JOIN identity.accounts a ON a.id = m.account_id
ORDER BY m.created_at, a.email
"""
# Locks every OWNER row of the tenant, so two concurrent demotions cannot both pass the check.
COUNT_OWNERS_FOR_UPDATE = "SELECT account_id FROM identity.memberships WHERE role = 'OWNER' FOR UPDATE"
UPDATE_ROLE = "UPDATE identity.memberships SET role = $2 WHERE account_id = $1"
DELETE_MEMBERSHIP = "DELETE FROM identity.memberships WHERE account_id = $1"


# Every e-mail this module stores or compares is normalised here, whatever the caller passed:
# no path can store one spelling and look up another.
async def account_by_email(tx: Tx, email: str) -> asyncpg.Record | None:
    return await tx.fetchrow(SELECT_ACCOUNT_BY_EMAIL, normal_email(email))


async def account(tx: Tx, account_id: uuid.UUID) -> asyncpg.Record | None:
    return await tx.fetchrow(SELECT_ACCOUNT, account_id)


async def insert_account(tx: Tx, account_id: uuid.UUID, email: str, password_hash: str) -> None:
    await tx.execute(INSERT_ACCOUNT, account_id, normal_email(email), password_hash)


async def update_password(tx: Tx, account_id: uuid.UUID, password_hash: str) -> None:
    await tx.execute(UPDATE_PASSWORD, account_id, password_hash)


async def insert_membership(tx: Tx, tenant_id: uuid.UUID, account_id: uuid.UUID, role: str) -> None:
    await tx.execute(INSERT_MEMBERSHIP, tenant_id, account_id, role)


async def role_of(tx: Tx, account_id: uuid.UUID) -> str | None:
    """The account's role in the transaction's tenant."""
    return await tx.fetchval(SELECT_ROLE, account_id)


async def members(tx: Tx) -> list[asyncpg.Record]:
    return await tx.fetch(SELECT_MEMBERS)


async def owners_for_update(tx: Tx) -> list[uuid.UUID]:
    return [row["account_id"] for row in await tx.fetch(COUNT_OWNERS_FOR_UPDATE)]


async def update_role(tx: Tx, account_id: uuid.UUID, role: str) -> bool:
    return await tx.execute(UPDATE_ROLE, account_id, role) == "UPDATE 1"


async def delete_membership(tx: Tx, account_id: uuid.UUID) -> bool:
    return await tx.execute(DELETE_MEMBERSHIP, account_id) == "DELETE 1"


# The memberships of one account across tenants: RLS shows them only in a transaction
# that has set app.account_id to that account (see the own_memberships policy).
AS_ACCOUNT = "SELECT set_config('app.account_id', $1, true)"
SELECT_MY_TENANTS = """
SELECT m.tenant_id, t.slug, t.name, m.role
FROM identity.memberships m JOIN identity.tenants t ON t.id = m.tenant_id
WHERE m.account_id = $1 AND t.deleted_at IS NULL
ORDER BY t.name, t.slug
"""


async def memberships_of(tx: Tx, account_id: uuid.UUID) -> list[asyncpg.Record]:
    """Only call with an account the caller has authenticated."""
    await tx.execute(AS_ACCOUNT, str(account_id))
    return await tx.fetch(SELECT_MY_TENANTS, account_id)


# sessions and refresh tokens -----------------------------------------------------------------

INSERT_SESSION = "INSERT INTO identity.sessions (id, account_id) VALUES ($1, $2)"
INSERT_REFRESH_TOKEN = """
INSERT INTO identity.refresh_tokens (token_hash, session_id, expires_at)
VALUES ($1, $2, now() + make_interval(secs => $3))
"""
# FOR UPDATE: two concurrent refreshes with one token must not both rotate it.
SELECT_REFRESH_TOKEN_FOR_UPDATE = """
SELECT r.session_id, r.expires_at, r.used_at, s.account_id, s.revoked_at
FROM identity.refresh_tokens r JOIN identity.sessions s ON s.id = r.session_id
WHERE r.token_hash = $1
FOR UPDATE OF r, s
"""
MARK_REFRESH_TOKEN_USED = "UPDATE identity.refresh_tokens SET used_at = now() WHERE token_hash = $1"
REVOKE_SESSION = """
UPDATE identity.sessions SET revoked_at = now(), revoked_reason = $2 WHERE id = $1 AND revoked_at IS NULL
"""
REVOKE_ACCOUNT_SESSIONS = """
UPDATE identity.sessions SET revoked_at = now(), revoked_reason = $2 WHERE account_id = $1 AND revoked_at IS NULL
"""


async def insert_session(tx: Tx, session_id: uuid.UUID, account_id: uuid.UUID) -> None:
    await tx.execute(INSERT_SESSION, session_id, account_id)


async def insert_refresh_token(tx: Tx, token_hash: bytes, session_id: uuid.UUID, ttl: int) -> None:
    await tx.execute(INSERT_REFRESH_TOKEN, token_hash, session_id, float(ttl))


async def refresh_token_for_update(tx: Tx, token_hash: bytes) -> asyncpg.Record | None:
    return await tx.fetchrow(SELECT_REFRESH_TOKEN_FOR_UPDATE, token_hash)


async def mark_refresh_token_used(tx: Tx, token_hash: bytes) -> None:
    await tx.execute(MARK_REFRESH_TOKEN_USED, token_hash)


async def revoke_session(tx: Tx, session_id: uuid.UUID, reason: str) -> None:
    await tx.execute(REVOKE_SESSION, session_id, reason)


async def revoke_account_sessions(tx: Tx, account_id: uuid.UUID, reason: str) -> int:
    """How many sessions were still open."""
    status = await tx.execute(REVOKE_ACCOUNT_SESSIONS, account_id, reason)
    return int(status.rsplit(" ", 1)[-1])


# throttling ----------------------------------------------------------------------------------

LOCK_THROTTLE_KEY = "SELECT pg_advisory_xact_lock(hashtext('identity throttle'), hashtext($1::text))"
SELECT_LOCKED_UNTIL = "SELECT max(locked_until) FROM identity.login_throttle WHERE key = ANY($1::text[])"
# Every attempt past the allowance locks the key: `floor` seconds first, four times longer
# each time after (30 s, 2 min, 8 min, 32 min, then an hour at most), counted until a day
# passes without one. Five free guesses, then some thirty a day: online guessing is useless.
RECORD_ATTEMPT = """
INSERT INTO identity.login_throttle AS t (key, failures, last_failure, locked_until)
VALUES ($1, 1, now(), CASE WHEN $2 <= 1 THEN now() + make_interval(secs => $3) END)
ON CONFLICT (key) DO UPDATE SET
  failures = CASE WHEN t.last_failure < now() - interval '1 day' THEN 1 ELSE t.failures + 1 END,
  last_failure = now(),
  locked_until = CASE
    WHEN (CASE WHEN t.last_failure < now() - interval '1 day' THEN 1 ELSE t.failures + 1 END) >= $2
    THEN now() + make_interval(secs => least(3600, $3 * power(4,
      (CASE WHEN t.last_failure < now() - interval '1 day' THEN 1 ELSE t.failures + 1 END) - $2)))
  END
"""
CLEAR_ATTEMPTS = "DELETE FROM identity.login_throttle WHERE key = $1"
# An attempt counted before it proved right, given back: one failure fewer, and no lock unless
# the failures left still reach the allowance `$2`.
REFUND_ATTEMPT = """
UPDATE identity.login_throttle SET failures = failures - 1,
  locked_until = CASE WHEN failures - 1 >= $2 THEN locked_until END
WHERE key = $1 AND failures > 0
"""


SELECT_NOW = "SELECT now()"


async def hold_throttle_keys(tx: Tx, keys: list[str]) -> None:
    """Each key's advisory lock until the transaction ends, in one order (no deadlock)."""
    for key in sorted(set(keys)):
        await tx.execute(LOCK_THROTTLE_KEY, key)


async def locked_until(tx: Tx, keys: list[str]) -> datetime | None:
    return await tx.fetchval(SELECT_LOCKED_UNTIL, keys)


async def now(tx: Tx) -> datetime:
    """The transaction's clock: what expiries and locks are compared with."""
    return await tx.fetchval(SELECT_NOW)


async def record_attempt(tx: Tx, key: str, allowance: int, floor_seconds: float) -> None:
    await tx.execute(RECORD_ATTEMPT, key, allowance, float(floor_seconds))


async def clear_attempts(tx: Tx, key: str) -> None:
    await tx.execute(CLEAR_ATTEMPTS, key)


async def refund_attempt(tx: Tx, key: str, allowance: int) -> None:
    await tx.execute(REFUND_ATTEMPT, key, allowance)


# sign-ups waiting for their e-mail ---------------------------------------------------------

INSERT_SIGNUP = """
INSERT INTO identity.signups (token_hash, email, slug, name, password_hash, expires_at)
VALUES ($1, $2, $3, $4, $5, now() + make_interval(secs => $6))
"""
SELECT_SIGNUP_FOR_UPDATE = """
SELECT email, slug, name, password_hash, expires_at < now() AS expired, used_at
FROM identity.signups WHERE token_hash = $1 FOR UPDATE
"""
USE_SIGNUP = "UPDATE identity.signups SET used_at = now() WHERE token_hash = $1"


async def insert_signup(tx: Tx, token_hash: bytes, email: str, slug: str, name: str, password_hash: str,
                        ttl: int) -> None:
    await tx.execute(INSERT_SIGNUP, token_hash, normal_email(email), slug, name, password_hash, float(ttl))


async def signup_for_update(tx: Tx, token_hash: bytes) -> asyncpg.Record | None:
    return await tx.fetchrow(SELECT_SIGNUP_FOR_UPDATE, token_hash)


async def use_signup(tx: Tx, token_hash: bytes) -> None:
    await tx.execute(USE_SIGNUP, token_hash)


# sweeping lapsed links ---------------------------------------------------------------------

# Each keeps a row for `$1` seconds past its end, so a late click still hears "expired" or
# "already used" rather than "not valid". Sent mail stays at least a day: a tenant's daily
# mail allowance is counted from it.
SWEEP_SPENT = [
    "DELETE FROM identity.signups WHERE expires_at < now() - make_interval(secs => $1)",
    "DELETE FROM identity.password_resets WHERE expires_at < now() - make_interval(secs => $1)",
    "DELETE FROM identity.refresh_tokens WHERE expires_at < now() - make_interval(secs => $1)",
    "DELETE FROM identity.mail_queue WHERE sent_at < now() - make_interval(secs => greatest($1, 86400))",
    "DELETE FROM identity.released_slugs WHERE held_until < now() - make_interval(secs => $1)",
]
# A failure older than a day no longer counts (RECORD_ATTEMPT starts again from one).
SWEEP_THROTTLE = """
DELETE FROM identity.login_throttle
WHERE last_failure < now() - interval '1 day' AND (locked_until IS NULL OR locked_until < now())
"""


async def sweep_spent(tx: Tx, kept_for: int) -> int:
    """Delete what lapsed more than `kept_for` seconds ago; how many rows went."""
    deleted = 0
    for statement in SWEEP_SPENT:
        deleted += int((await tx.execute(statement, float(kept_for))).split()[-1])
    return deleted + int((await tx.execute(SWEEP_THROTTLE)).split()[-1])


# invitations ---------------------------------------------------------------------------------

INSERT_INVITATION = """
INSERT INTO identity.invitations (tenant_id, id, email, role, token_hash, invited_by, expires_at)
VALUES ($1, $2, $3, $4, $5, $6, now() + make_interval(secs => $7))
RETURNING id, email, role, expires_at, accepted_at, revoked_at
"""
SELECT_INVITATIONS = """
SELECT id, email, role, expires_at, accepted_at, revoked_at FROM identity.invitations ORDER BY created_at DESC
"""
SELECT_INVITATION_BY_TOKEN_FOR_UPDATE = """
SELECT id, email, role, expires_at, accepted_at, revoked_at FROM identity.invitations WHERE token_hash = $1 FOR UPDATE
"""
ACCEPT_INVITATION = "UPDATE identity.invitations SET accepted_at = now() WHERE id = $1"
REVOKE_INVITATION = """
UPDATE identity.invitations SET revoked_at = now() WHERE id = $1 AND accepted_at IS NULL AND revoked_at IS NULL
"""


async def insert_invitation(tx: Tx, tenant_id: uuid.UUID, email: str, role: str, token_hash: bytes,
                            invited_by: uuid.UUID, ttl: int) -> asyncpg.Record:
    return await tx.fetchrow(INSERT_INVITATION, tenant_id, uuid.uuid4(), normal_email(email), role, token_hash,
                             invited_by, float(ttl))


async def invitations(tx: Tx) -> list[asyncpg.Record]:
    return await tx.fetch(SELECT_INVITATIONS)


async def invitation_by_token_for_update(tx: Tx, token_hash: bytes) -> asyncpg.Record | None:
    return await tx.fetchrow(SELECT_INVITATION_BY_TOKEN_FOR_UPDATE, token_hash)


async def accept_invitation(tx: Tx, invitation_id: uuid.UUID) -> None:
    await tx.execute(ACCEPT_INVITATION, invitation_id)


async def revoke_invitation(tx: Tx, invitation_id: uuid.UUID) -> bool:
    return await tx.execute(REVOKE_INVITATION, invitation_id) == "UPDATE 1"


# password resets -----------------------------------------------------------------------------

INSERT_PASSWORD_RESET = """
INSERT INTO identity.password_resets (token_hash, account_id, expires_at)
VALUES ($1, $2, now() + make_interval(secs => $3))
"""
SELECT_PASSWORD_RESET_FOR_UPDATE = """
SELECT account_id, expires_at, used_at FROM identity.password_resets WHERE token_hash = $1 FOR UPDATE
"""
USE_PASSWORD_RESET = "UPDATE identity.password_resets SET used_at = now() WHERE token_hash = $1"


async def insert_password_reset(tx: Tx, token_hash: bytes, account_id: uuid.UUID, ttl: int) -> None:
    await tx.execute(INSERT_PASSWORD_RESET, token_hash, account_id, float(ttl))


async def password_reset_for_update(tx: Tx, token_hash: bytes) -> asyncpg.Record | None:
    return await tx.fetchrow(SELECT_PASSWORD_RESET_FOR_UPDATE, token_hash)


async def use_password_reset(tx: Tx, token_hash: bytes) -> None:
    await tx.execute(USE_PASSWORD_RESET, token_hash)


# hand-offs from the platform's host to a site's ---------------------------------------------

INSERT_HANDOFF = """
INSERT INTO identity.handoffs (tenant_id, code_hash, account_id, session_id, expires_at)
VALUES ($1, $2, $3, $4, now() + make_interval(secs => $5))
"""
# Locked: two tabs redeeming one code must not both open a session with it. Row-level
# security scopes it to the host's tenant, so another site's code is simply not found.
SELECT_HANDOFF_FOR_UPDATE = """
SELECT h.account_id, h.expires_at, h.used_at, s.revoked_at AS session_revoked_at
FROM identity.handoffs h JOIN identity.sessions s ON s.id = h.session_id
WHERE h.code_hash = $1
FOR UPDATE OF h
"""
USE_HANDOFF = "UPDATE identity.handoffs SET used_at = now() WHERE code_hash = $1"
# A code lives a minute; the rows are kept a day for the record, then dropped as new ones come.
DELETE_STALE_HANDOFFS = "DELETE FROM identity.handoffs WHERE expires_at < now() - interval '1 day'"


async def insert_handoff(tx: Tx, tenant_id: uuid.UUID, code_hash: bytes, account_id: uuid.UUID,
                         session_id: uuid.UUID, ttl: int) -> None:
    await tx.execute(INSERT_HANDOFF, tenant_id, code_hash, account_id, session_id, float(ttl))


async def handoff_for_update(tx: Tx, code_hash: bytes) -> asyncpg.Record | None:
    return await tx.fetchrow(SELECT_HANDOFF_FOR_UPDATE, code_hash)


async def use_handoff(tx: Tx, code_hash: bytes) -> None:
    await tx.execute(USE_HANDOFF, code_hash)


async def delete_stale_handoffs(tx: Tx) -> None:
    await tx.execute(DELETE_STALE_HANDOFFS)


# API keys ------------------------------------------------------------------------------------

INSERT_API_KEY = """
INSERT INTO identity.api_keys (tenant_id, id, name, prefix, key_hash, role, created_by)
VALUES ($1, $2, $3, $4, $5, $6, $7)
RETURNING id, name, prefix, role, created_at, last_used_at, revoked_at
"""
SELECT_API_KEYS = """
SELECT id, name, prefix, role, created_at, last_used_at, revoked_at FROM identity.api_keys ORDER BY created_at DESC
"""
REVOKE_API_KEY = "UPDATE identity.api_keys SET revoked_at = now() WHERE id = $1 AND revoked_at IS NULL"
# Touch last_used_at at most once a minute: a busy key must not write on every request.
USE_API_KEY = """
UPDATE identity.api_keys SET last_used_at = now()
WHERE key_hash = $1 AND revoked_at IS NULL
  AND (last_used_at IS NULL OR last_used_at < now() - interval '1 minute')
"""
SELECT_ACTIVE_API_KEY = "SELECT id, role FROM identity.api_keys WHERE key_hash = $1 AND revoked_at IS NULL"


async def insert_api_key(tx: Tx, tenant_id: uuid.UUID, name: str, prefix: str, key_hash: bytes, role: str,
                         created_by: uuid.UUID) -> asyncpg.Record:
    return await tx.fetchrow(INSERT_API_KEY, tenant_id, uuid.uuid4(), name, prefix, key_hash, role, created_by)


async def api_keys(tx: Tx) -> list[asyncpg.Record]:
    return await tx.fetch(SELECT_API_KEYS)


async def revoke_api_key(tx: Tx, key_id: uuid.UUID) -> bool:
    return await tx.execute(REVOKE_API_KEY, key_id) == "UPDATE 1"


async def active_api_key(tx: Tx, key_hash: bytes) -> asyncpg.Record | None:
    row = await tx.fetchrow(SELECT_ACTIVE_API_KEY, key_hash)
    if row is not None:
        await tx.execute(USE_API_KEY, key_hash)
    return row


# domains -------------------------------------------------------------------------------------

UPSERT_DOMAIN = """
INSERT INTO identity.domains (tenant_id, domain, token) VALUES ($1, $2, $3)
ON CONFLICT (tenant_id) DO UPDATE SET domain = excluded.domain, token = excluded.token, verified_at = NULL,
  last_checked_at = NULL, flagged_at = NULL, created_at = now()
RETURNING domain, token, verified_at, flagged_at, last_checked_at
"""
SELECT_DOMAIN = "SELECT domain, token, verified_at, flagged_at, last_checked_at FROM identity.domains"
RECORD_DOMAIN_CHECK = """
UPDATE identity.domains SET last_checked_at = now(),
  verified_at = CASE WHEN $1 THEN coalesce(verified_at, now()) ELSE verified_at END,
  flagged_at = CASE WHEN $1 THEN NULL WHEN verified_at IS NOT NULL THEN coalesce(flagged_at, now()) END
RETURNING domain, token, verified_at, flagged_at, last_checked_at
"""
DELETE_DOMAIN = "DELETE FROM identity.domains RETURNING domain"


async def upsert_domain(tx: Tx, tenant_id: uuid.UUID, domain: str, token: str) -> asyncpg.Record:
    return await tx.fetchrow(UPSERT_DOMAIN, tenant_id, domain, token)


async def domain(tx: Tx) -> asyncpg.Record | None:
    return await tx.fetchrow(SELECT_DOMAIN)


async def record_domain_check(tx: Tx, found: bool) -> asyncpg.Record | None:
    return await tx.fetchrow(RECORD_DOMAIN_CHECK, found)


async def delete_domain(tx: Tx) -> str | None:
    return await tx.fetchval(DELETE_DOMAIN)


# audit and mail ------------------------------------------------------------------------------

INSERT_AUDIT = """
INSERT INTO identity.audit_log (tenant_id, id, actor_account_id, action, detail) VALUES ($1, $2, $3, $4, $5)
"""
SELECT_AUDIT = """
SELECT at, action, actor_account_id, detail FROM identity.audit_log ORDER BY at DESC LIMIT $1
"""
INSERT_MAIL = "INSERT INTO identity.mail_queue (to_address, subject, body, sent_for_tenant) VALUES ($1, $2, $3, $4)"
# One tenant's mail is counted by one transaction at a time, so two invitations at once cannot
# both take the hour's last mail.
LOCK_TENANT_MAIL = "SELECT pg_advisory_xact_lock(hashtext('identity tenant mail'), hashtext($1::text))"
# Seconds until the `$2`-th newest mail of the tenant in the last `$3` seconds leaves that
# window; NULL while the tenant has sent fewer than `$2` mails in it.
SELECT_TENANT_MAIL_WAIT = """
SELECT extract(epoch FROM created_at + make_interval(secs => $3) - now())::float8 FROM identity.mail_queue
WHERE sent_for_tenant = $1 AND created_at > now() - make_interval(secs => $3)
ORDER BY created_at DESC OFFSET greatest($2 - 1, 0) LIMIT 1
"""
CLAIM_MAIL = """
SELECT id, to_address, subject, body FROM identity.mail_queue
WHERE sent_at IS NULL AND attempts < 10 ORDER BY id LIMIT $1 FOR UPDATE SKIP LOCKED
"""
MARK_MAIL_SENT = "UPDATE identity.mail_queue SET sent_at = now(), attempts = attempts + 1 WHERE id = $1"
MARK_MAIL_FAILED = "UPDATE identity.mail_queue SET attempts = attempts + 1, last_error = $2 WHERE id = $1"


async def audit(tx: Tx, tenant_id: uuid.UUID, actor: uuid.UUID | None, action: str, **detail: Any) -> None:
    await tx.execute(INSERT_AUDIT, tenant_id, uuid.uuid4(), actor, action, detail)


async def audit_entries(tx: Tx, limit: int) -> list[asyncpg.Record]:
    return await tx.fetch(SELECT_AUDIT, limit)


async def queue_mail(tx: Tx, to_address: str, subject: str, body: str, tenant_id: uuid.UUID | None) -> None:
    """Only accounts.queue_mail calls this: it spends the mail allowance first."""
    await tx.execute(INSERT_MAIL, to_address, subject, body, tenant_id)


async def tenant_mail_wait(tx: Tx, tenant_id: uuid.UUID, allowed: int, window: int) -> float | None:
    """Seconds until the tenant may send another mail, having sent `allowed` in any `window`
    seconds, or None if it may now; locks the tenant's count until the transaction ends."""
    await tx.execute(LOCK_TENANT_MAIL, str(tenant_id))
    return await tx.fetchval(SELECT_TENANT_MAIL_WAIT, tenant_id, allowed, window)


async def claim_mail(tx: Tx, limit: int) -> list[asyncpg.Record]:
    return await tx.fetch(CLAIM_MAIL, limit)


async def mark_mail_sent(tx: Tx, mail_id: int) -> None:
    await tx.execute(MARK_MAIL_SENT, mail_id)


async def mark_mail_failed(tx: Tx, mail_id: int, error: str) -> None:
    await tx.execute(MARK_MAIL_FAILED, mail_id, error[:500])


# the OWNER's export ---------------------------------------------------------------------------

EXPORT_QUERIES = {
    "tenant": "SELECT id, slug, name, custom_domain, theme_config, created_at, deleted_at, purge_after "
              "FROM identity.tenants WHERE id = platform.current_tenant_id()",
    "members": "SELECT m.account_id, a.email, m.role, m.created_at FROM identity.memberships m "
               "JOIN identity.accounts a ON a.id = m.account_id ORDER BY m.created_at",
    "invitations": "SELECT id, email, role, expires_at, accepted_at, revoked_at, created_at FROM identity.invitations",
    "api_keys": "SELECT id, name, prefix, role, created_at, last_used_at, revoked_at FROM identity.api_keys",
    "domain": "SELECT domain, verified_at, flagged_at, last_checked_at FROM identity.domains",
    "audit_log": "SELECT at, action, actor_account_id, detail FROM identity.audit_log ORDER BY at",
}


async def export_tables(tx: Tx) -> dict[str, list[asyncpg.Record]]:
    """Every identity table's rows of the transaction's tenant (row-level security scopes them)."""
    return {table: await tx.fetch(query) for table, query in EXPORT_QUERIES.items()}

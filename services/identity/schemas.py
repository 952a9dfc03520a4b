"""Identity's request and response bodies. Text fields carry length limits so that an
over-long value is a 400/422, never a database error."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Any, Literal

import msgspec

Email = Annotated[str, msgspec.Meta(min_length=3, max_length=254)]
Password = Annotated[str, msgspec.Meta(min_length=1, max_length=1024)]
Name = Annotated[str, msgspec.Meta(min_length=1, max_length=120)]
Slug = Annotated[str, msgspec.Meta(min_length=1, max_length=63)]
Secret = Annotated[str, msgspec.Meta(min_length=8, max_length=200)]
RoleName = Literal["OWNER", "EDITOR", "VIEWER"]


class Body(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """Request bodies refuse unknown fields: a typo is an error, not silently ignored."""


class SignupIn(Body, frozen=True):
    slug: Slug
    name: Name
    email: Email
    password: Password


class SignupConfirmIn(Body, frozen=True):
    token: str


class SignupRequestedOut(msgspec.Struct, frozen=True):
    """The answer to every well-formed sign-up: the same whether or not the e-mail has an account."""

    email: str
    detail: str
    status: str = "confirmation-sent"


class LoginIn(Body, frozen=True):
    email: Email
    password: Password


class RefreshIn(Body, frozen=True):
    refresh_token: Secret | None = None  # absent: the browser session's cookie (README: Browser sessions)


class TenantTokenIn(Body, frozen=True):
    tenant_id: uuid.UUID
    refresh_token: Secret | None = None  # absent: the browser session's cookie


class TokenOut(msgspec.Struct, frozen=True, omit_defaults=True):
    access_token: str
    tenant_id: uuid.UUID
    account_id: uuid.UUID
    role: str
    expires_in: int
    refresh_token: str | None = None  # JSON sessions only; a browser session's is in its cookie
    token_type: str = "Bearer"
    csrf_token: str | None = None  # browser sessions: the value the sb_csrf cookie holds


class MembershipOut(msgspec.Struct, frozen=True):
    tenant_id: uuid.UUID
    slug: str
    name: str
    role: str


class SessionOut(msgspec.Struct, frozen=True, omit_defaults=True):
    """A platform log-in: a refresh token (or, for a browser, its cookie) and the tenants it
    can get access tokens for."""

    account_id: uuid.UUID
    tenants: list[MembershipOut]
    refresh_token: str | None = None
    csrf_token: str | None = None


class SessionsRevokedOut(msgspec.Struct, frozen=True):
    revoked: int  # sessions of the account ended by this call, this one included


class SignupOut(msgspec.Struct, frozen=True):
    tenant_id: uuid.UUID
    slug: str
    name: str
    email: str
    token: TokenOut


class MeOut(msgspec.Struct, frozen=True):
    tenant_id: uuid.UUID
    account_id: uuid.UUID
    role: str


class TenantOut(msgspec.Struct, frozen=True):
    id: uuid.UUID
    slug: str
    name: str
    custom_domain: str | None
    theme: dict[str, Any]
    deleted_at: datetime | None = None
    purge_after: datetime | None = None


class TenantPatch(Body, frozen=True):
    slug: Slug | None = None
    name: Name | None = None


class MemberOut(msgspec.Struct, frozen=True):
    account_id: uuid.UUID
    email: str
    role: str
    since: datetime


class RoleIn(Body, frozen=True):
    role: RoleName


class InviteIn(Body, frozen=True):
    email: Email
    role: RoleName


class InvitationOut(msgspec.Struct, frozen=True):
    id: uuid.UUID
    email: str
    role: str
    expires_at: datetime
    accepted_at: datetime | None = None
    revoked_at: datetime | None = None


class AcceptIn(Body, frozen=True):
    token: Secret
    password: Password | None = None  # needed only when the e-mail has no account yet


class HandoffIn(Body, frozen=True):
    tenant_id: uuid.UUID
    refresh_token: Secret | None = None  # absent: the browser session's cookie


class HandoffOut(msgspec.Struct, frozen=True):
    """A one-time code that signs the session's account in on one site's host, and the page
    there that redeems it (the code in the fragment: never in a request line, Referer or log)."""

    code: str
    url: str
    expires_in: int


class HandoffRedeemIn(Body, frozen=True):
    code: Secret


class PasswordResetRequestIn(Body, frozen=True):
    email: Email


class PasswordResetIn(Body, frozen=True):
    token: Secret
    password: Password


class ApiKeyIn(Body, frozen=True):
    name: Name
    role: RoleName = "EDITOR"


class ApiKeyOut(msgspec.Struct, frozen=True, omit_defaults=True):
    id: uuid.UUID
    name: str
    prefix: str
    role: str
    created_at: datetime
    last_used_at: datetime | None = None
    revoked_at: datetime | None = None
    key: str | None = None  # shown once, at creation


class DomainIn(Body, frozen=True):
    domain: Annotated[str, msgspec.Meta(min_length=4, max_length=253)]


class DomainOut(msgspec.Struct, frozen=True):
    domain: str
    txt_name: str
    txt_value: str
    verified_at: datetime | None
    flagged_at: datetime | None
    last_checked_at: datetime | None


class AuditEntryOut(msgspec.Struct, frozen=True):
    at: datetime
    action: str
    actor_account_id: uuid.UUID | None
    detail: dict[str, Any]

"""Identity's request and response bodies."""

from __future__ import annotations

import uuid

import msgspec


class SignupIn(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    slug: str
    name: str
    email: str
    password: str


class LoginIn(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    email: str
    password: str


class TokenOut(msgspec.Struct, frozen=True):
    access_token: str
    tenant_id: uuid.UUID
    account_id: uuid.UUID
    role: str
    expires_in: int
    token_type: str = "Bearer"


class SignupOut(msgspec.Struct, frozen=True):
    tenant_id: uuid.UUID
    slug: str
    name: str
    token: TokenOut


class MeOut(msgspec.Struct, frozen=True):
    tenant_id: uuid.UUID
    account_id: uuid.UUID
    role: str

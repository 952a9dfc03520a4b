"""cms's request and response bodies."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Any, Literal

import msgspec

Slug = Annotated[str, msgspec.Meta(min_length=1, max_length=200)]


class PageIn(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    slug: Slug
    title: Annotated[str, msgspec.Meta(min_length=1, max_length=120)] | None = None
    structure: dict[str, Any] | None = None  # a page tree; a starter tree when absent


class PagePatch(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    slug: Slug | None = None
    structure: dict[str, Any] | None = None


class PageOut(msgspec.Struct, frozen=True):
    id: uuid.UUID
    slug: str
    structure: dict[str, Any]
    is_published: bool
    live_version: int | None
    revision: int
    registry_version: int
    created_at: datetime
    updated_at: datetime


class PageSummary(msgspec.Struct, frozen=True):
    id: uuid.UUID
    slug: str
    title: str
    is_published: bool
    live_version: int | None
    revision: int
    updated_at: datetime


class PageList(msgspec.Struct, frozen=True):
    pages: list[PageSummary]
    next_cursor: str | None


class VersionOut(msgspec.Struct, frozen=True, omit_defaults=True):
    version: int
    slug: str
    created_by: uuid.UUID | None
    created_at: datetime
    structure: dict[str, Any] | None = None


class Finding(msgspec.Struct, frozen=True):
    severity: Literal["error", "warning"]
    check: str
    message: str
    pointer: str = ""


class CheckOut(msgspec.Struct, frozen=True):
    publishable: bool
    findings: list[Finding]


class DiffOut(msgspec.Struct, frozen=True):
    base: str
    target: str
    added: list[str]
    removed: list[str]
    changed: list[str]

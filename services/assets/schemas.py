"""The assets service's bodies."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated

import msgspec


class AssetOut(msgspec.Struct, frozen=True):
    id: uuid.UUID
    url: str
    filename: str
    content_type: str
    bytes: int
    width: int | None
    height: int | None
    sha256: str | None
    alt_text: str
    ai_description: str | None
    tags: list[str]
    status: str
    status_reason: str | None
    created_at: datetime
    updated_at: datetime


class AssetPage(msgspec.Struct, frozen=True):
    assets: list[AssetOut]
    next_cursor: str | None


class AssetPatch(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    alt_text: Annotated[str, msgspec.Meta(max_length=300)] | None = None
    description: Annotated[str, msgspec.Meta(max_length=2000)] | None = None


class BulkDelete(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    ids: Annotated[list[uuid.UUID], msgspec.Meta(min_length=1, max_length=500)]


class ReembedJob(msgspec.Struct, frozen=True):
    """Re-embedding a library with the current embedding model; progress is done / total."""

    id: uuid.UUID
    model: str
    status: str  # queued, running, done, failed
    total: int
    done: int
    error: str | None
    created_at: datetime
    updated_at: datetime
    finished_at: datetime | None

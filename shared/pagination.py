"""Keyset pagination cursors: (timestamp, id) of the last row a page showed, opaque to
clients. Lists order by (created or updated time, id) descending and continue after it."""

from __future__ import annotations

import base64
import uuid
from datetime import datetime

import msgspec

from shared.errors import Invalid


def encode_cursor(at: datetime, row_id: uuid.UUID) -> str:
    return base64.urlsafe_b64encode(msgspec.json.encode([at, row_id])).decode().rstrip("=")


def decode_cursor(cursor: str) -> tuple[datetime, uuid.UUID]:
    try:
        at, row_id = msgspec.json.decode(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
        return datetime.fromisoformat(at), uuid.UUID(row_id)
    except (ValueError, TypeError, msgspec.DecodeError):
        raise Invalid("the cursor is not one this API gave out", errors=[{"field": "cursor"}]) from None

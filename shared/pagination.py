"""Keyset pagination cursors: (timestamp, id) of the last row a page showed, opaque to
clients. Lists order by (created or updated time, id) descending and continue after it."""

from __future__ import annotations

import base64
import uuid
from datetime import datetime

import msgspec

from shared.bodies import decode_json
from shared.errors import AppError, Invalid


def encode_cursor(at: datetime, row_id: uuid.UUID) -> str:
    return base64.urlsafe_b64encode(msgspec.json.encode([at, row_id])).decode().rstrip("=")


def decode_cursor(cursor: str) -> tuple[datetime, uuid.UUID]:
    try:
        # JSON from a client: decoded by the body rule (a cursor nested deep is no RecursionError).
        at, row_id = decode_json(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)), max_bytes=256)
        return datetime.fromisoformat(at), uuid.UUID(row_id)
    except (ValueError, TypeError, AppError):
        raise Invalid("the cursor is not one this API gave out", errors=[{"field": "cursor"}]) from None

import uuid
from datetime import UTC, datetime

import pytest

from shared.errors import Invalid
from shared.pagination import decode_cursor, encode_cursor


def test_a_cursor_round_trips_and_a_made_up_one_is_refused() -> None:
    at, row_id = datetime(2026, 11, 25, 10, 0, 0, 123456, tzinfo=UTC), uuid.uuid4()
    assert decode_cursor(encode_cursor(at, row_id)) == (at, row_id)
    for bad in ("nonsense", "", encode_cursor(at, row_id)[:-4]):
        with pytest.raises(Invalid):
            decode_cursor(bad)

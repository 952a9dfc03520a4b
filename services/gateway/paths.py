"""One spelling per path, decided at the very front of the gateway, before the cache, the
routes and every access decision, so that what is checked is what is forwarded.

RFC 3986 normalisation: percent-encodings of unreserved characters decoded (`%2e` is `.`),
the others kept with upper-case hex, dot-segments removed (§5.2.4), duplicate slashes
collapsed. What cannot be normalised safely is refused with 400: an encoded slash or
backslash (`%2F`, `%5C`: a service would read a different path than the one checked), a raw
backslash, NUL and other control characters, raw bytes outside ASCII, a broken
percent-encoding, and dot-segments that climb above the root. Then the gateway routes on
the normalised path and forwards that path, so `/api/cms/./metrics` is `/api/cms/metrics`
from here on, and is refused as such. The ASGI step that applies it is door.py."""

from __future__ import annotations

import re

# The common case, decided by one match: segments of plain characters, none starting with a
# dot, no percent sign, no backslash, no empty segment (a trailing slash aside).
CLEAN = re.compile(rb"(?:/[A-Za-z0-9_~!$&'()*+,;=:@-][A-Za-z0-9._~!$&'()*+,;=:@-]*)+/?|/")
UNRESERVED = frozenset(b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~")
HEX = frozenset(b"0123456789abcdefABCDEF")


class UnsafePath(ValueError):
    """A path the gateway will not normalise; the message says why."""


def _decode_unreserved(raw: bytes) -> str:
    """The path with unreserved characters decoded and every other escape upper-cased."""
    out: list[str] = []
    i, size = 0, len(raw)
    while i < size:
        byte = raw[i]
        if byte == 0x25:  # %
            hex_digits = raw[i + 1:i + 3]
            if len(hex_digits) != 2 or not set(hex_digits) <= HEX:
                raise UnsafePath("a '%' must start a percent-encoding of two hex digits")
            value = int(hex_digits, 16)
            if value in (0x2F, 0x5C):
                raise UnsafePath("an encoded slash or backslash (%2F, %5C) is not allowed in a path")
            if value < 0x20 or value == 0x7F:
                raise UnsafePath("no NUL or control characters in a path")
            out.append(chr(value) if value in UNRESERVED else f"%{value:02X}")
            i += 3
            continue
        if byte == 0x5C:
            raise UnsafePath("no backslash in a path")
        if byte < 0x20 or byte == 0x7F:
            raise UnsafePath("no NUL or control characters in a path")
        if byte > 0x7F:
            raise UnsafePath("characters outside ASCII must be percent-encoded in a path")
        out.append(chr(byte))
        i += 1
    return "".join(out)


def normalize_path(raw: bytes) -> str | None:
    """The normalised path (still percent-encoded, as it goes on the wire), or None when
    `raw` is already normal; UnsafePath when it cannot be normalised safely."""
    if CLEAN.fullmatch(raw):
        return None
    if not raw.startswith(b"/"):
        raise UnsafePath("the request target must be a path starting with '/'")
    text = _decode_unreserved(raw)
    segments = text.split("/")[1:]
    kept: list[str] = []
    for position, segment in enumerate(segments):
        last = position == len(segments) - 1
        if segment == "..":
            if not kept:
                raise UnsafePath("the path climbs above the root ('..')")
            kept.pop()
            if last:
                kept.append("")  # `/a/b/..` is the directory `/a/`
        elif segment == ".":
            if last:
                kept.append("")
        elif segment or last:  # empty segments are duplicate slashes; a trailing one stays
            kept.append(segment)
    normal = "/" + "/".join(kept) if kept else "/"
    return None if normal.encode("ascii") == raw else normal

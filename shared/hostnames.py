"""Host names by one exact grammar, for the two questions the platform asks of them.

- The gateway: which host does a request's Host header name? RFC 7230 §5.4 (`Host =
  uri-host [ ":" port ]`) with RFC 3986 §3.2.2's host, narrowed to what a web host is: a
  reg-name of LDH labels (IDN as punycode, case folded, one trailing dot dropped), an
  IPv4 address, or an IPv6 literal in brackets; a port of digits from 1 to 65535. No
  user information, path, query, percent-encoding or spaces: a header that is anything
  else is refused before any lookup, so `slug.localhost:8000@evil.example` never names
  the tenant.
- identity: may a tenant claim this name as its custom domain? The same reg-name rule,
  and then nothing that is an IP address in any spelling browsers accept (`127.1`,
  `2130706433`, `0x7f.1`), a single label, a reserved or internal suffix, or the
  platform's own domain: such a name is refused before any DNS work.

A tenant's public origin is built here too, from the name its host record resolved to and
the scheme and port of the platform's public address, never from what a client sent.
"""

from __future__ import annotations

import ipaddress
import re
from functools import lru_cache
from urllib.parse import urlsplit

import idna
import msgspec

# The gateway sends each service the origin it built, under this name (and strips any a
# client sent): billing sends a buyer back there after Stripe Checkout.
SITE_ORIGIN_HEADER = "x-site-origin"

LABEL = re.compile(r"[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?")
PORT = re.compile(r"[0-9]{1,5}")
IPV6_TEXT = re.compile(r"[0-9a-fA-F:.]+")  # no zone id (`%eth0`), no IPvFuture (`v1.x`)
# A last label that browsers (the WHATWG URL standard's "ends in a number") would read as
# part of an IPv4 address: decimal, octal with a leading 0, or hex with 0x.
NUMERIC_LABEL = re.compile(r"[0-9]+|0x[0-9a-f]*")
MAX_NAME = 253
# Never public: special-use and internal names (RFC 6761, 6762, 7686, 8375, 9476, the
# `.internal` of RFC draft and cloud metadata hosts, `.localdomain` of many resolvers).
RESERVED_SUFFIXES = ("localhost", "localdomain", "local", "internal", "home.arpa", "arpa", "test", "example",
                     "invalid", "onion", "alt")


class NotAHost(ValueError):
    """A name outside the grammar, or one a tenant may not claim; the message says why."""


class Host(msgspec.Struct, frozen=True):
    """A Host header, parsed. `name` is canonical: a lower-case LDH reg-name in punycode
    without trailing dot, or an IPv6 literal in brackets (compressed form)."""

    name: str
    port: int | None = None


def canonical_name(raw: str) -> str:
    """A reg-name as LDH labels: internationalized labels to punycode (UTS #46), upper case
    folded, one trailing dot removed; NotAHost for anything else."""
    name = raw[:-1] if raw.endswith(".") else raw
    if not name:
        raise NotAHost("the host name is empty")
    if not name.isascii():
        try:
            name = idna.encode(name, uts46=True, std3_rules=True).decode("ascii")
        except (idna.IDNAError, UnicodeError) as exc:
            raise NotAHost(f"not a valid internationalized host name ({exc})") from None
    name = name.lower()
    if len(name) > MAX_NAME:
        raise NotAHost(f"a host name has at most {MAX_NAME} characters")
    for label in name.split("."):
        if not LABEL.fullmatch(label):
            raise NotAHost("a host name is dot-separated labels of letters, digits and inner hyphens, "
                           "1 to 63 characters each")
        if label.startswith("xn--"):
            try:
                idna.decode(label)
            except (idna.IDNAError, UnicodeError):
                raise NotAHost(f"{label!r} is not valid punycode") from None
    return name


def _refuse_foreign_parts(text: str, what: str) -> None:
    """A clear reason for the parts a host never has."""
    if "@" in text:
        raise NotAHost(f"{what} carries no user information ('@')")
    if any(mark in text for mark in "/?#\\"):
        raise NotAHost(f"{what} carries no path, query or fragment")
    if any(char.isspace() or ord(char) < 0x20 or ord(char) == 0x7F for char in text):
        raise NotAHost(f"{what} has no spaces or control characters")
    if "%" in text:
        raise NotAHost(f"{what} is not percent-encoded")


@lru_cache(maxsize=4096)  # the same few hosts, request after request (the cache fast path asks too)
def parse_host_header(raw: str) -> Host:
    """The host a Host header (or a trusted proxy's X-Forwarded-Host) names."""
    if not raw:
        raise NotAHost("the request names no host")
    _refuse_foreign_parts(raw, "a Host header")
    if raw.startswith("["):
        literal, closed, rest = raw[1:].partition("]")
        if not closed or not IPV6_TEXT.fullmatch(literal):
            raise NotAHost("an IPv6 literal is an IPv6 address in brackets")
        try:
            name = f"[{ipaddress.IPv6Address(literal).compressed}]"
        except ValueError:
            raise NotAHost("an IPv6 literal is an IPv6 address in brackets") from None
    else:
        reg_name, colon, port_text = raw.partition(":")
        if ":" in port_text:
            raise NotAHost("an IPv6 address goes in brackets: [::1]")
        name, rest = canonical_name(reg_name), colon + port_text
    port = None
    if rest:
        digits = rest[1:]
        if not rest.startswith(":") or not PORT.fullmatch(digits) or not 1 <= int(digits) <= 65535:
            raise NotAHost("after the host, only ':' and a port from 1 to 65535 (digits only)")
        port = int(digits)
    return Host(name, port)


def claimable_domain(raw: str, platform_domain: str) -> str:
    """The canonical form of a name a tenant may claim as its custom domain; NotAHost with
    the reason when it may not (checked before any DNS lookup)."""
    text = raw.strip()
    if text.startswith("[") or text.count(":") > 1:
        raise NotAHost("an IP address cannot be a custom domain; use a domain name")
    if ":" in text:
        raise NotAHost("a domain name only, without a port or scheme")
    _refuse_foreign_parts(text, "a domain name")
    name = canonical_name(text)
    labels = name.split(".")
    if NUMERIC_LABEL.fullmatch(labels[-1]):
        raise NotAHost("an IP address (in any spelling) cannot be a custom domain; use a domain name")
    for suffix in RESERVED_SUFFIXES:
        if name == suffix or name.endswith("." + suffix):
            raise NotAHost(f"names under .{suffix} are reserved and never public")
    platform = canonical_name(platform_domain)
    if name == platform or name.endswith("." + platform):
        raise NotAHost("the platform's own domain and its subdomains cannot be a custom domain")
    if len(labels) < 2:
        raise NotAHost("a single-label name is not a public domain")
    return name


def public_origin(name: str, public_base_url: str) -> str:
    """A site's origin as visitors reach it: the canonical name its host record resolved to,
    with the scheme and port of the platform's public address (the edge serves every host
    the same way)."""
    base = urlsplit(public_base_url)
    port = f":{base.port}" if base.port else ""
    return f"{base.scheme}://{name}{port}"

"""The host grammar (shared/hostnames.py): what a Host header may be, what a tenant may
claim as its custom domain, and a site's origin. Every refusal has its accepted twin."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from shared.hostnames import Host, NotAHost, claimable_domain, parse_host_header, public_origin

PLATFORM = "sitebuilder.example.com"


@pytest.mark.parametrize(("raw", "expected"), [
    ("demo.localhost", Host("demo.localhost")),
    ("demo.localhost:8000", Host("demo.localhost", 8000)),
    ("Demo.LOCALHOST:8000", Host("demo.localhost", 8000)),  # upper case folded
    ("demo.localhost.", Host("demo.localhost")),  # one trailing dot dropped
    ("demo.localhost.:443", Host("demo.localhost", 443)),
    ("bücher.example", Host("xn--bcher-kva.example")),  # IDN to punycode
    ("XN--BCHER-KVA.example", Host("xn--bcher-kva.example")),
    ("\uff45\uff58\uff41\uff4d\uff50\uff4c\uff45.com", Host("example.com")),  # UTS #46: full-width letters
    ("ab--cd.example.com", Host("ab--cd.example.com")),  # a plain LDH label may hold "--"
    ("127.0.0.1:8000", Host("127.0.0.1", 8000)),
    ("[::1]", Host("[::1]")),
    ("[::1]:8000", Host("[::1]", 8000)),
    ("[0:0:0:0:0:0:0:1]:65535", Host("[::1]", 65535)),  # IPv6 in its compressed form
    ("x:1", Host("x", 1)),
])
def test_well_formed_hosts_parse_to_their_canonical_form(raw: str, expected: Host) -> None:
    assert parse_host_header(raw) == expected


@pytest.mark.parametrize(("raw", "reason"), [
    ("a@b", "user information"),
    ("slug.localhost:8000@evil.example", "user information"),
    ("evil.example@slug.localhost", "user information"),
    ("user:pw@slug.localhost", "user information"),
    ("::1", "brackets"),  # an unbracketed IPv6 address
    ("::1:8000", "brackets"),
    ("[::1", "brackets"),
    ("[::1]8000", "port"),
    ("[fe80::1%25eth0]", "percent"),  # no zone ids
    ("[v1.fe]", "brackets"),  # no IPvFuture
    ("slug.localhost:0", "port"),
    ("slug.localhost:65536", "port"),
    ("slug.localhost:99999", "port"),
    ("slug.localhost:+80", "port"),
    ("slug.localhost:", "port"),
    ("slug.localhost:80a", "port"),
    ("slug.localhost:8_0", "port"),
    ("slug.localhost:123456", "port"),
    ("slug.localhost/x", "path"),
    ("slug.localhost?x=1", "path"),
    ("slug.localhost#x", "path"),
    ("slug.localhost\\x", "path"),
    ("slug .localhost", "spaces"),
    ("slug.localhost ", "spaces"),
    ("slug.localhost\t", "spaces"),
    ("slug.local\x00host", "control"),
    ("slug%2elocalhost", "percent"),
    ("", "no host"),
    (".", "empty"),
    ("a..b", "labels"),
    (".a", "labels"),
    ("a..", "labels"),
    ("under_score.example.com", "labels"),
    ("-dash.example.com", "labels"),
    ("dash-.example.com", "labels"),
    ("a" * 64 + ".example.com", "labels"),
    (".".join(["a" * 60] * 5), "253"),
    ("xn--zz.example", "punycode"),
    ("bad\ufffd.example", "internationalized"),  # bytes that were not UTF-8
])
def test_anything_else_is_refused_with_its_reason(raw: str, reason: str) -> None:
    with pytest.raises(NotAHost, match=reason):
        parse_host_header(raw)


@given(st.text(max_size=40))
def test_any_text_is_a_canonical_host_or_refused(raw: str) -> None:
    try:
        host = parse_host_header(raw)
    except NotAHost:
        return
    # Accepted names are a fixed point, and carry nothing but host characters.
    assert parse_host_header(host.name) == Host(host.name)
    assert not set(host.name) & set("@/?#\\% \t")


@pytest.mark.parametrize("raw", [
    # IP literals in every spelling a browser or resolver accepts.
    "127.0.0.1", "169.254.169.254", "10.0.0.1", "2130706433", "0x7f.1", "0x7f000001", "127.1", "0177.0.0.1",
    "1.2.3.0x10", "foo.123", "[::1]", "::1", "::ffff:127.0.0.1", "[::ffff:7f00:1]",
    # single labels
    "single", "intranet",
    # reserved and internal suffixes
    "localhost", "foo.localhost", "metadata.google.internal", "printer.local", "box.localdomain",
    "nas.home.arpa", "1.0.0.127.in-addr.arpa", "shop.test", "shop.example", "shop.invalid", "hidden.onion",
    "x.alt",
    # the platform's own domain and its subdomains
    PLATFORM, f"shop.{PLATFORM}", f"a.b.{PLATFORM.upper()}.",
    # not a name at all
    "shop.example.com:8443", "http://shop.example.com", "shop.example.com/path", "owner@shop.example.com",
    "under_score.example.com", "-dash.example.com",
])
def test_a_custom_domain_refuses_what_no_tenant_may_claim(raw: str) -> None:
    with pytest.raises(NotAHost):
        claimable_domain(raw, PLATFORM)


@pytest.mark.parametrize(("raw", "expected"), [
    ("www.example-shop.com", "www.example-shop.com"),
    ("  WWW.Example-Shop.COM.  ", "www.example-shop.com"),
    ("bücher.de", "xn--bcher-kva.de"),
    ("shop.example.com", "shop.example.com"),  # example.com is a real name, .example is not
    ("sitebuilder.example.org", "sitebuilder.example.org"),  # like the platform's, not under it
    ("a1.b2.io", "a1.b2.io"),
])
def test_a_custom_domain_accepts_public_names(raw: str, expected: str) -> None:
    assert claimable_domain(raw, PLATFORM) == expected


def test_the_reason_is_given() -> None:
    with pytest.raises(NotAHost, match="IP address"):
        claimable_domain("2130706433", PLATFORM)
    with pytest.raises(NotAHost, match=r"\.internal are reserved"):
        claimable_domain("metadata.google.internal", PLATFORM)
    with pytest.raises(NotAHost, match="platform's own domain"):
        claimable_domain(f"shop.{PLATFORM}", PLATFORM)
    with pytest.raises(NotAHost, match="single-label"):
        claimable_domain("single", PLATFORM)


def test_a_sites_origin_takes_the_platforms_scheme_and_port() -> None:
    assert public_origin("shop.localhost", "http://localhost:8000") == "http://shop.localhost:8000"
    assert public_origin("www.example-shop.com", "https://sitebuilder.example.com") == "https://www.example-shop.com"
    assert public_origin("a.sitebuilder.example.com", "https://sitebuilder.example.com/") == \
        "https://a.sitebuilder.example.com"

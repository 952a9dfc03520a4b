"""The path rule (services/gateway/paths.py) and the door that applies it with the Host
rule in front of the gateway (door.py): one spelling per path, or a 400. Every refusal has
its allowed twin."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from services.gateway.door import front_door
from services.gateway.paths import UnsafePath, normalize_path
from services.gateway.proxy import wire_path


@pytest.mark.parametrize("raw", [b"/", b"/api/cms/pages", b"/api/cms/pages/9b2f/publish", b"/about/", b"/a-b_c~d",
                                 b"/robots.txt", b"/shop/loaf.html", b"/api/identity/users/me@example.com"])
def test_a_clean_path_is_left_as_it_is(raw: bytes) -> None:
    assert normalize_path(raw) is None


@pytest.mark.parametrize(("raw", "expected"), [
    (b"/api/cms/./metrics", "/api/cms/metrics"),
    (b"/api/billing/x/../metrics", "/api/billing/metrics"),
    (b"/api/identity/./ready", "/api/identity/ready"),
    (b"/api/billing/../cms/metrics", "/api/cms/metrics"),
    (b"/api/cms/x/%2e%2e/metrics", "/api/cms/metrics"),
    (b"/api/cms/x/%2E%2e/metrics", "/api/cms/metrics"),
    (b"/api/cms/x/.%2e/metrics", "/api/cms/metrics"),
    (b"/api/cms/%2e/metrics", "/api/cms/metrics"),
    (b"//api//cms///metrics", "/api/cms/metrics"),
    (b"/api/cms/metrics/.", "/api/cms/metrics/"),
    (b"/a/b/..", "/a/"),
    (b"/a/b/../", "/a/"),
    (b"/a//", "/a/"),
    (b"/%7Euser/%41bc", "/~user/Abc"),  # unreserved characters decoded
    (b"/caf%c3%a9", "/caf%C3%A9"),  # the others kept, hex in upper case
    (b"/a%3fb", "/a%3Fb"),  # an encoded '?' stays part of the path
    (b"/.well-known/jwks.json", None),  # a dot starting a name is no dot-segment
])
def test_dot_segments_escapes_and_duplicate_slashes_are_normalised(raw: bytes, expected: str | None) -> None:
    assert normalize_path(raw) == expected


@pytest.mark.parametrize(("raw", "reason"), [
    (b"/api/cms%2fmetrics", "encoded slash"),
    (b"/api/cms%2Fmetrics", "encoded slash"),
    (b"/api/cms%5cmetrics", "encoded slash"),
    (b"/api/cms%5Cmetrics", "encoded slash"),
    (b"/api\\cms\\metrics", "backslash"),
    (b"/api/cms/metrics%00", "control"),
    (b"/api/cms/\x00metrics", "control"),
    (b"/api/cms/\x1bmetrics", "control"),
    (b"/api/cms/%7f", "control"),
    (b"/api/cms/%0a", "control"),
    (b"/..", "above the root"),
    (b"/../api/cms/metrics", "above the root"),
    (b"/%2e%2e/api/cms/metrics", "above the root"),
    (b"/a/../../etc/passwd", "above the root"),
    (b"/a%zz", "two hex digits"),
    (b"/a%2", "two hex digits"),
    (b"/caf\xc3\xa9", "outside ASCII"),
    (b"http://evil.example/api/cms/metrics", "starting with '/'"),
    (b"*", "starting with '/'"),
])
def test_what_cannot_be_normalised_safely_is_refused(raw: bytes, reason: str) -> None:
    with pytest.raises(UnsafePath, match=reason):
        normalize_path(raw)


@given(st.binary(max_size=40).map(lambda tail: b"/" + tail))
def test_a_normalised_path_is_a_fixed_point_without_dot_segments(raw: bytes) -> None:
    try:
        normal = normalize_path(raw)
    except UnsafePath:
        return
    path = normal if normal is not None else raw.decode("ascii")
    segments = path.split("/")[1:]
    assert path.startswith("/") and "//" not in path
    assert "." not in segments[:-1] and ".." not in segments and "%2F" not in path.upper()
    assert normalize_path(path.encode("ascii")) is None


def run(raw_path: bytes, host: bytes = b"shop.localhost:8000") -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """What the inner app saw and what was sent back, for one request through the step."""
    seen: list[dict[str, Any]] = []
    sent: list[dict[str, Any]] = []

    async def inner(scope: dict[str, Any], receive: Any, send: Any) -> None:
        seen.append(scope)

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": b""}

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    scope = {"type": "http", "method": "GET", "path": raw_path.decode("latin-1"), "raw_path": raw_path,
             "headers": [(b"host", host)], "query_string": b""}
    asyncio.run(front_door(inner)(scope, receive, send))
    return seen, sent


def test_the_step_rewrites_the_scope_before_any_app_sees_it() -> None:
    seen, sent = run(b"/api/cms/./x/%2e%2e/metrics")
    assert sent == [] and seen[0]["path"] == "/api/cms/metrics" and seen[0]["raw_path"] == b"/api/cms/metrics"
    clean, _ = run(b"/api/cms/pages")  # the allowed twin passes untouched
    assert clean[0]["path"] == "/api/cms/pages"


def test_the_step_answers_400_problem_json_itself() -> None:
    seen, sent = run(b"/api/cms%2fmetrics")
    assert seen == [] and sent[0]["status"] == 400
    assert (b"content-type", b"application/problem+json") in sent[0]["headers"]
    assert b"encoded slash" in sent[1]["body"]


def test_the_door_refuses_a_host_outside_the_grammar_before_any_app() -> None:
    seen, sent = run(b"/", host=b"shop.localhost:8000@evil.example")
    assert seen == [] and sent[0]["status"] == 400 and b"user information" in sent[1]["body"]
    seen, sent = run(b"/", host=b"[::1")
    assert seen == [] and sent[0]["status"] == 400
    allowed, _ = run(b"/", host=b"[::1]:8000")  # the twin: well-formed, left to resolution
    assert allowed[0]["path"] == "/"


def test_the_forwarded_path_is_escaped_again_so_it_stays_one_path() -> None:
    # A decoded '?', '#' or '%' must not start a query, a fragment or a new escape upstream.
    assert wire_path("/pages?x=1#top") == "/pages%3Fx=1%23top"
    assert wire_path("/caf\u00e9 100%") == "/caf%C3%A9%20100%25"
    assert wire_path("/api-keys/a_b.c~d/@x:y;z") == "/api-keys/a_b.c~d/@x:y;z"  # pchars pass as they are

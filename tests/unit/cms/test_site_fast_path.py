"""The public site's door in front of Litestar (services/cms/site_fast_path.py): it answers
only signed GETs of /site pages, with the `site` use case's answer, refuses unsigned ones as
GatewayOnly does, and passes everything else to Litestar untouched."""

from __future__ import annotations

import json
import uuid
from types import SimpleNamespace
from typing import Any

import pytest

from services.cms import site_fast_path
from services.cms.delivery import SiteAnswer
from shared.auth import Caller, sign_caller
from shared.errors import NotFound

SECRET = "s" * 32
TENANT = uuid.uuid4()


@pytest.mark.parametrize(("path", "page"), [("/site", "/"), ("/site/", "/"), ("/site/about", "/about"),
                                            ("/site/robots.txt", "/robots.txt"),
                                            ("/site/__preview/abc.1.x", "/__preview/abc.1.x")])
def test_it_takes_the_site_pages(path: str, page: str) -> None:
    assert site_fast_path.handles(scope("GET", path)) == page


@pytest.mark.parametrize(("method", "path"), [("POST", "/site/__forms"), ("GET", "/site/__forms"),
                                              ("HEAD", "/site/"), ("GET", "/pages"), ("GET", "/sites"),
                                              ("GET", "/site/about/"), ("GET", "/health")])
def test_it_leaves_the_rest_to_litestar(method: str, path: str) -> None:
    assert site_fast_path.handles(scope(method, path)) is None


def scope(method: str, path: str, headers: dict[str, str] | None = None) -> dict[str, Any]:
    return {"type": "http", "method": method, "path": path, "raw_path": path.encode(), "query_string": b"",
            "root_path": "", "scheme": "http", "server": ("127.0.0.1", 80), "client": ("127.0.0.1", 1),
            "headers": [(k.encode(), v.encode()) for k, v in (headers or {}).items()], "state": {}}


async def run(request: dict[str, Any], monkeypatch: pytest.MonkeyPatch,
              answer: Any) -> tuple[list[dict[str, Any]], list[Any]]:
    seen: list[Any] = []

    async def answer_site(ctx: Any, caller: Caller, path: str, accept: str) -> SiteAnswer:
        seen.append((caller.tenant_id, path, accept))
        if isinstance(answer, Exception):
            raise answer
        return answer

    async def litestar(scope: Any, receive: Any, send: Any) -> None:
        seen.append("litestar")

    monkeypatch.setattr(site_fast_path, "answer_site", answer_site)
    ctx = SimpleNamespace(settings=SimpleNamespace(internal_secret=SECRET))
    sent: list[dict[str, Any]] = []

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    await site_fast_path.site_fast_path(litestar, lambda: ctx)(request, None, send)  # type: ignore[arg-type]
    return sent, seen


def signed(path: str, **extra: str) -> dict[str, str]:
    return {**sign_caller(SECRET, Caller(tenant_id=TENANT, request_id="r1"), method="GET", path=path), **extra}


async def test_a_signed_get_is_answered_by_the_use_case(monkeypatch: pytest.MonkeyPatch) -> None:
    page = SiteAnswer(status=200, headers={"etag": '"e"', "content-type": "text/html; charset=utf-8"}, body=b"<p>")
    sent, seen = await run(scope("GET", "/site/about", signed("/site/about", accept="application/json")),
                           monkeypatch, page)
    assert seen == [(TENANT, "/about", "application/json")]
    assert sent[0]["status"] == 200 and (b"etag", b'"e"') in sent[0]["headers"]
    assert (b"content-length", b"3") in sent[0]["headers"] and sent[1]["body"] == b"<p>"


async def test_an_unsigned_or_missigned_get_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    page = SiteAnswer(status=200, headers={}, body=b"<p>")
    for headers in ({}, signed("/site/other")):  # no signature; a signature for another path
        sent, seen = await run(scope("GET", "/site/about", headers), monkeypatch, page)
        assert seen == [] and sent[0]["status"] == 401
        assert (b"content-type", b"application/problem+json") in sent[0]["headers"]


async def test_use_case_errors_are_the_same_problems(monkeypatch: pytest.MonkeyPatch) -> None:
    sent, _ = await run(scope("GET", "/site/nope", signed("/site/nope")), monkeypatch, NotFound("no page here"))
    problem = json.loads(sent[1]["body"])
    assert sent[0]["status"] == 404 and problem["detail"] == "no page here" and problem["instance"] == "/site/nope"


async def test_other_requests_go_to_litestar(monkeypatch: pytest.MonkeyPatch) -> None:
    sent, seen = await run(scope("POST", "/site/__forms", signed("/site/__forms")), monkeypatch, None)
    assert seen == ["litestar"] and sent == []

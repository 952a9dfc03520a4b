"""The NUL rule (shared/bodies.py): no text of a request holds U+0000, in a JSON body, a form,
an uploaded file's name, a path or a query string; each refusal beside the nearest input
that passes. And the one fallback for a value the database still cannot take
(shared/errors.py): a generic 422, the driver's words only in the log."""

from __future__ import annotations

import json
import logging
from typing import Annotated, Any

import asyncpg
import msgspec
import pytest
from hypothesis import given
from hypothesis import strategies as st
from litestar import Litestar, Request, get, post
from litestar.enums import RequestEncodingType
from litestar.params import Body, JSONBody
from litestar.testing import TestClient

from shared.bodies import CheckedBodies, CheckedTargets, decode_json, nul_in_json, read_form
from shared.errors import EXCEPTION_HANDLERS, BadRequest


class Login(msgspec.Struct):
    email: str
    password: str = ""


@post("/login", sync_to_thread=False)
def login(data: JSONBody[Login]) -> str:
    return data.email


@post("/form", sync_to_thread=False)
def form(data: Annotated[dict[str, Any], Body(media_type=RequestEncodingType.MULTI_PART)]) -> list[str]:
    return sorted(data)


@post("/own-form")
async def own_form(request: Request[Any, Any, Any]) -> list[str]:
    return sorted(await read_form(request))


@get("/search", sync_to_thread=False)
def search(q: str = "", filename: str = "") -> str:
    return q + filename


@get("/items/{name:str}", sync_to_thread=False)
def item(name: str) -> str:
    return name


@get("/broken", sync_to_thread=False)
def broken() -> None:
    raise asyncpg.DataError("invalid input for query argument $2: 2147483648 (value out of int32 range)")


app = Litestar([login, form, own_form, search, item, broken], middleware=[CheckedTargets(), CheckedBodies()],
               exception_handlers=EXCEPTION_HANDLERS)  # type: ignore[arg-type]


def holds_nul(value: Any) -> bool:
    """Whether a decoded JSON value has U+0000 in any string or key."""
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, dict):
        return any(holds_nul(key) or holds_nul(item) for key, item in value.items())
    return isinstance(value, list) and any(holds_nul(item) for item in value)


def problem(response: Any, status: int = 400) -> str:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/problem+json"
    return str(response.json()["detail"])


# --- JSON: the escape, wherever a string is ------------------------------------------------

NUL_BODIES = {
    "in a value": rb'{"email": "a\u0000@b.example"}',
    "alone": rb'{"email": "\u0000"}',
    "in a key": rb'{"em\u0000ail": "a@b.example"}',
    "deep in an array": rb'{"email": "x", "more": [[{"k": ["\u0000"]}]]}',
    "after an escaped backslash": rb'{"email": "a\\\u0000"}',  # a backslash, then NUL
    "after an escaped quote": rb'{"email": "a\"\u0000"}',
    "followed by digits": rb'{"email": "\u00000"}',  # NUL, then "0"
}
TWINS = {
    "an escaped backslash and the word u0000": rb'{"email": "a\\u0000"}',
    "two escaped backslashes and the word": rb'{"email": "a\\\\u0000"}',
    "another control character": rb'{"email": "a\u0001"}',
    "a near escape": rb'{"email": "\u0100\u1000"}',
    "the digits alone": rb'{"email": "u0000 and 0000"}',
}


@pytest.mark.parametrize("body", NUL_BODIES.values(), ids=NUL_BODIES.keys())
def test_a_nul_anywhere_in_json_text_is_a_400_that_says_so(body: bytes) -> None:
    assert holds_nul(json.loads(body))  # the variant holds a NUL indeed
    with pytest.raises(BadRequest, match="U\\+0000"):
        decode_json(body)
    with TestClient(app) as client:
        assert "U+0000" in problem(client.post("/login", content=body, headers={"content-type": "application/json"}))


@pytest.mark.parametrize("body", TWINS.values(), ids=TWINS.keys())
def test_the_twins_without_a_nul_pass(body: bytes) -> None:
    assert not holds_nul(json.loads(body))
    assert decode_json(body)
    with TestClient(app) as client:
        assert client.post("/login", content=body, headers={"content-type": "application/json"}).status_code == 201


@given(st.recursive(st.text() | st.integers(), lambda inner: st.lists(inner) | st.dictionaries(st.text(), inner)))
def test_the_json_scan_is_exact(value: Any) -> None:
    """What the scan says is what decoding would give: a NUL in some string, or not."""
    as_written = (json.dumps(value), json.dumps(value, ensure_ascii=False))
    for body in (*(text.encode() for text in as_written), msgspec.json.encode(value)):
        assert nul_in_json(body) == holds_nul(value), body


# --- forms, file names, paths and query strings --------------------------------------------


def multipart(name: str, filename: str | None, value: bytes) -> tuple[bytes, dict[str, str]]:
    disposition = f'form-data; name="{name}"' + (f'; filename="{filename}"' if filename is not None else "")
    body = (f"--b0undary\r\nContent-Disposition: {disposition}\r\n\r\n".encode() + value
            + b"\r\n--b0undary--\r\n")
    return body, {"content-type": "multipart/form-data; boundary=b0undary"}


def test_a_nul_in_a_form_field_or_a_file_name_is_a_400_and_its_twin_passes() -> None:
    url_encoded = {"content-type": "application/x-www-form-urlencoded"}
    with TestClient(app) as client:
        for route in ("/form", "/own-form"):
            body, headers = multipart("file", "a\x00b.png", b"\x89PNG")
            assert "name of a file" in problem(client.post(route, content=body, headers=headers))
            body, headers = multipart("note", None, b"a\x00b")
            assert "field of the form" in problem(client.post(route, content=body, headers=headers))
            body, headers = multipart("file", "ab.png", b"\x89PNG\x00")  # a file's bytes are not text
            assert client.post(route, content=body, headers=headers).status_code == 201, route
        assert "field of the form" in problem(client.post("/own-form", content=b"email=a%00b", headers=url_encoded))
        assert "field of the form" in problem(client.post("/own-form", content=b"e%00mail=ab", headers=url_encoded))
        assert client.post("/own-form", content=b"email=a%2500b", headers=url_encoded).json() == ["email"]


@pytest.mark.parametrize("target", ["/search?q=a%00b", "/search?filename=a%00b.png", "/search?q=%00",
                                    "/search?x=1&filename=%00.png", "/search?q=%25%00"])
def test_a_nul_in_the_query_string_is_a_400_naming_it(target: str) -> None:
    with TestClient(app) as client:
        assert "the query string holds U+0000" in problem(client.get(target))


@pytest.mark.parametrize("target", ["/items/a%00b", "/items/%00"])
def test_a_nul_in_the_path_is_a_400_naming_it(target: str) -> None:
    with TestClient(app) as client:
        assert "the path holds U+0000" in problem(client.get(target))


@pytest.mark.parametrize(("target", "answer"), [("/search?q=a%2500b", "a%00b"), ("/search?q=100%25", "100%"),
                                                ("/search?filename=a%01b.png", "a\x01b.png"),
                                                ("/items/a%01b", "a\x01b"), ("/items/100%25", "100%")])
def test_the_twins_of_a_nul_target_pass(target: str, answer: str) -> None:
    with TestClient(app) as client:
        response = client.get(target)
    assert response.status_code == 200 and response.text == answer, response.text


# --- the database's own refusal ------------------------------------------------------------


def test_a_value_the_database_cannot_store_is_a_generic_422_and_the_driver_text_is_logged(
        caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING, logger="errors"), TestClient(app) as client:
        response = client.get("/broken")
    detail = problem(response, 422)
    assert detail == "a value in the request cannot be stored: check its text and the size of its numbers"
    for driver_words in ("$2", "int32", "query argument", "2147483648"):
        assert driver_words not in response.text
    assert "value out of int32 range" in caplog.text  # for the operator, not the caller

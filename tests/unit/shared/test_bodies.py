"""The body rule (shared/bodies.py): each refusal beside the nearest body that passes, for
`decode_json` itself and for a Litestar app with the `CheckedBodies` middleware, the way
every service runs it."""

from __future__ import annotations

import base64
import json
import uuid
from datetime import UTC, datetime
from typing import Annotated, Any

import msgspec
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from litestar import Litestar, Request, post
from litestar.enums import RequestEncodingType
from litestar.params import Body, JSONBody
from litestar.testing import TestClient

from shared.bodies import MAX_DEPTH, MAX_FORM_FIELDS, CheckedBodies, decode_json, json_depth, read_form
from shared.errors import EXCEPTION_HANDLERS, AppError, BadRequest, Invalid, PayloadTooLarge
from shared.pagination import decode_cursor, encode_cursor


def nested(depth: int, kind: str) -> bytes:
    """An array or object `depth` levels deep."""
    if kind == "[":
        return b"[" * depth + b"1" + b"]" * depth
    return b'{"k":' * (depth - 1) + b"{}" + b"}" * (depth - 1)


def refused(body: bytes, expected: Any = None, **limits: Any) -> AppError:
    with pytest.raises(AppError) as caught:
        decode_json(body, expected, **limits)
    return caught.value


# --- depth ---------------------------------------------------------------------------------

@pytest.mark.parametrize("kind", ["[", "{"])
def test_depth_at_the_limit_passes_and_one_deeper_is_malformed(kind: str) -> None:
    assert json_depth(nested(MAX_DEPTH, kind)) == MAX_DEPTH
    decode_json(nested(MAX_DEPTH, kind))
    error = refused(nested(MAX_DEPTH + 1, kind))
    assert isinstance(error, BadRequest) and f"deeper than {MAX_DEPTH}" in str(error)


def test_the_probe_body_nested_ten_thousand_deep_is_a_400_not_a_recursion_error() -> None:
    for body in (b"[" * 10_000 + b"]" * 10_000, b'{"a":' * 10_000 + b"1" + b"}" * 10_000, b"[" * 10_000):
        assert isinstance(refused(body), BadRequest)
    with pytest.raises(RecursionError):  # what the rule stands in front of
        msgspec.json.decode(b"[" * 10_000 + b"]" * 10_000)


def test_brackets_inside_strings_do_not_count_and_cannot_hide_depth() -> None:
    in_strings = json.dumps({"text": "[" * 1000 + "{" * 1000, "escaped": '\\"[[[[' * 50, "slash": "\\" * 9}).encode()
    assert json_depth(in_strings) == 1
    decode_json(in_strings)
    # Closing brackets in a string before the deep part would lower a naive count: not this one.
    hiding = b'["' + b"]" * 200 + b'",' + b"[" * 100 + b"]" * 100 + b"]"
    assert json_depth(hiding) == 101
    assert isinstance(refused(hiding), BadRequest)


JSON = st.recursive(st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False, allow_infinity=False)
                    | st.text(alphabet=st.sampled_from('[]{}"\\ab\u00e9/')),
                    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(
                        st.text(alphabet=st.sampled_from('[]{}"\\k'), max_size=3), inner, max_size=3),
                    max_leaves=30)


def reference_depth(value: Any) -> int:
    if isinstance(value, list):
        return 1 + max(map(reference_depth, value), default=0)
    if isinstance(value, dict):
        return 1 + max(map(reference_depth, value.values()), default=0)
    return 0


@settings(max_examples=300, deadline=None)
@given(value=JSON, pretty=st.booleans())
def test_the_depth_scan_is_exact_for_any_json(value: Any, pretty: bool) -> None:
    body = json.dumps(value, indent=1 if pretty else None).encode()
    assert json_depth(body) == reference_depth(value)
    assert decode_json(body) == msgspec.json.decode(body)


# --- encoding ------------------------------------------------------------------------------

@pytest.mark.parametrize("body", [
    b'{"slug":"/\xff\xfe"}',  # the probe's body: not UTF-8 in a string
    b'{"\xff":1}',  # in a key
    b'{"slug":"\xc0\xaf"}',  # an overlong encoding of "/"
    b'{"slug":"\xed\xa0\x80"}',  # a surrogate encoded as UTF-8 (CESU)
    b'{"slug":"\xe2\x82"}',  # a sequence cut short
    b'{"slug":"ok"}\xff',  # outside any string
])
def test_a_body_that_is_not_utf8_is_malformed(body: bytes) -> None:
    error = refused(body)
    assert isinstance(error, BadRequest) and "UTF-8" in str(error)


def test_utf8_passes_whatever_the_script() -> None:
    assert decode_json('{"slug":"/café","title":"日本 😀"}'.encode()) == {"slug": "/café", "title": "日本 😀"}


def test_a_lone_surrogate_escape_is_refused_and_a_pair_passes() -> None:
    """msgspec refuses `\\ud800` alone (the stdlib would pass it on, and PostgreSQL or an
    encoder would fail later); a correct pair is one character."""
    for body in (rb'{"slug":"\ud800"}', rb'{"slug":"\udc00x"}', rb'{"\ud800":1}'):
        assert isinstance(refused(body), BadRequest)
    assert decode_json(rb'{"slug":"\ud83d\ude00"}') == {"slug": "\U0001f600"}


def test_a_byte_order_mark_is_refused_with_its_name() -> None:
    error = refused(b"\xef\xbb\xbf{}")
    assert isinstance(error, BadRequest) and "byte-order mark" in str(error)
    assert decode_json(b"{}") == {}


# --- size, emptiness, syntax ---------------------------------------------------------------

def test_size_at_the_limit_passes_and_one_byte_more_is_413() -> None:
    body = b'{"a":"' + b"x" * 94 + b'"}'
    assert len(body) == 102
    assert decode_json(body, max_bytes=102) == {"a": "x" * 94}
    assert isinstance(refused(body, max_bytes=101), PayloadTooLarge)


@pytest.mark.parametrize("body", [b"", b"   \n", b'{"a":1} x', b'{"a":1}{}', b'{"a":1', b"{'a':1}", b"nul",
                                  b'{"a":1,}', b"NaN"])
def test_empty_truncated_or_trailing_garbage_is_malformed(body: bytes) -> None:
    assert isinstance(refused(body), BadRequest)


def test_whitespace_around_a_value_is_json() -> None:
    assert decode_json(b' \n{"a": 1}\n ') == {"a": 1}


# --- top-level type and shape --------------------------------------------------------------

class PageIn(msgspec.Struct, forbid_unknown_fields=True):
    slug: str


@pytest.mark.parametrize("body", [b'[{"slug":"/a"}]', b'"/a"', b"null", b"1", b"true"])
def test_a_well_formed_body_of_the_wrong_top_level_type_is_422(body: bytes) -> None:
    for expected in (dict[str, Any], PageIn):
        error = refused(body, expected)
        assert isinstance(error, Invalid) and "expected shape" in str(error)


def test_the_right_top_level_type_passes() -> None:
    assert decode_json(b'{"slug":"/a"}', dict[str, Any]) == {"slug": "/a"}
    assert decode_json(b'{"slug":"/a"}', PageIn) == PageIn(slug="/a")
    assert decode_json(b"[1,2]", list[int]) == [1, 2]
    assert isinstance(refused(b'{"slug":1}', PageIn), Invalid)  # wrong shape inside: 422 as well


# --- the middleware, as every service runs it ----------------------------------------------

@post("/pages", sync_to_thread=False)
def create_page(data: JSONBody[PageIn]) -> dict[str, str]:
    return {"slug": data.slug}


@post("/theme", sync_to_thread=False)
def set_theme(data: JSONBody[dict[str, Any]]) -> dict[str, Any]:
    return data


@post("/ids", sync_to_thread=False)
def take_ids(data: JSONBody[list[int]]) -> int:
    return len(data)


@post("/maybe", sync_to_thread=False)
def maybe(data: JSONBody[PageIn | None] = None) -> str:
    return data.slug if data else "none"


@post("/upload", sync_to_thread=False)
def upload(data: Annotated[dict[str, Any], Body(media_type=RequestEncodingType.MULTI_PART)]) -> dict[str, str]:
    return {"name": str(data.get("name")), "file": data["file"].filename}


@post("/form")
async def form(request: Request[Any, Any, Any]) -> dict[str, Any]:
    return await read_form(request)


@post("/raw")
async def raw(request: Request[Any, Any, Any]) -> int:
    return len(b"".join([chunk async for chunk in request.stream()]))


app = Litestar([create_page, set_theme, take_ids, maybe, upload, form, raw], middleware=[CheckedBodies()],
               exception_handlers=EXCEPTION_HANDLERS)  # type: ignore[arg-type]
JSON_HEADERS = {"content-type": "application/json"}


@pytest.fixture(scope="module")
def client() -> Any:
    with TestClient(app) as test_client:
        yield test_client


def problem(response: Any, status: int) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/problem+json"
    return response.json()


@pytest.mark.parametrize("path", ["/pages", "/theme", "/ids", "/maybe"])
def test_every_json_route_refuses_deep_and_non_utf8_bodies_as_400(client: Any, path: str) -> None:
    for body in (b"[" * 10_000 + b"]" * 10_000, b'{"slug":"/\xff\xfe"}', b'{"slug":"/a"} trailing'):
        problem(client.post(path, content=body, headers=JSON_HEADERS), 400)
    # Litestar decodes a `data` body as JSON whatever the content type says: so does the rule.
    problem(client.post(path, content=b"[" * 10_000, headers={"content-type": "text/plain"}), 400)


def test_the_top_level_type_comes_from_the_handler(client: Any) -> None:
    for path, wrong, right, answer in (("/pages", b'["/a"]', b'{"slug":"/a"}', {"slug": "/a"}),
                                       ("/theme", b'"blue"', b'{"colour":"blue"}', {"colour": "blue"}),
                                       ("/ids", b'{"ids":[1]}', b"[1,2,3]", 3)):
        assert "must be" in problem(client.post(path, content=wrong, headers=JSON_HEADERS), 422)["detail"]
        allowed = client.post(path, content=right, headers=JSON_HEADERS)
        assert allowed.status_code == 201 and allowed.json() == answer, allowed.text
    problem(client.post("/pages", content=b"null", headers=JSON_HEADERS), 422)
    problem(client.post("/pages", content=b'{"slug":1}', headers=JSON_HEADERS), 422)  # Litestar's own check


def test_a_required_body_may_not_be_empty(client: Any) -> None:
    for path in ("/pages", "/theme", "/ids"):
        for body in (b"", b" \n"):
            assert "empty" in problem(client.post(path, content=body, headers=JSON_HEADERS), 400)["detail"]


def test_an_optional_body_may_be_null_or_absent(client: Any) -> None:
    assert client.post("/maybe", content=b"null", headers=JSON_HEADERS).text == "none"
    assert client.post("/maybe").text == "none"
    assert client.post("/maybe", content=b'{"slug":"/b"}', headers=JSON_HEADERS).text == "/b"
    problem(client.post("/maybe", content=b"[]", headers=JSON_HEADERS), 422)


def test_an_oversized_json_body_is_413_before_it_is_decoded() -> None:
    small = Litestar([create_page], middleware=[CheckedBodies(max_json_bytes=100)],
                     exception_handlers=EXCEPTION_HANDLERS)  # type: ignore[arg-type]
    with TestClient(small) as client:
        body = b'{"slug":"/' + b"a" * 88 + b'"}'
        assert len(body) == 100
        assert client.post("/pages", content=body, headers=JSON_HEADERS).status_code == 201
        problem(client.post("/pages", content=body + b" ", headers=JSON_HEADERS), 413)


def test_a_multipart_field_that_is_not_text_in_its_charset_is_400(client: Any) -> None:
    image = ("a.png", b"\x89PNG\xff\xfe", "image/png")  # files are bytes: never decoded
    good = client.post("/upload", files={"file": image}, data={"name": "café"})
    assert good.status_code == 201 and good.json() == {"name": "café", "file": "a.png"}, good.text
    boundary = "b0undary"
    for part_headers, value in ((b'Content-Disposition: form-data; name="name"', b"\xff\xfe"),
                                (b'Content-Disposition: form-data; name="name"\r\nContent-Type: text/plain; '
                                 b"charset=no-such-charset", b"x")):
        body = (f"--{boundary}\r\n".encode() + part_headers + b"\r\n\r\n" + value + b"\r\n"
                + f"--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.png\"\r\n"
                  f"Content-Type: image/png\r\n\r\n".encode() + b"\x89PNG" + f"\r\n--{boundary}--\r\n".encode())
        response = client.post("/upload", content=body,
                               headers={"content-type": f"multipart/form-data; boundary={boundary}"})
        assert "charset" in problem(response, 400)["detail"]


def test_forms_are_utf8_and_bounded_in_fields(client: Any) -> None:
    form_type = {"content-type": "application/x-www-form-urlencoded"}
    good = client.post("/form", content=b"name=Zo%C3%AB&msg=hi&msg=again", headers=form_type)
    assert good.status_code == 201 and good.json() == {"name": "Zoë", "msg": ["hi", "again"]}, good.text
    problem(client.post("/form", content=b"name=%FF%FE", headers=form_type), 400)  # percent-encoded, not UTF-8
    problem(client.post("/form", content=b"name=\xff", headers=form_type), 400)  # raw, not UTF-8
    at_limit = "&".join(f"f{i}=x" for i in range(MAX_FORM_FIELDS)).encode()
    assert client.post("/form", content=at_limit, headers=form_type).status_code == 201
    problem(client.post("/form", content=at_limit + b"&one=more", headers=form_type), 400)
    problem(client.post("/form", content=b"name=" + b"x" * 70_000, headers=form_type), 413)
    problem(client.post("/form", content=b'{"name":"x"}', headers=JSON_HEADERS), 415)


def test_a_route_that_reads_its_own_body_is_left_alone(client: Any) -> None:
    """Raw uploads and webhooks read the stream themselves: the middleware must not consume it."""
    response = client.post("/raw", content=b"[" * 10_000 + b"\xff", headers=JSON_HEADERS)
    assert response.status_code == 201 and response.json() == 10_001


# --- JSON in a query parameter -------------------------------------------------------------

def test_a_pagination_cursor_is_decoded_by_the_same_rule() -> None:
    """A cursor is base64 of JSON from the client (shared/pagination.py): nested 10,000 deep,
    it is the same refusal as a bad cursor, not a RecursionError; a real one still reads."""
    at, row_id = datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC), uuid.uuid4()
    assert decode_cursor(encode_cursor(at, row_id)) == (at, row_id)
    for raw in (b"[" * 10_000, b"[" * 10_000 + b"]" * 10_000, b'["\xff", "x"]', b"[" + b"1," * 200 + b"1]"):
        with pytest.raises(Invalid, match="cursor"):
            decode_cursor(base64.urlsafe_b64encode(raw).decode().rstrip("="))

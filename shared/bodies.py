"""The one rule for request bodies, applied at the edge of every service before a handler
sees them: how large a body may be, that it is UTF-8, how deep JSON may nest, and which
top-level type it must have. A body that breaks the rule is a 4xx problem, never a 5xx:

- too large: 413;
- malformed (not UTF-8, not JSON, deeper than MAX_DEPTH, a form that cannot be parsed): 400;
- well-formed but the wrong shape (an array where an object is expected): 422.

Why depth is checked before decoding: msgspec (and the standard library) decode nested
values by recursion, so a body nested 10,000 deep raises RecursionError, an exception no
handler expects. The check is a scan of the brackets outside strings with C-speed steps
(`bytes.replace` drops escapes, `bytes.translate` keeps quotes and brackets, `split` skips
strings, `accumulate` runs the depth), so the body is decoded once, by msgspec: about 1 ms
for a 1 MB page tree, beside msgspec's 1.7 ms.

No text of a request holds U+0000 (NUL): PostgreSQL's text cannot store it, and no field
means it. A JSON body with the escape `\\u0000` in a string (a raw NUL byte is not JSON at
all), a form field or an uploaded file's name with a NUL, and a path or query string with
one (raw or `%00`: path and query parameters, and the filenames sent in them) are a 400 that
says which input held it. For JSON the check is a byte search, which nearly every body
passes at memchr speed; only a body with the escape has its escaped backslashes dropped
first (`\\\\u0000` is a backslash and the word u0000, not a NUL).

`CheckedBodies` (in every service's middleware, see shared/web.py) applies the rule to
every route that declares a JSON or form `data` parameter, and leaves the decoded value
where Litestar looks for it; handlers that read the body themselves (a webhook that checks
a signature first, a contact form) call `decode_json` / `read_form` here. `CheckedTargets`,
beside it, applies the NUL rule to every request's path and query string.
"""

from __future__ import annotations

import codecs
import contextlib
from array import array
from collections.abc import AsyncIterator
from itertools import accumulate
from typing import Any, TypeVar, cast, overload
from urllib.parse import parse_qsl

import msgspec
from litestar import Request
from litestar._multipart import parse_multipart_form
from litestar.enums import RequestEncodingType, ScopeType
from litestar.exceptions import ClientException
from litestar.middleware import ASGIMiddleware
from litestar.params import BodyKwarg
from litestar.types import ASGIApp, Receive, Scope, Send
from litestar.typing import FieldDefinition
from litestar.utils.scope.state import ScopeState

from shared.errors import BadRequest, Invalid, PayloadTooLarge, UnsupportedMediaType

T = TypeVar("T")

MAX_JSON_BYTES = 2 * 1024 * 1024  # the gateway's JSON limit too: a page tree may be 1 MB
# Levels of arrays and objects. A page tree is at most 12 nodes deep (services/cms/tree.py),
# about 30 JSON levels with its props and the body around it; Stripe's events are shallower.
MAX_DEPTH = 64
MAX_FORM_BYTES = 64 * 1024  # forms are a visitor's message or a Buy button, not uploads
MAX_FORM_FIELDS = 200

_NOT_MARKS = bytes(b for b in range(256) if b not in b'"[]{}')
_AS_STEPS = bytes.maketrans(b"[{]}", b"\x01\x01\xff\xff")  # +1 and -1 as signed bytes
_DECODER = msgspec.json.Decoder()


@overload
def decode_json(body: bytes, expected: type[T], *, max_bytes: int = ..., max_depth: int = ...) -> T: ...
@overload
def decode_json(body: bytes, expected: None = None, *, max_bytes: int = ..., max_depth: int = ...) -> Any: ...
def decode_json(body: bytes, expected: Any = None, *, max_bytes: int = MAX_JSON_BYTES,
                max_depth: int = MAX_DEPTH) -> Any:
    """The body as `expected` (any msgspec type; None: any JSON value), or the 4xx that says why not."""
    if len(body) > max_bytes:
        raise PayloadTooLarge(f"a JSON body is limited to {max_bytes:,} bytes")
    check_utf8(body)
    if body.startswith(codecs.BOM_UTF8):
        raise BadRequest("the body starts with a byte-order mark; send JSON without one")
    if not body or body.isspace():
        raise BadRequest("the body is empty; send JSON")
    if too_deep(body, max_depth):
        raise BadRequest(f"the JSON nests deeper than {max_depth} levels")
    if nul_in_json(body):
        raise BadRequest(f"a string of the body holds U+0000 (NUL, \\u0000); {NO_NUL}")
    try:
        return _DECODER.decode(body) if expected is None else msgspec.json.decode(body, type=expected)
    except msgspec.ValidationError as exc:
        raise Invalid(f"the body does not have the expected shape: {exc}") from None
    except msgspec.DecodeError as exc:  # lone surrogates (\ud800) land here too: msgspec refuses them
        raise BadRequest(f"the body is not valid JSON: {exc}") from None


def check_utf8(data: bytes, what: str = "the body") -> str:
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise BadRequest(f"{what} is not UTF-8 (byte {exc.start})") from None


NO_NUL = "no text the platform takes may hold it"
_NUL_ESCAPE = b"\\u0000"


def nul_in_json(body: bytes) -> bool:
    """Whether a JSON text's strings hold U+0000, written as the escape \\u0000 (exact for
    valid JSON: escaped backslashes are dropped first, as json_depth does)."""
    return _NUL_ESCAPE in body and _NUL_ESCAPE in body.replace(b"\\\\", b"")


def nul_in_target(scope: Scope) -> str | None:
    """Which part of the request target holds U+0000 ("the path", "the query string"), or
    None. `%00` is always a NUL once decoded: no other escape can end in or swallow it."""
    if "\x00" in scope["path"]:  # decoded: what routing reads path parameters from
        return "the path"
    query: bytes = scope.get("query_string", b"")
    if b"%00" in query or b"\x00" in query:
        return "the query string"
    return None


def _refuse_nul_in_form(fields: dict[str, Any]) -> None:
    for name, value in fields.items():
        for each in value if isinstance(value, list) else [value]:
            text = each if isinstance(each, str) else getattr(each, "filename", None) or ""
            if "\x00" in name or "\x00" in text:
                what = "the name of a file" if not isinstance(each, str) else "a field of the form"
                raise BadRequest(f"{what} holds U+0000 (NUL); {NO_NUL}")


def too_deep(body: bytes, max_depth: int) -> bool:
    # Fewer brackets than the limit cannot nest past it: most bodies stop at two counts.
    return body.count(b"[") + body.count(b"{") > max_depth and json_depth(body) > max_depth


def json_depth(body: bytes) -> int:
    """How deep arrays and objects nest in a JSON text: exact for valid JSON; for invalid
    JSON an estimate (which the decoder then refuses anyway)."""
    # Escaped backslashes, then escaped quotes, go first (left to right, as JSON reads them);
    # then only quotes and brackets are kept. Two adjacent quotes are an empty string, or the
    # end of one string and the start of the next with nothing between: dropping them changes
    # nothing, and leaves only the strings that hold brackets for the split to skip.
    if b"\\" in body:  # one byte is found at memchr speed; the pairs are not
        body = body.replace(b"\\\\", b"").replace(b'\\"', b"")
    marks = body.translate(None, _NOT_MARKS).replace(b'""', b"")
    if b'"' in marks:
        marks = b"".join(marks.split(b'"')[::2])
    return max(accumulate(array("b", marks.translate(_AS_STEPS))), default=0)


def _top_level(value: Any, expected: tuple[type, ...]) -> None:
    if expected and not isinstance(value, expected):
        wanted = " or ".join("an object" if t is dict else "an array" if t is list else "null" for t in expected)
        raise Invalid(f"the body must be {wanted}, not {_json_type(value)}")


def _json_type(value: Any) -> str:
    names = {dict: "an object", list: "an array", str: "a string", bool: "a boolean", int: "a number",
             float: "a number", type(None): "null"}
    return names.get(type(value), type(value).__name__)


async def read_body(request: Request[Any, Any, Any], max_bytes: int) -> bytes:
    """The whole body, refused with 413 as soon as it passes `max_bytes` (announced or sent)."""
    body = b"".join([chunk async for chunk in _bounded(request, max_bytes)])
    ScopeState.from_scope(request.scope).body = body  # where Request.body() looks first
    return body


async def _bounded(request: Request[Any, Any, Any], max_bytes: int) -> AsyncIterator[bytes]:
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > max_bytes:
        raise PayloadTooLarge(f"the body is limited to {max_bytes:,} bytes")
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > max_bytes:
            raise PayloadTooLarge(f"the body is limited to {max_bytes:,} bytes")
        yield chunk


async def read_form(request: Request[Any, Any, Any], *, max_bytes: int = MAX_FORM_BYTES,
                    max_fields: int = MAX_FORM_FIELDS) -> dict[str, Any]:
    """A url-encoded or multipart form as {name: value, or a list of values}: UTF-8 names and
    values, at most `max_fields` of them; anything else is a 400 (or 413 when too large)."""
    content_type, options = request.content_type
    if content_type == RequestEncodingType.MULTI_PART and options.get("boundary"):
        return await _multipart(request, options["boundary"], max_bytes, max_fields)
    if content_type != RequestEncodingType.URL_ENCODED:
        await _read_before_refusing(request, max_bytes)
        if content_type == RequestEncodingType.MULTI_PART:
            raise BadRequest("multipart/form-data needs a boundary")
        raise UnsupportedMediaType("send the form as application/x-www-form-urlencoded or multipart/form-data")
    body = await read_body(request, max_bytes)
    try:
        pairs = parse_qsl(check_utf8(body, "the form"), keep_blank_values=True, encoding="utf-8",
                          errors="strict", max_num_fields=max_fields)
    except UnicodeDecodeError:
        raise BadRequest("the form's percent-encoded text is not UTF-8") from None
    except ValueError:  # "Max number of fields exceeded"
        raise BadRequest(f"a form has at most {max_fields} fields") from None
    fields: dict[str, Any] = {}
    for name, value in pairs:  # a repeated name gets a list, as Litestar's own forms do
        if name not in fields:
            fields[name] = value
        elif isinstance(fields[name], list):
            fields[name].append(value)
        else:
            fields[name] = [fields[name], value]
    _refuse_nul_in_form(fields)
    return fields


async def _read_before_refusing(request: Request[Any, Any, Any], max_bytes: int) -> None:
    """Read (and drop) a body about to be refused for its kind: a server that answers before
    the body is in must close the connection, and a proxy still sending it on a kept-alive
    connection sees a reset instead of the answer (the gateway's 502). A body past the limit
    is not read on: the refusal closes the connection then, as it must."""
    with contextlib.suppress(PayloadTooLarge):
        await read_body(request, max_bytes)


async def _multipart(request: Request[Any, Any, Any], boundary: str, max_bytes: int,
                     max_fields: int) -> dict[str, Any]:
    try:
        # Litestar's own parser (the one its `data` extraction uses), which decodes every
        # field that is not a file with the part's charset: a wrong byte or an unknown
        # charset would escape it as UnicodeDecodeError / LookupError.
        fields = await parse_multipart_form(stream=_bounded(request, max_bytes), boundary=boundary.encode("latin-1"),
                                            multipart_form_part_limit=max_fields)
    except (UnicodeDecodeError, LookupError):
        raise BadRequest("a field of the form is not text in its declared charset (UTF-8 unless stated)") from None
    except ClientException as exc:  # malformed, or more parts than max_fields
        raise BadRequest(f"the form cannot be read: {exc.detail}") from None
    _refuse_nul_in_form(fields)
    ScopeState.from_scope(request.scope).form = fields  # where Litestar's `data` extraction looks first
    return cast("dict[str, Any]", fields)


class _Plan(msgspec.Struct, frozen=True):
    """What a route's `data` parameter takes."""

    media_type: str  # a RequestEncodingType, or "" for a route that takes no body parameter
    top_level: tuple[type, ...] = ()  # acceptable top-level JSON types; () for any
    required: bool = True


def _plan_for(handler: Any) -> _Plan:
    field: FieldDefinition | None = handler.parsed_fn_signature.parameters.get("data")
    if field is None:
        return _Plan("")
    kwarg = field.kwarg_definition
    media_type = kwarg.media_type if isinstance(kwarg, BodyKwarg) else RequestEncodingType.JSON
    required = not (field.is_optional or field.has_default)
    top_level: list[type] = []
    for shape in field.inner_types if field.is_union else (field,):
        if shape.is_none_type:
            top_level.append(type(None))
            continue
        if shape.is_mapping or shape.is_subclass_of(msgspec.Struct) or shape.is_dataclass_type or \
                shape.is_typeddict_type:
            top_level.append(dict)
        elif shape.is_non_string_sequence:
            top_level.append(list)
        else:  # a scalar, a union, Any: left to the handler's own validation
            return _Plan(media_type, required=required)
    return _Plan(media_type, tuple(top_level), required)


class CheckedBodies(ASGIMiddleware):
    """Applies the body rule to every route with a JSON or form `data` parameter, before
    Litestar decodes it, and leaves the result where Litestar takes it from (so the body is
    read and decoded once). Routes that read their own body (raw uploads, webhooks) are left
    alone; they call `decode_json` or `read_form` themselves."""

    scopes = (ScopeType.HTTP,)

    def __init__(self, *, max_json_bytes: int = MAX_JSON_BYTES, max_depth: int = MAX_DEPTH) -> None:
        self.max_json_bytes = max_json_bytes
        self.max_depth = max_depth
        self._plans: dict[int, _Plan] = {}

    async def handle(self, scope: Scope, receive: Receive, send: Send, next_app: ASGIApp) -> None:
        handler = scope.get("route_handler")
        plan = self._plans.get(id(handler))
        if plan is None:
            plan = self._plans[id(handler)] = _plan_for(handler) if hasattr(handler, "parsed_fn_signature") \
                else _Plan("")
        if plan.media_type == RequestEncodingType.JSON:
            request: Request[Any, Any, Any] = Request(scope, receive)
            body = await read_body(request, self.max_json_bytes)
            if body or plan.required:  # an optional body may be absent
                value = decode_json(body, max_bytes=self.max_json_bytes, max_depth=self.max_depth)
                _top_level(value, plan.top_level)
                ScopeState.from_scope(scope).json = value
        elif plan.media_type in (RequestEncodingType.MULTI_PART, RequestEncodingType.URL_ENCODED):
            request = Request(scope, receive)
            limit = handler.resolve_request_max_body_size() or MAX_FORM_BYTES  # type: ignore[union-attr]
            fields = await read_form(request, max_bytes=limit, max_fields=MAX_FORM_FIELDS)
            ScopeState.from_scope(scope).form = fields
        await next_app(scope, receive, send)



class CheckedTargets(ASGIMiddleware):
    """Applies the NUL rule to every request's path and query string, before routing hands
    them to a handler's path and query parameters (a filename sent as `?filename=` too)."""

    scopes = (ScopeType.HTTP,)

    async def handle(self, scope: Scope, receive: Receive, send: Send, next_app: ASGIApp) -> None:
        part = nul_in_target(scope)
        if part is not None:
            raise BadRequest(f"{part} holds U+0000 (NUL, %00); {NO_NUL}")
        await next_app(scope, receive, send)

"""A local server that speaks OpenAI's wire format, for tests of the platform's OpenAI
provider through the official `openai` client (no machine here reaches the internet).

    fake = FakeOpenAI(api_key="sk-test")
    client = openai.AsyncOpenAI(base_url=await fake.start(), api_key=fake.api_key)
    fake.script(rate_limited(retry_after=0.05), Reply(content={"title": "Hi"}, input_tokens=12))

Each request to /v1/chat/completions or /v1/embeddings takes the next scripted step from
one shared FIFO queue. With the queue empty, chat answers with `default_reply(body)` when
one is set (a stand-in model for a whole platform under test), else fails with a 500 (a
test must say what the model answers); embeddings answer with deterministic unit vectors.

A chat request with `stream: true` gets the same answer as server-sent
`chat.completion.chunk` events, as OpenAI streams it. Usage reports cached prompt tokens
the way OpenAI's prompt caching does (`FakeOpenAI._cached_tokens`). `FakeOpenAI(json_schema=
False)` stands in for a server without strict JSON Schema output (llama.cpp's server, older
Ollama): it refuses `response_format` `json_schema` and answers `json_object` requests.

The server refuses what the real API refuses before it reaches a model (wrong key, a
schema outside the strict subset, a broken image, embedding inputs over the limits), and
such a refusal does not take a step: the step stays queued for the next valid request.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import hashlib
import math
import re
import time
import uuid
from collections import deque
from collections.abc import Awaitable, Callable
from typing import Any

import msgspec
import numpy as np
from aiohttp import web

from tests.servers.openai_strict_subset import strict_schema_problem

# --- scripted steps --------------------------------------------------------------------


class Reply(msgspec.Struct, frozen=True):
    """A successful answer. Chat: `content` (dict/list JSON-encoded, str as is) becomes
    choices[0].message.content (streamed: several deltas, `chunk_delay` seconds apart).
    Embeddings: `content` is ignored, the default vectors are sent with the usage numbers
    given. Usage numbers left out are estimated (~len/4); `cached_tokens` left out is what
    the server's prompt cache says. Streamed, `cut_after` ends the stream after that many
    chunks, unfinished (no finish reason, no [DONE]), as a dropped connection would."""

    content: Any = None
    input_tokens: int | None = None
    output_tokens: int | None = None
    delay: float = 0.0
    refusal: str | None = None
    finish_reason: str = "stop"
    chunk_delay: float = 0.0
    cached_tokens: int | None = None
    cut_after: int | None = None


class Fail(msgspec.Struct, frozen=True):
    """An error in OpenAI's shape, with a Retry-After header (seconds) when given."""

    status: int
    code: str | None = None
    type: str = "server_error"
    message: str = "The server had an error while processing your request. Sorry about that!"
    retry_after: float | None = None
    delay: float = 0.0


class Malformed(msgspec.Struct, frozen=True):
    """A body that is not JSON although its content-type says it is."""

    body: bytes = b"{not json"
    status: int = 200
    delay: float = 0.0


class Slow(msgspec.Struct, frozen=True):
    """Sleep `seconds` (longer than a client timeout, say), then answer with `then`, or
    with the default behaviour when it is None."""

    seconds: float
    then: Reply | Fail | Malformed | None = None


Step = Reply | Fail | Malformed | Slow


def rate_limited(retry_after: float | None = 1.0) -> Fail:
    wait = f"in {retry_after:g}s" if retry_after is not None else "later"
    return Fail(429, code="rate_limit_exceeded", type="requests", retry_after=retry_after,
                message=f"Rate limit reached for requests per min (RPM): Limit 3, Used 3, Requested 1. Please try "
                        f"again {wait}.")


def insufficient_quota() -> Fail:
    return Fail(429, code="insufficient_quota", type="insufficient_quota",
                message="You exceeded your current quota, please check your plan and billing details.")


def server_error() -> Fail:
    return Fail(500, type="server_error")


class Recorded(msgspec.Struct, frozen=True):
    """One request as received: header names lower-cased, body parsed (None if not JSON)."""

    path: str
    body: dict[str, Any] | None
    headers: dict[str, str]


class Refused(Exception):
    """A request the real API refuses before any model runs (an error, not a step)."""

    def __init__(self, status: int, message: str, *, type: str = "invalid_request_error",
                 param: str | None = None, code: str | None = None) -> None:
        super().__init__(message)
        self.status, self.message, self.type, self.param, self.code = status, message, type, param, code


# --- the server ------------------------------------------------------------------------

EMBEDDING_DIMENSIONS = 1536
MAX_EMBEDDING_INPUTS = 2048
MAX_TOKENS_PER_INPUT = 8192
MAX_TOKENS_PER_REQUEST = 300_000
IMAGE_TOKENS = 85  # what a low-detail image costs; only used to estimate usage
# OpenAI's prompt caching: prompts of 1024 tokens or more, cached in steps of 128 tokens.
CACHE_MIN_TOKENS = 1024
CACHE_STEP_TOKENS = 128
CACHE_MAX_PREFIXES = 512  # per key; the oldest are forgotten, as a real cache evicts
STREAM_MAX_DELTAS = 32


class FakeOpenAI:
    def __init__(self, api_key: str = "sk-test", *, json_schema: bool = True) -> None:
        self.api_key = api_key
        self.json_schema = json_schema  # False: refuse response_format json_schema, as llama.cpp's server does
        self.base_url = ""
        self.requests: list[Recorded] = []
        self._steps: deque[Step] = deque()
        self.default_reply: Callable[[dict[str, Any]], Reply] | None = None
        self._runner: web.AppRunner | None = None
        self._prefixes: dict[str, deque[str]] = {}  # per API key: the prompts seen, for cached_tokens
        self._routes: dict[tuple[str, str],
                           Callable[[web.Request, dict[str, Any]], Awaitable[web.StreamResponse]]] = {
            ("POST", "/v1/chat/completions"): self._chat,
            ("POST", "/v1/embeddings"): self._embeddings,
        }

    async def start(self) -> str:
        # Large bodies are legitimate here (2048 embedding inputs, images as data URLs).
        app = web.Application(client_max_size=64 * 1024 * 1024)
        app.router.add_route("*", "/{tail:.*}", self._dispatch)
        # Cancel a handler when its client hangs up (a Slow step outliving a client
        # timeout), so stop() does not wait for sleeps nobody is listening to.
        self._runner = web.AppRunner(app, handler_cancellation=True, shutdown_timeout=0.5, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        port = self._runner.addresses[0][1]
        self.base_url = f"http://127.0.0.1:{port}/v1"
        return self.base_url

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    def script(self, *steps: Step) -> None:
        self._steps.extend(steps)

    def reset(self) -> None:
        """Forget the queue, the recorded requests and the prompt cache."""
        self._steps.clear()
        self.requests.clear()
        self._prefixes.clear()

    async def _dispatch(self, request: web.Request) -> web.StreamResponse:
        raw = await request.read()
        body = _json_object(raw)
        self.requests.append(Recorded(path=request.path, body=body,
                                      headers={name.lower(): value for name, value in request.headers.items()}))
        try:
            handler = self._routes.get((request.method, request.path))
            if handler is None:
                raise Refused(404, f"Invalid URL ({request.method} {request.path})")
            self._check_key(request.headers.get("Authorization", ""))
            if body is None:
                raise Refused(400, "We could not parse the JSON body of your request. (HINT: This likely means you "
                                   "aren't using your HTTP library correctly. The OpenAI API expects a JSON payload.)")
            return await handler(request, body)
        except Refused as refused:
            return _error(refused.status, refused.message, type=refused.type, param=refused.param, code=refused.code)

    def _check_key(self, authorization: str) -> None:
        scheme, _, key = authorization.partition(" ")
        if scheme != "Bearer" or not key:
            raise Refused(401, "You didn't provide an API key. You need to provide your API key in an Authorization "
                               "header using Bearer auth (i.e. Authorization: Bearer YOUR_KEY).")
        if key != self.api_key:
            raise Refused(401, f"Incorrect API key provided: {mask_key(key)}. You can find your API key at "
                               "https://platform.openai.com/account/api-keys.", code="invalid_api_key")

    async def _take_step(self) -> Step | None:
        """The next step, after its sleep; a Slow step is unwrapped into what follows it."""
        step = self._steps.popleft() if self._steps else None
        if isinstance(step, Slow):
            await asyncio.sleep(step.seconds)
            step = step.then
        if step is not None and step.delay:
            await asyncio.sleep(step.delay)
        return step

    async def _chat(self, request: web.Request, body: dict[str, Any]) -> web.StreamResponse:
        check_chat_request(body)
        if not self.json_schema:
            _refuse_json_schema(body.get("response_format"))
        step = await self._take_step()
        if step is None and self.default_reply is not None:
            step = self.default_reply(body)
        if step is None:
            return _error(500, "no scripted response", type="server_error")
        if not isinstance(step, Reply):
            return _failure(step)
        cached = self._cached_tokens(request, body)
        if step.cached_tokens is not None:
            cached = step.cached_tokens
        if body.get("stream") is True:
            return await _stream(request, body, step, cached)
        return _json_response(chat_completion(body, step, cached_tokens=cached))

    def _cached_tokens(self, request: web.Request, body: dict[str, Any]) -> int:
        """What OpenAI's prompt cache would serve: the longest prefix this key's earlier
        requests share with this one, in tokens, in whole steps, nothing under the minimum."""
        key = request.headers.get("Authorization", "").partition(" ")[2]
        seen = self._prefixes.setdefault(key, deque(maxlen=CACHE_MAX_PREFIXES))
        text = cacheable_text(body)
        shared = max((common_prefix_length(text, earlier) for earlier in seen), default=0)
        seen.append(text)
        tokens = estimate_tokens(text[:shared]) // CACHE_STEP_TOKENS * CACHE_STEP_TOKENS
        return tokens if tokens >= CACHE_MIN_TOKENS else 0

    async def _embeddings(self, request: web.Request, body: dict[str, Any]) -> web.StreamResponse:
        texts = check_embedding_request(body)
        step = await self._take_step()
        if isinstance(step, Fail | Malformed):
            return _failure(step)
        return _json_response(embedding_response(body, texts, step))


def mask_key(key: str) -> str:
    """OpenAI shows a wrong key's first and last few characters only: sk-t****st."""
    if len(key) <= 8:
        return "*" * len(key)
    return f"{key[:4]}{'*' * 4}{key[-2:]}"


def _json_object(raw: bytes) -> dict[str, Any] | None:
    try:
        body = msgspec.json.decode(raw)
    except msgspec.DecodeError:
        return None
    return body if isinstance(body, dict) else None


def _json_response(payload: dict[str, Any], status: int = 200, headers: dict[str, str] | None = None) -> web.Response:
    # Real responses carry a request id; the official client exposes it as `_request_id`.
    all_headers = {"x-request-id": f"req_{uuid.uuid4().hex}", **(headers or {})}
    return web.Response(body=msgspec.json.encode(payload), status=status, content_type="application/json",
                        headers=all_headers)


def _error(status: int, message: str, *, type: str, param: str | None = None, code: str | None = None,
           headers: dict[str, str] | None = None) -> web.Response:
    error = {"message": message, "type": type, "param": param, "code": code}
    return _json_response({"error": error}, status=status, headers=headers)


def _failure(step: Fail | Malformed) -> web.Response:
    if isinstance(step, Malformed):
        return web.Response(body=step.body, status=step.status, content_type="application/json")
    headers = {"Retry-After": f"{step.retry_after:g}"} if step.retry_after is not None else None
    return _error(step.status, step.message, type=step.type, code=step.code, headers=headers)


def estimate_tokens(text: str) -> int:
    """Roughly OpenAI's tokens for English text: about four characters each."""
    return math.ceil(len(text) / 4)


# --- chat completions ------------------------------------------------------------------

SCHEMA_NAME = re.compile(r"^[a-zA-Z0-9_-]{1,64}$")
IMAGE_SIGNATURES = (b"\x89PNG\r\n\x1a\n", b"\xff\xd8\xff", b"GIF87a", b"GIF89a")
DATA_URL = re.compile(r"^data:(?P<mime>[\w.+-]+/[\w.+-]+);base64,(?P<data>.*)$", re.DOTALL)


def check_chat_request(body: dict[str, Any]) -> None:
    if not isinstance(body.get("model"), str):
        raise Refused(400, "you must provide a model parameter", param="model")
    messages = body.get("messages")
    if not isinstance(messages, list) or not messages:
        raise Refused(400, "Invalid 'messages': empty array. Expected an array with minimum length 1.",
                      param="messages", code="empty_array")
    for index, message in enumerate(messages):
        if isinstance(message, dict) and isinstance(message.get("content"), list):
            _check_parts(message["content"], f"messages[{index}].content")
    _check_response_format(body.get("response_format"), messages)


def _check_parts(parts: list[Any], where: str) -> None:
    for index, part in enumerate(parts):
        kind = part.get("type") if isinstance(part, dict) else None
        if kind == "text" and isinstance(part.get("text"), str):
            continue
        if kind == "image_url" and isinstance(part.get("image_url"), dict):
            _check_image(part["image_url"], f"{where}[{index}].image_url")
            continue
        raise Refused(400, f"Invalid value for '{where}[{index}]': expected a text or image_url part.",
                      param=f"{where}[{index}]", code="invalid_value")


def _check_image(image: dict[str, Any], where: str) -> None:
    url = image.get("url")
    if image.get("detail", "auto") not in ("auto", "low", "high"):
        raise Refused(400, f"Invalid value for '{where}.detail': expected one of 'auto', 'low' or 'high'.",
                      param=f"{where}.detail", code="invalid_value")
    if isinstance(url, str) and url.startswith(("https://", "http://")):
        return  # the real API fetches these; the fake trusts them
    match = DATA_URL.match(url) if isinstance(url, str) else None
    if match is None:
        raise Refused(400, "Invalid image: expected an http(s) URL or a base64 data URL.", param=where,
                      code="invalid_image_url")
    try:
        data = base64.b64decode(match["data"], validate=True)
    except binascii.Error:
        raise Refused(400, "Invalid image: the data URL is not valid base64.", param=where,
                      code="invalid_image_url") from None
    is_webp = data[:4] == b"RIFF" and data[8:12] == b"WEBP"
    if not (data.startswith(IMAGE_SIGNATURES) or is_webp):
        raise Refused(400, "Invalid image: You uploaded an unsupported image. Please make sure your image has "
                           "one of the following formats: ['png', 'jpeg', 'gif', 'webp'].", param=where,
                      code="invalid_image_format")


def _check_response_format(response_format: Any, messages: list[Any]) -> None:
    if response_format is None:
        return
    kind = response_format.get("type") if isinstance(response_format, dict) else None
    if kind == "json_object" and "json" not in msgspec.json.encode(messages).decode().lower():
        raise Refused(400, "'messages' must contain the word 'json' in some form, to use 'response_format' of "
                           "type 'json_object'.", param="messages")
    if kind != "json_schema":
        return
    spec = response_format.get("json_schema")
    name = spec.get("name") if isinstance(spec, dict) else None
    if not isinstance(name, str) or not SCHEMA_NAME.match(name):
        raise Refused(400, "Invalid 'response_format.json_schema.name': expected a string that matches the "
                           "pattern '^[a-zA-Z0-9_-]+$' (at most 64 characters).",
                      param="response_format.json_schema.name", code="invalid_value")
    if spec.get("strict") is True:
        problem = strict_schema_problem(spec.get("schema"))
        if problem is not None:
            raise Refused(400, f"Invalid schema for response_format '{name}': {problem}", param="response_format")


def _refuse_json_schema(response_format: Any) -> None:
    if isinstance(response_format, dict) and response_format.get("type") == "json_schema":
        raise Refused(400, "Unsupported value: 'response_format.type' json_schema is not supported by this server; "
                           "use 'text' or 'json_object'.", param="response_format", code="unsupported_value")


def cacheable_text(body: dict[str, Any]) -> str:
    """The prompt in the order OpenAI caches it: the response_format schema, then the
    messages' texts (counted as `_prompt_tokens` counts them; an image ends the prefix
    that can match, which is stricter than OpenAI)."""
    text = _schema_text(body)
    for part in _message_parts(body):
        if part is None:
            return text + "\x00"
        text += part
    return text


def common_prefix_length(a: str, b: str) -> int:
    """The length of the longest common prefix of `a` and `b` (a binary search over slices,
    which compare at C speed)."""
    low, high = 0, min(len(a), len(b))
    while low < high:
        middle = (low + high + 1) // 2
        if a[:middle] == b[:middle]:
            low = middle
        else:
            high = middle - 1
    return low


def _usage(body: dict[str, Any], reply: Reply, content: str | None, cached_tokens: int) -> dict[str, Any]:
    prompt_tokens = reply.input_tokens if reply.input_tokens is not None else _prompt_tokens(body)
    completion_tokens = reply.output_tokens
    if completion_tokens is None:
        completion_tokens = estimate_tokens(content or reply.refusal or "")
    return {"prompt_tokens": prompt_tokens, "completion_tokens": completion_tokens,
            "total_tokens": prompt_tokens + completion_tokens,
            "prompt_tokens_details": {"cached_tokens": min(cached_tokens, prompt_tokens), "audio_tokens": 0},
            "completion_tokens_details": {"reasoning_tokens": 0, "audio_tokens": 0,
                                          "accepted_prediction_tokens": 0, "rejected_prediction_tokens": 0}}


def _text(content: Any) -> str | None:
    return msgspec.json.encode(content).decode() if isinstance(content, dict | list) else content


def chat_completion(body: dict[str, Any], reply: Reply, *, cached_tokens: int = 0) -> dict[str, Any]:
    content = _text(reply.content)
    return {
        "id": f"chatcmpl-{uuid.uuid4().hex[:24]}",
        "object": "chat.completion",
        "created": int(time.time()),
        "model": body["model"],
        "choices": [{
            "index": 0,
            "message": {"role": "assistant", "content": content, "refusal": reply.refusal},
            "finish_reason": reply.finish_reason,
            "logprobs": None,
        }],
        "usage": _usage(body, reply, content, cached_tokens),
        "system_fingerprint": "fp_fake",
    }


def completion_chunks(body: dict[str, Any], reply: Reply, *, cached_tokens: int = 0) -> list[dict[str, Any]]:
    """The answer as OpenAI streams it: a first chunk with the role, the content (or the
    refusal) in several deltas, a chunk with the finish reason, then, when the request
    asked with `stream_options.include_usage`, a last chunk with no choices and the usage."""
    content = _text(reply.content)
    options = body.get("stream_options")
    with_usage = isinstance(options, dict) and options.get("include_usage") is True
    common = {"id": f"chatcmpl-{uuid.uuid4().hex[:24]}", "object": "chat.completion.chunk",
              "created": int(time.time()), "model": body["model"], "system_fingerprint": "fp_fake"}

    def chunk(delta: dict[str, Any], finish_reason: str | None = None) -> dict[str, Any]:
        choice = {"index": 0, "delta": delta, "logprobs": None, "finish_reason": finish_reason}
        return {**common, "choices": [choice], **({"usage": None} if with_usage else {})}

    field, text = ("refusal", reply.refusal) if reply.refusal else ("content", content or "")
    chunks = [chunk({"role": "assistant", "content": "", "refusal": None})]
    chunks += [chunk({field: piece}) for piece in _pieces(text)]
    chunks.append(chunk({}, reply.finish_reason))
    if with_usage:
        chunks.append({**common, "choices": [], "usage": _usage(body, reply, content, cached_tokens)})
    return chunks


def _pieces(text: str) -> list[str]:
    size = max(8, math.ceil(len(text) / STREAM_MAX_DELTAS))
    return [text[start:start + size] for start in range(0, len(text), size)]


async def _stream(request: web.Request, body: dict[str, Any], reply: Reply, cached_tokens: int) -> web.StreamResponse:
    response = web.StreamResponse(headers={"Content-Type": "text/event-stream; charset=utf-8",
                                           "Cache-Control": "no-cache", "x-request-id": f"req_{uuid.uuid4().hex}"})
    await response.prepare(request)
    chunks = completion_chunks(body, reply, cached_tokens=cached_tokens)
    for index, chunk in enumerate(chunks[:reply.cut_after]):
        if index and reply.chunk_delay:
            await asyncio.sleep(reply.chunk_delay)
        await response.write(b"data: " + msgspec.json.encode(chunk) + b"\n\n")
    if reply.cut_after is None:
        await response.write(b"data: [DONE]\n\n")
    await response.write_eof()
    return response


def _prompt_tokens(body: dict[str, Any]) -> int:
    """The input as OpenAI counts it: a response_format schema is part of it."""
    schema = _schema_text(body)
    tokens = estimate_tokens(schema) if schema else 0
    for part in _message_parts(body):
        tokens += estimate_tokens(part) if isinstance(part, str) else IMAGE_TOKENS
    return max(tokens, 1)


def _schema_text(body: dict[str, Any]) -> str:
    response_format = body.get("response_format")
    spec = response_format.get("json_schema") if isinstance(response_format, dict) else None
    return msgspec.json.encode(spec).decode() if spec is not None else ""


def _message_parts(body: dict[str, Any]) -> list[str | None]:
    """Every message's parts in order: texts as they are, anything else (an image) None."""
    parts: list[str | None] = []
    for message in body.get("messages") or []:
        content = message.get("content") if isinstance(message, dict) else None
        for part in content if isinstance(content, list) else [{"type": "text", "text": content or ""}]:
            is_text = isinstance(part, dict) and part.get("type") == "text" and isinstance(part.get("text"), str)
            parts.append(part["text"] if is_text else None)
    return parts


# --- embeddings ------------------------------------------------------------------------


def check_embedding_request(body: dict[str, Any]) -> list[str]:
    """The inputs as texts (a token array becomes its ids, for seeding), within the API's limits."""
    model = body.get("model")
    if not isinstance(model, str):
        raise Refused(400, "you must provide a model parameter", param="model")
    if body.get("encoding_format", "float") not in ("float", "base64"):
        raise Refused(400, "Invalid value for 'encoding_format': expected 'float' or 'base64'.",
                      param="encoding_format", code="invalid_value")
    dimensions = body.get("dimensions", _native_dimensions(model))
    if not isinstance(dimensions, int) or not 1 <= dimensions <= _native_dimensions(model):
        raise Refused(400, f"Invalid value for 'dimensions': must be between 1 and {_native_dimensions(model)}.",
                      param="dimensions", code="invalid_value")
    inputs, token_counts = _embedding_inputs(body.get("input"))
    _check_embedding_limits(token_counts)
    return inputs


def _native_dimensions(model: str) -> int:
    return 3072 if model.endswith("-large") else EMBEDDING_DIMENSIONS


def _embedding_inputs(value: Any) -> tuple[list[str], list[int]]:
    def is_tokens(item: Any) -> bool:
        return isinstance(item, list) and all(isinstance(token, int) for token in item)

    if isinstance(value, str) or (is_tokens(value) and value):
        value = [value]
    if not isinstance(value, list) or not value:
        raise Refused(400, "Invalid 'input': expected a non-empty string, array of strings, array of tokens or "
                           "array of token arrays.", param="input")
    if len(value) > MAX_EMBEDDING_INPUTS:
        raise Refused(400, f"Invalid 'input': maximum array size is {MAX_EMBEDDING_INPUTS}, got {len(value)}.",
                      param="input")
    texts, counts = [], []
    for index, item in enumerate(value):
        if isinstance(item, str) and item:
            texts.append(item)
            counts.append(estimate_tokens(item))
        elif is_tokens(item) and item:
            texts.append(" ".join(map(str, item)))
            counts.append(len(item))
        else:
            raise Refused(400, f"Invalid 'input[{index}]': expected a non-empty string or array of tokens.",
                          param="input")
    return texts, counts


def _check_embedding_limits(token_counts: list[int]) -> None:
    # Tokens are estimated as ceil(len(text) / 4): close to real English text, and it keeps
    # the fake free of a tokenizer. A platform batching near the limits needs a margin.
    for count in token_counts:
        if count > MAX_TOKENS_PER_INPUT:
            raise Refused(400, f"This model's maximum context length is {MAX_TOKENS_PER_INPUT} tokens, however you "
                               f"requested {count} tokens ({count} in your prompt; 0 for the completion). "
                               "Please reduce your prompt; or completion length.", param="input")
    total = sum(token_counts)
    if total > MAX_TOKENS_PER_REQUEST:
        raise Refused(400, f"Requested {total} tokens, max {MAX_TOKENS_PER_REQUEST} tokens per request",
                      param="input", code="max_tokens_per_request")


def embedding_response(body: dict[str, Any], texts: list[str], reply: Reply | None) -> dict[str, Any]:
    dimensions = body.get("dimensions", _native_dimensions(body["model"]))
    as_base64 = body.get("encoding_format", "float") == "base64"
    data = []
    for index, text in enumerate(texts):
        vector = fake_embedding(text, dimensions)
        # base64 is little-endian float32 bytes, which the official client decodes.
        encoded = base64.b64encode(vector.astype("<f4").tobytes()).decode() if as_base64 else vector.tolist()
        data.append({"object": "embedding", "index": index, "embedding": encoded})
    prompt_tokens = sum(estimate_tokens(text) for text in texts)
    if reply is not None and reply.input_tokens is not None:
        prompt_tokens = reply.input_tokens
    return {"object": "list", "data": data, "model": body["model"],
            "usage": {"prompt_tokens": prompt_tokens, "total_tokens": prompt_tokens}}


def fake_embedding(text: str, dimensions: int = EMBEDDING_DIMENSIONS) -> np.ndarray:
    """A unit float32 vector that depends only on `text` (and the dimensions)."""
    seed = int.from_bytes(hashlib.sha256(text.encode()).digest()[:8], "little")
    vector = np.random.default_rng(seed).standard_normal(dimensions)
    return (vector / np.linalg.norm(vector)).astype(np.float32)

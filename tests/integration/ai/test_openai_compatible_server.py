"""The fake OpenAI server is faithful: the OFFICIAL client parses its answers and raises
the same errors it raises against the real API. Each refusal has its allowed twin."""

from __future__ import annotations

import base64
import copy
import io
import json
import math
import re
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import openai
import pytest
from PIL import Image

from tests.servers.openai_compatible import (
    CACHE_MIN_TOKENS,
    CACHE_STEP_TOKENS,
    EMBEDDING_DIMENSIONS,
    Fail,
    FakeOpenAI,
    Malformed,
    Reply,
    Slow,
    insufficient_quota,
    mask_key,
    rate_limited,
    server_error,
)
from tests.servers.openai_strict_subset import (
    LARGE_ENUM_VALUES,
    MAX_ENUM_VALUES,
    MAX_LARGE_ENUM_LENGTH,
    MAX_STRING_LENGTH,
    strict_schema_problem,
)

KEY = "sk-test-key-123456"
USER = [{"role": "user", "content": "Write a landing page for a yoga studio."}]
LANDING = {
    "type": "object",
    "properties": {
        "headline": {"type": "string"},
        "features": {"type": "array", "items": {"$ref": "#/$defs/Feature"}},
        "icon": {"anyOf": [{"type": "string"}, {"type": "null"}]},
    },
    "required": ["headline", "features", "icon"],
    "additionalProperties": False,
    "$defs": {"Feature": {"type": "object", "properties": {"title": {"type": "string"}},
                          "required": ["title"], "additionalProperties": False}},
}


@pytest.fixture(scope="module")
async def server() -> AsyncIterator[FakeOpenAI]:
    fake = FakeOpenAI(api_key=KEY)
    await fake.start()
    yield fake
    await fake.stop()


@pytest.fixture
async def client(server: FakeOpenAI) -> AsyncIterator[openai.AsyncOpenAI]:
    server.reset()
    client = openai.AsyncOpenAI(base_url=server.base_url, api_key=KEY, max_retries=0)
    yield client
    await client.close()


def strict_format(schema: dict[str, Any], name: str = "landing") -> dict[str, Any]:
    return {"type": "json_schema", "json_schema": {"name": name, "schema": schema, "strict": True}}


async def ask(client: openai.AsyncOpenAI, schema: dict[str, Any] = LANDING, **options: Any):  # type: ignore[no-untyped-def]
    options.setdefault("messages", USER)
    return await client.chat.completions.create(model="gpt-4o-mini", response_format=strict_format(schema),
                                                **options)


def changed(schema: dict[str, Any], edit) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    """A deep copy of `schema` with `edit` applied to it."""
    copied = copy.deepcopy(schema)
    edit(copied)
    return copied


# --- chat completions ------------------------------------------------------------------


async def test_a_scripted_structured_reply_is_parsed_with_its_usage(server, client) -> None:  # type: ignore[no-untyped-def]
    answer = {"headline": "Breathe", "features": [{"title": "Small classes"}], "icon": None}
    server.script(Reply(content=answer, input_tokens=321, output_tokens=54))
    completion = await ask(client)
    assert json.loads(completion.choices[0].message.content) == answer
    assert completion.choices[0].finish_reason == "stop" and completion.choices[0].message.refusal is None
    assert (completion.usage.prompt_tokens, completion.usage.completion_tokens, completion.usage.total_tokens) == (
        321, 54, 375)
    assert completion.model == "gpt-4o-mini" and completion.id.startswith("chatcmpl-")
    recorded = server.requests[-1]
    assert recorded.path == "/v1/chat/completions"
    assert recorded.body["response_format"]["json_schema"]["strict"] is True
    assert recorded.headers["x-stainless-retry-count"] == "0"
    assert recorded.headers["authorization"] == f"Bearer {KEY}"


async def test_usage_is_estimated_when_not_scripted_and_text_goes_as_is(server, client) -> None:  # type: ignore[no-untyped-def]
    server.script(Reply(content="plain words", refusal=None, finish_reason="length"))
    completion = await client.chat.completions.create(model="gpt-4o-mini", messages=USER)
    assert completion.choices[0].message.content == "plain words"
    assert completion.choices[0].finish_reason == "length"
    assert completion.usage.completion_tokens == 3 and completion.usage.prompt_tokens > 0


async def test_a_refusal_reaches_the_client(server, client) -> None:  # type: ignore[no-untyped-def]
    server.script(Reply(refusal="I can't help with that."))
    message = (await ask(client)).choices[0].message
    assert (message.content, message.refusal) == (None, "I can't help with that.")


async def test_an_empty_queue_is_a_500_so_tests_must_script_replies(client) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(openai.InternalServerError, match="no scripted response"):
        await ask(client)


@pytest.mark.parametrize(("edit", "problem"), [
    (lambda s: s.pop("additionalProperties"), "In context=(), 'additionalProperties' is required to be supplied"),
    (lambda s: s["$defs"]["Feature"].pop("additionalProperties"), "In context=('$defs', 'Feature'), 'additional"),
    (lambda s: s["required"].remove("icon"), "'required' is required to be supplied and to be an array including "
                                             "every key in properties. Missing 'icon'."),
    (lambda s: s["properties"].update(icon={"oneOf": [{"type": "string"}, {"type": "null"}]}),
     "In context=('properties', 'icon'), 'oneOf' is not permitted."),
    (lambda s: s["properties"]["headline"].update(default="Hi"),
     "In context=('properties', 'headline'), 'default' is not permitted."),
])
async def test_a_schema_outside_the_strict_subset_is_refused_as_openai_does(server, client, edit, problem) -> None:  # type: ignore[no-untyped-def]
    server.script(Reply(content={"headline": "x", "features": [], "icon": None}))
    with pytest.raises(openai.BadRequestError) as caught:
        await ask(client, changed(LANDING, edit))
    error = caught.value
    assert error.status_code == 400 and error.type == "invalid_request_error" and error.param == "response_format"
    assert error.body["message"].startswith("Invalid schema for response_format 'landing': ")
    assert problem in error.body["message"]
    # the refused request did not take the step: its allowed twin gets it
    assert json.loads((await ask(client)).choices[0].message.content)["headline"] == "x"


async def test_without_strict_the_schema_is_not_checked(server, client) -> None:  # type: ignore[no-untyped-def]
    server.script(Reply(content={"anything": True}))
    loose = {"type": "json_schema", "json_schema": {"name": "loose", "schema": {"type": "object"}}}
    completion = await client.chat.completions.create(model="gpt-4o-mini", messages=USER, response_format=loose)
    assert json.loads(completion.choices[0].message.content) == {"anything": True}


async def test_insufficient_quota_is_a_rate_limit_error_with_its_code(server, client) -> None:  # type: ignore[no-untyped-def]
    server.script(insufficient_quota())
    with pytest.raises(openai.RateLimitError) as caught:
        await ask(client)
    assert caught.value.code == "insufficient_quota" and caught.value.type == "insufficient_quota"
    assert caught.value.body["code"] == "insufficient_quota"  # body is the inner "error" object
    assert "retry-after" not in caught.value.response.headers


async def test_the_official_client_retries_insufficient_quota_unless_told_not_to(server) -> None:  # type: ignore[no-untyped-def]
    """A surprise worth knowing: a 429 is a 429 to the client, so with retries on it asks again."""
    server.reset()
    quota = Fail(429, code="insufficient_quota", type="insufficient_quota", retry_after=0.01)
    server.script(quota, Reply(content={"headline": "x", "features": [], "icon": None}))
    async with openai.AsyncOpenAI(base_url=server.base_url, api_key=KEY, max_retries=1) as retrying:
        await ask(retrying)
    assert [r.headers["x-stainless-retry-count"] for r in server.requests] == ["0", "1"]


async def test_rate_limited_sends_retry_after(server, client) -> None:  # type: ignore[no-untyped-def]
    server.script(rate_limited(retry_after=2))
    with pytest.raises(openai.RateLimitError) as caught:
        await ask(client)
    assert caught.value.code == "rate_limit_exceeded"
    assert caught.value.response.headers["retry-after"] == "2"


async def test_a_server_error_is_an_internal_server_error(server, client) -> None:  # type: ignore[no-untyped-def]
    server.script(server_error())
    with pytest.raises(openai.InternalServerError) as caught:
        await ask(client)
    assert caught.value.status_code == 500 and caught.value.type == "server_error"


async def test_a_malformed_body_raises_a_bare_json_decode_error_and_is_not_retried(server) -> None:  # type: ignore[no-untyped-def]
    """The client parses the body after its retry loop and does not wrap the failure: the
    caller gets json.JSONDecodeError (a ValueError), not an openai.APIError."""
    server.reset()
    server.script(Malformed(), Reply(content={"headline": "x", "features": [], "icon": None}))
    async with openai.AsyncOpenAI(base_url=server.base_url, api_key=KEY, max_retries=2) as retrying:
        with pytest.raises(json.JSONDecodeError):
            await ask(retrying)
    assert len(server.requests) == 1


async def test_a_wrong_key_is_an_authentication_error_that_masks_the_key(server) -> None:  # type: ignore[no-untyped-def]
    server.reset()
    server.script(Reply(content={}))
    async with openai.AsyncOpenAI(base_url=server.base_url, api_key="sk-wrong-secret-999", max_retries=0) as wrong:
        with pytest.raises(openai.AuthenticationError) as caught:
            await ask(wrong)
    assert caught.value.code == "invalid_api_key"
    assert "sk-wrong-secret-999" not in str(caught.value) and mask_key("sk-wrong-secret-999") in str(caught.value)
    async with openai.AsyncOpenAI(base_url=server.base_url, api_key=KEY, max_retries=0) as right:
        assert (await ask(right)).choices[0].message.content == "{}"


async def test_a_request_without_a_key_is_refused_as_openai_does(server) -> None:  # type: ignore[no-untyped-def]
    # The official client will not send without a key, so this one goes by hand.
    async with aiohttp.ClientSession() as session:
        async with session.post(f"{server.base_url}/embeddings", json={"model": "m", "input": "a"}) as response:
            assert response.status == 401
            assert (await response.json())["error"]["message"].startswith("You didn't provide an API key.")
        headers = {"Authorization": f"Bearer {KEY}"}
        async with session.post(f"{server.base_url}/embeddings", json={"model": "m", "input": "a"},
                                headers=headers) as response:
            assert response.status == 200


async def test_a_slow_step_outlives_a_client_timeout(server, client) -> None:  # type: ignore[no-untyped-def]
    server.script(Slow(5))
    with pytest.raises(openai.APITimeoutError):
        await ask(client, timeout=0.2)
    assert server.requests[-1].headers["x-stainless-read-timeout"] == "0.2"
    server.script(Slow(0.05, then=Reply(content={"headline": "late", "features": [], "icon": None})))
    assert "late" in (await ask(client, timeout=2)).choices[0].message.content


async def test_an_unknown_path_is_a_404_in_openai_shape(client) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(openai.NotFoundError, match=r"Invalid URL \(POST /v1/no-such-thing\)"):
        await client.post("/no-such-thing", cast_to=object, body={})


# --- streaming -------------------------------------------------------------------------

ANSWER = {"headline": "Breathe in, breathe out", "features": [{"title": "Small classes of ten"},
                                                             {"title": "Mats provided"}], "icon": None}


async def test_a_streamed_answer_carries_the_same_content_and_usage_in_several_chunks(server, client) -> None:  # type: ignore[no-untyped-def]
    server.script(Reply(content=ANSWER, input_tokens=321, output_tokens=54),
                  Reply(content=ANSWER, input_tokens=321, output_tokens=54))
    whole = await ask(client)
    stream = await ask(client, stream=True, stream_options={"include_usage": True})
    chunks = [chunk async for chunk in stream]
    deltas = [c.choices[0].delta.content for c in chunks if c.choices and c.choices[0].delta.content]
    assert len(deltas) > 3
    assert "".join(deltas) == whole.choices[0].message.content
    assert chunks[0].choices[0].delta.role == "assistant"
    assert [c.choices[0].finish_reason for c in chunks if c.choices and c.choices[0].finish_reason] == ["stop"]
    assert chunks[-1].choices == [] and chunks[-1].usage == whole.usage  # usage comes last, alone
    assert all(c.usage is None for c in chunks[:-1]) and {c.id for c in chunks} == {chunks[0].id}


async def test_without_include_usage_no_usage_chunk_is_sent(server, client) -> None:  # type: ignore[no-untyped-def]
    server.script(Reply(content=ANSWER))
    chunks = [chunk async for chunk in await ask(client, stream=True)]
    assert chunks[-1].choices[0].finish_reason == "stop" and all(c.usage is None for c in chunks)


async def test_a_refusal_and_a_cut_answer_stream_as_openai_streams_them(server, client) -> None:  # type: ignore[no-untyped-def]
    server.script(Reply(refusal="I can't help with that."), Reply(content='{"headline": "Bre', finish_reason="length"))
    refused = [chunk async for chunk in await ask(client, stream=True)]
    assert "".join(c.choices[0].delta.refusal or "" for c in refused) == "I can't help with that."
    assert not any(c.choices[0].delta.content for c in refused)
    cut = [chunk async for chunk in await ask(client, stream=True)]
    assert cut[-1].choices[0].finish_reason == "length"
    assert "".join(c.choices[0].delta.content or "" for c in cut) == '{"headline": "Bre'


async def test_a_cut_stream_ends_without_a_finish_reason(server) -> None:  # type: ignore[no-untyped-def]
    server.reset()
    server.script(Reply(content=ANSWER, cut_after=3))
    async with aiohttp.ClientSession() as session:
        body = {"model": "gpt-4o-mini", "messages": USER, "stream": True}
        async with session.post(f"{server.base_url}/chat/completions", json=body,
                                headers={"Authorization": f"Bearer {KEY}"}) as response:
            assert response.headers["content-type"].startswith("text/event-stream")
            events = [line for line in (await response.text()).split("\n\n") if line]
    assert len(events) == 3 and "[DONE]" not in events[-1]
    assert all(json.loads(event.removeprefix("data: "))["choices"][0]["finish_reason"] is None for event in events)


# --- prompt caching --------------------------------------------------------------------

LONG_SYSTEM = {"role": "system", "content": "You write landing pages for small businesses. " * 200}  # ~2,300 tokens


def with_system(system: dict[str, str], user: str) -> list[dict[str, str]]:
    return [system, {"role": "user", "content": user}]


async def test_a_shared_long_prefix_is_reported_as_cached_tokens_in_whole_steps(server, client) -> None:  # type: ignore[no-untyped-def]
    server.script(*[Reply(content=ANSWER) for _ in range(4)])
    first = await ask(client, messages=with_system(LONG_SYSTEM, "A yoga studio"))
    second = await ask(client, messages=with_system(LONG_SYSTEM, "A bakery"))
    stream = await ask(client, messages=with_system(LONG_SYSTEM, "A florist"), stream=True,
                       stream_options={"include_usage": True})
    streamed = [chunk async for chunk in stream][-1].usage
    assert first.usage.prompt_tokens_details.cached_tokens == 0
    cached = second.usage.prompt_tokens_details.cached_tokens
    assert CACHE_MIN_TOKENS <= cached <= second.usage.prompt_tokens and cached % CACHE_STEP_TOKENS == 0
    # the schema and system prompt are the same; only the user message differs
    assert second.usage.prompt_tokens - cached < CACHE_STEP_TOKENS + 10
    assert streamed.prompt_tokens_details.cached_tokens == cached
    # another schema comes first in the prefix, so nothing matches
    other = changed(LANDING, lambda schema: schema["properties"]["headline"].update(description="x"))
    assert (await ask(client, other, messages=with_system(LONG_SYSTEM, "A yoga studio"))
            ).usage.prompt_tokens_details.cached_tokens == 0


async def test_a_short_shared_prefix_is_not_cached_and_a_script_can_say_otherwise(server, client) -> None:  # type: ignore[no-untyped-def]
    short = {"role": "system", "content": "You write landing pages. " * 20}
    server.script(Reply(content=ANSWER), Reply(content=ANSWER),
                  Reply(content=ANSWER, input_tokens=2000, cached_tokens=1152))
    await ask(client, messages=with_system(short, "A yoga studio"))
    assert (await ask(client, messages=with_system(short, "A yoga studio"))).usage.prompt_tokens_details \
        .cached_tokens == 0  # the whole prompt repeated, but under 1024 tokens
    assert (await ask(client)).usage.prompt_tokens_details.cached_tokens == 1152


async def test_reset_forgets_the_prompt_cache(server, client) -> None:  # type: ignore[no-untyped-def]
    server.script(Reply(content=ANSWER), Reply(content=ANSWER))
    await ask(client, messages=with_system(LONG_SYSTEM, "A"))
    server.reset()
    server.script(Reply(content=ANSWER))
    assert (await ask(client, messages=with_system(LONG_SYSTEM, "A"))).usage.prompt_tokens_details.cached_tokens == 0


# --- a server without strict JSON Schema output ----------------------------------------


async def test_a_server_without_json_schema_refuses_it_and_answers_json_mode() -> None:
    fake = FakeOpenAI(api_key=KEY, json_schema=False)
    await fake.start()
    try:
        async with openai.AsyncOpenAI(base_url=fake.base_url, api_key=KEY, max_retries=0) as client:
            fake.script(Reply(content="not even JSON"))
            with pytest.raises(openai.BadRequestError) as caught:
                await ask(client)
            assert caught.value.param == "response_format"
            assert "json_schema is not supported" in caught.value.body["message"]
            # the refusal took no step: JSON mode gets it, whatever it is (no schema to hold it to)
            json_mode = await client.chat.completions.create(
                model="gpt-4o-mini", messages=[{"role": "user", "content": "Answer in JSON."}],
                response_format={"type": "json_object"})
            assert json_mode.choices[0].message.content == "not even JSON"
    finally:
        await fake.stop()


# --- vision ----------------------------------------------------------------------------


def png_bytes() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (8, 8), (40, 90, 210)).save(buffer, format="PNG")
    return buffer.getvalue()


def vision_messages(url: str) -> list[dict[str, Any]]:
    parts = [{"type": "text", "text": "Describe this image."},
             {"type": "image_url", "image_url": {"url": url, "detail": "low"}}]
    return [{"role": "user", "content": parts}]


async def test_an_image_as_a_data_url_is_accepted_and_a_broken_one_refused(server, client) -> None:  # type: ignore[no-untyped-def]
    server.script(Reply(content={"alt_text": "A blue square.", "tags": ["blue"]}))
    good = "data:image/png;base64," + base64.b64encode(png_bytes()).decode()
    completion = await client.chat.completions.create(model="gpt-4o-mini", messages=vision_messages(good))
    assert json.loads(completion.choices[0].message.content)["alt_text"] == "A blue square."
    for broken in ("data:image/png;base64,%%%not-base64", "data:image/png;base64,"
                   + base64.b64encode(b"just some text").decode()):
        with pytest.raises(openai.BadRequestError, match="Invalid image"):
            await client.chat.completions.create(model="gpt-4o-mini", messages=vision_messages(broken))


async def test_an_http_image_url_is_accepted(server, client) -> None:  # type: ignore[no-untyped-def]
    server.script(Reply(content="a photo"))
    completion = await client.chat.completions.create(
        model="gpt-4o-mini", messages=vision_messages("https://example.com/cat.png"))
    assert completion.choices[0].message.content == "a photo"


# --- embeddings ------------------------------------------------------------------------


def is_unit(vector: list[float]) -> bool:
    return math.isclose(math.fsum(x * x for x in vector), 1.0, rel_tol=1e-5)


async def test_embeddings_default_to_base64_on_the_wire_and_decode_to_unit_vectors(server, client) -> None:  # type: ignore[no-untyped-def]
    result = await client.embeddings.create(model="text-embedding-3-small", input=["alpha", "beta", "alpha"])
    assert server.requests[-1].body["encoding_format"] == "base64"  # the client asks for it unasked
    vectors = [item.embedding for item in result.data]
    assert [len(v) for v in vectors] == [EMBEDDING_DIMENSIONS] * 3 and all(map(is_unit, vectors))
    assert vectors[0] == vectors[2] != vectors[1]
    assert [item.index for item in result.data] == [0, 1, 2]
    assert result.usage.prompt_tokens == result.usage.total_tokens == 2 + 1 + 2  # ~len/4 each


async def test_float_and_base64_encodings_carry_the_same_deterministic_vectors(server, client) -> None:  # type: ignore[no-untyped-def]
    floats = await client.embeddings.create(model="text-embedding-3-small", input="alpha", encoding_format="float")
    default = await client.embeddings.create(model="text-embedding-3-small", input="alpha")
    assert floats.data[0].embedding == default.data[0].embedding
    assert is_unit(floats.data[0].embedding)
    short = await client.embeddings.create(model="text-embedding-3-small", input="alpha", dimensions=256)
    assert len(short.data[0].embedding) == 256 and is_unit(short.data[0].embedding)


async def test_embedding_usage_can_be_scripted_and_failures_too(server, client) -> None:  # type: ignore[no-untyped-def]
    server.script(Reply(input_tokens=77), rate_limited(retry_after=1))
    result = await client.embeddings.create(model="text-embedding-3-small", input=["a"])
    assert result.usage.prompt_tokens == 77 and len(result.data[0].embedding) == EMBEDDING_DIMENSIONS
    with pytest.raises(openai.RateLimitError):
        await client.embeddings.create(model="text-embedding-3-small", input=["a"])


@pytest.mark.parametrize(("refused", "allowed", "message"), [
    (["x"] * 2049, ["x"] * 2048, "maximum array size is 2048"),
    (["fine", ""], ["fine", "x"], "Invalid 'input[1]'"),
    ("y" * (8192 * 4 + 1), "y" * (8192 * 4), "maximum context length is 8192 tokens"),
    (["z" * 8000 * 4] * 38, ["z" * 8000 * 4] * 37, "max 300000 tokens per request"),
])
async def test_embedding_inputs_over_the_api_limits_are_refused(client, refused, allowed, message) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(openai.BadRequestError, match=re.escape(message)):
        await client.embeddings.create(model="text-embedding-3-small", input=refused)
    assert (await client.embeddings.create(model="text-embedding-3-small", input=allowed)).data


# --- the strict-subset checker on its own ----------------------------------------------


def obj(**properties: Any) -> dict[str, Any]:
    return {"type": "object", "properties": properties, "required": list(properties), "additionalProperties": False}


STRING = {"type": "string"}


def enum(count: int, prefix: str, width: int = 0) -> dict[str, Any]:
    """A string enum of `count` distinct values, each `width` characters when given."""
    return {"type": "string", "enum": [f"{prefix}{n}".ljust(width, "x") for n in range(count)]}


def nested(levels: int) -> dict:  # type: ignore[type-arg]
    """An object schema `levels` objects deep."""
    schema = obj(leaf=STRING)
    for n in range(levels - 1):
        schema = obj(**{f"level{n}": schema})
    return schema


@pytest.mark.parametrize(("refused", "allowed", "problem"), [
    ({"anyOf": [obj(a=STRING), obj(b=STRING)]}, obj(choice={"anyOf": [obj(a=STRING), obj(b=STRING)]}),
     "schema must be a JSON Schema of 'type: \"object\"', got 'type: null'."),
    ({**obj(a=STRING), "anyOf": [obj(a=STRING)]}, obj(a={"anyOf": [STRING, {"type": "null"}]}),
     "not have 'oneOf'/'anyOf'/'allOf'/'enum'/'not' at the top level"),
    (obj(a={"allOf": [STRING]}), obj(a={"anyOf": [STRING]}), "'allOf' is not permitted"),
    (obj(a={**STRING, "not": {"const": ""}}), obj(a={**STRING, "minLength": 1}), "'not' is not permitted"),
    (obj(a={"type": "object", "patternProperties": {"^x": STRING}, "additionalProperties": False,
            "required": [], "properties": {}}), obj(a=obj(x=STRING)), "'patternProperties' is not permitted"),
    (obj(a={**obj(b=STRING), "additionalProperties": STRING}), obj(a=obj(b=STRING)),
     "In context=('properties', 'a'), 'additionalProperties' is required to be supplied and to be false."),
    (obj(a={"type": "array", "items": {**obj(b=STRING), "required": []}}),
     obj(a={"type": "array", "items": obj(b=STRING)}),
     "In context=('properties', 'a', 'items'), 'required' is required"),
    (obj(a={"$ref": "#/$defs/Missing"}), {**obj(a={"$ref": "#/$defs/Here"}), "$defs": {"Here": obj(b=STRING)}},
     "'#/$defs/Missing' which was not found"),
    (obj(a={}), obj(a={"type": ["string", "null"]}), "schema must have a 'type' key"),
    (obj(**{f"p{n}": STRING for n in range(5001)}), obj(**{f"p{n}": STRING for n in range(5000)}),
     "more than the limit of 5000"),
    (nested(11), nested(10), "nests objects 11 levels deep"),
    # 1,000 enum values in all, however they are spread
    (obj(**{f"e{n}": enum(200, f"e{n}") for n in range(5)}, last=enum(1, "z")),
     obj(**{f"e{n}": enum(200, f"e{n}") for n in range(5)}),
     f"Expected at most {MAX_ENUM_VALUES} enum values in total within a single schema"),
    # one string enum of more than 250 values holds at most 15,000 characters
    (obj(big=enum(LARGE_ENUM_VALUES + 1, "v", width=60)), obj(big=enum(LARGE_ENUM_VALUES + 1, "v", width=59)),
     f"Expected at most {MAX_LARGE_ENUM_LENGTH} characters in total for the values of a single enum"),
    (obj(big=enum(LARGE_ENUM_VALUES + 1, "v", width=60)), obj(big=enum(LARGE_ENUM_VALUES, "v", width=100)),
     "with more than 250 values"),
    # names, enum and const values: 120,000 characters in all
    (obj(**{f"{n:04d}".ljust(1201, "p"): STRING for n in range(100)}),
     obj(**{f"{n:04d}".ljust(1200, "p"): STRING for n in range(100)}),
     f"at most {MAX_STRING_LENGTH} characters when using structured outputs, but received 120100"),
    (obj(a={"type": "string", "const": "c" * MAX_STRING_LENGTH}),
     obj(a={"type": "string", "const": "c" * (MAX_STRING_LENGTH - 1)}), "but received 120001"),
])
def test_strict_schema_problem_names_the_first_problem(refused, allowed, problem) -> None:  # type: ignore[no-untyped-def]
    found = strict_schema_problem(refused)
    assert found is not None and problem in found, found
    assert strict_schema_problem(allowed) is None


def test_recursive_schemas_and_numeric_keywords_are_accepted() -> None:
    node = {**obj(label=STRING, children={"type": "array", "items": {"$ref": "#/$defs/Node"}})}
    assert strict_schema_problem({**obj(root={"$ref": "#/$defs/Node"}), "$defs": {"Node": node}}) is None
    assert strict_schema_problem(obj(n={"type": "integer", "minimum": 0, "maximum": 9})) is None

"""The OpenAI provider through the official client against a local server that speaks
OpenAI's wire format: retries, final errors, budgets, the circuit breaker, usage, the
streamed answer, prompt caching, and servers without strict JSON Schema output."""

import asyncio
import json
import logging
import time
from collections.abc import AsyncIterator

import msgspec
import pytest

from shared.ai import (
    AIInvalidOutput,
    AIQuotaExceeded,
    AIRequestRejected,
    AISettings,
    AITimeout,
    AIUnavailable,
    create_provider,
)
from shared.ai.openai_provider import MAX_INPUTS_PER_REQUEST, OpenAIProvider
from tests.servers.openai_compatible import (
    CACHE_MIN_TOKENS,
    CACHE_STEP_TOKENS,
    FakeOpenAI,
    Malformed,
    Reply,
    Slow,
    insufficient_quota,
    rate_limited,
    server_error,
)
from tests.unit.ai.test_offline_vision import png


class Feature(msgspec.Struct):
    title: str
    body: str
    icon: str | None = None


class Landing(msgspec.Struct):
    headline: str
    features: list[Feature]
    show_pricing: bool = False


SCHEMA = msgspec.json.schema(Landing)
GOOD = {"headline": "Stretch, breathe, repeat", "show_pricing": None,
        "features": [{"title": "Small classes", "body": "Never more than ten.", "icon": None}]}


@pytest.fixture(scope="module")
async def server() -> AsyncIterator[FakeOpenAI]:
    fake = FakeOpenAI(api_key="sk-test-key-123456")
    await fake.start()
    yield fake
    await fake.stop()


@pytest.fixture
async def provider(server: FakeOpenAI) -> AsyncIterator[OpenAIProvider]:
    server.reset()
    provider = OpenAIProvider(AISettings(openai_api_key=server.api_key, openai_base_url=server.base_url,
                                         ai_timeout=5, ai_max_retries=3, ai_breaker_failures=3, ai_breaker_reset=0.5))
    provider.retry.base_delay = 0.01  # keep jittered backoff short in tests
    yield provider
    await provider.aclose()


async def generate(provider: OpenAIProvider):  # type: ignore[no-untyped-def]
    return await provider.generate_json(system="You write landing pages.", prompt="A yoga studio",
                                        schema=SCHEMA, schema_name="landing")


async def test_structured_output_is_parsed_validated_and_usage_reaches_the_caller(server, provider) -> None:  # type: ignore[no-untyped-def]
    server.script(Reply(content=GOOD, input_tokens=321, output_tokens=54))
    result = await generate(provider)
    # show_pricing's null meant "absent" and is dropped; icon's null is a value its schema allows.
    assert result.data == {"headline": "Stretch, breathe, repeat",
                           "features": [{"title": "Small classes", "body": "Never more than ten.", "icon": None}]}
    assert msgspec.convert(result.data, Landing).show_pricing is False
    assert (result.usage.input_tokens, result.usage.output_tokens) == (321, 54)
    assert result.provider == "openai" and result.model == "gpt-4o-mini"
    sent = server.requests[-1].body
    assert sent["stream"] is True and sent["stream_options"] == {"include_usage": True}
    assert sent["response_format"]["json_schema"]["strict"] is True
    assert sent["response_format"]["json_schema"]["schema"]["additionalProperties"] is False


async def test_output_outside_the_schema_is_refused_with_its_problems(server, provider) -> None:  # type: ignore[no-untyped-def]
    server.script(Reply(content={"headline": 42, "features": []}))
    with pytest.raises(AIInvalidOutput) as caught:
        await generate(provider)
    assert any(problem.startswith("/headline") for problem in caught.value.problems)


async def test_a_429_then_success_is_retried_and_counted_once(server, provider) -> None:  # type: ignore[no-untyped-def]
    server.script(rate_limited(retry_after=0.05), Reply(content=GOOD, input_tokens=100, output_tokens=10))
    result = await generate(provider)
    assert result.usage.input_tokens == 100  # the failed attempt cost nothing and is not counted
    assert provider.retries == 1
    assert len([r for r in server.requests if r.path.endswith("/chat/completions")]) == 2


async def test_insufficient_quota_is_final(server, provider) -> None:  # type: ignore[no-untyped-def]
    server.script(insufficient_quota(), Reply(content=GOOD))
    with pytest.raises(AIQuotaExceeded):
        await generate(provider)
    assert provider.retries == 0
    assert len(server.requests) == 1


async def test_server_errors_and_malformed_bodies_are_retried(server, provider) -> None:  # type: ignore[no-untyped-def]
    server.script(server_error(), Malformed(), Reply(content=GOOD))
    assert (await generate(provider)).data["headline"] == "Stretch, breathe, repeat"
    assert provider.retries == 2


async def test_a_slow_upstream_ends_in_a_clear_timeout_within_the_budget(server) -> None:  # type: ignore[no-untyped-def]
    server.reset()
    provider = OpenAIProvider(AISettings(openai_api_key=server.api_key, openai_base_url=server.base_url,
                                         ai_timeout=0.6, ai_max_retries=5))
    provider.retry.base_delay = 0.01
    server.script(*[Slow(5) for _ in range(6)])
    started = time.monotonic()
    with pytest.raises(AITimeout):
        await generate(provider)
    assert time.monotonic() - started < 1.5
    await provider.aclose()


async def test_the_circuit_opens_on_repeated_failure_and_closes_after_a_good_trial(server, provider) -> None:  # type: ignore[no-untyped-def]
    provider.retry.max_retries = 0
    server.script(server_error(), server_error(), server_error())
    for _ in range(3):
        with pytest.raises(AIUnavailable):
            await generate(provider)
    assert provider.breaker.state == "open"
    calls_before = len(server.requests)
    with pytest.raises(AIUnavailable, match="circuit open"):
        await generate(provider)
    assert len(server.requests) == calls_before  # failed fast, the upstream was spared
    await asyncio.sleep(0.6)
    server.script(Reply(content=GOOD))
    assert (await generate(provider)).data["headline"]
    assert provider.breaker.state == "closed"


async def test_embeddings_come_back_in_order_in_batches_within_the_api_limits(server, provider) -> None:  # type: ignore[no-untyped-def]
    texts = [f"text number {n}" for n in range(MAX_INPUTS_PER_REQUEST + 10)]
    result = await provider.embed(texts)
    assert len(result.vectors) == len(texts) and all(len(v) == 1536 for v in result.vectors)
    batches = [r.body for r in server.requests if r.path.endswith("/embeddings")]
    assert [len(b["input"]) for b in batches] == [MAX_INPUTS_PER_REQUEST, 10]
    assert result.usage.input_tokens > 0
    again = await provider.embed(["text number 3"])
    assert again.vectors[0] == result.vectors[3]


async def test_image_description_goes_as_a_data_url_and_comes_back_tidy(server, provider) -> None:  # type: ignore[no-untyped-def]
    server.script(Reply(content={"alt_text": " A blue square. ", "description": " A flat blue square. ",
                                 "tags": ["Blue", "Square"]}, input_tokens=90))
    result = await provider.describe_image(png(64, 64, (40, 90, 210)), filename="blue.png")
    assert (result.alt_text, result.description) == ("A blue square.", "A flat blue square.")
    assert result.tags == ["blue", "square"]
    assert result.usage.input_tokens == 90
    parts = server.requests[-1].body["messages"][0]["content"]
    assert parts[1]["image_url"]["url"].startswith("data:image/png;base64,")


async def test_the_key_never_reaches_logs_or_errors(server, caplog) -> None:  # type: ignore[no-untyped-def]
    server.reset()
    caplog.set_level(logging.DEBUG)
    settings = AISettings(openai_api_key="sk-wrong-secret-999", openai_base_url=server.base_url, ai_timeout=2)
    provider = create_provider(settings)
    with pytest.raises(Exception) as caught:
        await provider.generate_json(system="s", prompt="p", schema=SCHEMA, schema_name="landing")
    await provider.aclose()
    assert "sk-wrong-secret-999" not in str(caught.value)
    assert "sk-wrong-secret-999" not in caplog.text
    assert "sk-wrong-secret-999" not in repr(settings)


# --- the streamed answer ---------------------------------------------------------------


async def test_on_text_gets_the_answer_in_pieces_that_make_up_the_whole(server, provider) -> None:  # type: ignore[no-untyped-def]
    server.script(Reply(content=GOOD, input_tokens=40, output_tokens=30))
    pieces: list[str] = []
    result = await provider.generate_json(system="You write landing pages.", prompt="A yoga studio", schema=SCHEMA,
                                          schema_name="landing", on_text=pieces.append)
    assert len(pieces) > 3 and all(pieces)
    assert json.loads("".join(pieces)) == GOOD  # the model's own text, nulls and all
    assert result.data["features"] == GOOD["features"]
    assert (result.usage.input_tokens, result.usage.output_tokens) == (40, 30)  # from the stream's last chunk


async def test_an_answer_cut_at_max_output_tokens_goes_back_for_a_shorter_one(server, provider) -> None:  # type: ignore[no-untyped-def]
    server.script(Reply(content='{"headline": "Stretch, bre', finish_reason="length"))
    with pytest.raises(AIInvalidOutput, match="cut at max_output_tokens") as caught:
        await provider.generate_json(system="s", prompt="p", schema=SCHEMA, schema_name="landing",
                                     max_output_tokens=7)
    assert caught.value.problems and "7 output tokens" in caught.value.problems[0]
    assert server.requests[-1].body["max_completion_tokens"] == 7


async def test_a_streamed_refusal_is_an_invalid_output_with_its_reason(server, provider) -> None:  # type: ignore[no-untyped-def]
    server.script(Reply(refusal="I can't help with that."))
    with pytest.raises(AIInvalidOutput, match="refused: I can't help with that"):
        await generate(provider)


async def test_a_stream_slower_than_the_budget_times_out_although_each_chunk_is_quick(server) -> None:  # type: ignore[no-untyped-def]
    # Each chunk comes well within the client's read timeout; only the whole answer is late.
    server.reset()
    provider = OpenAIProvider(AISettings(openai_api_key=server.api_key, openai_base_url=server.base_url,
                                         ai_timeout=0.6, ai_max_retries=2))
    server.script(Reply(content=GOOD, chunk_delay=0.2), Reply(content=GOOD, chunk_delay=0.2))
    with pytest.raises(AITimeout):
        await generate(provider)
    await provider.aclose()


async def test_a_broken_stream_is_retried_while_nothing_was_passed_on(server, provider) -> None:  # type: ignore[no-untyped-def]
    server.script(Reply(content=GOOD, cut_after=0), Reply(content=GOOD))
    pieces: list[str] = []
    result = await provider.generate_json(system="s", prompt="p", schema=SCHEMA, schema_name="landing",
                                          on_text=pieces.append)
    assert provider.retries == 1 and result.data["headline"] == GOOD["headline"]
    assert json.loads("".join(pieces)) == GOOD  # only the good attempt's text reached the caller


async def test_a_stream_broken_after_text_was_passed_on_fails_without_a_retry(server, provider) -> None:  # type: ignore[no-untyped-def]
    server.script(Reply(content=GOOD, cut_after=4), Reply(content=GOOD))
    pieces: list[str] = []
    with pytest.raises(AIUnavailable, match="ended before it was finished"):
        await provider.generate_json(system="s", prompt="p", schema=SCHEMA, schema_name="landing",
                                     on_text=pieces.append)
    assert pieces and provider.retries == 0
    assert len(server.requests) == 1
    # without a listener nothing was passed on, so the same break is retried
    server.reset()
    server.script(Reply(content=GOOD, cut_after=4), Reply(content=GOOD))
    assert (await generate(provider)).data["headline"] == GOOD["headline"]
    assert provider.retries == 1


# --- prompt caching --------------------------------------------------------------------

LONG_SYSTEM = "You write landing pages for small businesses, in their own words. " * 120  # ~2,000 tokens


async def test_cached_input_tokens_are_reported_for_a_repeated_static_prefix(server, provider) -> None:  # type: ignore[no-untyped-def]
    server.script(Reply(content=GOOD), Reply(content=GOOD), Reply(content=GOOD))
    ask = provider.generate_json
    first = await ask(system=LONG_SYSTEM, prompt="A yoga studio", schema=SCHEMA, schema_name="landing")
    second = await ask(system=LONG_SYSTEM, prompt="A bakery in Lyon", schema=SCHEMA, schema_name="landing")
    other = await ask(system="Short and different. " + LONG_SYSTEM, prompt="A yoga studio", schema=SCHEMA,
                      schema_name="landing")
    assert first.usage.cached_input_tokens == 0  # nothing seen before
    assert CACHE_MIN_TOKENS <= second.usage.cached_input_tokens <= second.usage.input_tokens
    assert second.usage.cached_input_tokens % CACHE_STEP_TOKENS == 0
    assert other.usage.cached_input_tokens == 0  # only the schema is shared: under the minimum
    assert (first.usage + second.usage).cached_input_tokens == second.usage.cached_input_tokens


# --- servers without strict JSON Schema output -----------------------------------------


@pytest.fixture
async def plain_server() -> AsyncIterator[FakeOpenAI]:
    fake = FakeOpenAI(api_key="sk-test-key-123456", json_schema=False)
    await fake.start()
    yield fake
    await fake.stop()


def provider_for(server: FakeOpenAI, **settings) -> OpenAIProvider:  # type: ignore[no-untyped-def]
    return OpenAIProvider(AISettings(openai_api_key=server.api_key, openai_base_url=server.base_url, ai_timeout=5,
                                     **settings))


async def test_a_refused_json_schema_falls_back_to_json_mode_once_and_for_all(plain_server, caplog) -> None:  # type: ignore[no-untyped-def]
    provider = provider_for(plain_server)
    plain_server.script(Reply(content=GOOD), Reply(content=GOOD))
    caplog.set_level(logging.WARNING, logger="ai.openai")
    first = await generate(provider)
    second = await generate(provider)
    await provider.aclose()
    assert first.data == second.data == {"headline": GOOD["headline"], "features": GOOD["features"]}
    formats = [r.body["response_format"]["type"] for r in plain_server.requests]
    assert formats == ["json_schema", "json_object", "json_object"]  # the refusal is remembered
    system = plain_server.requests[1].body["messages"][0]["content"]
    assert system.startswith("You write landing pages.\n\nAnswer with one JSON object valid against this JSON Schema: ")
    assert json.loads(system.partition("JSON Schema: ")[2]) == SCHEMA  # the original, constraints and all
    assert len([r for r in caplog.records if "refused strict JSON Schema" in r.getMessage()]) == 1


async def test_a_json_mode_answer_outside_the_schema_goes_back_with_its_problems(plain_server) -> None:  # type: ignore[no-untyped-def]
    provider = provider_for(plain_server, ai_structured_output="json_object")
    plain_server.script(Reply(content={"headline": "Hi", "features": [{"title": 3}], "extra": True}))
    with pytest.raises(AIInvalidOutput) as caught:
        await generate(provider)
    await provider.aclose()
    assert any(problem.startswith("/features/0/title") for problem in caught.value.problems)
    assert [r.body["response_format"]["type"] for r in plain_server.requests] == ["json_object"]  # no first try


async def test_json_schema_only_never_falls_back(plain_server) -> None:  # type: ignore[no-untyped-def]
    provider = provider_for(plain_server, ai_structured_output="json_schema")
    plain_server.script(Reply(content=GOOD))
    with pytest.raises(AIRequestRejected, match="json_schema is not supported"):
        await generate(provider)
    await provider.aclose()
    assert [r.body["response_format"]["type"] for r in plain_server.requests] == ["json_schema"]


async def test_openais_refusal_of_one_schema_is_not_taken_for_a_missing_feature(server, provider) -> None:  # type: ignore[no-untyped-def]
    # The full server refuses a schema outside the strict subset with "Invalid schema for
    # response_format ...": a bug to surface, not a reason to drop strict output.
    server.script(Reply(content=GOOD))
    too_deep: dict = {"type": "string"}  # type: ignore[type-arg]
    for level in range(12):
        too_deep = {"type": "object", "properties": {f"l{level}": too_deep}, "required": [f"l{level}"],
                    "additionalProperties": False}
    with pytest.raises(AIRequestRejected, match="Invalid schema for response_format"):
        await provider.generate_json(system="s", prompt="p", schema=too_deep, schema_name="deep")
    assert [r.body["response_format"]["type"] for r in server.requests] == ["json_schema"]
    assert (await generate(provider)).data["headline"] == GOOD["headline"]  # still strict, still fine
    assert server.requests[-1].body["response_format"]["type"] == "json_schema"

"""The OpenAI provider: the official async client, our own retry policy and circuit
breaker, strict structured outputs (streamed), and usage returned to the caller.

The client's built-in retries are off (`max_retries=0`): it would retry an
`insufficient_quota` 429, which is final, and its attempts would escape both the call's
time budget and the circuit breaker. `OPENAI_BASE_URL` points the same code at Azure,
vLLM, LiteLLM, Ollama, llama.cpp's server or any other compatible server; one that lacks
strict JSON Schema output gets JSON mode, the schema in the system message and our own
validation instead (AI_STRUCTURED_OUTPUT).
"""

from __future__ import annotations

import asyncio
import base64
import json
import logging
from collections.abc import Awaitable, Callable, Sequence
from typing import Any, TypeVar

import httpx2  # the official client's transport: its errors surface while a stream is read
import msgspec
import numpy as np
import openai
from opentelemetry import trace

from shared.ai.base import (
    EMBEDDING_DIMENSIONS,
    AIError,
    AIInvalidOutput,
    AIQuotaExceeded,
    AIRateLimited,
    AIRequestRejected,
    AISettings,
    AITimeout,
    AIUnavailable,
    Embeddings,
    Generated,
    ImageDescription,
    Usage,
)
from shared.ai.embeddings import pad
from shared.ai.observe import observed
from shared.ai.output import estimate_tokens, parse_json, validated
from shared.ai.resilience import CircuitBreaker, RetryPolicy
from shared.ai.strict_schema import from_strict, to_strict
from shared.ai.vision import read_image

log = logging.getLogger("ai.openai")
T = TypeVar("T")

# OpenAI's documented limits for one embeddings request.
MAX_INPUTS_PER_REQUEST = 2048
MAX_TOKENS_PER_INPUT = 8191
MAX_TOKENS_PER_REQUEST = 300_000

DESCRIPTION_SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {
        "alt_text": {"type": "string", "description": "One sentence for screen readers, under 125 characters."},
        "description": {"type": "string",
                        "description": "One paragraph: subject, setting, colours, mood, any visible text."},
        "tags": {"type": "array", "items": {"type": "string"}, "description": "Three to eight lowercase tags."},
    },
    "required": ["alt_text", "description", "tags"],
    "additionalProperties": False,
}
JSON_MODE_INSTRUCTION = "Answer with one JSON object valid against this JSON Schema: "
# Words in the error of a server that cannot do strict JSON Schema output (llama.cpp:
# 'response_format type must be one of "text" or "json_object"', others "not supported").
JSON_SCHEMA_REFUSAL_WORDS = ("json_schema", "response_format")


class JsonSchemaUnsupported(AIRequestRejected):
    """The server refused `response_format: json_schema` itself (not our schema)."""


class Streamed(msgspec.Struct, frozen=True, kw_only=True):
    """A chat answer read from its stream."""

    text: str
    refusal: str
    finish_reason: str | None
    usage: Usage
    model: str | None


DESCRIBE_PROMPT = ("Describe this image for a website's media library: alt text a screen reader would read, "
                   "a one-paragraph description, and a few tags someone searching for it would type.")


class OpenAIProvider:
    name = "openai"

    def __init__(self, settings: AISettings, *, client: openai.AsyncOpenAI | None = None) -> None:
        self.settings = settings
        self.client = client or openai.AsyncOpenAI(
            api_key=settings.openai_api_key, base_url=settings.openai_base_url or None,
            max_retries=0, timeout=settings.ai_timeout,
        )
        self.breaker = CircuitBreaker(failures=settings.ai_breaker_failures, reset_after=settings.ai_breaker_reset)
        self.retry = RetryPolicy(max_retries=settings.ai_max_retries, budget=settings.ai_timeout)
        self.retries = 0  # attempts beyond the first, for metrics and tests
        self._json_schema_refused = False  # learnt from the server (AI_STRUCTURED_OUTPUT=auto)

    @property
    def embedding_model(self) -> str:
        return self.settings.ai_embedding_model

    async def aclose(self) -> None:
        await self.client.close()

    # the three operations ---------------------------------------------------------

    async def generate_json(self, *, system: str, prompt: str, schema: dict[str, Any], schema_name: str,
                            max_output_tokens: int = 4096,
                            on_text: Callable[[str], None] | None = None) -> Generated:
        model = self.settings.ai_text_model
        with self._span("generate_json", model, prompt) as span:
            if self._json_mode:
                answer = await self._stream_json_mode(system, prompt, schema, max_output_tokens, on_text)
            else:
                try:
                    answer = await self._stream(
                        [{"role": "system", "content": system}, {"role": "user", "content": prompt}],
                        {"type": "json_schema",
                         "json_schema": {"name": schema_name, "schema": to_strict(schema), "strict": True}},
                        max_output_tokens, on_text)
                except JsonSchemaUnsupported as refused:
                    if self.settings.ai_structured_output == "json_schema":
                        raise
                    self._learn_json_mode(refused)
                    answer = await self._stream_json_mode(system, prompt, schema, max_output_tokens, on_text)
            _record_usage(span, answer.usage)
            try:
                data = validated(schema, from_strict(parse_json(_answer_text(answer, max_output_tokens)), schema))
            except AIInvalidOutput as invalid:  # the provider charged for it all the same
                invalid.usage = answer.usage
                raise
        return Generated(data=data, usage=answer.usage, model=answer.model or model, provider="openai")

    @property
    def _json_mode(self) -> bool:
        return self.settings.ai_structured_output == "json_object" or self._json_schema_refused

    def _learn_json_mode(self, refused: AIError) -> None:
        if not self._json_schema_refused:  # no await between test and set: logged once
            log.warning("the AI server refused strict JSON Schema output (%s); using JSON mode with the schema in "
                        "the system message and validating answers here (set AI_STRUCTURED_OUTPUT=json_object to "
                        "skip the first try)", refused)
        self._json_schema_refused = True

    async def _stream_json_mode(self, system: str, prompt: str, schema: dict[str, Any], max_output_tokens: int,
                                on_text: Callable[[str], None] | None) -> Streamed:
        # The schema goes right after the system prompt: both are the static prefix that
        # the server's prompt cache can reuse between calls.
        instructed = f"{system}\n\n{JSON_MODE_INSTRUCTION}{json.dumps(schema, separators=(',', ':'))}"
        return await self._stream([{"role": "system", "content": instructed}, {"role": "user", "content": prompt}],
                                  {"type": "json_object"}, max_output_tokens, on_text)

    async def _stream(self, messages: list[dict[str, Any]], response_format: dict[str, Any], max_output_tokens: int,
                      on_text: Callable[[str], None] | None) -> Streamed:
        """One streamed chat completion, retried like any call until the first piece of the
        answer was passed to `on_text`; after that a failure is final (a retry would start
        the caller's text over)."""
        passed_on = False
        model = self.settings.ai_text_model

        async def read(timeout: float) -> Streamed:
            nonlocal passed_on
            text: list[str] = []
            refusal: list[str] = []
            finish_reason: str | None = None
            usage = Usage()
            answered_model: str | None = None
            try:
                # The client's timeout bounds each read; this one bounds the whole stream,
                # so an answer trickling in slower than the budget still ends in time.
                async with asyncio.timeout(timeout):
                    stream = await self.client.chat.completions.create(
                        model=model, timeout=timeout, max_completion_tokens=max_output_tokens, messages=messages,
                        response_format=response_format, stream=True, stream_options={"include_usage": True})
                    async with stream:
                        async for chunk in stream:
                            answered_model = chunk.model or answered_model
                            if chunk.usage is not None:
                                usage = _usage_of(chunk.usage)
                            for choice in chunk.choices:
                                delta = choice.delta
                                finish_reason = choice.finish_reason or finish_reason
                                if getattr(delta, "refusal", None):
                                    refusal.append(delta.refusal)
                                if delta.content:
                                    text.append(delta.content)
                                    if on_text is not None:
                                        passed_on = True
                                        on_text(delta.content)
            except (openai.APIError, ValueError) as exc:  # ValueError: a chunk that is not JSON
                if not passed_on:
                    raise  # translated (and retried) like any call's failure
                error = translate(exc) if isinstance(exc, openai.APIError) else AIUnavailable(
                    f"unreadable part of the answer: {exc}")
                raise _final(error) from None
            except (TimeoutError, httpx2.TimeoutException):
                error = AITimeout("the AI provider did not finish its answer in time")
                raise _final(error) if passed_on else error from None
            except httpx2.TransportError as exc:
                error = AIUnavailable(f"the AI provider's answer broke off: {type(exc).__name__}")
                raise _final(error) if passed_on else error from None
            if finish_reason is None:  # the stream broke off (a dropped connection), or was no stream at all
                error = AIUnavailable("the AI provider's answer ended before it was finished")
                raise _final(error) if passed_on else error
            return Streamed(text="".join(text), refusal="".join(refusal), finish_reason=finish_reason, usage=usage,
                            model=answered_model)

        return await self._call(read)

    async def describe_image(self, image: bytes, *, filename: str | None = None) -> ImageDescription:
        model = self.settings.ai_vision_model
        facts = read_image(image)  # refuses non-images before paying for a call
        data_url = f"data:image/{facts.kind};base64,{base64.b64encode(image).decode()}"
        hint = f" The file is named {filename!r}." if filename else ""
        with self._span("describe_image", model, DESCRIBE_PROMPT) as span:
            response = await self._call(lambda timeout: self.client.chat.completions.create(
                model=model, timeout=timeout, max_completion_tokens=300,
                messages=[{"role": "user", "content": [
                    {"type": "text", "text": DESCRIBE_PROMPT + hint},
                    {"type": "image_url", "image_url": {"url": data_url, "detail": "low"}},
                ]}],
                response_format={"type": "json_schema",
                                 "json_schema": {"name": "image_description", "schema": DESCRIPTION_SCHEMA,
                                                 "strict": True}},
            ))
            usage = _usage(response)
            _record_usage(span, usage)
            data = validated(DESCRIPTION_SCHEMA, parse_json(_content(response)))
        return ImageDescription(alt_text=data["alt_text"].strip(), description=data["description"].strip(),
                                tags=[t.strip().lower() for t in data["tags"]][:8],
                                usage=usage, model=response.model or model, provider="openai")

    async def embed(self, texts: Sequence[str]) -> Embeddings:
        model = self.embedding_model
        vectors: list[list[float]] = []
        usage = Usage()
        # text-embedding-3 models shorten natively; other servers' vectors are zero-padded.
        extra = {"dimensions": EMBEDDING_DIMENSIONS} if model.startswith("text-embedding-3") else {}
        with self._span("embed", model, None) as span:
            span.set_attribute("ai.embedding.inputs", len(texts))
            for batch in embedding_batches([_clip(text) for text in texts]):
                response = await self._call(lambda timeout, batch=batch: self.client.embeddings.create(
                    model=model, input=batch, timeout=timeout, **extra))
                ordered = sorted(response.data, key=lambda item: item.index)
                vectors += [_fit(item.embedding) for item in ordered]
                usage = usage + Usage(input_tokens=response.usage.prompt_tokens if response.usage else 0)
            _record_usage(span, usage)
        return Embeddings(vectors=vectors, usage=usage, model=model, provider="openai")

    # plumbing -------------------------------------------------------------------------

    async def _call(self, request: Callable[[float], Awaitable[T]]) -> T:
        async def attempt(remaining: float) -> T:
            try:
                return await request(remaining)
            except openai.APIStatusError as exc:
                if _refuses_json_schema(exc):
                    raise JsonSchemaUnsupported(f"the AI server cannot do strict JSON Schema output: "
                                                f"{_error_field(exc.body, 'message') or exc.message}") from None
                raise translate(exc) from None
            except openai.APIError as exc:
                raise translate(exc) from None
            except ValueError as exc:  # a body that is not JSON, from a broken proxy
                raise AIUnavailable(f"unreadable response: {exc}") from None

        def on_retry(error: AIError, attempt_number: int) -> None:
            self.retries += 1
            log.warning("AI call failed (%s), retry %d", error.reason, attempt_number + 1)
            trace.get_current_span().add_event("retry", {"ai.error": error.reason})

        return await self.retry.run(attempt, breaker=self.breaker, retry_after_of=lambda e: e.retry_after,
                                    on_retry=on_retry)

    def _span(self, operation: str, model: str, prompt: str | None) -> Any:
        return observed(operation, model, "openai", prompt if self.settings.ai_trace_prompts else None)


def translate(exc: openai.APIError) -> AIError:
    """The client's exception as one of ours. The message never carries the API key."""
    if isinstance(exc, openai.APITimeoutError):
        return AITimeout("the AI provider did not answer in time")
    if isinstance(exc, openai.APIConnectionError):
        return AIUnavailable(f"cannot reach the AI provider: {type(exc.__cause__ or exc).__name__}")
    if isinstance(exc, openai.APIStatusError):
        code = getattr(exc, "code", None) or _error_field(exc.body, "code")
        retry_after = _retry_after(exc.response.headers)
        message = _error_field(exc.body, "message") or exc.message
        if exc.status_code == 429 and code == "insufficient_quota":
            return AIQuotaExceeded("the AI provider account is out of quota; add credit at the provider")
        if exc.status_code == 429:
            return AIRateLimited(f"rate limited by the AI provider: {message}", retry_after=retry_after)
        if exc.status_code >= 500 or exc.status_code in (408, 409):
            return AIUnavailable(f"the AI provider failed with {exc.status_code}", retry_after=retry_after)
        return AIRequestRejected(f"the AI provider refused the request ({exc.status_code}): {message}")
    return AIUnavailable(f"unexpected response from the AI provider: {type(exc).__name__}")


def _refuses_json_schema(exc: openai.APIStatusError) -> bool:
    """Whether the server refused strict JSON Schema output as such. OpenAI's own refusal of
    one schema ("Invalid schema for response_format ...") is a bug of ours, not this."""
    message = (_error_field(exc.body, "message") or exc.message or "").lower()
    if exc.status_code not in (400, 422, 500, 501) or message.startswith("invalid schema for response_format"):
        return False
    return any(word in message for word in JSON_SCHEMA_REFUSAL_WORDS)


def _final(error: AIError) -> AIError:
    """`error`, not to be retried: part of the answer has already been passed on."""
    error.retryable = False  # shadows the class's value for this one failure
    return error


def _answer_text(answer: Streamed, max_output_tokens: int) -> str | None:
    if answer.refusal:
        raise AIInvalidOutput(f"the model refused: {answer.refusal}", problems=[f"the model refused: {answer.refusal}"])
    if answer.finish_reason == "length":
        raise AIInvalidOutput("the answer was cut at max_output_tokens", problems=[
            f"the answer was cut off at the limit of {max_output_tokens} output tokens: write a shorter answer "
            "(fewer items, shorter texts) that is complete JSON"])
    if answer.finish_reason == "content_filter":
        raise AIInvalidOutput("the answer was stopped by the provider's content filter",
                              problems=["the answer was stopped by the content filter: keep to the brief"])
    return answer.text


def _error_field(body: object, field: str) -> str | None:
    if isinstance(body, dict):
        inner = body.get("error", body)
        if isinstance(inner, dict) and isinstance(inner.get(field), str):
            return inner[field]
    return None


def _retry_after(headers: Any) -> float | None:
    for header, divisor in (("retry-after-ms", 1000.0), ("retry-after", 1.0)):
        value = headers.get(header)
        if value is not None:
            try:
                return max(0.0, float(value) / divisor)
            except ValueError:
                return None
    return None


def _content(response: Any) -> str | None:
    message = response.choices[0].message
    if getattr(message, "refusal", None):
        raise AIInvalidOutput(f"the model refused: {message.refusal}")
    return message.content


def _usage(response: Any) -> Usage:
    return Usage() if response.usage is None else _usage_of(response.usage)


def _usage_of(usage: Any) -> Usage:
    details = getattr(usage, "prompt_tokens_details", None)
    cached = getattr(details, "cached_tokens", None) if details is not None else None
    return Usage(input_tokens=usage.prompt_tokens or 0, output_tokens=usage.completion_tokens or 0,
                 cached_input_tokens=cached or 0)


def _record_usage(span: trace.Span, usage: Usage) -> None:
    span.set_attribute("gen_ai.usage.input_tokens", usage.input_tokens)
    span.set_attribute("gen_ai.usage.output_tokens", usage.output_tokens)
    span.set_attribute("gen_ai.usage.cached_input_tokens", usage.cached_input_tokens)


def _clip(text: str) -> str:
    """Keep one input inside the per-input token limit (by the conservative estimate)."""
    limit = MAX_TOKENS_PER_INPUT * 3  # ~3 characters a token leaves room for denser text
    return (text[:limit] if len(text) > limit else text) or " "


def _fit(vector: list[float]) -> list[float]:
    if len(vector) == EMBEDDING_DIMENSIONS:
        return vector
    return pad(np.asarray(vector, dtype=np.float32)).tolist()


def embedding_batches(texts: Sequence[str]) -> list[list[str]]:
    """Consecutive batches within the API's input-count and token limits."""
    batches: list[list[str]] = []
    current: list[str] = []
    tokens = 0
    for text in texts:
        cost = estimate_tokens(text)
        if current and (len(current) >= MAX_INPUTS_PER_REQUEST or tokens + cost > MAX_TOKENS_PER_REQUEST):
            batches.append(current)
            current, tokens = [], 0
        current.append(text)
        tokens += cost
    if current:
        batches.append(current)
    return batches

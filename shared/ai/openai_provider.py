"""The OpenAI provider: the official async client, our own retry policy and circuit
breaker, strict structured outputs, and usage returned to the caller.

The client's built-in retries are off (`max_retries=0`): it would retry an
`insufficient_quota` 429, which is final, and its attempts would escape both the call's
time budget and the circuit breaker. `OPENAI_BASE_URL` points the same code at Azure,
vLLM, LiteLLM, Ollama or any other compatible server.
"""

from __future__ import annotations

import base64
import logging
from collections.abc import Awaitable, Callable, Sequence
from typing import Any, TypeVar

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

    @property
    def embedding_model(self) -> str:
        return self.settings.ai_embedding_model

    async def aclose(self) -> None:
        await self.client.close()

    # the three operations ---------------------------------------------------------

    async def generate_json(self, *, system: str, prompt: str, schema: dict[str, Any], schema_name: str,
                            max_output_tokens: int = 4096) -> Generated:
        model = self.settings.ai_text_model
        strict = to_strict(schema)
        with self._span("generate_json", model, prompt) as span:
            response = await self._call(lambda timeout: self.client.chat.completions.create(
                model=model, timeout=timeout, max_completion_tokens=max_output_tokens,
                messages=[{"role": "system", "content": system}, {"role": "user", "content": prompt}],
                response_format={"type": "json_schema",
                                 "json_schema": {"name": schema_name, "schema": strict, "strict": True}},
            ))
            usage = _usage(response)
            _record_usage(span, usage)
            data = validated(schema, from_strict(parse_json(_content(response)), schema))
        return Generated(data=data, usage=usage, model=response.model or model, provider="openai")

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
    usage = response.usage
    if usage is None:
        return Usage()
    return Usage(input_tokens=usage.prompt_tokens or 0, output_tokens=usage.completion_tokens or 0)


def _record_usage(span: trace.Span, usage: Usage) -> None:
    span.set_attribute("gen_ai.usage.input_tokens", usage.input_tokens)
    span.set_attribute("gen_ai.usage.output_tokens", usage.output_tokens)


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

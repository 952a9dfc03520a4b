"""The AI provider interface: the three operations the platform needs, their results
(with token usage, so credits are charged from real usage) and their failures."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, Literal, Protocol

import msgspec

EMBEDDING_DIMENSIONS = 1536

ProviderName = Literal["openai", "offline"]


class AISettings(msgspec.Struct, frozen=True, kw_only=True):
    """How the platform reaches a model. Without a key, the offline provider is used."""

    openai_api_key: str = ""
    openai_base_url: str = ""
    ai_text_model: str = "gpt-4o-mini"
    ai_vision_model: str = "gpt-4o-mini"
    ai_embedding_model: str = "text-embedding-3-small"
    ai_timeout: float = 30.0  # seconds, the whole budget of one call including retries
    ai_max_retries: int = 3
    ai_breaker_failures: int = 5  # consecutive failures that open the circuit
    ai_breaker_reset: float = 30.0  # seconds the circuit stays open before a trial call
    ai_trace_prompts: bool = False  # put prompt text on spans (off: prompts can hold personal data)
    offline_embedding: Literal["hashing", "minilm"] = "hashing"
    # How JSON answers are asked of an OpenAI-compatible server: strict JSON Schema
    # ("json_schema"), JSON mode with the schema in the system message and validation on our
    # side ("json_object", for servers without strict schemas), or the first, falling back to
    # the second when the server refuses it ("auto").
    ai_structured_output: Literal["auto", "json_schema", "json_object"] = "auto"

    def __repr__(self) -> str:  # never print the key
        shown = {**msgspec.structs.asdict(self), "openai_api_key": "***" if self.openai_api_key else ""}
        return f"AISettings({shown})"

    __str__ = __repr__


class Usage(msgspec.Struct, frozen=True, kw_only=True):
    input_tokens: int = 0
    output_tokens: int = 0
    # The part of input_tokens the provider served from its prompt cache (priced lower).
    cached_input_tokens: int = 0

    def __add__(self, other: Usage) -> Usage:
        return Usage(input_tokens=self.input_tokens + other.input_tokens,
                     output_tokens=self.output_tokens + other.output_tokens,
                     cached_input_tokens=self.cached_input_tokens + other.cached_input_tokens)


class Generated(msgspec.Struct, frozen=True, kw_only=True):
    """A JSON document that validates against the schema it was asked for."""

    data: Any
    usage: Usage
    model: str
    provider: ProviderName


class ImageDescription(msgspec.Struct, frozen=True, kw_only=True):
    alt_text: str  # one sentence for screen readers
    description: str  # one paragraph for the media library, and what search embeds
    tags: list[str]
    usage: Usage
    model: str
    provider: ProviderName


class Embeddings(msgspec.Struct, frozen=True, kw_only=True):
    """One vector per input text, all of `EMBEDDING_DIMENSIONS`, from `model` (store it
    beside each vector: vectors of different models must never be compared)."""

    vectors: list[list[float]]
    usage: Usage
    model: str
    provider: ProviderName


class AIProvider(Protocol):
    name: ProviderName

    @property
    def embedding_model(self) -> str:
        """The model `embed` uses now: stored vectors of any other model are stale."""
        ...

    async def generate_json(self, *, system: str, prompt: str, schema: dict[str, Any], schema_name: str,
                            max_output_tokens: int = 4096,
                            on_text: Callable[[str], None] | None = None) -> Generated:
        """A JSON value valid against `schema`, written for `prompt`; `on_text` gets the
        answer's text as it streams in (pieces of the JSON, in order)."""
        ...

    async def describe_image(self, image: bytes, *, filename: str | None = None) -> ImageDescription:
        """Alt text and a few tags for an image."""
        ...

    async def embed(self, texts: Sequence[str]) -> Embeddings:
        """Vectors for `texts`, in order."""
        ...

    async def aclose(self) -> None: ...


class AIError(Exception):
    """A model call failed; `retryable` says whether trying again later may help."""

    retryable = False
    reason = "ai-error"

    def __init__(self, message: str, *, retry_after: float | None = None,
                 problems: list[str] | None = None) -> None:
        super().__init__(message)
        self.retry_after = retry_after  # seconds the provider asked us to wait
        self.problems = problems or []  # what was wrong with an output, for a repair round
        self.usage = Usage()  # what a call that answered (wrongly) used: it is paid for too


class AITimeout(AIError):
    retryable = True
    reason = "timeout"


class AIRateLimited(AIError):
    retryable = True
    reason = "rate-limited"


class AIQuotaExceeded(AIError):
    """The account is out of quota or credit at the provider: final, never retried."""

    reason = "insufficient-quota"


class AIUnavailable(AIError):
    """The provider is failing (5xx, connection errors) or the circuit is open."""

    retryable = True
    reason = "unavailable"


class AIRequestRejected(AIError):
    """The provider refused the request itself (4xx other than 429): a bug or a bad input."""

    reason = "rejected"


class AIInvalidOutput(AIError):
    """The model answered with something that is not valid against the schema."""

    reason = "invalid-output"

"""The provider used when no OpenAI key is configured. Every feature keeps working, and
every result says `provider: offline`: generation writes a valid instance of the requested
schema from the prompt's words, descriptions come from the image's real properties, and
embeddings are lexical (see embeddings.py). Usage figures are estimates."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import msgspec

from shared.ai.base import AIInvalidOutput, AISettings, Embeddings, Generated, ImageDescription, Usage
from shared.ai.embeddings import HashingEmbedder, MiniLMEmbedder
from shared.ai.observe import observed
from shared.ai.output import estimate_tokens, validated
from shared.ai.vision import describe

STREAM_CHUNK = 64  # characters of a streamed piece
# A writer for one kind of structured output (by schema name): (system, prompt, schema) -> a value.
Skill = Callable[[str, str, dict[str, Any]], Any]


class OfflineProvider:
    name = "offline"
    text_model = "offline-generator-v1"
    vision_model = "offline-vision-v1"

    def __init__(self, settings: AISettings, *, skills: Mapping[str, Skill] | None = None) -> None:
        # A service's own writers for the outputs it asks for by name (a site plan, a page
        # section): offline copy that knows the domain; any other schema gets the generic writer.
        self.skills = dict(skills or {})
        self.embedder = MiniLMEmbedder() if settings.offline_embedding == "minilm" else HashingEmbedder()

    @property
    def embedding_model(self) -> str:
        return self.embedder.model

    async def aclose(self) -> None:
        return None

    async def generate_json(self, *, system: str, prompt: str, schema: dict[str, Any], schema_name: str,
                            max_output_tokens: int = 4096,
                            on_text: Callable[[str], None] | None = None) -> Generated:
        from shared.ai.offline_generation import generate_instance

        skill = self.skills.get(schema_name)
        with observed("generate_json", self.text_model, "offline"):
            written = skill(system, prompt, schema) if skill else generate_instance(schema, prompt)
            data = validated(schema, written)
        text = msgspec.json.encode(data).decode()
        # Like a model: the schema is part of what it reads, and an answer longer than its cap is cut.
        usage = Usage(input_tokens=estimate_tokens(system + prompt + msgspec.json.encode(schema).decode()),
                      output_tokens=estimate_tokens(text))
        if usage.output_tokens > max_output_tokens:
            cut = AIInvalidOutput(f"the answer was cut at max_output_tokens ({max_output_tokens})",
                                  problems=[f"the answer must fit in {max_output_tokens} tokens: write less"])
            cut.usage = msgspec.structs.replace(usage, output_tokens=max_output_tokens)
            raise cut
        if on_text is not None:  # streamed as a model streams: the answer's text in pieces
            for start in range(0, len(text), STREAM_CHUNK):
                on_text(text[start:start + STREAM_CHUNK])
        return Generated(data=data, usage=usage, model=self.text_model, provider="offline")

    async def describe_image(self, image: bytes, *, filename: str | None = None) -> ImageDescription:
        with observed("describe_image", self.vision_model, "offline"):
            alt_text, description, tags = await asyncio.to_thread(describe, image, filename)
        usage = Usage(input_tokens=85, output_tokens=estimate_tokens(alt_text + description))  # 85: low detail
        return ImageDescription(alt_text=alt_text, description=description, tags=tags, usage=usage,
                                model=self.vision_model, provider="offline")

    async def embed(self, texts: Sequence[str]) -> Embeddings:
        with observed("embed", self.embedder.model, "offline"):
            vectors = await asyncio.to_thread(self.embedder.embed, texts)
        usage = Usage(input_tokens=sum(estimate_tokens(text) for text in texts))
        return Embeddings(vectors=vectors, usage=usage, model=self.embedder.model, provider="offline")

"""The provider used when no OpenAI key is configured. Every feature keeps working, and
every result says `provider: offline`: generation writes a valid instance of the requested
schema from the prompt's words, descriptions come from the image's real properties, and
embeddings are lexical (see embeddings.py). Usage figures are estimates."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from typing import Any

import msgspec

from shared.ai.base import AISettings, Embeddings, Generated, ImageDescription, Usage
from shared.ai.embeddings import HashingEmbedder, MiniLMEmbedder
from shared.ai.observe import observed
from shared.ai.output import estimate_tokens, validated
from shared.ai.vision import describe


class OfflineProvider:
    name = "offline"
    text_model = "offline-generator-v1"
    vision_model = "offline-vision-v1"

    def __init__(self, settings: AISettings) -> None:
        self.embedder = MiniLMEmbedder() if settings.offline_embedding == "minilm" else HashingEmbedder()

    @property
    def embedding_model(self) -> str:
        return self.embedder.model

    async def aclose(self) -> None:
        return None

    async def generate_json(self, *, system: str, prompt: str, schema: dict[str, Any], schema_name: str,
                            max_output_tokens: int = 4096) -> Generated:
        from shared.ai.offline_generation import generate_instance

        with observed("generate_json", self.text_model, "offline"):
            data = validated(schema, generate_instance(schema, prompt))
        usage = Usage(input_tokens=estimate_tokens(system + prompt),
                      output_tokens=estimate_tokens(msgspec.json.encode(data).decode()))
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

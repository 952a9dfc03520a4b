"""The AI provider layer: `create_provider(settings)` gives the OpenAI provider when a key
is configured and the offline provider otherwise (and says so)."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

from shared.ai.base import (
    EMBEDDING_DIMENSIONS,
    AIError,
    AIInvalidOutput,
    AIProvider,
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

log = logging.getLogger("ai")

__all__ = [
    "EMBEDDING_DIMENSIONS", "AIError", "AIInvalidOutput", "AIProvider", "AIQuotaExceeded", "AIRateLimited",
    "AIRequestRejected", "AISettings", "AITimeout", "AIUnavailable", "Embeddings", "Generated", "ImageDescription",
    "Usage", "create_provider",
]


def create_provider(settings: AISettings, *, offline_skills: Mapping[str, Any] | None = None) -> AIProvider:
    """`offline_skills`: the service's own offline writers by schema name (used without a key)."""
    if settings.openai_api_key:
        from shared.ai.openai_provider import OpenAIProvider

        log.info("AI provider: openai (%s, %s)", settings.openai_base_url or "api.openai.com", settings.ai_text_model)
        return OpenAIProvider(settings)
    from shared.ai.offline import OfflineProvider

    log.warning("AI provider: offline. No OPENAI_API_KEY is set, so generation, image descriptions and "
                "embeddings are computed locally (lexical embeddings, schema-driven copy); results say "
                "provider=offline.")
    return OfflineProvider(settings, skills=offline_skills)

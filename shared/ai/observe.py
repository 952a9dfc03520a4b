"""Every AI operation as a span (model, token counts, latency; the prompt only when
AI_TRACE_PROMPTS is on) and as metrics (latency by operation and model, errors by reason),
whichever provider answers."""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from opentelemetry import trace

from shared.ai.base import AIError
from shared.metrics import AI_DURATION, AI_ERRORS

_tracer = trace.get_tracer("shared.ai")


@contextmanager
def observed(operation: str, model: str, provider: str, prompt: str | None = None) -> Iterator[Any]:
    attributes: dict[str, Any] = {"gen_ai.system": provider, "gen_ai.operation.name": operation,
                                  "gen_ai.request.model": model}
    if prompt is not None:
        attributes["gen_ai.prompt"] = prompt[:4000]
    started = time.perf_counter()
    with _tracer.start_as_current_span(f"ai {operation}", attributes=attributes) as span:
        try:
            yield span
        except AIError as exc:
            AI_ERRORS.labels(operation, exc.reason).inc()
            span.set_attribute("error.type", exc.reason)
            raise
        finally:
            AI_DURATION.labels(operation, model, provider).observe(time.perf_counter() - started)

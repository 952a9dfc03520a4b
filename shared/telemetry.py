"""Traces and logs: tracing set-up with W3C trace-context carriage across HTTP and NATS
headers, `tenant.id` on every span, SQL statement spans, and JSON log lines that name
their trace, span, tenant and request.

One trace follows a user action across processes: the gateway's server span, its client
span to the service, the service's server span and SQL spans, the outbox row (which keeps
the trace context), the relay's publish span, and each consumer's span, in every service
that handles the event."""

from __future__ import annotations

import contextvars
import json
import logging
import os
import time
import traceback
from collections.abc import Mapping
from typing import Any

from opentelemetry import context, propagate, trace
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import ReadableSpan, Span, SpanProcessor, TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor, SpanExporter

from shared.errors import OutageInOneLine

CURRENT_TENANT: contextvars.ContextVar[str | None] = contextvars.ContextVar("tenant_id", default=None)
CURRENT_REQUEST: contextvars.ContextVar[str | None] = contextvars.ContextVar("request_id", default=None)
_sql_tracer = trace.get_tracer("shared.db")
TRANSACTION_CONTROL = ("BEGIN", "COMMIT", "ROLLBACK", "SAVEPOINT", "RELEASE")  # asyncpg's own: noise in a trace


class TenantOnEverySpan(SpanProcessor):
    """`tenant.id` from the context the span starts in (set wherever a tenant is known)."""

    def on_start(self, span: Span, parent_context: context.Context | None = None) -> None:
        tenant = CURRENT_TENANT.get()
        if tenant:
            span.set_attribute("tenant.id", tenant)

    def on_end(self, span: ReadableSpan) -> None:
        return None


def setup_tracing(service: str, *, version: str = "0.1.0", environment: str = "dev",
                  exporter: SpanExporter | None = None) -> TracerProvider:
    """The process's tracer provider, installed on first call when spans go somewhere:
    OTLP/HTTP export when OTEL_EXPORTER_OTLP_ENDPOINT is set, plus `exporter` if given (tests
    pass one). Without either, spans stay the API's no-op ones, which cost next to nothing."""
    provider = trace.get_tracer_provider()
    exporting = bool(os.environ.get("OTEL_EXPORTER_OTLP_ENDPOINT")) or exporter is not None
    if not isinstance(provider, TracerProvider) and not exporting:
        return provider  # type: ignore[return-value]  # nobody reads spans: keep them free (no-op)
    if not isinstance(provider, TracerProvider):
        provider = TracerProvider(resource=Resource.create({
            "service.name": service, "service.version": version,
            "deployment.environment.name": environment,
        }))
        provider.add_span_processor(TenantOnEverySpan())
        if os.environ.get("OTEL_EXPORTER_OTLP_ENDPOINT"):
            from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter

            provider.add_span_processor(BatchSpanProcessor(OTLPSpanExporter()))
        trace.set_tracer_provider(provider)
    if exporter is not None:
        provider.add_span_processor(BatchSpanProcessor(exporter))
    return provider


def tracer(name: str) -> trace.Tracer:
    return trace.get_tracer(name)


def set_tenant(tenant_id: Any) -> None:
    """Name the tenant for the rest of this task: its spans and log lines carry it."""
    value = str(tenant_id) if tenant_id else None
    CURRENT_TENANT.set(value)
    if value:
        trace.get_current_span().set_attribute("tenant.id", value)


def inject_headers(headers: dict[str, str] | None = None) -> dict[str, str]:
    """The current trace context as `traceparent`/`tracestate` headers."""
    carrier = {} if headers is None else headers
    propagate.inject(carrier)
    return carrier


def extract_context(headers: Mapping[str, str] | None) -> context.Context:
    return propagate.extract(dict(headers or {}))


def sql_span(query: Any) -> None:
    """asyncpg's query logger: a span for each statement just run, with its text and never
    its values (they hold tenants' data)."""
    parent = trace.get_current_span()
    if not parent.is_recording() or query.query.startswith(TRANSACTION_CONTROL):
        return
    ended = time.time_ns()
    started = ended - int(query.elapsed * 1e9)
    statement = " ".join(query.query.split())
    span = _sql_tracer.start_span(statement.split(" ", 1)[0].upper() or "SQL", kind=trace.SpanKind.CLIENT,
                                  start_time=started, attributes={"db.system.name": "postgresql",
                                                                  "db.query.text": statement[:2000]})
    if query.exception is not None:
        span.set_status(trace.Status(trace.StatusCode.ERROR, type(query.exception).__name__))
    span.end(end_time=ended)


class JsonLines(logging.Formatter):
    """One JSON object per line, with the trace, span, tenant and request it belongs to."""

    def __init__(self, service: str) -> None:
        super().__init__()
        self.service = service

    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, Any] = {
            "time": time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(record.created)) + f".{int(record.msecs):03d}Z",
            "level": record.levelname.lower(), "service": self.service, "logger": record.name,
            "message": record.getMessage(),
        }
        span = trace.get_current_span().get_span_context()
        if span.is_valid:
            line["trace_id"], line["span_id"] = f"{span.trace_id:032x}", f"{span.span_id:016x}"
        for key, var in (("tenant_id", CURRENT_TENANT), ("request_id", CURRENT_REQUEST)):
            if (value := var.get()) is not None:
                line[key] = value
        if record.exc_info:
            line["error"] = "".join(traceback.format_exception(*record.exc_info))[-4000:]
        return json.dumps(line, ensure_ascii=False)


def setup_logging(service: str, level: str = "INFO") -> None:
    """JSON lines on stderr for the whole process (the server's own loggers included)."""
    handler = logging.StreamHandler()
    handler.setFormatter(JsonLines(service))
    handler.addFilter(OutageInOneLine())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(os.environ.get("LOG_LEVEL", level).upper())
    for name in ("_granian", "granian", "granian.access"):
        logging.getLogger(name).handlers[:] = []
        logging.getLogger(name).propagate = True


def traced_http() -> Any:
    """Litestar's OpenTelemetry plugin: a server span per request, parented by the caller's
    `traceparent` (health, readiness and metrics are not traced)."""
    from litestar.plugins.opentelemetry import OpenTelemetryConfig, OpenTelemetryPlugin

    return OpenTelemetryPlugin(OpenTelemetryConfig(exclude=["/health", "/ready", "/metrics"],
                                                   exclude_spans=["receive", "send"]))

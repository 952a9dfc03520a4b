"""The metrics an SRE alerts on, for Prometheus to scrape at `/metrics` (deploy/prometheus
holds the rules and deploy/grafana the dashboard; their names are this module's).

RED per route and service, event consumers (handled, redelivered, pending, dead-lettered),
the outbox (backlog and the age of its oldest row), credits spent by type, AI latency and
errors, and the gateway's page cache. One registry per process: with several granian
workers each answers for itself, so run one worker per container and scale by replicas."""

from __future__ import annotations

import time
from collections.abc import Callable

from litestar import Response, get
from litestar.types import ASGIApp, Message, Receive, Scope, Send
from prometheus_client import CONTENT_TYPE_LATEST, Counter, Gauge, Histogram, generate_latest

HTTP_REQUESTS = Counter("http_requests_total", "HTTP requests answered", ["service", "route", "method", "status"])
HTTP_DURATION = Histogram("http_request_duration_seconds", "Time to answer an HTTP request",
                          ["service", "route", "method"],
                          buckets=(0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30))
EVENTS_HANDLED = Counter("events_handled_total", "Events a consumer handled", ["service", "durable", "outcome"])
EVENT_REDELIVERIES = Counter("event_redeliveries_total", "Deliveries beyond the first", ["service", "durable"])
EVENT_PENDING = Gauge("event_consumer_pending", "Messages of a durable consumer not yet delivered or acknowledged",
                      ["service", "durable"])
DEAD_LETTERS = Counter("dead_letters_total", "Events given up on and sent to the dead letters",
                       ["service", "subject"])
OUTBOX_BACKLOG = Gauge("outbox_backlog", "Committed events not yet published", ["service"])
OUTBOX_AGE = Gauge("outbox_oldest_age_seconds", "Age of the oldest committed event not yet published", ["service"])
CREDITS_SPENT = Counter("credits_spent_total", "Credits captured from tenants' wallets", ["type"])
CREDITS_LOW = Counter("credits_low_total", "Wallets that crossed below their low-balance threshold")
AI_DURATION = Histogram("ai_request_duration_seconds", "Time of one AI operation, retries included",
                        ["operation", "model", "provider"],
                        buckets=(0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 20, 30, 60))
AI_ERRORS = Counter("ai_errors_total", "AI operations that failed", ["operation", "reason"])
PAGE_CACHE = Counter("gateway_page_cache_requests_total", "Public page requests by cache result", ["result"])
RATE_LIMITED = Counter("gateway_rate_limited_total", "Requests refused with 429", ["scope"])


@get("/metrics", include_in_schema=False, sync_to_thread=False)
def metrics() -> Response[bytes]:
    """Prometheus's text format (internal: Caddy answers /metrics with 404 to the public)."""
    return Response(generate_latest(), media_type=CONTENT_TYPE_LATEST)


def red_metrics(service: str) -> Callable[[ASGIApp], ASGIApp]:
    """Rate, errors and duration per route template (never per raw path: ids would explode
    the series) for every HTTP request."""

    def factory(app: ASGIApp) -> ASGIApp:
        async def middleware(scope: Scope, receive: Receive, send: Send) -> None:
            if scope["type"] != "http" or scope["path"] == "/metrics":
                await app(scope, receive, send)
                return
            started, status = time.perf_counter(), 500

            async def observe(message: Message) -> None:
                nonlocal status
                if message["type"] == "http.response.start":
                    status = message["status"]
                await send(message)

            try:
                await app(scope, receive, observe)
            finally:
                route = scope.get("path_template") or "unmatched"
                HTTP_REQUESTS.labels(service, route, scope["method"], str(status)).inc()
                HTTP_DURATION.labels(service, route, scope["method"]).observe(time.perf_counter() - started)

        return middleware

    return factory


"""GET /site/... answered in front of Litestar. It is what the gateway asks for every page
its cache does not hold, and Litestar's routing, middleware and dependency injection cost
several times the one SELECT the answer needs (bench/bench_cms.py, issue 17).

It does what Litestar's way does, with the same parts: the gateway's signature checked by
shared.auth.verify_caller (as shared/web.py GatewayOnly), the answer made by the same use
case as the `site` handler (delivery.answer_site), errors made into the same problem+json
(shared.errors.handle_exception), a server span parented by the gateway's `traceparent`, and
the same request metrics. Everything else, and any /site request it is unsure of (another
method, the forms route, a trailing slash), goes on to Litestar unchanged."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from litestar import Request
from litestar.types import ASGIApp, Receive, Scope, Send
from opentelemetry import trace

from shared.auth import verify_caller
from shared.bodies import nul_in_target
from shared.errors import PROBLEM_JSON, handle_exception
from shared.metrics import HTTP_DURATION, HTTP_REQUESTS
from shared.telemetry import CURRENT_REQUEST, extract_context, set_tenant

from .context import Ctx
from .delivery import answer_site

PREFIX = "/site"
ROUTES = {"/site": "/site", "/site/": "/site"}  # the templates Litestar reports, for the same metric labels
PATH_ROUTE = "/site/{path}"
_tracer = trace.get_tracer("cms.site")


def handles(scope: Scope) -> str | None:
    """The page path (after /site) when this request is one for the fast path, else None."""
    if scope["type"] != "http" or scope["method"] != "GET" or nul_in_target(scope):
        return None  # Litestar's way: a NUL in the target is refused there (shared/bodies.py)
    path: str = scope["path"]
    if path == PREFIX or path == PREFIX + "/":
        return "/"
    if not path.startswith(PREFIX + "/") or path.endswith("/") or path.startswith(PREFIX + "/__forms"):
        return None
    return path[len(PREFIX):]


def site_fast_path(next_app: ASGIApp, context: Callable[[], Ctx]) -> ASGIApp:
    """`next_app` (Litestar) behind a door that answers the public site's GETs itself."""

    async def asgi(scope: Scope, receive: Receive, send: Send) -> None:
        page_path = handles(scope)
        if page_path is None:
            await next_app(scope, receive, send)
            return
        started = time.perf_counter()
        headers: dict[str, str] = {}
        for name, value in scope["headers"]:  # the first of repeated headers, as Litestar's Headers.get
            headers.setdefault(name.decode("latin-1"), value.decode("latin-1"))
        route = ROUTES.get(scope["path"], PATH_ROUTE)
        with _tracer.start_as_current_span(f"GET {route}", context=extract_context(headers),
                                           kind=trace.SpanKind.SERVER,
                                           attributes={"http.request.method": "GET", "url.path": scope["path"],
                                                       "http.route": route}) as span:
            status, answer_headers, body = await _answer(scope, headers, page_path, context())
            span.set_attribute("http.response.status_code", status)
        await send({"type": "http.response.start", "status": status,
                    "headers": [*((name.encode("latin-1"), value.encode("latin-1"))
                                  for name, value in answer_headers.items()),
                                (b"content-length", str(len(body)).encode())]})
        await send({"type": "http.response.body", "body": body})
        HTTP_REQUESTS.labels("cms", route, "GET", str(status)).inc()
        HTTP_DURATION.labels("cms", route, "GET").observe(time.perf_counter() - started)

    return asgi


async def _answer(scope: Scope, headers: dict[str, str], page_path: str,
                  ctx: Ctx) -> tuple[int, dict[str, str], bytes]:
    try:
        caller = verify_caller(ctx.settings.internal_secret, headers, method="GET",
                               path=scope["raw_path"].decode("latin-1"))
        set_tenant(caller.tenant_id)
        CURRENT_REQUEST.set(caller.request_id)
        answer = await answer_site(ctx, caller, page_path, headers.get("accept", ""))
    except Exception as exc:  # the one exception handler every service registers makes the problem
        problem = handle_exception(Request[Any, Any, Any](scope), exc)
        return problem.status_code, {**problem.headers, "content-type": PROBLEM_JSON}, problem.content
    return answer.status, answer.headers, answer.body

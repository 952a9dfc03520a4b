"""What every service's Litestar app has in common: the runtime it opens and closes
(pool, NATS, background workers), gateway-only access, health and readiness, OpenAPI,
and problem+json errors. Each service's `app.py` lists only its own parts.
"""

from __future__ import annotations

import asyncio
import logging
import re
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass, fields, is_dataclass
from typing import Any

import msgspec
from litestar import Litestar, Request, get
from litestar.datastructures import State
from litestar.di import Provide
from litestar.middleware import ASGIMiddleware
from litestar.openapi import OpenAPIConfig
from litestar.openapi.plugins import ScalarRenderPlugin
from litestar.openapi.spec import OpenAPIMediaType, OpenAPIType, Schema
from litestar.types import ASGIApp, Receive, Scope, Send
from nats.aio.client import Client as NATS
from nats.js import JetStreamContext

from shared.auth import H_SIGNATURE, Caller, verify_caller
from shared.bodies import CheckedBodies, CheckedTargets
from shared.db import Database
from shared.errors import EXCEPTION_HANDLERS, PROBLEM_JSON, NotFound, Unavailable, log_failed_round
from shared.messaging import OutboxRelay, connect_nats, ensure_streams
from shared.metrics import metrics, red_metrics
from shared.patterns import for_json_schema
from shared.telemetry import CURRENT_REQUEST, set_tenant, setup_logging, setup_tracing, traced_http

log = logging.getLogger("web")

PUBLIC_PATHS = ("/.well-known/",)  # public documents (identity's JWKS): any caller, signed or not
# Operators' routes: for whoever reaches the service's own port (the gateway's health checks,
# Prometheus, the OpenAPI document), never for public traffic. Public traffic is what the
# gateway signed, so a signed request to one is refused with 404, should a path ever slip
# past the gateway's own refusal (services/gateway/http.py OPERATOR_ROUTES).
OPERATOR_PATHS = re.compile(r"/(?:health|ready|metrics)/?|/schema(?:/.*)?")
_SIGNATURE = H_SIGNATURE.encode()


class ServiceSettings(msgspec.Struct, frozen=True, kw_only=True):
    """Settings every database-backed service reads; services extend it."""

    database_url: str
    nats_url: str = "nats://127.0.0.1:4222"
    internal_secret: str
    environment: str = "dev"
    run_workers: bool = True
    db_pool_max: int = 10
    stream_replicas: int = 1


class Runtime:
    """The process's connections and background tasks, opened by the app's lifespan. Use
    cases never see it: they get their service's context (a `ServiceContext`), built from it."""

    def __init__(self, name: str, settings: ServiceSettings) -> None:
        self.name = name
        self.settings = settings
        self.db: Database
        self.nc: NATS
        self.js: JetStreamContext
        self.relay: OutboxRelay | None = None
        self.tasks: list[asyncio.Task[Any]] = []

    def spawn(self, coro: Awaitable[Any], name: str) -> None:
        task = asyncio.ensure_future(coro)
        task.set_name(name)
        task.add_done_callback(_report_crash)
        self.tasks.append(task)


@dataclass(frozen=True, kw_only=True)
class ServiceContext:
    """What every service's use cases get: the database, NATS and the process's background
    tasks. Each service's `context.py` extends it with its own settings and clients, built
    once in its `app.py`; handlers receive it as the `ctx` dependency, consumers and commands
    are handed it, so a use case is `verb_noun(ctx, caller, input)` whoever calls it."""

    db: Database
    nc: NATS
    js: JetStreamContext
    runtime: Runtime

    def spawn(self, coro: Awaitable[Any], name: str) -> None:
        self.runtime.spawn(coro, name)

    def repeat(self, name: str, interval: float, one_round: Callable[[], Awaitable[Any]], *,
               first_at_once: bool = False) -> None:
        """Run `one_round` every `interval` seconds in the background for the process's life. A
        failed round is logged and the next one runs: a sweep must outlive a database blip."""

        async def rounds() -> None:
            if not first_at_once:
                await asyncio.sleep(interval)
            while True:
                try:
                    await one_round()
                except Exception as exc:
                    log_failed_round(log, exc, "%s: a round failed; trying again in %s s", name, interval)
                await asyncio.sleep(interval)

        self.spawn(rounds(), name)

    @staticmethod
    def parts(runtime: Runtime) -> dict[str, Any]:
        """The base fields, for a service's context factory: `Ctx(**ServiceContext.parts(runtime), ...)`."""
        return {"db": runtime.db, "nc": runtime.nc, "js": runtime.js, "runtime": runtime}


def _report_crash(task: asyncio.Task[Any]) -> None:
    if not task.cancelled() and task.exception() is not None:
        log.error("background task %s stopped", task.get_name(), exc_info=task.exception())


Workers = Callable[[Any], Awaitable[None]]  # given the service's context
# Given Litestar's request handler and a getter of the service's context (built by the lifespan),
# the ASGI app to run in its place: it must take every request it does not answer itself to
# Litestar, and answer those it does as Litestar would (gateway signature, problems, tracing).
Front = Callable[[ASGIApp, Callable[[], Any]], ASGIApp]


class GatewayOnly(ASGIMiddleware):
    """Refuses any request the gateway did not sign, and any it did sign to an operator's
    route; stores the verified caller."""

    async def handle(self, scope: Scope, receive: Receive, send: Send, next_app: ASGIApp) -> None:
        path = scope["path"]
        if OPERATOR_PATHS.fullmatch(path):
            if any(name == _SIGNATURE for name, _ in scope["headers"]):
                raise NotFound(f"no such route: {path}")
            await next_app(scope, receive, send)
            return
        if path.startswith(PUBLIC_PATHS):
            await next_app(scope, receive, send)
            return
        request: Request[Any, Any, Any] = Request(scope)
        secret = request.app.state.runtime.settings.internal_secret
        caller = verify_caller(secret, request.headers, method=request.method,
                               path=scope["raw_path"].decode("latin-1"))
        scope["state"]["caller"] = caller
        set_tenant(caller.tenant_id)
        CURRENT_REQUEST.set(caller.request_id)
        await next_app(scope, receive, send)


PROBLEM_SCHEMA = Schema(type=OpenAPIType.OBJECT, required=["type", "title", "status"], properties={
    "type": Schema(type=OpenAPIType.STRING), "title": Schema(type=OpenAPIType.STRING),
    "status": Schema(type=OpenAPIType.INTEGER), "detail": Schema(type=OpenAPIType.STRING),
    "instance": Schema(type=OpenAPIType.STRING),
    "errors": Schema(type=OpenAPIType.ARRAY, items=Schema(type=OpenAPIType.OBJECT)),
    "extensions": Schema(type=OpenAPIType.OBJECT)}, description="RFC 9457 problem details")


def document_problems(app: Litestar) -> None:
    """Every documented error answer is what the services really send: problem+json (Litestar
    documents its own default error shape otherwise); and every pattern is written as JSON
    Schema reads it."""
    for item in (app.openapi_schema.paths or {}).values():
        for method in ("get", "put", "post", "delete", "patch", "head", "options"):
            operation = getattr(item, method, None)
            for status, response in ((operation.responses or {}) if operation else {}).items():
                if str(status)[0] in "45" and hasattr(response, "content"):
                    response.content = {PROBLEM_JSON: OpenAPIMediaType(schema=PROBLEM_SCHEMA)}
    _patterns_for_json_schema(app.openapi_schema)


def _patterns_for_json_schema(node: Any) -> None:
    """Every `pattern` of the document in JSON Schema's dialect (shared/patterns.py): the
    Structs' `\\Z` is `$` there."""
    if isinstance(node, Schema) and isinstance(node.pattern, str):
        node.pattern = for_json_schema(node.pattern)
    if is_dataclass(node):
        for each in fields(node):
            _patterns_for_json_schema(getattr(node, each.name))
    elif isinstance(node, dict):
        for value in node.values():
            _patterns_for_json_schema(value)
    elif isinstance(node, list | tuple):
        for value in node:
            _patterns_for_json_schema(value)


def provide_caller(request: Request[Any, Any, Any]) -> Caller:
    return request.scope["state"]["caller"]


def provide_ctx(state: State) -> Any:
    return state.ctx


@get("/health", include_in_schema=False, sync_to_thread=False)
def health() -> dict[str, str]:
    return {"status": "ok"}


@get("/ready", include_in_schema=False)
async def ready(state: State) -> dict[str, str]:
    runtime: Runtime = state.runtime
    try:
        await asyncio.wait_for(runtime.db.ping(), 2)
    except Exception as exc:
        raise Unavailable(f"database: {type(exc).__name__}") from None
    if not runtime.nc.is_connected:
        raise Unavailable("NATS is not connected")
    return {"status": "ready"}


@asynccontextmanager
async def opened_runtime(name: str, settings: ServiceSettings, *, vector: bool = False) -> AsyncIterator[Runtime]:
    """The pool and NATS of a service process (its app's lifespan, or an operator's command
    acting as that service); on the way out its background tasks end and both close."""
    runtime = Runtime(name, settings)
    runtime.db = await Database.connect(settings.database_url, name=name, max_size=settings.db_pool_max,
                                        vector=vector)
    try:
        runtime.nc = await connect_nats(settings.nats_url, name=name)
        runtime.js = runtime.nc.jetstream()
        await ensure_streams(runtime.js, replicas=settings.stream_replicas)
        try:
            yield runtime
        finally:
            for task in runtime.tasks:
                task.cancel()
            await asyncio.gather(*runtime.tasks, return_exceptions=True)
            await runtime.nc.drain()
    finally:
        await runtime.db.close()


def create_service_app(name: str, settings: ServiceSettings, *, route_handlers: Sequence[Any],
                       context: Callable[[Runtime], Any],
                       serve: Workers | None = None, workers: Workers | None = None,
                       vector: bool = False, max_body_bytes: int = 4 * 1024 * 1024,
                       description: str = "", front: Front | None = None) -> Litestar:
    """A service app whose lifespan opens the pool and NATS, builds the service's context
    (`context`, the `ctx` of every handler), starts answering commands (`serve`) and, unless
    RUN_WORKERS is off, runs the outbox relay and `workers`; both are given the context.
    `front`, if given, is put in front of Litestar's request handling (its lifespan is
    untouched): a hot route's own door that answers some requests itself and passes the rest on."""

    @asynccontextmanager
    async def lifespan(app: Litestar) -> AsyncIterator[None]:
        setup_tracing(name, environment=settings.environment)
        setup_logging(name)
        async with opened_runtime(name, settings, vector=vector) as runtime:
            app.state.runtime = runtime
            app.state.ctx = ctx = context(runtime)
            document_problems(app)
            if serve is not None:
                await serve(ctx)
            if settings.run_workers:
                runtime.relay = OutboxRelay(runtime.db, runtime.js, channel=f"{name}_outbox")
                runtime.spawn(runtime.relay.run(), f"{name}-outbox-relay")
                if workers is not None:
                    await workers(ctx)
            yield

    app = Litestar(
        route_handlers=[health, ready, metrics, *route_handlers],
        lifespan=[lifespan],
        # After GatewayOnly: no body is read for a request the gateway did not sign.
        middleware=[red_metrics(name), GatewayOnly(), CheckedTargets(), CheckedBodies()],
        plugins=[traced_http()],
        # A backstop above the gateway's per-upstream limit: the edge must refuse first, with a
        # 413, rather than the service closing mid-body (which the client sees as a 502).
        request_max_body_size=max_body_bytes,
        dependencies={"caller": Provide(provide_caller, sync_to_thread=False),
                      "ctx": Provide(provide_ctx, sync_to_thread=False)},
        exception_handlers=EXCEPTION_HANDLERS,  # type: ignore[arg-type]
        openapi_config=OpenAPIConfig(title=f"{name} service", version="0.1.0", description=description,
                                     path="/schema", render_plugins=[ScalarRenderPlugin()]),
    )
    if front is not None:
        app.asgi_handler = front(app.asgi_handler, lambda: app.state.ctx)
    return app

"""A tenant's public pages, cached or not, on one path served before routing.

Pages are most of a site's traffic, and Litestar's routing, response building and middleware
cost several times what the answer itself does (bench/bench_gateway.py, bench/bench_cms.py).
So every GET or HEAD outside the API, the site's images and the gateway's own routes is
answered here, by one sequence: the request is admitted (edge.admit: whose forwarded headers
count, the client's and the site's rate, the host by the grammar and its tenant), the page
comes from the cache (page_cache.py) or from cms, and `answer` makes the one answer of a page
(304 when the ETag matches, else the body in the best coding the client takes, with the same
headers either way: security, request id, HSTS, `x-cache`). The Host and the path were
checked before this (door.py). A query string passes the cache, as a signed preview link
passes it: cms says `no-store` for drafts, which the cache never keeps. Pages are counted,
not traced; the hop to cms of a page the cache did not have is a client span of its own.
The sites' fonts (/__fonts/, fonts.py) take the same admission and are answered from disk."""

from __future__ import annotations

import uuid

import msgspec
from litestar.types import ASGIApp, Receive, Scope, Send

from shared.auth import Caller
from shared.contracts import FAVICONS
from shared.errors import PROBLEM_JSON, AppError, Problem, problem_for_status, problem_type
from shared.fonts import BUILD_DIR
from shared.metrics import HTTP_REQUESTS, PAGE_CACHE
from shared.telemetry import set_tenant

from . import fonts
from .context import Ctx, Opened
from .edge import HSTS, SECURITY_HEADERS, Visitor, admit, request_id_of
from .hosts import Tenant
from .page_cache import Entry, Key, PageCache
from .proxy import fetch

# What Litestar routes (http.py) among GETs: the API, the site's images, the gateway's own.
ROUTED_PREFIXES = ("/api/", "/assets/")
ROUTED_PATHS = frozenset({"/health", "/__forms", "/__checkout", "/__tls/ask"})
PLATFORM_HOME = msgspec.json.encode({"service": "sitebuilder platform", "signup": "/api/identity/signup"})
ROUTE = "/{path}"  # the metrics' route label of every page
SHOWCASE = "/__showcase"  # the platform host's component showcase (cms's /showcase)
PLATFORM = uuid.UUID(int=0)  # the page cache's owner of the platform host's own pages


def is_page(scope: Scope) -> bool:
    if scope["type"] != "http" or scope["method"] not in ("GET", "HEAD"):
        return False
    return scope["path"] not in ROUTED_PATHS and not scope["path"].startswith(ROUTED_PREFIXES)


def pages_first(app: ASGIApp, opened: Opened) -> ASGIApp:
    """`app` behind the page path: pages (and the sites' fonts) answered here, everything else passed on."""
    font_files = fonts.FontFiles(BUILD_DIR)

    async def asgi(scope: Scope, receive: Receive, send: Send) -> None:
        if is_page(scope):
            await serve_page(scope, send, opened.ctx(), font_files)
        else:
            await app(scope, receive, send)

    return asgi


async def serve_page(scope: Scope, send: Send, ctx: Ctx, font_files: fonts.FontFiles | None = None) -> None:
    visitor = Visitor(scope, ctx.proxies)
    headers = dict(scope["headers"])
    request_id = request_id_of(headers.get(b"x-request-id", b""))
    extra = [(b"x-request-id", request_id.encode()), *([HSTS] if visitor.tls else [])]
    head = scope["method"] == "HEAD"
    try:
        site = await admit(visitor, ctx.limits, ctx.hosts)
    except AppError as exc:
        problem = Problem(type=problem_type(exc.code), title=exc.title, status=exc.status, detail=exc.detail,
                          instance=scope["path"], errors=exc.errors, extensions=exc.extensions)
        await send_problem(send, scope, problem, [*extra, *encoded(getattr(exc, "headers", {}))])
        return
    if fonts.is_font(scope["path"]):  # every host's, the platform's too: never a page of cms's
        status, font_headers, body = fonts.answer(font_files, scope["path"],
                                                  headers.get(b"if-none-match", b"").decode("latin-1"))
        if status == 404:
            await send_problem(send, scope, problem_for_status(404, "no such font", instance=scope["path"]), extra)
        else:
            await send_whole(send, scope, status, [*font_headers, *SECURITY_HEADERS, *extra], body, head)
        return
    if not isinstance(site, Tenant):  # the platform's own host: its home and the component showcase
        if is_showcase(scope["path"]):
            await serve_showcase(scope, send, ctx, headers, extra, request_id,
                                 "/showcase" + scope["path"].removeprefix(SHOWCASE))
        elif scope["path"] in FAVICONS:  # the showcase's pages link them, as every site's do
            await serve_showcase(scope, send, ctx, headers, extra, request_id, "/showcase/icons" + scope["path"])
        elif scope["path"] == "/":
            await send_whole(send, scope, 200, [(b"content-type", b"application/json"),
                                                (b"content-length", str(len(PLATFORM_HOME)).encode()),
                                                *SECURITY_HEADERS, *extra], PLATFORM_HOME, head)
        else:
            await send_problem(send, scope, problem_for_status(
                404, "the platform's host serves no pages; sites live on their own hosts",
                instance=scope["path"]), extra)
        return
    cache: PageCache = ctx.pages
    key = cache.key(site.id, scope["path"], headers.get(b"accept", b"").decode("latin-1"))
    passes = bool(scope["query_string"])  # a query passes the cache (and is never kept)
    entry = None if passes else cache.get(key)
    source = "hit"
    if entry is None:
        set_tenant(site.id)
        epoch = cache.epoch(site.id)  # before the page is sought: see PageCache.put
        found = await fetch_page(ctx, scope, site, key[2], request_id)
        if isinstance(found, Problem):
            await send_problem(send, scope, found, extra)
            return
        source, (status, page_headers, body) = found
        if not passes:
            entry = cache.put(key, status, page_headers, body, epoch)
        else:
            entry = cache.holding(key, status, body) or \
                Entry(status=status, headers=page_headers, body=body, expires=0, encoded={}, wire={})
    status, wire, body = answer(cache, key, entry, etags=headers.get(b"if-none-match", b"").decode("latin-1"),
                                accept_encoding=headers.get(b"accept-encoding", b"").decode("latin-1"), source=source)
    await send_whole(send, scope, status, [*wire, *extra], body, head)
    PAGE_CACHE.labels(source).inc()


def is_showcase(path: str) -> bool:
    return path == SHOWCASE or path.startswith(SHOWCASE + "/")


async def serve_showcase(scope: Scope, send: Send, ctx: Ctx, headers: dict[bytes, bytes],
                         extra: list[tuple[bytes, bytes]], request_id: str, cms_path: str) -> None:
    """The component showcase and the platform's icons (cms's `cms_path`, no tenant): cached
    like a tenant's page under the platform's own key, where no event evicts it (it changes
    only with a deploy; entries expire as every entry does). An image's width and format, in
    the query, are in its key."""
    cache: PageCache = ctx.pages
    query = scope["query_string"].decode("latin-1")
    key = (PLATFORM, scope["path"] + (f"?{query}" if query else ""), "html")
    entry = cache.get(key)
    source = "hit"
    if entry is None:
        epoch = cache.epoch(PLATFORM)
        settings = ctx.settings
        incoming = {name.decode("latin-1"): value.decode("latin-1") for name, value in headers.items()}
        fetched = await fetch(ctx.http, incoming,
                              client=scope["client"][0] if scope.get("client") else "", upstream=ctx.pools["cms"],
                              path=cms_path, query=query,
                              caller=Caller(request_id=request_id), secret=settings.internal_secret,
                              timeout=settings.upstream_timeout)
        if isinstance(fetched, Problem):
            await send_problem(send, scope, fetched, extra)
            return
        source, entry = "miss", cache.put(key, *fetched, epoch)
    status, wire, body = answer(cache, key, entry, etags=headers.get(b"if-none-match", b"").decode("latin-1"),
                                accept_encoding=headers.get(b"accept-encoding", b"").decode("latin-1"), source=source)
    await send_whole(send, scope, status, [*wire, *extra], body, scope["method"] == "HEAD")


async def fetch_page(ctx: Ctx, scope: Scope, site: Tenant, kind: str,
                     request_id: str) -> tuple[str, tuple[int, dict[str, str], bytes]] | Problem:
    """A page the cache does not hold: from cms's live replica when it has it (one key
    lookup), else from cms; with where it came from (`replica` or `miss`)."""
    live = await ctx.live.get(site.id, kind, scope["path"])
    if live is not None:
        return "replica", (200, live.headers, live.body)
    settings = ctx.settings
    fetched = await fetch(ctx.http, {name.decode("latin-1"): value.decode("latin-1")
                                     for name, value in scope["headers"]},
                          client=scope["client"][0] if scope.get("client") else "",
                          upstream=ctx.pools["cms"], path="/site" + scope["path"],
                          query=scope["query_string"].decode("latin-1"),
                          caller=Caller(tenant_id=site.id, request_id=request_id),
                          secret=settings.internal_secret, timeout=settings.upstream_timeout)
    return fetched if isinstance(fetched, Problem) else ("miss", fetched)


def answer(cache: PageCache, key: Key, entry: Entry, *, etags: str, accept_encoding: str,
           source: str) -> tuple[int, list[tuple[bytes, bytes]], bytes]:
    """The answer of a page, cached or just fetched: 304 when the client holds its ETag, else
    its body in the best coding the client takes (compressed once per entry)."""
    etag = entry.headers.get("etag")
    if etag and etag in etags:
        return 304, [pair for pair in wire_headers(entry, None, source=source)
                     if pair[0] not in (b"content-length", b"content-type")], b""
    coding = cache.coding_for(key, entry, accept_encoding)
    return entry.status, wire_headers(entry, coding, source=source), entry.encoded[coding] if coding else entry.body


def wire_headers(entry: Entry, coding: str | None, *, source: str) -> list[tuple[bytes, bytes]]:
    """The entry's response headers as ASGI wants them, made once per representation."""
    made = f"{coding or ''}:{source}"
    built = entry.wire.get(made)
    if built is None:
        headers = entry.headers_for(coding, source=source)
        headers["content-length"] = str(len(entry.encoded[coding] if coding else entry.body))
        built = encoded(headers)
        built += [pair for pair in SECURITY_HEADERS if pair[0].decode() not in headers]
        entry.wire[made] = built
    return built


def encoded(headers: dict[str, str]) -> list[tuple[bytes, bytes]]:
    return [(name.encode("latin-1"), value.encode("latin-1")) for name, value in headers.items()]


async def send_whole(send: Send, scope: Scope, status: int, headers: list[tuple[bytes, bytes]], body: bytes,
                     head: bool) -> None:
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": b"" if head else body})
    HTTP_REQUESTS.labels("gateway", ROUTE, scope["method"], str(status)).inc()


async def send_problem(send: Send, scope: Scope, problem: Problem, extra: list[tuple[bytes, bytes]]) -> None:
    """A refusal as problem+json, with the headers of every answer."""
    body = msgspec.json.encode(problem)
    headers = [(b"content-type", PROBLEM_JSON.encode()), (b"content-length", str(len(body)).encode()),
               *SECURITY_HEADERS, *extra]
    await send_whole(send, scope, problem.status, headers, body, scope["method"] == "HEAD")

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

import html
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
    """A refusal, with the headers of every answer: an HTML page for a visitor's browser
    (it asks for text/html), problem+json for everyone else. (cms answers an address its
    site does not have with a 404 page in the site's design; this is for refusals made
    before a site is known, or when cms cannot be reached.)"""
    if b"text/html" in dict(scope["headers"]).get(b"accept", b""):
        body, media_type = refusal_page(problem), b"text/html; charset=utf-8"
        extra = [*extra, (b"content-security-policy", REFUSAL_PAGE_CSP), (b"x-robots-tag", b"noindex")]
    else:
        body, media_type = msgspec.json.encode(problem), PROBLEM_JSON.encode()
    headers = [(b"content-type", media_type), (b"content-length", str(len(body)).encode()),
               *SECURITY_HEADERS, *extra]
    await send_whole(send, scope, problem.status, headers, body, scope["method"] == "HEAD")


REFUSAL_PAGE_CSP = b"default-src 'none'; style-src 'unsafe-inline'; base-uri 'none'; form-action 'none'"
REFUSAL_PAGE_STYLE = (
    ":root{color-scheme:light dark;--ink:#1b1f24;--muted:#59616b;--paper:#f7f6f3;--line:#d9d6cf}"
    "@media (prefers-color-scheme:dark){:root{--ink:#eceae6;--muted:#a9adb3;--paper:#17191c;--line:#34383e}}"
    "*{box-sizing:border-box}html{font:1.0625rem/1.6 system-ui,-apple-system,'Segoe UI',Roboto,sans-serif}"
    "body{margin:0;min-height:100vh;display:grid;place-items:center;padding:2rem 1.25rem;"
    "background:var(--paper);color:var(--ink)}"
    "main{max-width:34rem}p{margin:0 0 1rem}.status{font-size:.8125rem;letter-spacing:.08em;"
    "text-transform:uppercase;color:var(--muted);border-bottom:1px solid var(--line);padding-bottom:.75rem}"
    "h1{font-size:clamp(1.75rem,5vw,2.5rem);line-height:1.15;margin:1rem 0;letter-spacing:-.01em;"
    "text-wrap:balance}a{color:inherit;text-underline-offset:.2em}.detail{color:var(--muted)}")


def refusal_page(problem: Problem) -> bytes:
    """A refusal as a page a person can read: what happened, in the problem's own words."""
    title = html.escape(problem.title)
    detail = html.escape(_sentence(problem.detail)) if problem.detail else ""
    return (f'<!doctype html><html lang="en"><head><meta charset="utf-8">'
            '<meta name="viewport" content="width=device-width, initial-scale=1">'
            f"<title>{title}</title><style>{REFUSAL_PAGE_STYLE}</style></head><body><main>"
            f'<p class="status">Error {problem.status}</p><h1>{title}</h1>'
            + (f'<p class="detail">{detail}</p>' if detail else "")
            + '<p><a href="/">Go to the home page</a></p></main></body></html>').encode()


def _sentence(text: str) -> str:
    return text[:1].upper() + text[1:] + ("" if text.endswith((".", "!", "?")) else ".")

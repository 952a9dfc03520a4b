"""The studio at /studio/, answered by the gateway itself on the platform's host and on every
tenant's (services/studio, a Vite build in services/studio/dist that `make studio` makes).

On the platform's host it signs people up and in and lets them choose a site; on a tenant's
host (its subdomain or verified domain) it is that site's studio, on the same origin as the
site's API, so it needs no CORS and sends the host's cookies only to it. The gateway writes
which of the two a host is into index.html (`<meta name="sb-host">`), with the platform's
public address: only it knows whether a name is the platform's or a tenant's.

Files under assets/ carry a content hash in their name: cached for a year as immutable.
index.html is revalidated every time (no-cache), so a new build is picked up at once; every
other path under /studio/ that is not a file is index.html too (the studio routes in the
browser), except under assets/, where a missing file is a 404 rather than HTML a browser
would try to run. A requested name is looked up among the files the build holds, never
joined to a path. Without a build, every studio path is a page saying to run `make studio`
(logged once), never an error of ours."""

from __future__ import annotations

import gzip
import hashlib
import html
import logging
import mimetypes
import time
from dataclasses import dataclass, field
from pathlib import Path

import brotli
import msgspec
from litestar.types import ASGIApp, Receive, Scope, Send

from shared.errors import PROBLEM_JSON, AppError, Problem, problem_for_status, problem_type
from shared.metrics import HTTP_REQUESTS

from .context import Ctx, Opened
from .edge import HSTS, SECURITY_HEADERS, Visitor, admit, request_id_of
from .hosts import Tenant

log = logging.getLogger("gateway.studio")

DIST = Path(__file__).resolve().parent.parent / "studio" / "dist"
PREFIX = "/studio"
ROUTE = "/studio/{path}"  # the metrics' route label of every studio answer
CSP = (b"default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data: blob:; "
       b"connect-src 'self'; frame-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'")
CACHE_FOREVER = b"public, max-age=31536000, immutable"
REVALIDATE = b"no-cache"
RESCAN_SECONDS = 2.0  # a name the last scan did not see is looked for again at most this often
NOT_BUILT = b"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>The studio is not built</title>
<style>body{font:1rem/1.6 system-ui,sans-serif;max-width:36rem;margin:4rem auto;padding:0 1rem;color:#17212b}
code{background:#eef1f4;padding:.1rem .35rem;border-radius:4px}</style></head>
<body><main><h1>The studio is not built yet</h1>
<p>The gateway serves the studio from <code>services/studio/dist</code>, which is made by</p>
<p><code>make studio</code></p>
<p>(<code>make run</code> and <code>make test</code> run it for you; it needs Node 20 or newer and npm.)
Reload this page once it has finished.</p></main></body></html>"""


@dataclass(slots=True)
class File:
    body: bytes
    content_type: bytes
    etag: bytes
    immutable: bool
    encoded: dict[str, bytes] = field(default_factory=dict)  # coding -> body, made on first demand

    def coded(self, accept_encoding: str) -> tuple[str | None, bytes]:
        """The best coding the client takes for this file (br, then gzip), and its body."""
        if not self.content_type.startswith((b"text/", b"application/javascript", b"image/svg", b"application/json")):
            return None, self.body
        taken = {part.split(";")[0].strip().lower() for part in accept_encoding.split(",")}
        for coding in ("br", "gzip"):
            if coding in taken:
                if coding not in self.encoded:
                    self.encoded[coding] = brotli.compress(self.body, quality=9) if coding == "br" \
                        else gzip.compress(self.body, compresslevel=9)
                return coding, self.encoded[coding]
        return None, self.body


def file_of(path: Path, *, immutable: bool) -> File:
    body = path.read_bytes()
    content_type = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
    if content_type.startswith("text/") or content_type in ("application/javascript", "image/svg+xml"):
        content_type += "; charset=utf-8"
    return File(body=body, content_type=content_type.encode(), immutable=immutable,
                etag=f'"{hashlib.sha256(body).hexdigest()[:20]}"'.encode())


class StudioFiles:
    """The build's files by their URL path under /studio/, read when first asked for and kept;
    index.html is kept per host kind with the gateway's facts written in, and re-read when a
    new build replaces it (its modification time changes)."""

    def __init__(self, folder: Path, public_base_url: str) -> None:
        self.folder = folder
        self.public_base_url = public_base_url
        self.names: frozenset[str] = frozenset()
        self.scanned_at = -RESCAN_SECONDS
        self.kept: dict[str, File] = {}
        self.index_stamp = 0.0
        self.index: dict[str, File] = {}
        self.warned = False

    def _scan(self) -> None:
        now = time.monotonic()
        if now - self.scanned_at < RESCAN_SECONDS:
            return
        self.scanned_at = now
        try:
            self.names = frozenset(str(path.relative_to(self.folder)) for path in self.folder.rglob("*")
                                   if path.is_file())
        except OSError:
            self.names = frozenset()

    def built(self) -> bool:
        if "index.html" not in self.names:
            self._scan()
        if "index.html" in self.names:
            return True
        if not self.warned:
            self.warned = True
            log.warning("the studio is not built (%s has no index.html): run `make studio`", self.folder)
        return False

    def get(self, name: str) -> File | None:
        """A file of the build other than index.html, or None."""
        if name == "index.html":
            return None
        if name not in self.names:
            self._scan()
            if name not in self.names:
                return None
        found = self.kept.get(name)
        if found is None:
            try:
                found = self.kept[name] = file_of(self.folder / name, immutable=name.startswith("assets/"))
            except OSError:
                return None
        return found

    def index_for(self, kind: str) -> File | None:
        """index.html with `<meta name="sb-host">` (platform or tenant) and the platform's address."""
        try:
            stamp = (self.folder / "index.html").stat().st_mtime
        except OSError:
            return None
        if stamp != self.index_stamp:
            self.index, self.index_stamp = {}, stamp
        if kind not in self.index:
            page = file_of(self.folder / "index.html", immutable=False)
            facts = (f'<meta name="sb-host" content="{kind}">'
                     f'<meta name="sb-platform" content="{html.escape(self.public_base_url, quote=True)}">')
            body = page.body.replace(b"</head>", facts.encode() + b"</head>", 1)
            self.index[kind] = File(body=body, content_type=page.content_type, immutable=False,
                                    etag=f'"{hashlib.sha256(body).hexdigest()[:20]}"'.encode())
        return self.index[kind]


def is_studio(scope: Scope) -> bool:
    if scope["type"] != "http" or scope["method"] not in ("GET", "HEAD"):
        return False
    return scope["path"] == PREFIX or scope["path"].startswith(PREFIX + "/")


def studio_first(app: ASGIApp, opened: Opened, files: StudioFiles | None = None) -> ASGIApp:
    """`app` behind the studio: GET and HEAD under /studio answered here, everything else passed on."""

    async def asgi(scope: Scope, receive: Receive, send: Send) -> None:
        if not is_studio(scope):
            await app(scope, receive, send)
            return
        nonlocal files
        ctx = opened.ctx()
        files = files or StudioFiles(DIST, ctx.settings.public_base_url)
        await serve_studio(scope, send, ctx, files)

    return asgi


async def serve_studio(scope: Scope, send: Send, ctx: Ctx, files: StudioFiles) -> None:
    headers = dict(scope["headers"])
    visitor = Visitor(scope, ctx.proxies)
    extra = [(b"x-request-id", request_id_of(headers.get(b"x-request-id", b"")).encode()),
             (b"content-security-policy", CSP), *SECURITY_HEADERS, *([HSTS] if visitor.tls else [])]
    try:
        site = await admit(visitor, ctx.limits, ctx.hosts)  # the same door as every page: rates, host
    except AppError as exc:
        await send_problem(send, scope, Problem(type=problem_type(exc.code), title=exc.title, status=exc.status,
                                                detail=exc.detail, instance=scope["path"], errors=exc.errors,
                                                extensions=exc.extensions),
                           [*extra, *[(k.encode(), v.encode()) for k, v in getattr(exc, "headers", {}).items()]])
        return
    path = scope["path"]
    if path == PREFIX:  # the app's relative addresses need the trailing slash
        query = scope["query_string"]
        location = PREFIX + "/" + (b"?" + query).decode("latin-1") if query else PREFIX + "/"
        await send_answer(send, scope, 308, [(b"location", location.encode("latin-1")), *extra], b"")
        return
    if not files.built():
        await send_answer(send, scope, 503, [(b"content-type", b"text/html; charset=utf-8"),
                                             (b"cache-control", b"no-store"), *extra], NOT_BUILT)
        return
    name = path.removeprefix(PREFIX + "/")
    found = files.get(name)
    if found is None:
        if name.startswith("assets/"):
            await send_problem(send, scope, problem_for_status(404, "no such file of the studio", instance=path),
                               extra)
            return
        found = files.index_for("tenant" if isinstance(site, Tenant) else "platform")
        if found is None:
            await send_answer(send, scope, 503, [(b"content-type", b"text/html; charset=utf-8"),
                                                 (b"cache-control", b"no-store"), *extra], NOT_BUILT)
            return
    cache = [(b"etag", found.etag), (b"cache-control", CACHE_FOREVER if found.immutable else REVALIDATE),
             (b"vary", b"accept-encoding")]
    held = {tag.strip().removeprefix(b"W/") for tag in headers.get(b"if-none-match", b"").split(b",")}
    if found.etag in held or b"*" in held:
        await send_answer(send, scope, 304, [*cache, *extra], b"")
        return
    coding, body = found.coded(headers.get(b"accept-encoding", b"").decode("latin-1"))
    await send_answer(send, scope, 200, [(b"content-type", found.content_type), *cache,
                                         *([(b"content-encoding", coding.encode())] if coding else []), *extra], body)


async def send_answer(send: Send, scope: Scope, status: int, headers: list[tuple[bytes, bytes]], body: bytes) -> None:
    length = [] if status == 304 else [(b"content-length", str(len(body)).encode())]
    await send({"type": "http.response.start", "status": status, "headers": [*headers, *length]})
    await send({"type": "http.response.body", "body": b"" if scope["method"] == "HEAD" else body})
    HTTP_REQUESTS.labels("gateway", ROUTE, scope["method"], str(status)).inc()


async def send_problem(send: Send, scope: Scope, problem: Problem, extra: list[tuple[bytes, bytes]]) -> None:
    await send_answer(send, scope, problem.status, [(b"content-type", PROBLEM_JSON.encode()), *extra],
                      msgspec.json.encode(problem))

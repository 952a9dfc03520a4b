"""The first thing a request meets, before the page path, the routes and every access
decision: its Host header by the grammar (shared/hostnames.py) and its path normalised
(paths.py), or a 400 problem+json. Nothing behind it sees a Host outside the grammar (which
would also break URL building downstream) or a path in more than one spelling.

Which tenant the host names, and whether a trusted proxy's X-Forwarded-Host counts, is
decided later (edge.admit, by the same grammar)."""

from __future__ import annotations

from urllib.parse import unquote

import msgspec
from litestar.types import ASGIApp, Receive, Scope, Send

from shared.errors import PROBLEM_JSON, problem_for_status
from shared.hostnames import NotAHost

from .edge import SECURITY_HEADERS
from .hosts import requested_host
from .paths import UnsafePath, normalize_path


async def refuse(send: Send, detail: str) -> None:
    """400 problem+json, sent before any app sees the request."""
    body = msgspec.json.encode(problem_for_status(400, detail))
    headers = [(b"content-type", PROBLEM_JSON.encode()), (b"content-length", str(len(body)).encode()),
               *SECURITY_HEADERS]
    await send({"type": "http.response.start", "status": 400, "headers": headers})
    await send({"type": "http.response.body", "body": body})


def front_door(app: ASGIApp) -> ASGIApp:
    async def asgi(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await app(scope, receive, send)
            return
        try:
            requested_host([value for name, value in scope["headers"] if name == b"host"], None)
            normal = normalize_path(scope.get("raw_path") or scope["path"].encode("utf-8"))
        except (NotAHost, UnsafePath) as exc:
            await refuse(send, str(exc))
            return
        if normal is not None:
            scope = {**scope, "raw_path": normal.encode("ascii"), "path": unquote(normal)}
        await app(scope, receive, send)

    return asgi

"""Cache hits answered before routing. A published page served from the cache is most of
a site's traffic, and Litestar's routing, response building and middleware cost several
times what the answer itself does (bench/bench_gateway.py). So a GET for a page of a host
already in the map, whose page is cached, is answered here: the same rate limits, the same
headers (security, request id, `x-cache: hit`), the same 304 and compression rules; any
other request, or any doubt (a query, a host the grammar refuses), goes the long way
through the app. The path was normalised before this (door.py), and the
host is parsed by the same rule as on the long way (hosts.requested_host), so a refused
host never matches a cached tenant. Cache hits are counted, not traced."""

from __future__ import annotations

import uuid
from typing import Any

from litestar.types import ASGIApp, Receive, Scope, Send

from shared.errors import TooManyRequests
from shared.hostnames import NotAHost
from shared.metrics import HTTP_REQUESTS, PAGE_CACHE

from .edge import HSTS, SECURITY_HEADERS, client_address
from .hosts import requested_host
from .page_cache import Entry, PageCache

NOT_PAGES = ("/api/", "/__", "/assets/", "/health")


def wire_headers(entry: Entry, coding: str | None) -> list[tuple[bytes, bytes]]:
    """The entry's response headers as ASGI wants them, made once per representation."""
    built = entry.wire.get(coding or "")
    if built is None:
        headers = entry.headers_for(coding, hit=True)
        headers["content-length"] = str(len(entry.encoded[coding] if coding else entry.body))
        built = [(name.encode("latin-1"), value.encode("latin-1")) for name, value in headers.items()]
        built += [pair for pair in SECURITY_HEADERS if pair[0].decode() not in headers]
        entry.wire[coding or ""] = built
    return built


def cached_pages_first(app: ASGIApp, state: Any) -> ASGIApp:
    async def asgi(scope: Scope, receive: Receive, send: Send) -> None:
        if (scope["type"] != "http" or scope["method"] not in ("GET", "HEAD") or scope["query_string"]
                or scope["path"].startswith(NOT_PAGES)):
            await app(scope, receive, send)
            return
        accept = codings = etags = forwarded_for = ""
        hosts: list[bytes] = []
        forwarded_host: bytes | None = None
        for name, value in scope["headers"]:
            if name == b"host":
                hosts.append(value)
            elif name == b"accept":
                accept = value.decode("latin-1")
            elif name == b"accept-encoding":
                codings = value.decode("latin-1")
            elif name == b"if-none-match":
                etags = value.decode("latin-1")
            elif name == b"x-forwarded-host":
                forwarded_host = value
            elif name == b"x-forwarded-for":
                forwarded_for = value.decode("latin-1")
        peer = scope["client"][0] if scope.get("client") else ""
        trusted = peer in state.proxies
        try:  # X-Forwarded-Host is believed from our own proxy only, as on the long way
            tenant = state.hosts.known(requested_host(hosts, forwarded_host if trusted else None))
        except NotAHost:
            tenant = None  # the long way answers the 400 in full
        cache: PageCache = state.pages
        entry = cache.get((tenant.id, scope["path"], "json" if "application/json" in accept else "html")) \
            if tenant is not None else None
        if entry is None:
            await app(scope, receive, send)
            return
        try:
            address = client_address(peer, forwarded_for, state.proxies) if trusted else peer
            await state.limits.check(address, tenant.id)
        except TooManyRequests:
            await app(scope, receive, send)  # the long way answers the 429 in full
            return
        request_id = uuid.uuid4().hex
        tls = scope.get("scheme") == "https" or (trusted and (b"x-forwarded-proto", b"https") in scope["headers"])
        etag = entry.headers.get("etag")
        if etag and etag in etags:
            status, coding, body = 304, None, b""
        else:
            status, coding = entry.status, cache.coding_for(entry, codings)
            body = entry.encoded[coding] if coding else entry.body
        headers = [*wire_headers(entry, coding), (b"x-request-id", request_id.encode())]
        if tls:
            headers.append(HSTS)
        if status == 304:
            headers = [(name, value) for name, value in headers if name not in (b"content-length", b"content-type")]
        await send({"type": "http.response.start", "status": status, "headers": headers})
        await send({"type": "http.response.body", "body": b"" if scope["method"] == "HEAD" else body})
        PAGE_CACHE.labels("hit").inc()
        HTTP_REQUESTS.labels("gateway", "/{path} (cached)", scope["method"], str(status)).inc()

    return asgi

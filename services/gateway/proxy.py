"""The hop from the gateway to a service: pooled keep-alive connections, bodies streamed
both ways, identity headers stripped from the client and re-signed by the gateway."""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

import aiohttp
from litestar import Request, Response
from litestar.datastructures import Cookie
from litestar.response import Stream
from opentelemetry import trace

from shared.auth import IDENTITY_HEADERS, Caller, sign_caller
from shared.errors import Problem, problem_for_status, problem_response
from shared.hostnames import SITE_ORIGIN_HEADER
from shared.telemetry import inject_headers, tracer

from .upstreams import Pool

_tracer = tracer("gateway.proxy")
HOP_BY_HOP = frozenset({"connection", "keep-alive", "proxy-authenticate", "proxy-authorization", "te",
                        "trailer", "transfer-encoding", "upgrade", "host", "content-length"})
# What a client may not tell a service: identity (re-signed below), and the site's origin
# (the gateway's to give, from the host record). x-site-host was its earlier name.
_STRIPPED = HOP_BY_HOP | frozenset(IDENTITY_HEADERS) | {"authorization", "x-forwarded-host", "x-site-host",
                                                        SITE_ORIGIN_HEADER, "x-forwarded-proto"}
IDEMPOTENT = frozenset({"GET", "HEAD", "OPTIONS", "PUT", "DELETE"})
# RFC 3986 pchar and "/": what a path may carry unescaped. The routes hand over the
# normalised path decoded; it goes on the wire escaped again, so a decoded '?', '#' or '%'
# stays part of the path, and the signature covers exactly what the service receives.
PATH_SAFE = "/!$&'()*+,;=:@-._~"


@dataclass
class PassedCookie(Cookie):
    """A service's Set-Cookie, passed on as it was written: answers keep their headers in a
    dict, which would keep only the last of several (identity sets two for a browser session)."""

    header: str = ""

    def to_encoded_header(self) -> tuple[bytes, bytes]:
        return b"set-cookie", self.header.encode("latin-1")


def wire_path(path: str) -> str:
    return quote(path, safe=PATH_SAFE)


def forwarded_headers(incoming: Mapping[str, str], caller: Caller, *, secret: str, method: str,
                      path: str, client: str) -> dict[str, str]:
    headers = {name: value for name, value in incoming.items() if name.lower() not in _STRIPPED}
    headers.update(sign_caller(secret, caller, method=method, path=path))
    headers["x-forwarded-for"] = ", ".join(filter(None, [incoming.get("x-forwarded-for"), client]))
    return inject_headers(headers)


class BodyTooLarge(Exception):
    pass


async def limited(chunks: AsyncIterator[bytes], limit: int) -> AsyncIterator[bytes]:
    """The request body, streamed, failing as soon as it passes `limit` bytes (a chunked
    body has no Content-Length to check up front)."""
    seen = 0
    async for chunk in chunks:
        seen += len(chunk)
        if seen > limit:
            raise BodyTooLarge
        yield chunk


DRAIN_CAP = 64 * 1024 * 1024
BUFFER_UP_TO = 256 * 1024  # answers of known length up to this are passed on whole, the rest streamed


async def drain(request: Request) -> None:
    """Read and drop the rest of a modest body before refusing the request: most clients
    send the whole body before they read an answer, and would see a reset connection."""
    drained = 0
    try:
        async for chunk in request.stream():
            drained += len(chunk)
            if drained > DRAIN_CAP:
                break
    except Exception:
        pass


async def too_large(request: Request, limit: int) -> Stream:
    """413, once the body is drained."""
    await drain(request)
    problem = problem_for_status(413, f"the body is larger than {limit} bytes")
    return problem_response(problem)  # type: ignore[return-value]


def _caused_by(exc: BaseException, kind: type[BaseException]) -> bool:
    seen: BaseException | None = exc
    while seen is not None:
        if isinstance(seen, kind):
            return True
        seen = seen.__cause__ or seen.__context__
    return False


def client_span(upstream: Pool, method: str, path: str) -> Any:
    """The hop to a service as a client span; the headers injected inside it parent the
    service's server span to it."""
    return _tracer.start_as_current_span(f"{method} {upstream.service}", kind=trace.SpanKind.CLIENT,
                                         attributes={"http.request.method": method, "url.path": path,
                                                     "server.address": upstream.service})


async def fetch(session: aiohttp.ClientSession, incoming: Mapping[str, str], *, client: str, upstream: Pool,
                path: str, query: str, caller: Caller, secret: str,
                timeout: float) -> tuple[int, dict[str, str], bytes] | Problem:
    """GET `path` from a replica for a client that sent `incoming` headers and read the whole
    answer (a page, for the cache), or the problem when the upstream failed."""
    with client_span(upstream, "GET", path):
        return await _fetch(session, incoming, client=client, upstream=upstream, path=path, query=query,
                            caller=caller, secret=secret, timeout=timeout)


async def _fetch(session: aiohttp.ClientSession, incoming: Mapping[str, str], *, client: str, upstream: Pool,
                 path: str, query: str, caller: Caller, secret: str,
                 timeout: float) -> tuple[int, dict[str, str], bytes] | Problem:
    # The signature covers the path the service sees, without the query (as for every hop).
    path = wire_path(path)
    headers = forwarded_headers(incoming, caller, secret=secret, method="GET", path=path, client=client)
    headers.pop("if-none-match", None)  # the gateway answers revalidations itself (pages.answer)
    headers["accept-encoding"] = "identity"  # and compresses once, for everyone
    url_tail = path + (f"?{query}" if query else "")
    for attempt in range(2):
        base_url = upstream.pick()
        try:
            async with session.get(base_url + url_tail, headers=headers, allow_redirects=False,
                                   timeout=aiohttp.ClientTimeout(total=None, sock_connect=5, sock_read=timeout)) as up:
                body = await up.read()
                return up.status, {k.lower(): v for k, v in up.headers.items() if k.lower() not in HOP_BY_HOP}, body
        except (aiohttp.ClientConnectionError, aiohttp.ServerDisconnectedError) as exc:
            upstream.failed(base_url)
            if attempt == 0:
                continue
            return problem_for_status(502, f"upstream unreachable: {type(exc).__name__}")
        except TimeoutError:
            return problem_for_status(504, "upstream did not answer in time")
    raise AssertionError("unreachable")


async def forward(session: aiohttp.ClientSession, request: Request, *, upstream: Pool, path: str,
                  caller: Caller, secret: str, timeout: float, body_limit: int,
                  extra_headers: dict[str, str] | None = None) -> Stream:
    """Send `request` to a replica's `path` and stream the answer back. A request without a
    body that could not reach a replica is tried once more on another."""
    with client_span(upstream, request.method, path):
        return await _forward(session, request, upstream=upstream, path=path, caller=caller, secret=secret,
                              timeout=timeout, body_limit=body_limit, extra_headers=extra_headers)


async def _forward(session: aiohttp.ClientSession, request: Request, *, upstream: Pool, path: str,
                   caller: Caller, secret: str, timeout: float, body_limit: int,
                   extra_headers: dict[str, str] | None = None) -> Stream:
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > body_limit:
        return await too_large(request, body_limit)
    query = request.url.query
    path = wire_path(path)
    headers = forwarded_headers(request.headers, caller, secret=secret, method=request.method, path=path,
                                client=request.client.host if request.client else "")
    # The site's origin, built from the host record the gateway resolved (hosts.py), never
    # from the client's Host header: services send visitors back to it (Stripe Checkout).
    origin = request.scope.get("state", {}).get("site_origin")
    if origin:
        headers[SITE_ORIGIN_HEADER] = origin
    proto = request.scope.get("state", {}).get("forwarded_proto")
    if proto:  # the scheme the door decided (http.resolve_tenant), never the client's say-so
        headers["x-forwarded-proto"] = proto
    has_body = request.method not in ("GET", "HEAD", "OPTIONS", "DELETE") or "content-length" in request.headers
    attempts = 2 if request.method in IDEMPOTENT and not has_body else 1
    for attempt in range(attempts):
        base_url = upstream.pick()
        try:
            answer = await session.request(
                request.method, base_url + path + (f"?{query}" if query else ""), headers=headers,
                allow_redirects=False,
                data=limited(request.stream(), body_limit) if has_body else None,
                timeout=aiohttp.ClientTimeout(total=None, sock_connect=5, sock_read=timeout),
            )
            break
        except BodyTooLarge:
            return await too_large(request, body_limit)
        except (aiohttp.ClientConnectionError, aiohttp.ServerDisconnectedError) as exc:
            if _caused_by(exc, BodyTooLarge):  # aiohttp wraps what the body generator raised
                return await too_large(request, body_limit)
            upstream.failed(base_url)
            if attempt + 1 < attempts:
                continue
            return problem_response(problem_for_status(502, f"upstream unreachable: {type(exc).__name__}"))  # type: ignore[return-value]
        except TimeoutError:
            return problem_response(problem_for_status(504, "upstream did not answer in time"))  # type: ignore[return-value]

    response_headers = {name: value for name, value in answer.headers.items()
                        if name.lower() not in HOP_BY_HOP and name.lower() != "set-cookie"}
    response_headers.update(extra_headers or {})
    cookies = [PassedCookie(key="", header=value) for value in answer.headers.getall("set-cookie", [])]
    length = answer.content_length
    if length is not None and length <= BUFFER_UP_TO:
        # A small answer read whole is cheaper to pass on than a stream (a task less per request).
        try:
            whole = await answer.read()
        except (TimeoutError, aiohttp.ClientError):
            return problem_response(problem_for_status(502, "upstream broke off its answer"))  # type: ignore[return-value]
        finally:
            answer.release()
        return Response(whole, status_code=answer.status, headers=response_headers,  # type: ignore[return-value]
                        cookies=cookies)

    async def body() -> AsyncIterator[bytes]:
        try:
            async for chunk in answer.content.iter_chunked(64 * 1024):
                yield chunk
        except (TimeoutError, aiohttp.ClientError):
            return
        finally:
            answer.release()

    return Stream(body(), status_code=answer.status, headers=response_headers, cookies=cookies)

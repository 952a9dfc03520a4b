"""The reference for a proxied answer: a bare Litestar app replaying one captured response
(status, headers and body bytes exactly as the platform sent them) to every GET. Run by
granian from bench_gateway, with the capture's path in BARE_RESPONSE_FILE."""

from __future__ import annotations

import os
from pathlib import Path

import msgspec
from litestar import Litestar, Response, get

# Framing and per-connection headers the server makes itself.
OWN_HEADERS = frozenset({"content-length", "transfer-encoding", "connection", "keep-alive", "date", "server"})


class Captured(msgspec.Struct, frozen=True, kw_only=True):
    status: int
    headers: list[tuple[str, str]]
    body: bytes


def load(path: str) -> Captured:
    return msgspec.json.decode(Path(path).read_bytes(), type=Captured)


CAPTURED = load(os.environ["BARE_RESPONSE_FILE"]) if "BARE_RESPONSE_FILE" in os.environ else \
    Captured(status=200, headers=[], body=b"")
# Content-Type goes in as a header: as `media_type` Litestar would append a charset to it.
HEADERS = {name: value for name, value in CAPTURED.headers if name.lower() not in OWN_HEADERS}


@get(["/", "/{path:path}"], sync_to_thread=False)
def replay() -> Response[bytes]:
    return Response(CAPTURED.body, status_code=CAPTURED.status, headers=HEADERS)


def create_app() -> Litestar:
    return Litestar([replay], openapi_config=None)

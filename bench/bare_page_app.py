"""The reference for serving a page: a bare Litestar app answering every request with the
same bytes (and headers) the platform serves, compressed as the gateway sent them to the
benchmark's client. Run by granian from bench_cms."""

from __future__ import annotations

import os
from pathlib import Path

from litestar import Litestar, Response, get

BODY = Path(os.environ["BARE_PAGE_FILE"]).read_bytes() if "BARE_PAGE_FILE" in os.environ else b""
ENCODING = os.environ.get("BARE_PAGE_ENCODING", "")  # the coding BODY is in, as the gateway sent it


@get("/", sync_to_thread=False)
def page() -> Response[bytes]:
    coding = {"content-encoding": ENCODING, "vary": "accept-encoding"} if ENCODING else {}
    return Response(BODY, media_type="text/html; charset=utf-8",
                    headers={"etag": '"bare"', "cache-control": "public, max-age=60", **coding})


def create_app() -> Litestar:
    return Litestar([page])

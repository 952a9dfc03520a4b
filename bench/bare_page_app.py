"""The reference for serving a page: a bare Litestar app answering every request with the
same bytes (and headers) the platform serves. Run by granian from bench_cms."""

from __future__ import annotations

import os
from pathlib import Path

from litestar import Litestar, Response, get

BODY = Path(os.environ["BARE_PAGE_FILE"]).read_bytes() if "BARE_PAGE_FILE" in os.environ else b""


@get("/", sync_to_thread=False)
def page() -> Response[bytes]:
    return Response(BODY, media_type="text/html; charset=utf-8",
                    headers={"etag": '"bare"', "cache-control": "public, max-age=60"})


def create_app() -> Litestar:
    return Litestar([page])

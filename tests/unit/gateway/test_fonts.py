"""The sites' fonts on the page path (services/gateway/fonts.py): served by the gateway itself
on every host with the headers a font needs, revalidated by ETag, and nothing but the
catalogue's files, whatever a path spells; never asked of cms."""

from __future__ import annotations

import asyncio
import logging
import uuid
from pathlib import Path
from typing import Any

import msgspec
import pytest
from litestar.datastructures import State

from services.gateway import hosts as hosts_module
from services.gateway import pages
from services.gateway.edge import Proxies, RateLimits
from services.gateway.fonts import FontFiles
from services.gateway.hosts import HostResolver
from shared.contracts import ResolvedHost, ResolveHost
from shared.fonts import FILES

SHOP = uuid.uuid4()
INTER = "inter-latin-700-normal.woff2"
WOFF2 = b"wOF2" + bytes(range(256)) * 8


async def identity(nc: Any, query: ResolveHost) -> ResolvedHost:
    return ResolvedHost(tenant_id=SHOP, slug="shop") if query.slug == "shop" else ResolvedHost()


async def cms_must_not_be_asked(*args: Any, **kwargs: Any) -> Any:
    raise AssertionError("a font request reached cms")


@pytest.fixture
def folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setattr(hosts_module, "request", identity)
    monkeypatch.setattr(pages, "fetch", cms_must_not_be_asked)
    (tmp_path / INTER).write_bytes(WOFF2)
    (tmp_path / "secret.txt").write_text("not a font")
    return tmp_path


def gateway() -> State:
    return State({"hosts": HostResolver(None, platform_domain="localhost",  # type: ignore[arg-type]
                                        public_base_url="http://localhost:8000", ttl=60, negative_ttl=5),
                  "proxies": Proxies([]), "limits": RateLimits(per_address="1000/minute", per_tenant="1000/minute"),
                  "settings": State({"internal_secret": "s", "upstream_timeout": 5.0})})


def get(files: FontFiles | None, path: str, host: str = "shop.localhost:8000", method: str = "GET",
        **headers: str) -> tuple[int, dict[str, str], bytes]:
    scope = {"type": "http", "method": method, "path": path, "raw_path": path.encode(), "query_string": b"",
             "scheme": "http", "client": ("203.0.113.9", 5000),
             "headers": [(b"host", host.encode())] + [(name.replace("_", "-").encode(), value.encode())
                                                      for name, value in headers.items()]}
    sent: list[dict[str, Any]] = []

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    asyncio.run(pages.serve_page(scope, send, gateway(), files))  # type: ignore[arg-type]
    return sent[0]["status"], {n.decode(): v.decode() for n, v in sent[0]["headers"]}, sent[1]["body"]


@pytest.mark.parametrize("host", ["shop.localhost:8000", "localhost:8000"])
def test_a_font_is_served_with_the_headers_a_font_needs_on_every_host(folder: Path, host: str) -> None:
    status, headers, body = get(FontFiles(folder), "/__fonts/" + INTER, host)
    assert status == 200 and body == WOFF2
    assert headers["content-type"] == "font/woff2" and headers["content-length"] == str(len(WOFF2))
    assert headers["cache-control"] == "public, max-age=31536000, immutable"
    assert headers["access-control-allow-origin"] == "*" and headers["x-content-type-options"] == "nosniff"
    assert headers["etag"].startswith('"') and headers["x-request-id"]


def test_the_etag_revalidates_and_head_has_no_body(folder: Path) -> None:
    files = FontFiles(folder)
    _, first, _ = get(files, "/__fonts/" + INTER)
    status, again, body = get(files, "/__fonts/" + INTER, if_none_match=f'W/"other", {first["etag"]}')
    assert status == 304 and body == b"" and again["etag"] == first["etag"] and "content-type" not in again
    status, _, body = get(files, "/__fonts/" + INTER, if_none_match='"stale"')
    assert status == 200 and body == WOFF2
    status, head, body = get(files, "/__fonts/" + INTER, method="HEAD")
    assert status == 200 and body == b"" and head["content-length"] == str(len(WOFF2))


@pytest.mark.parametrize("path", [
    "/__fonts/secret.txt",  # in the folder, not in the catalogue
    "/__fonts/comic-sans-latin-400-normal.woff2",
    "/__fonts/../../etc/passwd", "/__fonts/..%2fsecret.txt", "/__fonts//etc/passwd",
    "/__fonts/inter-latin-700-normal.woff2/", "/__fonts/INTER-LATIN-700-NORMAL.WOFF2", "/__fonts/",
])
def test_only_the_catalogues_files_are_served_whatever_the_path_spells(folder: Path, path: str) -> None:
    status, headers, body = get(FontFiles(folder), path)
    assert status == 404 and headers["content-type"] == "application/problem+json"
    assert msgspec.json.decode(body)["status"] == 404


def test_a_missing_folder_is_a_404_logged_once_and_the_twin_file_is_served(
        folder: Path, caplog: pytest.LogCaptureFixture) -> None:
    missing = FontFiles(folder / "not-fetched")
    assert INTER in FILES and "lora-latin-400-normal.woff2" in FILES
    with caplog.at_level(logging.WARNING, logger="gateway.fonts"):
        assert get(missing, "/__fonts/" + INTER)[0] == 404
        assert get(missing, "/__fonts/lora-latin-400-normal.woff2")[0] == 404
    assert len([r for r in caplog.records if "make fonts" in r.getMessage()]) == 1
    assert get(FontFiles(folder), "/__fonts/" + INTER)[0] == 200
    assert get(None, "/__fonts/" + INTER)[0] == 404  # a page path without fonts serves none


def test_an_unknown_host_gets_no_font(folder: Path) -> None:
    assert get(FontFiles(folder), "/__fonts/" + INTER, host="nobody.localhost:8000")[0] == 404

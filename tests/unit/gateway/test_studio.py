"""The studio at /studio/ (services/gateway/studio.py): the build's files with their cache
headers and the studio's own CSP, index.html for every address the browser routes (told
whether its host is the platform's or a tenant's), nothing outside the build whatever a path
spells, and a page saying to run `make studio` when there is no build."""

from __future__ import annotations

import asyncio
import gzip
import logging
import os
import uuid
from pathlib import Path
from typing import Any

import msgspec
import pytest
from litestar.datastructures import State

from services.gateway import hosts as hosts_module
from services.gateway.edge import Proxies, RateLimits
from services.gateway.hosts import HostResolver
from services.gateway.studio import CSP, StudioFiles, is_studio, serve_studio
from shared.contracts import ResolvedHost, ResolveHost

SHOP = uuid.uuid4()
INDEX = b'<!doctype html><html><head><title>Studio</title><script type="module" src="/studio/assets/index-abc123.js">' \
        b"</script></head><body><div id=root></div></body></html>"
SCRIPT = b"console.log('the studio');" * 200


async def identity(nc: Any, query: ResolveHost) -> ResolvedHost:
    return ResolvedHost(tenant_id=SHOP, slug="shop") if query.slug == "shop" else ResolvedHost()


@pytest.fixture
def dist(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setattr(hosts_module, "request", identity)
    (tmp_path / "assets").mkdir()
    (tmp_path / "index.html").write_bytes(INDEX)
    (tmp_path / "assets" / "index-abc123.js").write_bytes(SCRIPT)
    (tmp_path / "favicon.svg").write_text("<svg xmlns='http://www.w3.org/2000/svg'/>")
    (tmp_path.parent / "secret.txt").write_text("outside the build")
    return tmp_path


def gateway() -> State:
    return State({"hosts": HostResolver(None, platform_domain="localhost",  # type: ignore[arg-type]
                                        public_base_url="http://localhost:8000", ttl=60, negative_ttl=5),
                  "proxies": Proxies([]), "limits": RateLimits(per_address="1000/minute", per_tenant="1000/minute")})


def get(files: StudioFiles, path: str, host: str = "shop.localhost:8000", method: str = "GET", query: bytes = b"",
        **headers: str) -> tuple[int, dict[str, str], bytes]:
    scope = {"type": "http", "method": method, "path": path, "raw_path": path.encode(), "query_string": query,
             "scheme": "http", "client": ("203.0.113.9", 5000),
             "headers": [(b"host", host.encode())] + [(name.replace("_", "-").encode(), value.encode())
                                                      for name, value in headers.items()]}
    sent: list[dict[str, Any]] = []

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    asyncio.run(serve_studio(scope, send, gateway(), files))  # type: ignore[arg-type]
    return sent[0]["status"], {n.decode(): v.decode() for n, v in sent[0]["headers"]}, sent[1]["body"]


def studio(dist: Path) -> StudioFiles:
    return StudioFiles(dist, "http://localhost:8000")


def test_a_hashed_asset_is_immutable_and_compressed_with_the_studios_csp(dist: Path) -> None:
    status, headers, body = get(studio(dist), "/studio/assets/index-abc123.js", accept_encoding="gzip")
    assert status == 200 and gzip.decompress(body) == SCRIPT
    assert headers["content-encoding"] == "gzip" and headers["content-length"] == str(len(body))
    assert headers["content-type"].startswith(("text/javascript", "application/javascript"))
    assert headers["cache-control"] == "public, max-age=31536000, immutable"
    assert headers["content-security-policy"] == CSP.decode()
    assert "script-src 'self';" in headers["content-security-policy"]
    assert "frame-ancestors 'none'" in headers["content-security-policy"]
    assert headers["x-content-type-options"] == "nosniff" and headers["x-request-id"]
    status, headers, body = get(studio(dist), "/studio/assets/index-abc123.js")  # no coding asked: none given
    assert status == 200 and body == SCRIPT and "content-encoding" not in headers


@pytest.mark.parametrize(("host", "kind"), [("shop.localhost:8000", "tenant"), ("localhost:8000", "platform")])
@pytest.mark.parametrize("path", ["/studio/", "/studio/new-site", "/studio/confirm-signup", "/studio/a/b/c"])
def test_every_routed_address_is_index_html_revalidated_and_told_its_host(dist: Path, host: str, kind: str,
                                                                         path: str) -> None:
    status, headers, body = get(studio(dist), path, host)
    assert status == 200 and headers["content-type"] == "text/html; charset=utf-8"
    assert headers["cache-control"] == "no-cache" and headers["content-security-policy"] == CSP.decode()
    assert f'<meta name="sb-host" content="{kind}">'.encode() in body
    assert b'<meta name="sb-platform" content="http://localhost:8000">' in body
    assert body.replace(body[body.index(b"<meta name=\"sb-host\""):body.index(b"</head>")], b"") == INDEX


def test_the_etag_revalidates_and_head_has_no_body(dist: Path) -> None:
    files = studio(dist)
    _, first, _ = get(files, "/studio/")
    status, again, body = get(files, "/studio/pages", if_none_match=f'W/"other", {first["etag"]}')
    assert status == 304 and body == b"" and "content-length" not in again
    status, _, body = get(files, "/studio/", if_none_match='"stale"')
    assert status == 200 and body
    status, head, body = get(files, "/studio/", method="HEAD")
    assert status == 200 and body == b"" and int(head["content-length"]) > len(INDEX)


def test_a_new_build_is_picked_up_without_a_restart(dist: Path) -> None:
    files = studio(dist)
    assert get(files, "/studio/")[2].startswith(INDEX[:30])
    (dist / "index.html").write_bytes(INDEX.replace(b"abc123", b"def456"))
    (dist / "assets" / "index-def456.js").write_bytes(b"console.log('new');")
    os.utime(dist / "index.html", (1, 1))  # a different modification time, as a rebuild gives
    files.scanned_at = -10.0  # as if the last look for new names were long ago
    assert b"index-def456.js" in get(files, "/studio/")[2]
    assert get(files, "/studio/assets/index-def456.js")[0] == 200


@pytest.mark.parametrize("path", [
    "/studio/assets/missing-000000.js",  # a missing asset is not HTML a browser would try to run
    "/studio/assets/../../secret.txt", "/studio/assets/..%2f..%2fsecret.txt", "/studio/assets//etc/passwd",
])
def test_no_file_outside_the_build_and_no_index_for_a_missing_asset(dist: Path, path: str) -> None:
    status, headers, body = get(studio(dist), path)
    assert status == 404 and headers["content-type"] == "application/problem+json"
    assert msgspec.json.decode(body)["status"] == 404 and b"outside the build" not in body


def test_a_path_outside_the_build_that_is_not_an_asset_is_only_the_app(dist: Path) -> None:
    status, _, body = get(studio(dist), "/studio/../secret.txt")
    assert status == 200 and b"outside the build" not in body and b"sb-host" in body
    assert get(studio(dist), "/studio/favicon.svg")[1]["cache-control"] == "no-cache"  # not hashed: revalidated


def test_studio_without_its_slash_is_redirected_with_its_query(dist: Path) -> None:
    status, headers, _ = get(studio(dist), "/studio", query=b"token=abc")
    assert status == 308 and headers["location"] == "/studio/?token=abc"


def test_without_a_build_every_path_says_to_run_make_studio_logged_once(
        dist: Path, caplog: pytest.LogCaptureFixture) -> None:
    missing = studio(dist / "not-built")
    with caplog.at_level(logging.WARNING, logger="gateway.studio"):
        for path in ("/studio/", "/studio/new-site", "/studio/assets/index-abc123.js"):
            status, headers, body = get(missing, path)
            assert status == 503 and headers["content-type"] == "text/html; charset=utf-8"
            assert b"make studio" in body and headers["cache-control"] == "no-store"
    assert len([r for r in caplog.records if "make studio" in r.getMessage()]) == 1
    assert get(studio(dist), "/studio/")[0] == 200  # the twin: with the build, the app


def test_an_unknown_host_gets_no_studio(dist: Path) -> None:
    status, headers, _ = get(studio(dist), "/studio/", host="nobody.localhost:8000")
    assert status == 404 and headers["content-type"] == "application/problem+json"


def test_only_gets_and_heads_under_studio_are_the_studios() -> None:
    assert is_studio({"type": "http", "method": "GET", "path": "/studio/pages"})
    assert is_studio({"type": "http", "method": "HEAD", "path": "/studio"})
    assert not is_studio({"type": "http", "method": "POST", "path": "/studio/pages"})
    assert not is_studio({"type": "http", "method": "GET", "path": "/studios"})
    assert not is_studio({"type": "lifespan"})  # no path: passed on untouched

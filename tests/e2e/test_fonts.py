"""The sites' fonts through the real gateway: served from the build folder on a tenant's host
and the platform's, cached for good and revalidated, and nothing else whatever the path spells."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

from shared.fonts import BUILD_DIR, FILES
from tests.e2e.headless_chromium import Chromium, chromium_path
from tests.e2e.platform_client import PlatformClient
from tests.e2e.test_cms_site import publish
from tests.e2e.test_gateway import raw_request

FONT = "/__fonts/fraunces-latin-700-normal.woff2"


def status_of(answer: bytes) -> int:
    return int(answer.split(b" ", 2)[1])


async def test_a_font_is_served_by_the_gateway_with_the_headers_a_font_needs(client: PlatformClient) -> None:
    tenant = await client.sign_up("fonts")
    served = await client.call("GET", FONT, slug=tenant.slug, headers={"origin": f"http://{client.host(tenant.slug)}"})
    assert served.status_code == 200 and served.content == (BUILD_DIR / FONT.rsplit("/", 1)[1]).read_bytes()
    assert served.content[:4] == b"wOF2" and served.headers["content-type"] == "font/woff2"
    assert served.headers["cache-control"] == "public, max-age=31536000, immutable"
    assert served.headers["access-control-allow-origin"] == "*"
    assert served.headers["x-content-type-options"] == "nosniff" and "x-cache" not in served.headers

    again = await client.call("GET", FONT, slug=tenant.slug, headers={"if-none-match": served.headers["etag"]})
    assert again.status_code == 304 and again.content == b"" and again.headers["etag"] == served.headers["etag"]
    head = await client.call("HEAD", FONT, slug=tenant.slug)
    assert head.status_code == 200 and head.headers["content-length"] == str(len(served.content))
    platform = await client.call("GET", FONT)  # the platform's own host (the editor's pages) too
    assert platform.status_code == 200 and platform.headers["etag"] == served.headers["etag"]


async def test_only_the_catalogues_fonts_are_served(client: PlatformClient) -> None:
    tenant = await client.sign_up("nofont")
    for path in ("/__fonts/comic-sans-latin-400-normal.woff2", "/__fonts/LICENSE-inter.txt",
                 "/__fonts/fraunces-latin-700-normal.woff2.bak", "/__fonts/"):
        refused = await client.call("GET", path, slug=tenant.slug)
        assert refused.status_code == 404 and refused.headers["content-type"] == "application/problem+json", path
    port, host = client.stack.ports["gateway"], client.host(tenant.slug)
    for path in ("/__fonts/../pyproject.toml", "/__fonts/%2e%2e/%2e%2e/pyproject.toml", "/__fonts/..%2fshared",
                 "/__fonts/./../__fonts/../../../etc/passwd"):
        answer = await raw_request(port, f"GET {path} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n".encode())
        assert status_of(answer) in (400, 404) and b"[project]" not in answer and b"root:" not in answer, path
    # the allowed twin: the same request line for a real font is served
    fine = await raw_request(port, f"GET {FONT} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n".encode())
    assert status_of(fine) == 200 and b"font/woff2" in fine


async def themed_page(client: PlatformClient, prefix: str) -> str:
    """A published home page set in Playfair Display and Inter; its host."""
    tenant = await client.sign_up(prefix)
    themed = await client.call("PUT", "/api/identity/tenant/theme", slug=tenant.slug, token=tenant.token,
                               json={"fonts": {"heading": "Playfair Display", "body": "Inter"}})
    assert themed.status_code == 200, themed.text
    hero = {"id": "h", "component": "Hero", "children": [], "props": {"headline": "Fresh bread, baked at dawn"}}
    await publish(client, tenant, "/", {"root": {"id": "p", "component": "Page", "children": [hero],
                                                 "props": {"title": "Bakery", "description": "Bread baked at dawn"}}})
    return tenant.slug


async def test_every_font_a_themed_page_names_is_served_from_its_own_host(client: PlatformClient) -> None:
    slug = await themed_page(client, "fontpage")
    page = await client.call("GET", "/", slug=slug)
    assert page.status_code == 200
    named = set(re.findall(r"/__fonts/([a-z0-9-]+\.woff2)", page.text))
    assert {"playfair-display-latin-700-normal.woff2", "inter-latin-400-normal.woff2"} <= named <= FILES
    for name in named:
        served = await client.call("GET", "/__fonts/" + name, slug=slug)
        assert served.status_code == 200 and served.headers["content-type"] == "font/woff2", name


@pytest.mark.skipif(chromium_path() is None, reason="needs Debian's chromium (make setup installs it)")
async def test_a_browser_loads_the_pages_fonts_under_its_csp(client: PlatformClient) -> None:
    """Preloaded in CORS mode, fetched under `default-src 'self'`: a browser must actually use
    the files (a refused or undecodable font fails silently into the fallback)."""
    slug = await themed_page(client, "fontlook")
    url = f"http://{slug}.localhost:{client.stack.ports['gateway']}/"
    shots = os.environ.get("FONT_SCREENSHOTS")  # a folder to keep the screenshots in, to look at
    with Chromium() as browser:
        for width in (1280, 375):
            async with browser.tab(url, width=width) as tab:
                loaded = await tab.evaluate(
                    "[...document.fonts].filter(f => f.status === 'loaded').map(f => f.family + ' ' + f.weight)")
                failed = await tab.evaluate("[...document.fonts].filter(f => f.status === 'error').length")
                heading = await tab.evaluate("getComputedStyle(document.querySelector('h1')).fontFamily")
                if shots:
                    (Path(shots) / f"fonts-{width}.png").write_bytes(await tab.screenshot())
            assert failed == 0 and heading.startswith('"Playfair Display"'), (heading, loaded)
            assert any(face.startswith("Playfair Display") for face in loaded), loaded
            assert any(face.startswith("Inter") for face in loaded), loaded

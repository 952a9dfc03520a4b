"""The demo site a newcomer sees after `make run`, made the same way in a test tenant and
looked at in Chromium: every link resolves, no page repeats a photo, no text element is
empty, the theme's heading font is really loaded, nothing is wider than a phone; and
screenshots at 1280 and 375 px are kept (.data/screenshots/demo-*.png)."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path

import pytest

from shared.dev.demo_site import BUILDERS, PRESET
from shared.dev.photos import build, load
from shared.dev.stack import ROOT
from shared.theme import PRESETS
from tests.e2e.demo_pages import seed
from tests.e2e.headless_chromium import Chromium, chromium_path
from tests.e2e.platform_client import PlatformClient

SHOTS = ROOT / ".data" / "screenshots"
ASSET = re.compile(r"^/assets/([0-9a-f-]{36})")
# Elements that exist to hold words: empty, they are a hole in the page.
TEXT_ELEMENTS = "h1,h2,h3,h4,h5,h6,p,li,a,button,label,summary,figcaption,blockquote,dt,dd,th,td,strong,em"
EMPTY = (f"[...document.querySelectorAll({TEXT_ELEMENTS!r})].filter(e => !e.textContent.trim() &&"
         " !e.querySelector('img,svg,input,textarea,select') && !e.closest('[aria-hidden=true]'))"
         ".map(e => e.outerHTML.slice(0, 120))")


# A full-page screenshot shows what a person scrolling down would see: lazy images loaded.
SCROLLED = ("(async () => { for (let y = 0; y < document.scrollingElement.scrollHeight; y += innerHeight / 2) {"
            " scrollTo({top: y, behavior: 'instant'}); await new Promise(r => setTimeout(r, 60)); }"
            " scrollTo({top: 0, behavior: 'instant'});"
            " await Promise.all([...document.images].map(i => i.decode().catch(() => null)));"
            " return [...document.images].filter(i => !i.complete || !i.naturalWidth).map(i => i.src); })()")


class Links(HTMLParser):
    """The ids, link targets and images of one page."""

    def __init__(self) -> None:
        super().__init__()
        self.ids: set[str] = set()
        self.hrefs: list[str] = []
        self.images: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = dict(attrs)
        if found.get("id"):
            self.ids.add(str(found["id"]))
        if tag == "a" and found.get("href"):
            self.hrefs.append(str(found["href"]))
        if tag == "img" and (match := ASSET.match(str(found.get("src") or ""))):
            self.images.append(match.group(1))


@pytest.mark.skipif(chromium_path() is None, reason="needs Debian's chromium (make setup installs it)")
async def test_the_demo_site_is_whole_linked_and_in_its_own_fonts(client: PlatformClient) -> None:
    photos = load() or build()  # `make test` runs `make photos`; a bare pytest makes them here
    tenant = await client.sign_up("demo")
    site = await seed(client, tenant, photos)
    pages: dict[str, Links] = {}
    for slug in BUILDERS:
        answer = await client.call("GET", slug, slug=tenant.slug)
        assert answer.status_code == 200, (slug, answer.status_code)
        pages[slug] = Links()
        pages[slug].feed(answer.text)

    for slug, page in pages.items():
        for href in page.hrefs:
            if href.startswith(("http://", "https://", "mailto:", "tel:")):
                continue
            path, _, anchor = href.partition("#")
            target = pages.get(path or slug) if not path.startswith("/__") else None
            assert target is not None, f"{slug}: {href} leads to no page of the site"
            assert not anchor or anchor in target.ids, f"{slug}: {href} names no element there"
        repeated = {asset for asset in page.images if page.images.count(asset) > 1}
        assert not repeated, f"{slug} shows the same photo twice: {repeated}"
    shown = {asset for page in pages.values() for asset in page.images}
    assert len(shown) >= min(len(photos), 8), "the demo uses its photos"

    heading_font = PRESETS[PRESET].heading
    SHOTS.mkdir(parents=True, exist_ok=True)
    with Chromium() as browser:
        for slug in BUILDERS:
            name = slug.strip("/") or "home"
            for width in (1280, 375):
                async with browser.tab(site + slug, width=width) as tab:
                    assert await tab.evaluate(EMPTY) == [], f"{slug} at {width}px has empty text elements"
                    wide = await tab.evaluate("document.scrollingElement.scrollWidth")
                    assert wide <= width, f"{slug} is {wide}px wide on a {width}px screen"
                    if width == 1280:
                        family = await tab.evaluate("getComputedStyle(document.querySelector('h1')).fontFamily")
                        assert family.split(",")[0].strip().strip("\"'") == heading_font, (slug, family)
                        loaded = await tab.evaluate(
                            f"document.fonts.check('700 1em \"{heading_font}\"') && [...document.fonts].some("
                            f"f => f.family.replace(/[\"']/g, '') === '{heading_font}' && f.status === 'loaded')")
                        assert loaded, f"{slug}: {heading_font} was not loaded"
                    assert await tab.evaluate(SCROLLED, await_promise=True) == [], f"{slug}: images did not load"
                    Path(SHOTS / f"demo-{name}-{width}.png").write_bytes(await tab.screenshot(full_page=True))

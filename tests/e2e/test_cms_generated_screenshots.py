"""A page the model writes for a realistic brief, with the tenant's own photos in its hero and
gallery, looks like a real site in a real browser: not blank on a desktop, and nothing
wider than a 375-pixel phone."""

from __future__ import annotations

import asyncio
import base64
import io
import itertools
import json
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from PIL import Image, ImageDraw

from tests.e2e.headless_chromium import Chromium, chromium_path
from tests.e2e.platform_client import PlatformClient, SignedUp
from tests.e2e.test_assets import upload
from tests.e2e.test_assets_ai import described
from tests.e2e.test_billing_top_ups import ready
from tests.e2e.test_cms_generation import generate
from tests.e2e.test_cms_screenshots import SHOTS, distinct_colours, live_site

BRIEF = ("Maison Levain is a family-run sourdough bakery on the Croix-Rousse hill in Lyon. We bake naturally "
         "leavened country loaves, rye and seeded breads every morning from 6am, laminated croissants and pains au "
         "chocolat, and seasonal fruit tarts. Saturday and Sunday we serve brunch until 2pm. We want a home page "
         "that makes people come in: what we bake, photos of the bread, what customers say, answers to common "
         "questions (opening hours, gluten, pre-orders) and a way to order a loaf for pick-up.")
SECTIONS = ["hero", "features", "gallery", "testimonials", "faq", "contact"]
# What the test reads from the page at a viewport `width` wide: the measurements of
# `Chromium.visit`, every element that ends past the right edge (the honeypot field sits far
# to the left on purpose, so only widths and right edges count), and the images with their
# loaded width. Edges are compared with the width asked for, not innerWidth: a phone-sized
# (mobile) viewport zooms out to fit content that overflows, and innerWidth grows with it.
MEASURE = """(width => ({scrollWidth: document.documentElement.scrollWidth, innerWidth: window.innerWidth,
  title: document.title, headings: document.querySelectorAll('h1,h2,h3').length,
  wide: [...document.querySelectorAll('body *')].map(e => [e, e.getBoundingClientRect()])
    .filter(([e, r]) => r.width > width + 0.5 || r.right > width + 0.5)
    .map(([e, r]) => `${e.tagName.toLowerCase()}.${e.className} ${Math.round(r.left)}..${Math.round(r.right)}`),
  images: [...document.images].map(i => ({src: i.currentSrc || i.src, shown: i.complete ? i.naturalWidth : -1}))}))"""
# Images are lazy: the load event does not wait for them, so neither may the screenshot.
SETTLED = """document.readyState === 'complete' &&
  [...document.images].every(i => i.complete || i.getBoundingClientRect().top > innerHeight)"""


def photo(name: str, top: tuple[int, int, int], bottom: tuple[int, int, int]) -> tuple[str, bytes]:
    """A photo-like PNG: a vertical gradient with a few shapes, so screenshots have texture."""
    image = Image.new("RGB", (1200, 800))
    draw = ImageDraw.Draw(image)
    for y in range(800):
        mix = y / 799
        draw.line([(0, y), (1200, y)], fill=tuple(round(a + (b - a) * mix) for a, b in zip(top, bottom, strict=True)))
    for n in range(5):
        draw.ellipse([120 + n * 200, 320 + (n % 2) * 80, 300 + n * 200, 460 + (n % 2) * 80],
                     fill=(235 - n * 20, 190 - n * 15, 120 - n * 10))
    buffer = io.BytesIO()
    image.save(buffer, "PNG")
    return name, buffer.getvalue()


async def look(browser: Chromium, url: str, width: int, height: int = 900) -> tuple[dict[str, Any], bytes]:
    """(measurements, PNG screenshot) of `url` at `width` pixels, like `Chromium.visit`, but taken
    once the images in view have loaded, and measuring overflow element by element."""
    ids = itertools.count(1)
    async with aiohttp.ClientSession() as http:
        async with http.put(f"http://127.0.0.1:{browser.port}/json/new?about:blank") as response:
            target = await response.json(content_type=None)
        async with http.ws_connect(target["webSocketDebuggerUrl"], max_msg_size=64 * 1024 * 1024) as ws:
            async def call(method: str, **params: Any) -> dict[str, Any]:
                message_id = next(ids)
                await ws.send_json({"id": message_id, "method": method, "params": params})
                while True:
                    reply = json.loads((await asyncio.wait_for(ws.receive(), 30)).data)
                    if reply.get("id") == message_id:
                        return reply.get("result", {})

            async def evaluate(expression: str) -> Any:
                answer = await call("Runtime.evaluate", expression=expression, returnByValue=True)
                return answer["result"].get("value")

            await call("Page.enable")
            await call("Emulation.setDeviceMetricsOverride", width=width, height=height, deviceScaleFactor=1,
                       mobile=width < 600)
            await call("Page.navigate", url=url)
            for _ in range(150):
                if await evaluate(SETTLED):
                    break
                await asyncio.sleep(0.1)
            measured = await evaluate(f"{MEASURE}({width})")
            shot = await call("Page.captureScreenshot", format="png")
        await http.get(f"http://127.0.0.1:{browser.port}/json/close/{target['id']}")
    return measured, base64.b64decode(shot["data"])


async def generated_home(client: PlatformClient) -> tuple[SignedUp, dict[str, Any], set[str]]:
    """A tenant with three described photos and the home page the default model wrote, section
    by section, published."""
    tenant = await ready(client)
    own = set()
    # A gallery is planned only when the library has at least three pictures to fill it.
    for name, data in (photo("sourdough-loaves-on-a-wooden-board.png", (214, 170, 110), (120, 72, 40)),
                       photo("croissants-on-a-bakery-counter.png", (250, 226, 180), (196, 120, 50)),
                       photo("fruit-tarts-in-a-shop-window.png", (236, 120, 110), (120, 40, 60))):
        asset = (await upload(client, tenant, data, name)).json()
        own.add((await described(client, tenant, asset["id"]))["id"])
    job = await generate(client, tenant, prompt=BRIEF, slug="/", tone="warm and down to earth", sections=SECTIONS)
    assert job["status"] == "saved", job["reason"]
    assert job["events"].count("section") == len(job["sections"]) >= 4, job["events"]
    page = await client.call("GET", f"/api/cms/pages/{job['page_id']}", slug=tenant.slug, token=tenant.token)
    done = await client.call("POST", f"/api/cms/pages/{job['page_id']}/publish", slug=tenant.slug,
                             token=tenant.token, headers={"if-match": page.headers["etag"]})
    assert done.status_code == 200, done.text
    return tenant, page.json()["structure"], own


@pytest.mark.skipif(chromium_path() is None, reason="needs Debian's chromium (make setup installs it)")
async def test_a_generated_page_with_the_tenants_photos_renders_on_desktop_and_phone(client: PlatformClient) -> None:
    tenant, tree, own = await generated_home(client)
    # cms wraps every section but an opening Hero in a Section with its anchor.
    blocks = {block["component"]: block["props"] for node in tree["root"]["children"]
              for block in (node["children"] if node["component"] == "Section" else [node])}
    assert blocks["Hero"]["image"] in own and blocks["Hero"]["image_alt"]  # grounded in the tenant's photos
    tiles = [image["asset_id"] for image in blocks["Gallery"]["images"]]
    assert set(tiles) <= own and len(set(tiles)) == len(tiles)  # the tenant's photos, none twice
    url = await live_site(client, tenant)
    with Chromium() as browser:
        for name, width in (("desktop", 1280), ("phone", 375)):
            measured, png = await look(browser, url, width)
            Path(SHOTS / f"generated-{name}.png").write_bytes(png)
            assert measured["headings"] >= 3 and measured["title"]
            assert distinct_colours(png) > 20, f"the {name} screenshot looks blank"
            hero = [image for image in measured["images"] if blocks["Hero"]["image"] in image["src"]]
            # The same photo may also sit lower in a gallery, lazily loaded: the hero's copy must show.
            assert any(image["shown"] > 0 for image in hero), f"the hero photo is missing on {name}"
            if name == "phone":
                assert measured["scrollWidth"] <= width and measured["innerWidth"] == width, "horizontal overflow"
                assert measured["wide"] == [], f"wider than the phone: {measured['wide']}"

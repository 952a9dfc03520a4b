"""A page with every built-in component looks like a real site in a real browser, on a
desktop and on a 375-pixel phone: not blank, and nothing wider than the screen."""

import copy
import io
from pathlib import Path

import pytest
from PIL import Image

from services.cms import registry
from shared.dev.stack import ROOT
from tests.e2e.headless_chromium import Chromium, chromium_path
from tests.e2e.platform_client import PlatformClient, SignedUp, eventually
from tests.e2e.test_cms_site import publish
from tests.unit.cms.test_tree import SAMPLE_PROPS

SHOTS = ROOT / ".data" / "screenshots"


def showcase(product_id: str) -> dict:  # type: ignore[type-arg]
    props = copy.deepcopy(SAMPLE_PROPS)
    props["ProductGrid"] = {"heading": "In the shop", "product_ids": [product_id]}
    props["Navbar"] = {"brand": "Acme Bakery", "links": [{"label": "Home", "href": "/"},
                                                         {"label": "Contact", "href": "/#contact"}]}
    props["Hero"] = {"headline": "Sourdough, every morning", "subheadline": "Baked in Lyon since 1952.",
                     "cta_label": "Visit us", "cta_href": "/"}
    props["Button"] = {"label": "Order bread", "href": "/"}
    # A long address in a phone's half-width footer column: it wraps, nothing scrolls sideways.
    props["Footer"] = {"text": "(c) Acme", "email": "reservations@acmebakeryandpatisserie.example",
                       "phone": "+33 4 72 00 00 00"}
    props["RichText"] = {"markdown": "We bake **slowly**, with flour from *three* local mills.\n\n- Bread\n- Pastry"}
    props["FeatureGrid"] = {"heading": "Why us", "features": [
        {"title": "Slow dough", "body": "48 hours of rest."}, {"title": "Local flour", "body": "Three mills."},
        {"title": "Wood oven", "body": "Since 1952."}]}
    props["PricingTable"] = {"heading": "Subscriptions", "plans": [
        {"name": "Weekly", "price": "12 EUR", "period": "a week", "features": ["1 loaf"]},
        {"name": "Daily", "price": "60 EUR", "period": "a week", "features": ["7 loaves"], "highlighted": True}]}
    top = [name for name in registry.COMPONENTS if name not in ("Page", "Navbar", "Footer", "Section", "Columns")]
    blocks = [{"id": name.lower(), "component": name, "props": props[name], "children": []} for name in top]
    section = {"id": "section", "component": "Section", "props": {"background": "surface"}, "children": [
        {"id": "columns", "component": "Columns", "props": {"count": 2}, "children": [
            {"id": "col-a", "component": "Heading", "props": {"text": "Open daily"}, "children": []},
            {"id": "col-b", "component": "RichText", "props": {"markdown": "From 7 to 19."}, "children": []}]}]}
    return {"root": {"id": "page", "component": "Page",
                     "props": {"title": "Acme Bakery", "description": "Sourdough baked every morning in Lyon."},
                     "children": [{"id": "nav", "component": "Navbar", "props": props["Navbar"], "children": []},
                                  *blocks, section,
                                  {"id": "foot", "component": "Footer", "props": props["Footer"], "children": []}]}}


def distinct_colours(png: bytes) -> int:
    with Image.open(io.BytesIO(png)) as image:
        return len(image.convert("RGB").resize((200, 200)).getcolors(200 * 200) or [])


async def live_site(client: PlatformClient, tenant: SignedUp) -> str:
    """The tenant's home page address for Chromium, once the gateway serves it."""
    async def live() -> int:
        return (await client.call("GET", "/", slug=tenant.slug)).status_code

    assert await eventually(live, 200, within=15) == 200
    SHOTS.mkdir(parents=True, exist_ok=True)
    return f"http://{tenant.slug}.localhost:{client.stack.ports['gateway']}/"  # Chromium resolves *.localhost itself


@pytest.mark.skipif(chromium_path() is None, reason="needs Debian's chromium (make setup installs it)")
async def test_every_component_renders_like_a_real_site_on_desktop_and_phone(client: PlatformClient) -> None:
    tenant = await client.sign_up("showcase")
    loaf = await client.call("POST", "/api/billing/products", slug=tenant.slug, token=tenant.token, json={
        "name": "Country loaf", "slug": "country-loaf", "price_amount": 650, "currency": "eur"})
    assert loaf.status_code == 201, loaf.text

    async def in_catalogue() -> int:  # cms's projection has it once billing's event arrives
        grid = {"root": {"id": "p", "component": "Page", "props": {"title": "t", "description": "d"}, "children": [
            {"id": "g", "component": "ProductGrid", "props": {"product_ids": [loaf.json()["id"]]}, "children": []}]}}
        made = await client.call("POST", "/api/cms/pages", slug=tenant.slug, token=tenant.token,
                                 json={"slug": "/probe", "structure": grid})
        page = made.json() if made.status_code == 201 else (await client.call(
            "GET", "/api/cms/pages", slug=tenant.slug, token=tenant.token)).json()["pages"][0]
        check = await client.call("POST", f"/api/cms/pages/{page['id']}/check", slug=tenant.slug, token=tenant.token)
        return check.json()["publishable"]

    assert await eventually(in_catalogue, True, within=10)
    tree = showcase(loaf.json()["id"])
    used = {node["component"] for node in [tree["root"], *tree["root"]["children"]]} | {"Columns", "Heading"}
    assert used == set(registry.COMPONENTS)  # the page really uses every built-in component
    await publish(client, tenant, "/", tree)
    url = await live_site(client, tenant)
    with Chromium() as browser:
        for name, width in (("desktop", 1280), ("phone", 375)):
            measured, png = await browser.visit(url, width=width)
            Path(SHOTS / f"showcase-{name}.png").write_bytes(png)
            assert measured["title"].startswith("Acme Bakery | ")  # page title, then the site name
            assert measured["headings"] >= 5
            # Against the width asked for: a phone-emulating Chromium zooms out to fit wide content,
            # which widens innerWidth along with the overflow.
            assert measured["scrollWidth"] <= width, f"horizontal overflow on {name}"
            assert distinct_colours(png) > 20, f"the {name} screenshot looks blank"

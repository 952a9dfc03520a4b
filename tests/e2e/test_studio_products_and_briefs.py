"""Products and pages from a brief in the studio, in Debian's Chromium through the gateway.
An owner whose shop takes payments adds a product grid in the editor: with an empty shop the
picker says where products are added (and the link goes there), then chooses products from
the catalogue by name (no id typed), reorders and removes them; the draft saves their ids and
the canvas shows them. A page written from a brief: its price first (the estimate's, with the
wallet's credits), the sections appearing as they are written, what it was charged, and the
editor on the new draft; with no credits left, the price says so and links an owner to Credits.
Every screen is held to axe-core at 1280 and 375 px and kept as
.data/screenshots/studio-<screen>-<width>.png."""

from __future__ import annotations

import json
from typing import Any

import pytest

from services.gateway.studio import DIST
from tests.e2e.browser_audits import AXE
from tests.e2e.headless_chromium import Chromium, Tab, chromium_path
from tests.e2e.platform_client import PlatformClient, SignedUp, eventually
from tests.e2e.studio_driver import DESKTOP, STATUS, click, fill, log_in, saved, screen, shows, until
from tests.e2e.test_billing_top_ups import ready
from tests.e2e.test_cms_generation import hold_all_but
from tests.e2e.test_commerce import onboarded, product
from tests.servers.stripe_compatible import FakeStripe

pytestmark = pytest.mark.skipif(
    chromium_path() is None or not AXE.exists() or not (DIST / "index.html").exists(),
    reason="needs Debian's chromium, the audit tools (make browser) and the studio's build (make studio)")

HERO = {"id": "hero", "component": "Hero", "props": {"headline": "Bread worth the queue"}, "children": []}
TREE = {"root": {"id": "page", "component": "Page", "props": {"title": "Shop", "description": "Our bread"},
                 "children": [HERO]}}
CHOSEN = "[...document.querySelectorAll('.product-chosen .product-name')].map(e => e.textContent)"
CHOICES = "document.querySelectorAll('dialog[open] .product-choice')"
FRAME = "document.querySelector('iframe.canvas-frame')"
BRIEF = ("A page about our summer sourdough workshops: two hours at the bakery, 35 € a person, "
         "every Saturday in July, booked by phone.")


async def add_product_grid(tab: Tab) -> str:
    """A ProductGrid added to the page from the palette; its node id (it is selected)."""
    await tab.evaluate("document.getElementById('outline-page').click()")
    await click(tab, "Add")
    await until(tab, "!!document.querySelector('dialog.palette[open]')", what="the palette")
    await tab.evaluate("[...document.querySelectorAll('.palette-list button')]"
                       ".find(b => b.querySelector('.palette-name').textContent === 'ProductGrid').click()")
    await until(tab, "!!document.querySelector('.product-picker')", what="the product picker")
    return str(await tab.evaluate("document.querySelector('.outline-row.selected').dataset.node"))


async def grid_ids(client: PlatformClient, tenant: SignedUp, page_id: str) -> list[str]:
    page = (await client.call("GET", f"/api/cms/pages/{page_id}", slug=tenant.slug, token=tenant.token)).json()
    grids = [n for n in page["structure"]["root"]["children"] if n["component"] == "ProductGrid"]
    return grids[0]["props"]["product_ids"] if grids else []


async def test_an_owner_places_products_with_the_picker(client: PlatformClient, stripe_server: FakeStripe) -> None:
    tenant = await ready(client)
    await onboarded(client, stripe_server, tenant)
    created = await client.call("POST", "/api/cms/pages", slug=tenant.slug, token=tenant.token,
                                json={"slug": "/shop", "structure": TREE})
    assert created.status_code == 201, created.text
    page_id = created.json()["id"]
    seen: dict[str, list[str]] = {}
    with Chromium() as chromium:
        async with chromium.tab(f"http://{client.host(tenant.slug)}/studio/pages/{page_id}", width=DESKTOP) as tab:
            await log_in(tab, tenant.email, then="!!document.getElementById('outline-hero')")

            # An empty shop: nothing to choose, the way to add products, and the draft not saved.
            await add_product_grid(tab)
            await shows(tab, "The shop has no products yet")
            assert await tab.evaluate("document.querySelector('.product-picker a').getAttribute('href')") \
                == "/studio/settings/shop"
            assert await tab.evaluate("[...document.querySelectorAll('.product-picker button')]"
                                      ".find(b => b.textContent.startsWith('Choose products')).disabled")
            await until(tab, f"{STATUS} === 'Not saved: a field needs fixing'", what="the refusal")
            await shows(tab, "Choose a product of the shop to save.")
            assert await grid_ids(client, tenant, page_id) == []  # the refused draft is not stored
            await screen(tab, "editor-products-empty", seen)

            loaf = await product(client, tenant)
            tart = await product(client, tenant, name="Crème brûlée tart", slug="creme-brulee-tart",
                                 price_amount=480, inventory=None)

            async def catalogued() -> bool:  # cms's projection of the catalogue renders both
                grid = {**TREE["root"], "children": [{"id": "g", "component": "ProductGrid", "children": [],
                                                      "props": {"product_ids": [loaf["id"], tart["id"]]}}]}
                html = await client.call("POST", f"/api/cms/pages/{page_id}/render", slug=tenant.slug,
                                         token=tenant.token, json={"structure": {"root": grid}})
                return html.status_code == 200 and "Sourdough loaf" in html.text and "brûlée" in html.text

            assert await eventually(catalogued, True, within=15)
            await click(tab, "Settings → Shop")
            await until(tab, "location.pathname === '/studio/settings/shop'", what="Settings → Shop")
            await shows(tab, "Crème brûlée tart")
            await tab.evaluate("history.back()")
            await until(tab, "!!document.getElementById('outline-hero')", within=30, what="the editor again")

            # The catalogue in a dialog: searched by name without accents, chosen by a click.
            grid = await add_product_grid(tab)
            await shows(tab, "No product chosen.")
            await click(tab, "Choose products")
            await until(tab, f"{CHOICES}.length === 2", what="both products offered")
            await screen(tab, "editor-products-dialog", seen)
            await fill(tab, "Search products by name", "creme")
            await until(tab, f"{CHOICES}.length === 1 && {CHOICES}[0].innerText.includes('Crème brûlée tart')",
                        what="the search to find the tart alone")
            await fill(tab, "Search products by name", "")
            await until(tab, f"{CHOICES}.length === 2", what="both products again")
            for name in ("Sourdough loaf", "Crème brûlée tart"):
                await tab.evaluate(f"[...{CHOICES}].find(b => b.innerText.includes({json.dumps(name)})).click()")
            assert await tab.evaluate(f"[...{CHOICES}].map(b => b.getAttribute('aria-pressed'))") == ["true", "true"]
            await click(tab, "Done")
            await until(tab, "!document.querySelector('dialog.modal[open]')", what="the dialog to close")
            await saved(tab)
            assert await grid_ids(client, tenant, page_id) == [loaf["id"], tart["id"]]
            assert await tab.evaluate(CHOSEN) == ["Sourdough loaf", "Crème brûlée tart"]
            prices = await tab.evaluate("[...document.querySelectorAll('.product-chosen .product-price')]"
                                        ".map(e => e.textContent)")
            assert "12.50" in prices[0] and "4.80" in prices[1], prices
            # The canvas is cms's rendering of the draft: the grid shows both products.
            in_grid = f"({FRAME} && {FRAME}.contentDocument.querySelector('[data-node=\"{grid}\"]'))"
            await until(tab, f"{in_grid} && {in_grid}.innerText.includes('Sourdough loaf')"
                             f" && {in_grid}.innerText.includes('Crème brûlée tart')",
                        within=20, what="the products in the canvas")
            await screen(tab, "editor-products", seen)

            # Reordered and removed in the form; the draft follows.
            await click(tab, "Up Crème brûlée tart")
            await saved(tab)
            assert await grid_ids(client, tenant, page_id) == [tart["id"], loaf["id"]]
            await click(tab, "Remove Sourdough loaf")
            await until(tab, f"{CHOSEN}.length === 1", what="the loaf removed")
            await saved(tab)
            assert await grid_ids(client, tenant, page_id) == [tart["id"]]

    assert seen and not any(seen.values()), json.dumps({k: v for k, v in seen.items() if v}, indent=1)


async def test_a_page_is_written_from_a_brief_with_its_price_first(client: PlatformClient) -> None:
    tenant = await ready(client)
    seen: dict[str, list[str]] = {}

    async def slugs() -> dict[str, Any]:
        listed = await client.call("GET", "/api/cms/pages?limit=100", slug=tenant.slug, token=tenant.token)
        return {p["slug"]: p for p in listed.json()["pages"]}

    with Chromium() as chromium:
        async with chromium.tab(f"http://{client.host(tenant.slug)}/studio/", width=DESKTOP) as tab:
            await log_in(tab, tenant.email, then="document.body.innerText.includes('No pages yet')")
            await click(tab, "New page from a brief")
            await shows(tab, "What the page is for")
            assert not await tab.evaluate("document.querySelector('.estimate dl')")  # no price before a brief
            await screen(tab, "new-page", seen)

            await fill(tab, "What the page is for", BRIEF)
            await fill(tab, "Address", "workshops")
            await until(tab, "!!document.querySelector('.estimate dl') && ![...document.querySelectorAll('button')]"
                             ".find(b => b.textContent === 'Generate the page').disabled", what="the price")
            asked = await client.call("POST", "/api/cms/generations/estimate", slug=tenant.slug, token=tenant.token,
                                      json={"prompt": BRIEF, "slug": "/workshops", "tone": "warm", "language": "en"})
            figures = await tab.evaluate("[...document.querySelectorAll('.figures dd')].map(d => d.textContent)")
            expected = asked.json()
            assert figures == [f"{expected['max_credits']:,} credits", f"{expected['expected_credits']:,} credits",
                               f"{expected['available']:,} credits"], (figures, expected)
            assert expected["available"] > 0 and expected["fits"]
            await screen(tab, "new-page-price", seen)

            await click(tab, "Generate the page")
            await until(tab, "!!document.querySelector('.progress-head')", what="the progress")
            await until(tab, "document.querySelectorAll('.section-done').length > 0", within=60,
                        what="a section written")
            await shows(tab, "Open the editor", within=120)
            await shows(tab, "charged")
            written = await tab.evaluate("document.querySelectorAll('.section-done').length")
            assert written == await tab.evaluate("document.querySelectorAll('.progress-sections li').length")
            await screen(tab, "new-page-written", seen)
            pages = await slugs()
            assert list(pages) == ["/workshops"] and not pages["/workshops"]["is_published"]

            await click(tab, "Open the editor")
            await until(tab, f"location.pathname === '/studio/pages/{pages['/workshops']['id']}'",
                        what="the editor on the new draft")
            await shows(tab, "Outline", within=30)

            # No credits left: the price says so, Generate stays off, and an owner is sent to Credits.
            await hold_all_but(client, tenant, 0)
            await tab.evaluate("document.querySelector('.editor-crumb a').click()")
            await click(tab, "New page from a brief")
            await fill(tab, "What the page is for", "A page with our opening hours for the holidays.")
            await shows(tab, "Not enough credits")
            assert await tab.evaluate("[...document.querySelectorAll('.estimate a')]"
                                      ".find(a => a.textContent === 'Buy credits').getAttribute('href')") \
                == "/studio/settings/credits"
            assert await tab.evaluate("[...document.querySelectorAll('button')]"
                                      ".find(b => b.textContent === 'Generate the page').disabled")
            await screen(tab, "new-page-no-credits", seen)
            assert list(await slugs()) == ["/workshops"]

    assert seen and not any(seen.values()), json.dumps({k: v for k, v in seen.items() if v}, indent=1)

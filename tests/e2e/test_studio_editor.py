"""The page editor in Debian's Chromium, through the gateway: open a page, change the hero's
headline in the form generated from the registry and see autosave succeed; reorder the
outline with the keyboard (dnd-kit's keyboard sensor, and Alt+arrow); undo and redo; a second
browser editing the same page saves first and the first one's next save shows the conflict
without overwriting it; the publish gates' findings name their node, and selecting one opens
it; publishing once nothing is an error. The editor is held to axe-core at 1280 px and in its
tab layout at 375 px, and kept as .data/screenshots/studio-editor-*.png."""

from __future__ import annotations

import json
import uuid
from contextlib import AbstractAsyncContextManager
from typing import Any

import pytest

from services.gateway.studio import DIST
from tests.e2e.browser_audits import AXE
from tests.e2e.headless_chromium import Chromium, Tab, chromium_path
from tests.e2e.platform_client import PASSWORD, PlatformClient, SignedUp
from tests.e2e.studio_driver import (
    DESKTOP,
    ORDER,
    STATUS,
    TYPE,
    click,
    fill,
    log_in,
    press,
    saved,
    screen,
    shows,
    until,
)
from tests.e2e.test_billing_top_ups import ready

pytestmark = pytest.mark.skipif(
    chromium_path() is None or not AXE.exists() or not (DIST / "index.html").exists(),
    reason="needs Debian's chromium, the audit tools (make browser) and the studio's build (make studio)")

# The hero shows an image without alt text: the publish gates' one error, on the hero.
HERO = {"id": "hero", "component": "Hero", "props": {
    "headline": "Bread worth the queue", "subheadline": "Sourdough from Lyon", "image": str(uuid.uuid4()),
    "image_alt": ""}, "children": []}
FEATURES = {"id": "features", "component": "FeatureGrid", "props": {"heading": "Why us", "features": [
    {"title": "Slow dough", "body": "Forty-eight hours of rising"}]}, "children": []}
VISIT = {"id": "visit", "component": "Section", "props": {"anchor": "visit"}, "children": [
    {"id": "visit-heading", "component": "Heading", "props": {"text": "Visit us"}, "children": []}]}
TREE = {"root": {"id": "page", "component": "Page", "props": {"title": "Maison Levain", "description": "A bakery"},
                 "children": [HERO, FEATURES, VISIT]}}



async def draft(client: PlatformClient, tenant: SignedUp, page_id: str) -> dict[str, Any]:
    page = await client.call("GET", f"/api/cms/pages/{page_id}", slug=tenant.slug, token=tenant.token)
    assert page.status_code == 200, page.text
    return page.json()  # type: ignore[no-any-return]


OUTLINE = "!!document.getElementById('outline-hero')"  # the editor, open on the test page


def open_editor(chromium: Chromium, client: PlatformClient, tenant: SignedUp,
                page_id: str) -> AbstractAsyncContextManager[Tab]:
    return chromium.tab(f"http://{client.host(tenant.slug)}/studio/pages/{page_id}", width=DESKTOP)


async def test_an_editor_edits_reorders_meets_a_conflict_and_publishes(client: PlatformClient) -> None:
    tenant = await ready(client)
    created = await client.call("POST", "/api/cms/pages", slug=tenant.slug, token=tenant.token,
                                json={"slug": "/bakery", "structure": TREE})
    assert created.status_code == 201, created.text
    page_id = created.json()["id"]
    first_revision = created.json()["revision"]
    seen: dict[str, list[str]] = {}
    with Chromium() as chromium, Chromium() as other_browser:
        async with open_editor(chromium, client, tenant, page_id) as tab:
            await log_in(tab, tenant.email, then=OUTLINE)
            assert await tab.evaluate(ORDER) == "page,hero,features,visit,visit-heading"

            # The hero's headline, in the form generated from the registry's schema.
            await tab.evaluate("document.getElementById('outline-hero').click()")
            await until(tab, "!!document.getElementById('prop-hero_headline')", what="the hero's form")
            label = await tab.evaluate("document.querySelector('label[for=prop-hero_headline]').textContent")
            assert str(label).startswith("Headline")
            await tab.evaluate(f"{TYPE}('prop-hero_headline', 'Bread worth waiting for')")
            await saved(tab)
            page = await draft(client, tenant, page_id)
            assert page["structure"]["root"]["children"][0]["props"]["headline"] == "Bread worth waiting for"
            assert page["revision"] > first_revision
            await screen(tab, "editor", seen)

            # What the server refuses is not saved, and the field says why.
            await tab.evaluate(f"{TYPE}('prop-hero_headline', {json.dumps('Long ' * 26)})")
            await until(tab, f"{STATUS} === 'Not saved: a field needs fixing'", what="the refusal")
            await until(tab, "document.querySelector('.props-form').innerText"
                             ".includes('At most 120 characters: shorten it to save.')",
                        what="the server's refusal at the headline")
            assert (await draft(client, tenant, page_id))["structure"]["root"]["children"][0]["props"]["headline"] \
                == "Bread worth waiting for"
            await tab.evaluate(f"{TYPE}('prop-hero_headline', 'Bread worth waiting for')")
            await saved(tab)
            await tab.evaluate("document.getElementById('tab-outline').click()")

            # Keyboard reordering: dnd-kit's sensor (Space lifts, an arrow moves, Space drops)...
            await tab.evaluate("document.querySelector('[data-node=features] .outline-handle').focus()")
            await press(tab, " ", "Space", key_code=32)
            await press(tab, "ArrowUp", "ArrowUp", key_code=38)
            await press(tab, " ", "Space", key_code=32)
            await until(tab, f"{ORDER} === 'page,features,hero,visit,visit-heading'",
                        what="features lifted above the hero")
            # ...and Alt+↓ on a row moves it past its next neighbour.
            await tab.evaluate("document.getElementById('outline-hero').focus()")
            await press(tab, "ArrowDown", "ArrowDown", alt=True, key_code=40)
            await until(tab, f"{ORDER} === 'page,features,visit,visit-heading,hero'", what="the hero moved down")
            await saved(tab)
            ids = [n["id"] for n in (await draft(client, tenant, page_id))["structure"]["root"]["children"]]
            assert ids == ["features", "visit", "hero"]

            # Undo and redo walk the history of the tree.
            await click(tab, "Undo")
            await until(tab, f"{ORDER} === 'page,features,hero,visit,visit-heading'", what="the move undone")
            await click(tab, "Redo")
            await until(tab, f"{ORDER} === 'page,features,visit,visit-heading,hero'", what="the move redone")
            await saved(tab)

            # Another editor, in another browser, saves the page first.
            async with open_editor(other_browser, client, tenant, page_id) as theirs:
                await log_in(theirs, tenant.email, then=OUTLINE)
                await theirs.evaluate("document.getElementById('outline-visit-heading').click()")
                await until(theirs, "!!document.getElementById('prop-visit-heading_text')", what="the heading's form")
                await theirs.evaluate(f"{TYPE}('prop-visit-heading_text', 'Come and see us')")
                await saved(theirs)

            # This editor's next save is refused, shown, and their change stays.
            await tab.evaluate("document.getElementById('outline-hero').click()")
            await until(tab, "!!document.getElementById('prop-hero_headline')", what="the hero's form")
            await tab.evaluate(f"{TYPE}('prop-hero_headline', 'Mine, typed late')")
            await shows(tab, "Someone else saved this page while you were editing")
            await shows(tab, "Heading “Come and see us” differs")
            stored = (await draft(client, tenant, page_id))["structure"]["root"]
            assert stored["children"][1]["children"][0]["props"]["text"] == "Come and see us"
            assert stored["children"][2]["props"]["headline"] == "Bread worth waiting for"
            await screen(tab, "editor-conflict", seen)
            await click(tab, "Reload theirs")
            await until(tab, "!document.querySelector('.conflict')", what="the banner to go")
            headline = await tab.evaluate("document.getElementById('prop-hero_headline').value")
            assert headline == "Bread worth waiting for"

            # The gates: the hero's image has no alt text; the finding selects the hero.
            await tab.evaluate("document.getElementById('outline-page').click()")
            await click(tab, "Check the page")
            await shows(tab, "an image needs alt text")
            assert await tab.evaluate(
                "[...document.querySelectorAll('button')].find(b => b.textContent === 'Publish').disabled")
            assert await tab.evaluate("document.querySelector('[data-node=hero] .flag-error') !== null")
            await screen(tab, "editor-findings", seen)
            await tab.evaluate("document.getElementById('tab-outline').click()")
            await click(tab, "Go to Hero")
            await until(tab, "document.getElementById('outline-hero').getAttribute('aria-pressed') === 'true'",
                        what="the hero selected")
            await tab.evaluate(f"{TYPE}('prop-hero_image_alt', 'A sourdough loaf on a board')")
            await saved(tab)
            await click(tab, "Check the page")
            await shows(tab, "Everything passed")
            await click(tab, "Publish")
            await shows(tab, "Published: visitors see this version now.")
            page = await draft(client, tenant, page_id)
            assert page["is_published"] and page["live_version"] == 1
            assert page["structure"]["root"]["children"][2]["props"]["image_alt"] == "A sourdough loaf on a board"

    assert seen and not any(seen.values()), json.dumps({k: v for k, v in seen.items() if v}, indent=1)


async def test_an_owner_creates_renames_duplicates_and_deletes_pages_from_the_list(client: PlatformClient) -> None:
    tenant = await ready(client)
    seen: dict[str, list[str]] = {}

    async def slugs() -> set[str]:
        listed = await client.call("GET", "/api/cms/pages?limit=100", slug=tenant.slug, token=tenant.token)
        return {p["slug"] for p in listed.json()["pages"]}

    with Chromium() as chromium:
        async with chromium.tab(f"http://{client.host(tenant.slug)}/studio/", width=DESKTOP) as tab:
            await shows(tab, "Log in")
            await fill(tab, "E-mail", tenant.email)
            await fill(tab, "Password", PASSWORD)
            await click(tab, "Log in")
            await shows(tab, "No pages yet")

            # A new page: its address follows the title, and it opens in the editor.
            await click(tab, "New page")
            await fill(tab, "Title", "Our Story")
            assert await tab.evaluate("document.querySelector('dialog[open] input.mono').value") == "/our-story"
            await screen(tab, "pages-new", seen)
            await click(tab, "Create and edit")
            await until(tab, "location.pathname.startsWith('/studio/pages/')", what="the editor of the new page")
            await shows(tab, "Outline")
            assert await slugs() == {"/our-story"}

            # Every component the page may hold, added from the palette, starts valid: the
            # server takes the page with all of them.
            registry = (await client.call("GET", "/api/cms/registry", slug=tenant.slug, token=tenant.token)).json()
            # (A video, an image, a gallery, a logo cloud and a product grid start with nothing
            # to show: each asks for its address, pictures or products, below with a video.)
            allowed = [c for c in registry["components"]["Page"]["children"]
                       if c not in {"Video", "Image", "Gallery", "LogoCloud", "ProductGrid"}]
            root = await tab.evaluate("document.querySelector('.outline > li').dataset.node")
            for component in allowed:
                await tab.evaluate(f"document.getElementById('outline-{root}').click()")
                await click(tab, "Add")
                await until(tab, "!!document.querySelector('dialog.palette[open]')", what=f"the palette ({component})")
                if component == allowed[0]:
                    await screen(tab, "editor-palette", seen)
                await tab.evaluate(f"[...document.querySelectorAll('.palette-list button')]"
                                   f".find(b => b.querySelector('.palette-name').textContent"
                                   f" === {json.dumps(component)})"
                                   ".click()")
                await until(tab, "!document.querySelector('dialog.palette[open]')", what="the palette to close")
            await until(tab, f"{STATUS} === 'All changes saved'", within=30, what="the page with every component saved")
            page_id = await tab.evaluate("location.pathname.split('/').pop()")
            stored = (await client.call("GET", f"/api/cms/pages/{page_id}", slug=tenant.slug,
                                        token=tenant.token)).json()
            added = {n["component"] for n in stored["structure"]["root"]["children"]}
            assert sorted(added & set(allowed)) == sorted(allowed)

            await tab.evaluate(f"document.getElementById('outline-{root}').click()")
            await click(tab, "Add")
            await until(tab, "!!document.querySelector('dialog.palette[open]')", what="the palette")
            await fill(tab, "Find a component", "video")
            assert await tab.evaluate("document.querySelectorAll('.palette-list button').length") == 1
            await click(tab, "Video")
            video = await tab.evaluate("document.querySelector('.outline-row.selected').dataset.node")
            await until(tab, "document.querySelector('.props-form').innerText"
                             ".includes(\"Paste the video's YouTube or Vimeo address to save.\")",
                        what="the video's address asked for")
            await tab.evaluate(f"{TYPE}('prop-{video}_url', 'https://youtu.be/aqz-KE-bpKQ')")
            await saved(tab)

            await tab.evaluate("document.querySelector('.editor-crumb a').click()")
            await until(tab, "!!document.querySelector('.page-actions')", what="the pages list with actions")
            await screen(tab, "pages-actions", seen)

            # A new address, saved with the revision it was read at.
            await click(tab, "Change address")
            await tab.evaluate(f"{TYPE}(document.querySelector('dialog[open] input').id, '/story')")
            await click(tab, "Save the address")
            await until(tab, "!document.querySelector('dialog[open]')", what="the dialog to close")
            await until(tab, "document.body.innerText.includes('/story')"
                             " && !document.body.innerText.includes('/our-story')",
                        what="the new address listed")
            assert await slugs() == {"/story"}

            # A duplicate opens in the editor at a free address beside the original.
            await click(tab, "Duplicate")
            await until(tab, "location.pathname.startsWith('/studio/pages/')", what="the copy's editor")
            assert await slugs() == {"/story", "/story-copy"}

            # Deleting asks first; keeping it deletes nothing.
            await tab.evaluate("document.querySelector('.editor-crumb a').click()")
            await until(tab, "document.querySelectorAll('.page-actions').length === 2", what="both pages listed")
            await click(tab, "Delete")
            await shows(tab, "This cannot be undone.")
            await screen(tab, "pages-delete", seen)
            await click(tab, "Keep it")
            assert await slugs() == {"/story", "/story-copy"}
            await click(tab, "Delete")
            await click(tab, "Delete the page")
            await until(tab, "document.querySelectorAll('.page-actions').length === 1", what="one page left")
            assert len(await slugs()) == 1

    assert seen and not any(seen.values()), json.dumps({k: v for k, v in seen.items() if v}, indent=1)

"""The studio's media library in Debian's Chromium, through the gateway: an editor uploads two
images by the file button, sees each upload's progress finish and the AI's alt text and
description appear, edits an alt text, searches (each hit says whether it was found by meaning
or by words), and deletes one of the two after a confirm dialog that Escape closes; a viewer
sees the library without any control that would change it, and why. Every
state is held to axe-core (no violation) at 1280 and 375 px and kept as a screenshot in
.data/screenshots/studio-media-*.png; what the screen shows is checked against the API."""

from __future__ import annotations

import asyncio
import base64
import json

import pytest

from services.gateway.studio import DIST
from tests.e2e.browser_audits import AXE
from tests.e2e.headless_chromium import Chromium, chromium_path
from tests.e2e.platform_client import PASSWORD, PlatformClient, eventually
from tests.e2e.studio_driver import CHOOSE, DESKTOP, PICKER, TYPE, click, escape, fill, screen, shows, until
from tests.e2e.test_assets import png, upload
from tests.e2e.test_billing_top_ups import ready

pytestmark = pytest.mark.skipif(
    chromium_path() is None or not AXE.exists() or not (DIST / "index.html").exists(),
    reason="needs Debian's chromium, the audit tools (make browser) and the studio's build (make studio)")

SNEAKER, LAKE = "red-running-sneaker.png", "blue-mountain-lake.png"

CARD_OF = "[...document.querySelectorAll('.asset-card')].findIndex(c => c.innerText.includes({}))"
CARD_TEXT = "[...document.querySelectorAll('.asset-card')].map(c => c.innerText)"


async def test_an_editor_uploads_describes_edits_searches_and_deletes_images(client: PlatformClient) -> None:
    tenant = await client.sign_up("media")

    async def wallet() -> int:
        return (await client.call("GET", "/api/billing/balance", slug=tenant.slug, token=tenant.token)).status_code

    assert await eventually(wallet, 200, within=10) == 200  # the sign-up's credits pay the descriptions

    async def library() -> list[dict]:  # type: ignore[type-arg]
        answer = await client.call("GET", "/api/assets/assets", slug=tenant.slug, token=tenant.token)
        return answer.json()["assets"]

    seen: dict[str, list[str]] = {}
    with Chromium() as chromium:
        async with chromium.tab(f"http://{client.host(tenant.slug)}/studio/media", width=DESKTOP) as tab:
            await shows(tab, "Log in")
            await fill(tab, "E-mail", tenant.email)
            await fill(tab, "Password", PASSWORD)
            await click(tab, "Log in")
            await shows(tab, "No images yet")
            assert await tab.evaluate("location.pathname") == "/studio/media"
            await screen(tab, "media-empty", seen)

            files = [(name, base64.b64encode(png(900, 600, colour)).decode()) for name, colour in
                     ((SNEAKER, (200, 30, 40)), (LAKE, (40, 90, 210)))]
            await tab.evaluate(f"{CHOOSE}({json.dumps(files)})")
            await until(tab, "document.querySelectorAll('.upload').length === 2", what="two upload rows")
            await until(tab, "document.querySelectorAll('.upload-added').length === 2", within=30,
                        what="both uploads done")
            bars = await tab.evaluate("[...document.querySelectorAll('.upload progress')].map(p => p.value / p.max)")
            assert bars == [1, 1]
            await until(tab, "document.querySelectorAll('.asset-card').length === 2", what="two cards")

            # The AI's words replace "The AI is describing" on each card as they are written.
            await until(tab, "document.querySelectorAll('.asset-card').length === 2 && "
                             "![...document.querySelectorAll('.asset-description')]"
                             ".some(d => d.innerText === 'None yet')",
                        within=40, what="both descriptions")
            stored = {a["filename"]: a for a in await library()}
            assert sorted(stored) == sorted([SNEAKER, LAKE])
            assert all(a["status"] == "described" for a in stored.values())
            shown = await tab.evaluate(CARD_TEXT)
            for asset in stored.values():
                assert any(asset["alt_text"] in text and asset["ai_description"][:40] in text for text in shown)
            await screen(tab, "media", seen)

            # Edit the alt text of the lake (the newest is listed first).
            index = await tab.evaluate(CARD_OF.format(json.dumps(LAKE)))
            await tab.evaluate(f"document.querySelectorAll('.asset-edit-button')[{index}].click()")
            await until(tab, "!!document.querySelector('.asset-edit')", what="the edit form")
            await screen(tab, "media-edit", seen)
            await fill(tab, "Alt text", "A calm blue lake under mountains")
            await click(tab, "Save")
            await until(tab, "!document.querySelector('.asset-edit')", what="the form to close")
            await shows(tab, "A calm blue lake under mountains")

            async def lake_alt() -> str:
                return {a["filename"]: a for a in await library()}[LAKE]["alt_text"]

            assert await eventually(lake_alt, "A calm blue lake under mountains") == "A calm blue lake under mountains"

            await fill(tab, "Search your images", "calm lake")
            await click(tab, "Search")
            await until(tab, "document.querySelectorAll('.asset-matched .badge').length > 0", what="ranked hits")
            first = await tab.evaluate("document.querySelector('.asset-card .asset-name').textContent")
            assert first == LAKE
            badges = await tab.evaluate(
                "[...document.querySelector('.asset-matched').children].map(b => b.textContent)")
            assert "by words" in badges and set(badges) <= {"by words", "by meaning"}
            await screen(tab, "media-search", seen)

            await click(tab, "Show all images")
            await until(tab, "document.querySelectorAll('.asset-card').length === 2", what="the whole library again")
            index = await tab.evaluate(CARD_OF.format(json.dumps(SNEAKER)))
            await tab.evaluate(f"document.querySelectorAll('.asset-select input')[{index}].click()")
            await click(tab, "Delete selected (1)")
            await until(tab, "!!document.querySelector('dialog.modal[open]')", what="the confirm dialog")
            await escape(tab)
            await until(tab, "!document.querySelector('dialog.modal')", what="Escape to close the dialog")
            assert len(await library()) == 2  # closing the dialog deletes nothing

            await click(tab, "Delete selected (1)")
            await until(tab, "!!document.querySelector('dialog.modal[open]')", what="the confirm dialog")
            assert await tab.evaluate("document.activeElement.textContent") == "Keep it"  # the safe choice first
            await screen(tab, "media-delete", seen)
            await click(tab, "Delete image")
            await shows(tab, "1 image deleted.")
            await until(tab, "document.querySelectorAll('.asset-card').length === 1", what="one card left")
            assert [a["filename"] for a in await library()] == [LAKE]
            await screen(tab, "media-after-delete", seen)

    # A viewer (invited by the owner) sees the library and is told why it cannot change it. A
    # browser of its own: nothing of the editor's session is shared.
    viewer = f"viewer@{tenant.slug}.example"
    invited = await client.call("POST", "/api/identity/invitations", slug=tenant.slug, token=tenant.token,
                                json={"email": viewer, "role": "VIEWER"})
    assert invited.status_code == 201, invited.text
    invitation = await client.stack.mailed_token(viewer, "accept-invitation")
    accepted = await client.call("POST", "/api/identity/invitations/accept", slug=tenant.slug,
                                 json={"token": invitation, "password": PASSWORD})
    assert accepted.status_code == 200 and accepted.json()["role"] == "VIEWER", accepted.text
    with Chromium() as chromium:
        async with chromium.tab(f"http://{client.host(tenant.slug)}/studio/media", width=DESKTOP) as tab:
            await shows(tab, "Log in")
            await fill(tab, "E-mail", viewer)
            await fill(tab, "Password", PASSWORD)
            await click(tab, "Log in")
            await shows(tab, "You can look, not change")
            await until(tab, "document.querySelectorAll('.asset-card').length === 1", what="the library")
            controls = await tab.evaluate(
                "[document.querySelectorAll('input[type=file]').length,"
                " document.querySelectorAll('.asset-select').length,"
                " document.querySelectorAll('.asset-edit-button').length,"
                " [...document.querySelectorAll('button')].filter(b => b.textContent.startsWith('Delete')).length]")
            assert controls == [0, 0, 0, 0]
            await screen(tab, "media-viewer", seen)

    failing = {name: problems for name, problems in seen.items() if problems}
    assert len(seen) == 2 * 7 and not failing, json.dumps(failing, indent=1)


async def test_the_asset_picker_changes_searches_uploads_and_removes_a_page_image(client: PlatformClient) -> None:
    """The picker as the page editor's properties form uses it, on the hero's image."""
    tenant = await ready(client)
    sneaker = (await upload(client, tenant, png(900, 600, (200, 30, 40)), SNEAKER)).json()
    lake = (await upload(client, tenant, png(900, 600, (40, 90, 210)), LAKE)).json()

    async def both_described() -> bool:
        listed = (await client.call("GET", "/api/assets/assets", slug=tenant.slug, token=tenant.token)).json()
        return [a["status"] for a in listed["assets"]] == ["described", "described"]

    assert await eventually(both_described, True, within=20)
    described = {a["id"]: a["alt_text"] for a in (await client.call(
        "GET", "/api/assets/assets", slug=tenant.slug, token=tenant.token)).json()["assets"]}
    assert described[sneaker["id"]] and described[lake["id"]]
    # The hero's alt text is the library's words for its picture, as the editor would have put them.
    hero = {"id": "hero", "component": "Hero", "children": [], "props": {
        "headline": "Cabins by the lake", "subheadline": "Open all year", "image": sneaker["id"],
        "image_alt": described[sneaker["id"]]}}
    tree = {"root": {"id": "page", "component": "Page", "props": {"title": "Cabins", "description": "Cabins"},
                     "children": [hero]}}
    created = await client.call("POST", "/api/cms/pages", slug=tenant.slug, token=tenant.token,
                                json={"slug": "/cabins", "structure": tree})
    assert created.status_code == 201, created.text
    page_id = created.json()["id"]

    async def hero_image_other_than(*ids: str | None) -> bool:
        return await hero_image() not in ids

    async def hero_prop(name: str) -> str | None:
        page = await client.call("GET", f"/api/cms/pages/{page_id}", slug=tenant.slug, token=tenant.token)
        return page.json()["structure"]["root"]["children"][0]["props"].get(name)  # type: ignore[no-any-return]

    async def hero_alt() -> str | None:
        return await hero_prop("image_alt")

    async def hero_image() -> str | None:
        return await hero_prop("image")

    seen: dict[str, list[str]] = {}
    with Chromium() as chromium:
        async with chromium.tab(f"http://{client.host(tenant.slug)}/studio/pages/{page_id}", width=DESKTOP) as tab:
            await shows(tab, "Log in")
            await fill(tab, "E-mail", tenant.email)
            await fill(tab, "Password", PASSWORD)
            await click(tab, "Log in")
            await until(tab, "!!document.getElementById('outline-hero')", within=30, what="the editor's outline")
            await tab.evaluate("document.getElementById('outline-hero').click()")
            await until(tab, "!!document.querySelector('.asset-picker-chosen img')", what="the chosen image")
            chosen = await tab.evaluate("document.querySelector('.asset-picker-chosen img').getAttribute('src')")
            assert chosen == f"/assets/{sneaker['id']}?w=320"

            # Escape closes the dialog and gives the focus back to the button that opened it (focused
            # first, as a person's click or keyboard would).
            await tab.evaluate("document.querySelector('.asset-picker .btn-secondary').focus()")
            await click(tab, "Change")
            await until(tab, f"!!{PICKER}", what="the picker")
            await until(tab, f"{PICKER}.querySelectorAll('.picker-choice').length === 2", what="the library in it")
            assert await tab.evaluate(f"{PICKER}.contains(document.activeElement)")
            await escape(tab)
            await until(tab, f"!{PICKER}", what="Escape to close the picker")
            assert (await tab.evaluate("document.activeElement.textContent")).startswith("Change")

            # Search, then choose the lake: the hero's image is the lake's id once autosaved.
            await click(tab, "Change")
            await until(tab, f"!!{PICKER}", what="the picker")
            await fill(tab, "Search images", "blue lake")
            await click(tab, "Search")
            await until(tab, f"{PICKER}.querySelectorAll('.picker-matched').length > 0", what="ranked hits")
            first = await tab.evaluate(f"{PICKER}.querySelector('.picker-choice').textContent")
            assert first.startswith(lake["alt_text"])
            await screen(tab, "media-picker", seen)
            await tab.evaluate(f"{PICKER}.querySelector('.picker-choice').click()")
            await until(tab, f"!{PICKER}", what="the picker to close")
            assert await eventually(hero_image, lake["id"], within=10) == lake["id"]
            # The library's words for the sneaker give way to the lake's.
            assert await eventually(hero_alt, described[lake["id"]], within=10) == described[lake["id"]]
            # Words a person types stay, whatever picture comes next.
            await tab.evaluate(f"{TYPE}('prop-hero_image_alt', 'Our jetty at dawn')")
            assert await eventually(hero_alt, "Our jetty at dawn", within=10) == "Our jetty at dawn"

            # An image uploaded in the picker is chosen at once.
            await click(tab, "Change")
            await until(tab, f"!!{PICKER}", what="the picker")
            boat = base64.b64encode(png(800, 600, (30, 160, 90))).decode()
            in_picker = CHOOSE.replace(".drop-zone", "dialog .drop-zone")
            await tab.evaluate(f"{in_picker}({json.dumps([['green-boat.png', boat]])})")
            await until(tab, f"!{PICKER}", within=30, what="the upload to be chosen")
            assert await eventually(lambda: hero_image_other_than(None, lake["id"], sneaker["id"]), True, within=10)
            boat_id = await hero_image()
            listed = (await client.call("GET", "/api/assets/assets", slug=tenant.slug, token=tenant.token)).json()
            assert {a["filename"] for a in listed["assets"] if a["id"] == boat_id} == {"green-boat.png"}

            async def boat_described() -> bool:
                asset = await client.call("GET", f"/api/assets/assets/{boat_id}", slug=tenant.slug, token=tenant.token)
                return bool(asset.json()["alt_text"])

            assert await eventually(boat_described, True, within=20)
            await asyncio.sleep(2)  # the editor's next look at the library would have filled it by now
            assert await hero_alt() == "Our jetty at dawn"

            await click(tab, "Remove")
            assert await eventually(hero_image, None, within=10) is None
            await shows(tab, "No image chosen.")
            await screen(tab, "media-picker-empty", seen)

    failing = {name: problems for name, problems in seen.items() if problems}
    assert len(seen) == 2 * 2 and not failing, json.dumps(failing, indent=1)

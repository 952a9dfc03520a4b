"""Every studio action by keyboard alone, in Debian's Chromium through the gateway, with real
key events (tests/e2e/keyboard_walk.py).

The walk: on every screen (log-in, sign-up, forgotten and reset password, your sites; on a
site's host its log-in, pages and their dialogs, the account menu, a site from a brief and its
plan, the editor with its palette and asset dialog and its tabs on a phone, the canvas screen,
the media library with its edit form and delete dialog, every settings section, the menu on a
phone) Tab goes round once and every visible control must have had focus (or be one of a
radio group or tablist that did), with a focus ring that shows, and no trap.

The flows, done with keys only where a mouse user drags or clicks: a node moved in the outline
(dnd-kit's keyboard sensor, and Alt+arrow), a component added from the palette, each dialog
closed by Escape with focus back on its opener, a block selected for the AI panel from the
list, the editor's tabs changed with arrows, an image uploaded through the file control's
chooser, two images selected with Space and deleted together."""

from __future__ import annotations

import json
import tempfile
from pathlib import Path
from typing import Any

import pytest

from services.gateway.studio import DIST
from tests.e2e.browser_audits import AXE
from tests.e2e.headless_chromium import Chromium, Tab, chromium_path
from tests.e2e.keyboard_walk import ALT, focused, press, press_for_event, reduced_motion, tab_to, text_starts, walk
from tests.e2e.platform_client import PlatformClient, SignedUp
from tests.e2e.studio_driver import DESKTOP, PHONE, click, fill, log_in, shows, until
from tests.e2e.test_assets import png, upload
from tests.e2e.test_billing_top_ups import ready

pytestmark = pytest.mark.skipif(
    chromium_path() is None or not AXE.exists() or not (DIST / "index.html").exists(),
    reason="needs Debian's chromium, the audit tools (make browser) and the studio's build (make studio)")

ORDER = "[...document.querySelectorAll('.outline > li')].map(li => li.dataset.node).join(',')"
OPEN_DIALOG = "document.querySelector('dialog[open]')"
PROBES = """(() => {
  const div = Object.assign(document.createElement('div'), {id: 'kb-probe-div', textContent: 'Click me', onclick() {}});
  div.style.cursor = 'pointer';
  const button = Object.assign(document.createElement('button'), {id: 'kb-probe-button', textContent: 'No ring'});
  button.style.outline = 'none';
  document.querySelector('main, body').append(div, button);
  return true;
})()"""
BRIEF = {"Name": "Keyboard Bakery", "What you do": "Sourdough bread and cinnamon buns baked every morning.",
         "Where": "Keswick"}


def tree(image: str) -> dict[str, Any]:
    """A page with a picture field (the asset dialog), a list field and a section holding a node."""
    return {"root": {"id": "page", "component": "Page", "props": {"title": "Keyboard Bakery", "description": "Bread"},
                     "children": [
                         {"id": "hero", "component": "Hero", "props": {
                             "headline": "Bread worth the queue", "subheadline": "Sourdough", "image": image,
                             "image_alt": "A loaf"}, "children": []},
                         {"id": "features", "component": "FeatureGrid", "props": {"heading": "Why us", "features": [
                             {"title": "Slow dough", "body": "Forty-eight hours of rising"}]}, "children": []},
                         {"id": "visit", "component": "Section", "props": {"anchor": "visit"}, "children": [
                             {"id": "visit-heading", "component": "Heading", "props": {"text": "Visit us"},
                              "children": []}]}]}}


async def site_with_content(client: PlatformClient) -> tuple[SignedUp, str, list[str]]:
    """A site with credits, two images and a published page that shows one: (tenant, page id, image ids)."""
    tenant = await ready(client)
    images = []
    for colour in ((200, 30, 40), (40, 90, 210)):
        stored = await upload(client, tenant, png(640, 480, colour), f"kb-{colour[0]}.png")
        assert stored.status_code in (200, 201), stored.text
        images.append(stored.json()["id"])
    created = await client.call("POST", "/api/cms/pages", slug=tenant.slug, token=tenant.token,
                                json={"slug": "/keyboard", "structure": tree(images[0])})
    assert created.status_code == 201, created.text
    published = await client.call("POST", f"/api/cms/pages/{created.json()['id']}/publish", slug=tenant.slug,
                                  token=tenant.token, headers={"if-match": created.headers["etag"]})
    assert published.status_code == 200, published.text  # a version for the Versions tab
    return tenant, created.json()["id"], images


async def go(tab: Tab, url: str, text: str) -> None:
    await tab.call("Page.navigate", url=url)
    await until(tab, f"location.href === {json.dumps(url)} && document.readyState === 'complete'", what=url)
    await shows(tab, text, within=30)


async def checked(tab: Tab, name: str, found: dict[str, list[str]], *, least: int = 2) -> None:
    """Walk the screen as it is now; what is wrong is gathered under `name`."""
    result = await walk(tab)
    problems = result.problems()
    if result.stops < least:
        problems.append(f"only {result.stops} Tab stops")
    found[name] = problems


async def test_tab_reaches_every_control_of_every_studio_screen(client: PlatformClient) -> None:
    tenant, page_id, _ = await site_with_content(client)
    platform = f"http://{client.host()}/studio"
    studio = f"http://{client.host(tenant.slug)}/studio"
    found: dict[str, list[str]] = {}
    with Chromium() as chromium:
        async with chromium.tab(f"{platform}/login", width=DESKTOP) as tab:
            await reduced_motion(tab)
            await shows(tab, "Log in")
            # The walk can fail: a clickable div Tab cannot reach, a button whose focus cannot be seen.
            await tab.evaluate(PROBES)
            probed = await walk(tab)
            assert any("#kb-probe-div" in w for w in probed.unreached), probed
            assert any("#kb-probe-button" in w for w in probed.focus_unseen), probed
            await tab.evaluate("document.querySelectorAll('[id^=kb-probe]').forEach(e => e.remove()), true")
            await checked(tab, "platform-login", found)
            await go(tab, f"{platform}/signup", "Create your site")
            await checked(tab, "signup", found)
            await go(tab, f"{platform}/forgot-password", "password")
            await checked(tab, "forgot-password", found)
            await go(tab, f"{platform}/reset-password?token=not-a-real-token", "password")
            await checked(tab, "reset-password", found, least=1)
            await go(tab, f"{platform}/login", "Log in")
            await log_in(tab, tenant.email)
            await until(tab, "!!document.querySelector('a.site-link')", what="your sites")
            await checked(tab, "choose-site", found)

        async with chromium.tab(f"{studio}/login", width=DESKTOP) as tab:
            await reduced_motion(tab)
            await checked(tab, "login", found)
            await go(tab, f"{studio}/accept-invitation?token=not-a-real-token", "Join")
            await checked(tab, "accept-invitation", found)
            await go(tab, f"{studio}/login", "Log in")
            await log_in(tab, tenant.email)
            await shows(tab, "Keyboard Bakery")
            await checked(tab, "pages", found)
            await tab.evaluate("document.querySelector('.account-button').click()")
            await until(tab, "!document.querySelector('.account-panel').hidden", what="the account menu")
            await checked(tab, "account-menu", found)
            await press(tab, "Escape")
            for opener, name in (("New page", "new-page"), ("Change address", "change-address"),
                                 ("Delete", "delete-page")):
                await click(tab, opener)
                await until(tab, f"!!{OPEN_DIALOG}", what=f"the {name} dialog")
                await checked(tab, f"pages-{name}-dialog", found)
                await press(tab, "Escape")
                await until(tab, f"!{OPEN_DIALOG}", what=f"the {name} dialog to close")

            await click(tab, "New site from a brief")
            await shows(tab, "Your business")
            for label, value in BRIEF.items():
                await fill(tab, label, value)
            await checked(tab, "brief", found)
            await click(tab, "Plan my site")
            await shows(tab, "What it costs", within=60)
            await checked(tab, "plan", found)

            await go(tab, f"{studio}/pages/{page_id}", "Outline")
            await until(tab, "!!document.getElementById('outline-hero')", within=30, what="the outline")
            await until(tab, "!!document.querySelector('iframe.canvas-frame')", within=30, what="the canvas")
            await tab.evaluate("document.getElementById('outline-hero').click()")
            await until(tab, "!!document.getElementById('prop-hero_headline')", what="the hero's form")
            await checked(tab, "editor", found)
            await click(tab, "Check the page")
            await until(tab, "!!document.querySelector('.publish-summary')", what="the check")
            await checked(tab, "editor-checked", found)
            await tab.evaluate("document.getElementById('outline-visit').click()")
            await click(tab, "Add")
            await until(tab, f"!!{OPEN_DIALOG}", what="the palette")
            await checked(tab, "palette", found)
            await press(tab, "Escape")
            await tab.evaluate("document.getElementById('outline-hero').click()")
            await click(tab, "Change")
            await until(tab, "!!document.querySelector('dialog.modal[open] .picker-choice')", what="the asset dialog")
            await checked(tab, "asset-dialog", found)
            await press(tab, "Escape")

            for side, text in (("ai", "Propose a change"), ("versions", "Version 1")):
                await tab.evaluate(f"document.getElementById('side-{side}').click()")
                await shows(tab, text)
                await checked(tab, f"editor-{side}", found)
            await tab.evaluate("document.getElementById('side-block').click()")

            await go(tab, f"{studio}/media", "Media")
            await until(tab, "document.querySelectorAll('.asset-card').length === 2", within=30, what="two images")
            await checked(tab, "media", found)
            await tab.evaluate("document.querySelector('.asset-edit-button').click()")
            await until(tab, "!!document.querySelector('.asset-edit')", what="the edit form")
            await checked(tab, "media-edit", found)
            await tab.evaluate("document.querySelectorAll('.asset-select input')[0].click()")
            await click(tab, "Delete selected")
            await until(tab, f"!!{OPEN_DIALOG}", what="the delete dialog")
            await checked(tab, "media-delete-dialog", found)
            await press(tab, "Escape")

            for section, text in (("site", "Theme preset"), ("domain", "No custom domain yet"),
                                  ("members", "Invite someone"), ("api-keys", "Create key"),
                                  ("credits", "Download CSV"), ("shop", "Add a product")):
                await go(tab, f"{studio}/settings/{section}", text)
                await checked(tab, f"settings-{section}", found)

            await go(tab, f"{studio}/site", "No header and footer yet")
            await checked(tab, "site-empty", found)
            await click(tab, "Start a header and footer")
            await shows(tab, "Preview")
            await until(tab, "!!document.querySelector('.site-publish, [aria-labelledby=layout-publish-title]')",
                        within=30, what="the layout's forms")
            await checked(tab, "site", found)
            await go(tab, f"{studio}/new-page", "The page")
            await checked(tab, "new-page-brief", found)

        async with chromium.tab(f"{studio}/login", width=PHONE) as tab:
            await reduced_motion(tab)
            await log_in(tab, tenant.email)
            await shows(tab, "Keyboard Bakery")
            await tab.evaluate("document.querySelector('.nav-toggle').click()")
            await until(tab, "document.querySelector('.shell-nav').classList.contains('open')", what="the menu")
            await checked(tab, "phone-menu", found)
            await go(tab, f"{studio}/pages/{page_id}", "Outline")
            await until(tab, "!!document.getElementById('outline-hero')", within=30, what="the outline")
            await checked(tab, "phone-editor", found)

    failing = {name: problems for name, problems in found.items() if problems}
    assert failing == {}, json.dumps(failing, indent=1)


async def escape_returns_focus(tab: Tab, opener: str, is_open: str, what: str) -> None:
    """From the opener (focused), Enter opens; Escape closes and focus is back on the opener."""
    opener_is = await focused(tab)
    await press(tab, "Enter")
    await until(tab, is_open, what=f"{what} open")
    assert await tab.evaluate("(() => { const d = document.querySelector('dialog[open]');"
                              " return !d || d.contains(document.activeElement); })()"), f"focus left {what}"
    await press(tab, "Escape")
    await until(tab, f"!({is_open})", what=f"{what} closed by Escape")
    await until(tab, f"({opener})(document.activeElement)", what=f"focus back on {opener_is} after {what}")


async def test_what_a_mouse_does_the_keyboard_does(client: PlatformClient) -> None:
    tenant, page_id, images = await site_with_content(client)
    studio = f"http://{client.host(tenant.slug)}/studio"

    async def draft() -> dict[str, Any]:
        page = await client.call("GET", f"/api/cms/pages/{page_id}", slug=tenant.slug, token=tenant.token)
        return page.json()["structure"]["root"]  # type: ignore[no-any-return]

    with Chromium() as chromium:
        async with chromium.tab(f"{studio}/login", width=DESKTOP) as tab:
            await reduced_motion(tab)
            await log_in(tab, tenant.email)
            await shows(tab, "Keyboard Bakery")

            # The pages list: each dialog and the account menu open with Enter and close with Escape.
            for opener in ("New page", "Change address", "Delete"):
                await tab_to(tab, text_starts(opener))
                await escape_returns_focus(tab, text_starts(opener), f"!!{OPEN_DIALOG}", f"the {opener} dialog")
            await tab_to(tab, "(el => el.classList.contains('account-button'))")
            await escape_returns_focus(tab, "(el => el.classList.contains('account-button'))",
                                       "!document.querySelector('.account-panel').hidden", "the account menu")

            # The editor: select by Enter in the outline, move by dnd-kit's keyboard sensor and by Alt+arrow.
            await tab_to(tab, text_starts("Edit"))
            await press(tab, "Enter")
            await until(tab, "!!document.getElementById('outline-hero')", within=30, what="the editor")
            await until(tab, "!!document.querySelector('iframe.canvas-frame')", within=30, what="the canvas")
            assert await tab.evaluate(ORDER) == "page,hero,features,visit,visit-heading"
            await tab_to(tab, "(el => el.id === 'outline-features')")
            await press(tab, "Enter")
            await until(tab, "document.getElementById('outline-features').getAttribute('aria-pressed') === 'true'",
                        what="features selected")
            await until(tab, "document.getElementById('properties-title').textContent === 'FeatureGrid'",
                        what="the features' form")
            await tab_to(tab, "(el => el.matches('[data-node=features] .outline-handle'))", backwards=True)
            for key in (" ", "ArrowUp", " "):
                await press(tab, key, settle=0.3)  # dnd-kit measures the rows between keys
            await until(tab, f"{ORDER} === 'page,features,hero,visit,visit-heading'", what="features lifted above hero")
            await tab_to(tab, "(el => el.id === 'outline-features')")
            await press(tab, "ArrowDown", modifiers=ALT)
            await until(tab, f"{ORDER} === 'page,hero,features,visit,visit-heading'", what="features moved back down")
            await until(tab, "document.activeElement.id === 'outline-features'", what="focus kept on the moved row")
            await press(tab, "ArrowDown", modifiers=ALT)
            await until(tab, f"{ORDER} === 'page,hero,visit,visit-heading,features'", what="features moved down")
            await until(tab, "document.querySelector('.save-status').textContent === 'All changes saved'",
                        what="the moves saved")
            assert [n["id"] for n in (await draft())["children"]] == ["hero", "visit", "features"]

            # A block chosen for the AI panel without the mouse: Enter on its row, arrows to the AI tab.
            await tab_to(tab, "(el => el.id === 'outline-hero')", backwards=True)
            await press(tab, "Enter")
            # Past the canvas's many links in one step: the skip link goes to the side panel.
            await tab_to(tab, "(el => el.classList.contains('canvas-skip'))")
            await press(tab, "Enter")
            await until(tab, "document.activeElement.id === 'side-block'", what="the side panel, past the canvas")
            await press(tab, "ArrowRight")
            await until(tab, "document.activeElement.id === 'side-ai'"
                             " && document.activeElement.getAttribute('aria-selected') === 'true'", what="the AI tab")
            await until(tab, "document.querySelector('.ai-target')?.innerText.includes('Bread worth the queue')",
                        what="the hero as the AI's block")
            for key, side in (("ArrowRight", "versions"), ("Home", "block"), ("End", "versions"), ("ArrowLeft", "ai")):
                await press(tab, key)
                await until(tab, f"document.activeElement.id === 'side-{side}' && "
                                 f"!document.getElementById('side-panel-{side}').hidden", what=f"{key} to {side}")
            await tab_to(tab, "(el => el.matches('input[type=radio][value=shorten]') || "
                              "el.matches('input[type=radio][name=ai-action]'))")
            await press(tab, "ArrowDown")
            assert await tab.evaluate("document.querySelector('input[name=ai-action]:checked').value") == "shorten"
            await press(tab, "Home", settle=0)
            await tab.evaluate("document.getElementById('side-block').click()")

            # The asset dialog: opened by Enter, closed by Escape, then an image chosen with keys.
            await tab_to(tab, text_starts("Change"))
            await escape_returns_focus(tab, text_starts("Change"), "!!document.querySelector('dialog.modal[open]')",
                                       "the asset dialog")
            await press(tab, "Enter")
            await until(tab, "document.querySelectorAll('dialog.modal[open] .picker-choice').length === 2",
                        what="the images in the dialog")
            await tab_to(tab, "(el => el.matches('.picker-choice:not(.current)'))")
            await press(tab, "Enter")
            await until(tab, "!document.querySelector('dialog.modal[open]')", what="the dialog closed by the choice")
            await until(tab, "document.querySelector('.save-status').textContent === 'All changes saved'",
                        what="the image saved")
            hero = next(n for n in (await draft())["children"] if n["id"] == "hero")
            assert hero["props"]["image"] == images[1]

            # The palette: Escape closes it onto Add; Enter on a component adds it to the section.
            await tab_to(tab, "(el => el.id === 'outline-visit')", backwards=True)
            await press(tab, "Enter")
            add = "(el => el.matches('.panel-actions button') && el.innerText.trim() === 'Add')"
            await tab_to(tab, add, backwards=True)
            await escape_returns_focus(tab, add, f"!!{OPEN_DIALOG}", "the palette")
            await press(tab, "Enter")
            await until(tab, f"!!{OPEN_DIALOG}", what="the palette")
            await tab_to(tab, "(el => el.matches('.palette-list button'))")
            component = await tab.evaluate("document.activeElement.querySelector('.palette-name').textContent")
            await press(tab, "Enter")
            await until(tab, f"!{OPEN_DIALOG}", what="the palette closed by the choice")
            await until(tab, "document.querySelector('.save-status').textContent === 'All changes saved'",
                        what="the new block saved")
            visit = next(n for n in (await draft())["children"] if n["id"] == "visit")
            assert [c["component"] for c in visit["children"]] == ["Heading", component]

            # On a phone the editor's panels are tabs: arrows, Home and End move between them.
            tab.width = PHONE
            await tab.emulate(812)
            await tab.evaluate("document.getElementById('tab-outline').click()")
            await tab.evaluate("document.getElementById('tab-outline').focus()")
            for key, panel in (("ArrowRight", "canvas"), ("ArrowRight", "properties"), ("Home", "outline"),
                               ("End", "properties"), ("ArrowRight", "outline")):
                await press(tab, key)
                await until(tab, f"document.activeElement.id === 'tab-{panel}' && "
                                 f"document.querySelector('.editor').dataset.tab === '{panel}'",
                            what=f"{key} to {panel}")
            tab.width = DESKTOP
            await tab.emulate(900)

            # The media library: an upload through the file control's chooser, opened by Space.
            await go(tab, f"{studio}/media", "Media")
            await until(tab, "document.querySelectorAll('.asset-card').length === 2", within=30, what="two images")
            await tab.call("Page.setInterceptFileChooserDialog", enabled=True)
            await tab_to(tab, "(el => el.matches('.drop-zone input[type=file]'))")
            assert await tab.evaluate("getComputedStyle(document.querySelector('.file-button')).outlineStyle") != "none"
            chooser = await press_for_event(tab, " ", "Page.fileChooserOpened")
            with tempfile.TemporaryDirectory() as folder:
                picture = Path(folder) / "keyboard-upload.png"
                picture.write_bytes(png(500, 400, (20, 140, 60)))
                await tab.call("DOM.setFileInputFiles", files=[str(picture)], backendNodeId=chooser["backendNodeId"])
                await until(tab, "document.querySelectorAll('.upload-added').length === 1", within=30,
                            what="the upload added")
            await until(tab, "document.querySelectorAll('.asset-card').length === 3", within=30, what="three images")

            # Two images selected with Space, and deleted together; Escape first keeps them.
            for index in (0, 1):
                await tab_to(tab, f"(el => el === document.querySelectorAll('.asset-select input')[{index}])")
                await press(tab, " ")
            await until(tab, "document.querySelectorAll('.asset-card.selected').length === 2", what="two selected")
            delete = text_starts("Delete selected (2)")
            await tab_to(tab, delete, backwards=True)
            await escape_returns_focus(tab, delete, f"!!{OPEN_DIALOG}", "the delete dialog")
            await press(tab, "Enter")
            await until(tab, f"!!{OPEN_DIALOG}", what="the delete dialog")
            await tab_to(tab, text_starts("Delete 2 images"), backwards=True)
            await press(tab, "Enter")
            await shows(tab, "2 images deleted.")
            left = await client.call("GET", "/api/assets/assets", slug=tenant.slug, token=tenant.token)
            assert len(left.json()["assets"]) == 1

            # Settings: a theme preset chosen with the arrows of its radio group.
            await go(tab, f"{studio}/settings/site", "Theme preset")
            before = await tab.evaluate("document.querySelector('input[name=preset]:checked').value")
            await tab_to(tab, "(el => el.matches('input[name=preset]'))")
            await press(tab, "ArrowRight")
            after = await tab.evaluate("document.querySelector('input[name=preset]:checked').value")
            assert after != before and await tab.evaluate("document.activeElement.checked") is True

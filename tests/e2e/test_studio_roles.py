"""A VIEWER's studio, in Debian's Chromium through the gateway: an owner makes a site with a
published page and an image and invites a viewer, who logs in on a cookie session and walks
every screen (pages, the editor and its panels, media, every settings section, the new-site
address). On each, nothing in `main` that would change something is enabled: every enabled
control is one of an explicit list of reading and navigating ones. The server agrees: the
viewer's access token gets 403 for a page save, a publish, an upload, a theme change and an
invitation, each beside its owner's twin that succeeds. Before that, the owner's theme screen
holds the contrast warnings to the pairs visitors meet: the Harbour preset warns of nothing, a
too-light text colour is named with its ratio and a suggestion (and the API refuses it), a
light primary is said to be shaded for links. Every screen is held to axe-core at 1280 and
375 px and kept as .data/screenshots/studio-roles-*.png."""

from __future__ import annotations

import json
import re
import uuid
from typing import Any

import pytest

from services.gateway.studio import DIST
from tests.e2e.browser_audits import AXE
from tests.e2e.headless_chromium import Chromium, Tab, chromium_path
from tests.e2e.platform_client import PASSWORD, PlatformClient, SignedUp, eventually
from tests.e2e.studio_driver import DESKTOP, click, fill, log_in, screen, shows, until
from tests.e2e.test_assets import png, upload
from tests.e2e.test_billing_top_ups import ready
from tests.e2e.test_identity_members import invitation_token
from tests.e2e.test_studio_canvas import in_frame
from tests.e2e.test_studio_settings import open_page

pytestmark = pytest.mark.skipif(
    chromium_path() is None or not AXE.exists() or not (DIST / "index.html").exists(),
    reason="needs Debian's chromium, the audit tools (make browser) and the studio's build (make studio)")

HEADLINE = "Boats on a quiet lake"
LAKE = "blue-mountain-lake.png"

# What a viewer may still use in `main`, and why: each enabled control must match one of these.
READING = {
    "a tab between panels": "[role=tab]",
    "selecting a block to read it": ".outline-select",
    "the canvas's width": ".canvas-width",
    "the publish gates as a dry run": "[data-reading=check]",
    "a finding's block": ".finding .link-button",
    "opening a published version's differences": ".version-button",
    "searching the library": "form[role=search] input, form[role=search] button",
    "leaving a search": "[data-reading=show-all]",
    "more of the library": "[data-reading=more]",
}

# Every enabled control in main, with the reason it may be there (null: it changes something).
CONTROLS = """((reading) => {
  const main = document.querySelector('main');
  const mark = (text, attr) => [...main.querySelectorAll('button')]
    .filter(b => b.textContent.trim().startsWith(text)).forEach(b => b.dataset.reading = attr);
  mark('Check the page', 'check'); mark('Show all images', 'show-all'); mark('Show more images', 'more');
  const shown = e => e.checkVisibility({visibilityProperty: true});
  const name = e => (e.getAttribute('aria-label') || (e.labels && e.labels[0] && e.labels[0].textContent)
    || e.textContent || e.name || e.type).trim().replace(/\\s+/g, ' ').slice(0, 60);
  return [...main.querySelectorAll('button, input, select, textarea, [contenteditable=true]')]
    .filter(e => shown(e) && !e.matches(':disabled') && !(e.readOnly && !['checkbox', 'radio'].includes(e.type)))
    .map(e => ({name: name(e), why: Object.entries(reading).find(([, s]) => e.matches(s))?.[0] ?? null}));
})"""
LINKS = "[...document.querySelectorAll('main a[href]')].map(a => new URL(a.href).pathname)"


async def controls(tab: Tab) -> list[dict[str, Any]]:
    return await tab.evaluate(f"{CONTROLS}({json.dumps(READING)})")  # type: ignore[no-any-return]


async def nothing_changes(tab: Tab, where: str) -> set[str]:
    """No enabled control in main changes anything; what reading ones there are, by reason."""
    found = await controls(tab)
    assert [c["name"] for c in found if c["why"] is None] == [], f"{where}: a viewer is offered a change"
    links = await tab.evaluate(LINKS)
    assert not [link for link in links if link.rstrip("/").endswith(("/new-site", "/new-page"))], where
    return {c["why"] for c in found}


async def viewer_of(client: PlatformClient, mailbox, owner: SignedUp) -> tuple[str, str]:  # type: ignore[no-untyped-def]
    email = f"viewer-{uuid.uuid4().hex[:6]}@{owner.slug}.example"
    asked = await client.call("POST", "/api/identity/invitations", slug=owner.slug, token=owner.token,
                              json={"email": email, "role": "VIEWER"})
    assert asked.status_code == 201, asked.text  # the owner's twin of the viewer's refused invitation
    accepted = await client.call("POST", "/api/identity/invitations/accept", slug=owner.slug,
                                 json={"token": await invitation_token(mailbox, email), "password": PASSWORD})
    assert accepted.status_code == 200, accepted.text
    return email, accepted.json()["access_token"]


async def a_site_with_a_page_and_an_image(client: PlatformClient) -> tuple[SignedUp, dict[str, Any], dict[str, Any]]:
    owner = await ready(client)
    uploaded = await upload(client, owner, png(900, 600, (40, 90, 210)), LAKE)
    assert uploaded.status_code == 201, uploaded.text
    asset = uploaded.json()
    tree = {"root": {"id": "page", "component": "Page",
                     "props": {"title": "Lake boats", "description": "Rowing boats and trips on the lake"},
                     "children": [
                         {"id": "hero", "component": "Hero", "children": [], "props": {
                             "headline": HEADLINE, "subheadline": "Rowing boats by the hour",
                             "image": asset["id"], "image_alt": "A blue lake under mountains"}},
                         {"id": "features", "component": "FeatureGrid", "children": [], "props": {
                             "heading": "Why row with us", "features": [
                                 {"title": "Life jackets", "body": "For every size, free"}]}}]}}
    created = await client.call("POST", "/api/cms/pages", slug=owner.slug, token=owner.token,
                                json={"slug": "/lake", "structure": tree})
    assert created.status_code == 201, created.text
    published = await client.call("POST", f"/api/cms/pages/{created.json()['id']}/publish", slug=owner.slug,
                                  token=owner.token, headers={"if-match": f'"{created.json()["revision"]}"'})
    assert published.status_code == 200, published.text
    return owner, published.json(), asset


async def contrast_items(tab: Tab, kind: str) -> list[str]:
    return await tab.evaluate(  # type: ignore[no-any-return]
        f"[...document.querySelectorAll('.contrast-{kind} li')].map(li => li.textContent)")


async def test_a_viewer_reads_every_screen_and_can_change_nothing(client: PlatformClient, mailbox) -> None:  # type: ignore[no-untyped-def]
    owner, page, asset = await a_site_with_a_page_and_an_image(client)
    viewer, viewer_token = await viewer_of(client, mailbox, owner)
    studio = f"http://{client.host(owner.slug)}/studio"
    seen: dict[str, list[str]] = {}
    with Chromium() as chromium:
        async with chromium.tab(f"{studio}/login?next=/settings/site", width=DESKTOP) as tab:
            # The owner's theme screen: contrast of the pairs visitors meet, and only those.
            await log_in(tab, owner.email)
            await open_page(tab, f"{studio}/settings/site")
            await shows(tab, "Theme preset")
            await until(tab, "!!document.querySelector('.contrast-ok')", what="the contrast verdict")
            assert await tab.evaluate("document.querySelector('input[name=preset]:checked').value") == "harbour"
            assert await contrast_items(tab, "warnings") == []
            assert await contrast_items(tab, "shaded") == []
            # the preview's link is drawn in the colour visitors get: the preset's primary here
            link = await tab.evaluate("getComputedStyle(document.querySelector('.pv-link')).color")
            assert link == "rgb(13, 92, 117)"

            await fill(tab, "Text", "#9aa5b1")
            await until(tab, "document.querySelectorAll('.contrast-warnings li').length === 1", what="one warning")
            [warning] = await contrast_items(tab, "warnings")
            assert warning.startswith("Text on the background: #9aa5b1 on #ffffff is 2.")
            suggested = re.search(r"Try (#[0-9a-f]{6})", warning)
            assert suggested and "will not save it" in warning
            await screen(tab, "roles-theme-warning", seen)
            await click(tab, "Save theme")
            await shows(tab, "The theme was not saved")  # the API refuses what the warning named
            await fill(tab, "Text", suggested.group(1))
            await until(tab, "!!document.querySelector('.contrast-ok')", what="the suggestion to pass")

            await click(tab, "Use the preset's")
            await fill(tab, "Primary (buttons, links)", "#66ccff")
            await until(tab, "document.querySelectorAll('.contrast-shaded li').length === 2", what="the shaded links")
            shaded = await contrast_items(tab, "shaded")
            assert all(s.startswith(("Links on the background: #66ccff would be 1.", "Links on cards: #66ccff"))
                       for s in shaded), shaded
            assert await contrast_items(tab, "warnings") == []
            shaded_link = await tab.evaluate("getComputedStyle(document.querySelector('.pv-link')).color")
            assert shaded_link != "rgb(102, 204, 255)"  # drawn darker, as the renderer draws it
            await screen(tab, "roles-theme-shaded", seen)

            # The same check on the owner's pages list finds what an owner may change.
            await open_page(tab, f"{studio}/")
            await until(tab, "!!document.querySelector('.pages-table')", what="the owner's pages")
            offered = {c["name"] for c in await controls(tab) if c["why"] is None}
            assert {"New page", "Duplicate Lake boats", "Delete Lake boats"} <= offered, offered

            await tab.evaluate("document.querySelector('.account-button').click()")
            await click(tab, "Log out")

            # The viewer, on a cookie session.
            await log_in(tab, viewer)
            await open_page(tab, f"{studio}/")
            await until(tab, "!!document.querySelector('.pages-table a[href=\"/lake\"]')", what="the live link")
            await shows(tab, "You are a viewer on this site")
            for offered in ("New page", "New site from a brief", "Change address", "Duplicate", "Delete"):
                assert not await tab.evaluate(
                    f"[...document.querySelectorAll('main button, main a')].some(e => "
                    f"e.textContent.trim().startsWith({json.dumps(offered)}))"), offered
            assert await nothing_changes(tab, "pages") == set()
            live = await tab.evaluate("document.querySelector('.pages-table a[href=\"/lake\"]').href")
            assert live == f"http://{client.host(owner.slug)}/lake"

            async def live_page() -> bool:
                answer = await client.call("GET", "/lake", slug=owner.slug)
                return answer.status_code == 200 and HEADLINE in answer.text

            assert await eventually(live_page, True, within=10)
            await screen(tab, "roles-pages", seen)

            # The editor: reading only, and a notice saying why.
            await tab.evaluate("document.querySelector('.pages-table a[href$=\"/pages/" + page["id"] + "\"]').click()")
            await until(tab, "!!document.getElementById('outline-hero')", within=30, what="the editor's outline")
            await shows(tab, "a viewer cannot change it")
            # the canvas: cms's own rendering of the draft, which any member may read
            await until(tab, f"!!{in_frame('[data-node=hero] h1')}", within=30, what="the rendered draft")
            assert HEADLINE in await tab.evaluate(f"{in_frame('[data-node=hero] h1')}.textContent")
            await tab.evaluate("document.getElementById('outline-hero').click()")
            await until(tab, "!!document.getElementById('prop-hero_headline')", what="the hero's form")
            assert await tab.evaluate("document.getElementById('prop-hero_headline').value") == HEADLINE
            await until(tab, f"!!document.querySelector('.asset-picker img[src*=\"{asset['id']}\"]')",
                        what="the hero's image, shown")
            assert not await tab.evaluate("!!document.querySelector('.outline-handle')")
            assert "Alt+" not in await tab.evaluate("document.getElementById('outline-help').textContent")
            for offered in ("Add", "Duplicate", "Delete", "Publish", "Undo", "Redo", "Change", "Remove"):
                assert not await tab.evaluate(
                    f"[...document.querySelectorAll('main button')].some(b => b.textContent.trim() === "
                    f"{json.dumps(offered)} && !b.disabled && b.checkVisibility())"), offered
            reasons = await nothing_changes(tab, "the editor's block panel")
            assert {"a tab between panels", "selecting a block to read it", "the publish gates as a dry run"} <= reasons
            await click(tab, "Check the page")
            await until(tab, "!!document.querySelector('.publish-summary')", what="the gates' dry run")
            await nothing_changes(tab, "the editor after checking")
            await screen(tab, "roles-editor", seen)
            for side in ("AI", "Versions"):
                await tab.evaluate(f"[...document.querySelectorAll('.side-tabs [role=tab]')]"
                                   f".find(t => t.textContent.trim().startsWith({json.dumps(side)})).click()")
                await until(tab, f"[...document.querySelectorAll('.side-tabs [role=tab]')].some(t => "
                                 f"t.textContent.trim().startsWith({json.dumps(side)}) && "
                                 f"t.getAttribute('aria-selected') === 'true')", what=f"the {side} panel")
                if side == "Versions":
                    await until(tab, "!!document.querySelector('.version-button')", what="the published version")
                    await tab.evaluate("document.querySelector('.version-button').click()")
                    await until(tab, "!!document.querySelector('.version-detail')", what="the version's differences")
                await nothing_changes(tab, f"the editor's {side} panel")
                await screen(tab, f"roles-editor-{side.lower()}", seen)

            # Media: the image and its words, no upload, edit or delete.
            await open_page(tab, f"{studio}/media")
            await until(tab, "document.querySelectorAll('.asset-card').length === 1", what="the image")
            await shows(tab, "You can look, not change")
            card = await tab.evaluate("document.querySelector('.asset-card').innerText")
            assert LAKE in card
            assert not await tab.evaluate("!!document.querySelector('main input[type=file], .drop-zone, "
                                          ".asset-edit-button, .asset-select, .media-bulk')")
            await nothing_changes(tab, "media")
            await screen(tab, "roles-media", seen)

            # A new site from a brief is not for a viewer; its address says so.
            await open_page(tab, f"{studio}/new-site")
            await shows(tab, "Writing a site is for editors and owners")
            assert not await tab.evaluate("!!document.querySelector('main form')")
            await nothing_changes(tab, "new site")
            await screen(tab, "roles-new-site", seen)

            # Settings: what a viewer may open is read-only; the rest is absent and its address says why.
            await open_page(tab, f"{studio}/settings/site")
            await shows(tab, "Theme preset")
            labels = await tab.evaluate("[...document.querySelectorAll('.settings-nav a')].map(a => a.textContent)")
            assert labels == ["Site & theme", "Domain", "Shop"]
            for path, text in (("site", "You can look but not change this"), ("domain", "No custom domain yet"),
                               ("shop", "You can look but not change this")):
                await open_page(tab, f"{studio}/settings/{path}")
                await shows(tab, text)
                await tab.evaluate("new Promise(r => setTimeout(r, 300))", await_promise=True)  # queries settle
                await nothing_changes(tab, f"settings {path}")
                await screen(tab, f"roles-settings-{path}", seen)
            for path in ("members", "api-keys", "credits"):
                await open_page(tab, f"{studio}/settings/{path}")
                await shows(tab, "Your role cannot open this")
                await nothing_changes(tab, f"settings {path}")
            await screen(tab, "roles-settings-refused", seen)
    assert {name: problems for name, problems in seen.items() if problems} == {}

    # The server agrees: each write refused to the viewer's token, and done with the owner's.
    async def as_(token: str, method: str, path: str, **kwargs: Any) -> int:
        return (await client.call(method, path, slug=owner.slug, token=token, **kwargs)).status_code

    current = await client.call("GET", f"/api/cms/pages/{page['id']}", slug=owner.slug, token=owner.token)
    revision = {"if-match": current.headers["etag"]}
    structure = current.json()["structure"]
    assert await as_(viewer_token, "PATCH", f"/api/cms/pages/{page['id']}", headers=revision,
                     json={"structure": structure}) == 403
    assert await as_(viewer_token, "POST", f"/api/cms/pages/{page['id']}/publish", headers=revision) == 403
    photo = png(640, 480, (30, 120, 60))
    assert await as_(viewer_token, "POST", "/api/assets/assets",
                     files={"file": ("field.png", photo, "application/octet-stream")}) == 403
    assert await as_(viewer_token, "PUT", "/api/identity/tenant/theme", json={"preset": "hearth"}) == 403
    assert await as_(viewer_token, "POST", "/api/identity/invitations",
                     json={"email": f"more@{owner.slug}.example", "role": "VIEWER"}) == 403
    assert await as_(owner.token, "PATCH", f"/api/cms/pages/{page['id']}", headers=revision,
                     json={"structure": structure}) == 200
    assert await as_(owner.token, "POST", "/api/assets/assets",
                     files={"file": ("field.png", photo, "application/octet-stream")}) == 201
    assert await as_(owner.token, "PUT", "/api/identity/tenant/theme", json={"preset": "hearth"}) == 200

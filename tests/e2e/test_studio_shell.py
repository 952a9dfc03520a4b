"""The studio in Debian's Chromium, through the gateway, as a newcomer uses it: sign up on the
platform's host, open the mailed link, choose the new site, log in on its host, write a site
from a brief (the plan and its price, the pages filling in section by section), publish them
all, and the live home page answers; then, in the editor, change the hero's headline in the
properties form, keep part of an AI rewrite of it, upload an image and place it (its alt
text comes from the library once the AI has described it), publish, and the live page shows
all three. Every screen is held to axe-core (no violation) at 1280
and 375 px, must not be wider than a 375-px phone, and is kept as a screenshot in
.data/screenshots/studio-<screen>-<width>.png.

The browser is driven over DevTools (tests/e2e/headless_chromium.py): clicks and typing are
dispatched in the page as a person's would be, by the visible text of buttons and labels."""

from __future__ import annotations

import asyncio
import base64
import html
import json
from typing import Any

import pytest

from services.gateway.studio import DIST
from tests.e2e.browser_audits import AXE
from tests.e2e.headless_chromium import Chromium, chromium_path
from tests.e2e.platform_client import PASSWORD, PlatformClient, eventually, unique_slug
from tests.e2e.studio_driver import CHOOSE, DESKTOP, PICKER, TYPE, click, fill, saved, screen, shows, until
from tests.e2e.test_assets import png

pytestmark = pytest.mark.skipif(
    chromium_path() is None or not AXE.exists() or not (DIST / "index.html").exists(),
    reason="needs Debian's chromium, the audit tools (make browser) and the studio's build (make studio)")

BRIEF = {
    "Name": "Fellside Bakery",
    "What you do": "Sourdough bread, cinnamon buns and birthday cakes baked every morning. A country loaf is 4.50 €, "
                   "a box of six buns 9 €. Open Tuesday to Saturday 7:00-14:00.",
    "Where": "Keswick",
}





async def test_a_newcomer_signs_up_writes_a_site_from_a_brief_and_publishes_it(client: PlatformClient) -> None:
    slug = unique_slug("studio")
    email = f"owner@{slug}.example"
    platform = f"http://{client.host()}"
    seen: dict[str, list[str]] = {}
    with Chromium() as chromium:
        async with chromium.tab(f"{platform}/studio/signup", width=DESKTOP) as tab:
            await shows(tab, "Create your site")
            await screen(tab, "signup", seen)
            await fill(tab, "Site name", "Fellside Bakery")
            await fill(tab, "Site address", slug)
            await fill(tab, "E-mail", email)
            await fill(tab, "Password", PASSWORD)
            await click(tab, "Create my site")
            await shows(tab, "Check your e-mail")
            await screen(tab, "signup-sent", seen)

            # The mailed link lands on the studio's own page, which confirms on a click.
            token = await client.stack.mailed_token(email)
            await tab.call("Page.navigate", url=f"{platform}/studio/confirm-signup?token={token}")
            await shows(tab, "Confirm your e-mail")
            await screen(tab, "confirm-signup", seen)
            await click(tab, "Confirm and create my site")
            await shows(tab, "Fellside Bakery is ready")
            await screen(tab, "site-ready", seen)
            await click(tab, "All your sites")
            await shows(tab, "Your sites")
            await until(tab, "!!document.querySelector('a.site-link')", what="the site's link")
            await screen(tab, "choose-site", seen)
            href = await tab.evaluate("document.querySelector('a.site-link').href")
            assert href == f"http://{client.host(slug)}/studio/"

            # The site's studio is on its own host, behind its own log-in (tokens live in memory);
            # its address opened as is (a click hands the session off: test_studio_invitations.py).
            await tab.call("Page.navigate", url=href)
            await shows(tab, "Log in")
            await until(tab, f"location.host === {json.dumps(client.host(slug))}", what="the site's host")
            await screen(tab, "login", seen)
            await fill(tab, "E-mail", email)
            await fill(tab, "Password", PASSWORD)
            await click(tab, "Log in")
            await shows(tab, "No pages yet")
            await until(tab, "document.querySelector('.shell-site-name').textContent === 'Fellside Bakery'",
                        what="the site's name in the header")
            await screen(tab, "pages-empty", seen)

            logged_in = await client.call("POST", "/api/identity/login", slug=slug,
                                          json={"email": email, "password": PASSWORD})
            token = logged_in.json()["access_token"]

            async def wallet() -> int:
                return (await client.call("GET", "/api/billing/balance", slug=slug, token=token)).status_code

            assert await eventually(wallet, 200, within=10) == 200  # the sign-up's grant has arrived

            await click(tab, "New site from a brief")
            await shows(tab, "Your business")
            for label, value in BRIEF.items():
                await fill(tab, label, value)
            await screen(tab, "brief", seen)
            await click(tab, "Plan my site")
            await shows(tab, "What it costs", within=60)
            await until(tab, "!document.querySelector('.plan-side button').disabled", what="Generate enabled")
            reserved = await tab.evaluate("document.querySelector('.figures dd').textContent")
            assert reserved.endswith("credits") and int(reserved.split()[0].replace(",", "")) > 0
            await screen(tab, "plan", seen)
            planned_pages = await tab.evaluate("document.querySelectorAll('.plan-page').length")
            assert planned_pages >= 3

            await click(tab, "Generate the site")
            await until(tab, "!!document.querySelector('.progress-head')", what="the progress")
            await until(tab, "document.querySelectorAll('.section-done').length > 0", within=60,
                        what="a section written")
            await shows(tab, "Ready to publish", within=180)
            written = await tab.evaluate("document.querySelectorAll('.section-done').length")
            assert written >= planned_pages  # at least one section of every page, each shown as it came
            await screen(tab, "written", seen)
            await click(tab, "Publish all")
            await shows(tab, "Your site is live", within=30)
            await screen(tab, "published", seen)

            live = await client.call("GET", "/", slug=slug)
            assert live.status_code == 200 and "Fellside Bakery" in live.text

            await click(tab, "Pages")
            await shows(tab, "Published")
            await screen(tab, "pages", seen)
            rows = await tab.evaluate("document.querySelectorAll('.pages-table tbody tr').length")
            assert rows == planned_pages

            # The home page in the editor: the hero's headline changed in the properties form, an
            # AI rewrite of the hero kept in part (not its headline), an image uploaded and placed;
            # published, the live page shows all three.
            listed = (await client.call("GET", "/api/cms/pages", slug=slug, token=token)).json()["pages"]
            home = next(p["id"] for p in listed if p["slug"] == "/")
            await tab.evaluate(f"document.querySelector('a[href=\"/studio/pages/{home}\"]').click()")
            hero = await until(tab, "[...document.querySelectorAll('.outline-row')].find(r => "
                                    "r.querySelector('.outline-component').textContent === 'Hero')?.dataset.node",
                               within=30, what="the home page's hero in the outline")
            await tab.evaluate(f"document.getElementById('outline-{hero}').click()")
            await until(tab, f"!!document.getElementById('prop-{hero}_headline')", what="the hero's form")
            headline = "Keswick's loaves, still warm at seven"
            await tab.evaluate(f"{TYPE}('prop-{hero}_headline', {json.dumps(headline)})")
            await saved(tab)

            async def home_hero() -> dict[str, Any]:
                page = (await client.call("GET", f"/api/cms/pages/{home}", slug=slug, token=token)).json()
                return next(n for n in page["structure"]["root"]["children"] if n["id"] == hero)["props"]

            assert (await home_hero())["headline"] == headline

            await tab.evaluate("document.getElementById('side-ai').click()")
            await tab.evaluate("[...document.querySelectorAll('input[name=ai-action]')]"
                               ".find(i => i.value === 'regenerate').click()")
            await click(tab, "Propose a change")
            await until(tab, "document.querySelectorAll('.change').length >= 2", within=30, what="the proposal")
            proposed = await tab.evaluate("[...document.querySelectorAll('.change')].map(c => ["
                                          "c.querySelector('.change-field').textContent,"
                                          "c.querySelector('ins .visually-hidden')?.nextSibling?.textContent ?? null])")
            assert any(field == "Hero · Headline" for field, _ in proposed), proposed
            await tab.evaluate("[...document.querySelectorAll('.change')]"
                               ".find(c => c.querySelector('.change-field').textContent === 'Hero · Headline')"
                               ".querySelector('input[type=checkbox]').click()")
            await screen(tab, "journey-ai", seen)
            await click(tab, "Accept selected")
            await shows(tab, f"Applied {len(proposed) - 1} of {len(proposed)} changes")
            kept = {field: after for field, after in proposed if field != "Hero · Headline" and after}
            assert kept, proposed
            after_ai = await home_hero()
            assert after_ai["headline"] == headline  # the change left out is not applied
            ai_words = [after for after in kept.values() if after in after_ai.values()]
            assert ai_words, (kept, after_ai)

            await tab.evaluate("document.getElementById('side-block').click()")
            await click(tab, "Choose")
            await until(tab, f"!!{PICKER}", what="the image picker")
            photo = base64.b64encode(png(1200, 800, (196, 120, 60))).decode()
            await tab.evaluate(f"{CHOOSE.replace('.drop-zone', 'dialog .drop-zone')}"
                               f"({json.dumps([['fellside-loaves.png', photo]])})")
            await until(tab, f"!{PICKER}", within=30, what="the upload to be placed")

            async def placed() -> bool:
                return bool((await home_hero()).get("image"))

            assert await eventually(placed, True, within=10)
            image = (await home_hero())["image"]
            uploaded = (await client.call("GET", "/api/assets/assets", slug=slug, token=token)).json()["assets"]
            assert [a["filename"] for a in uploaded if a["id"] == image] == ["fellside-loaves.png"]

            # The AI describes the upload; the hero's empty alt text takes the library's words.
            async def described() -> str:
                asset = await client.call("GET", f"/api/assets/assets/{image}", slug=slug, token=token)
                return str(asset.json()["alt_text"])

            for _ in range(100):
                alt_text = await described()
                if alt_text:
                    break
                await asyncio.sleep(0.2)
            assert alt_text, "the upload was never described"
            await until(tab, f"document.getElementById('prop-{hero}_image_alt').value === {json.dumps(alt_text)}",
                        within=30, what="the alt text from the library")
            await saved(tab)
            assert (await home_hero())["image_alt"] == alt_text
            await click(tab, "Check the page")
            await shows(tab, "Everything passed")
            await click(tab, "Publish")
            await shows(tab, "Published: visitors see this version now.")
            await screen(tab, "journey-published", seen)
            live = await client.call("GET", "/", slug=slug)
            assert live.status_code == 200
            shown_live = html.unescape(live.text)
            assert headline in shown_live and all(words in shown_live for words in ai_words)
            assert f"/assets/{image}" in live.text

            await tab.evaluate("document.querySelector('.account-button').click()")
            await click(tab, "Log out")
            await shows(tab, "You are logged out")
            assert await tab.evaluate("location.pathname") == "/studio/login"

    failing = {name: problems for name, problems in seen.items() if problems}
    assert len(seen) == 2 * 14 and not failing, json.dumps(failing, indent=1)

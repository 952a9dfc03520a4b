"""The studio in Debian's Chromium, through the gateway, as a newcomer uses it: sign up on the
platform's host, open the mailed link, choose the new site, log in on its host, write a site
from a brief (the plan and its price, the pages filling in section by section), publish them
all, and the live home page answers. Every screen is held to axe-core (no violation) at 1280
and 375 px, must not be wider than a 375-px phone, and is kept as a screenshot in
.data/screenshots/studio-<screen>-<width>.png.

The browser is driven over DevTools (tests/e2e/headless_chromium.py): clicks and typing are
dispatched in the page as a person's would be, by the visible text of buttons and labels."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import pytest

from services.gateway.studio import DIST
from tests.e2e.browser_audits import AXE, SHOTS, WIDEST, run_axe
from tests.e2e.headless_chromium import Chromium, Tab, chromium_path
from tests.e2e.platform_client import PASSWORD, PlatformClient, eventually, unique_slug

pytestmark = pytest.mark.skipif(
    chromium_path() is None or not AXE.exists() or not (DIST / "index.html").exists(),
    reason="needs Debian's chromium, the audit tools (make browser) and the studio's build (make studio)")

DESKTOP, PHONE = 1280, 375
BRIEF = {
    "Name": "Fellside Bakery",
    "What you do": "Sourdough bread, cinnamon buns and birthday cakes baked every morning. A country loaf is 4.50 €, "
                   "a box of six buns 9 €. Open Tuesday to Saturday 7:00-14:00.",
    "Where": "Keswick",
}

# Typing into a React form as a person does: the native value setter, then the input event
# React listens to. Fields are found by their label's text, buttons and links by theirs.
FILL = """((label, value) => {
  const found = [...document.querySelectorAll('label')].find(l => l.textContent.trim() === label);
  if (!found) throw new Error('no field labelled ' + label);
  const field = document.getElementById(found.htmlFor);
  const proto = Object.getPrototypeOf(field);
  Object.getOwnPropertyDescriptor(proto, 'value').set.call(field, value);
  field.dispatchEvent(new Event(field.tagName === 'SELECT' ? 'change' : 'input', {bubbles: true}));
  return true;
})"""
CLICK = """((text) => {
  const found = [...document.querySelectorAll('button, a')]
    .find(e => e.textContent.trim().startsWith(text) && !e.disabled);
  if (!found) throw new Error('nothing to click reads ' + text);
  found.click();
  return true;
})"""


async def until(tab: Tab, expression: str, *, within: float = 20, what: str = "") -> Any:
    """The expression's value once it is truthy (evaluated again across a navigation)."""
    deadline = asyncio.get_running_loop().time() + within
    while True:
        try:
            value = await tab.evaluate(expression)
        except RuntimeError:  # the page is navigating: its context went away
            value = None
        if value:
            return value
        if asyncio.get_running_loop().time() > deadline:
            text = await tab.evaluate("document.body ? document.body.innerText.slice(0, 1500) : ''")
            raise AssertionError(f"waited {within} s for {what or expression}; the page says:\n{text}")
        await asyncio.sleep(0.1)


async def shows(tab: Tab, text: str, *, within: float = 20) -> None:
    await until(tab, f"document.body && document.body.innerText.includes({json.dumps(text)})", within=within,
                what=repr(text))


async def fill(tab: Tab, label: str, value: str) -> None:
    await tab.evaluate(f"{FILL}({json.dumps(label)}, {json.dumps(value)})")


async def click(tab: Tab, text: str) -> None:
    await until(tab, f"[...document.querySelectorAll('button, a')].some(e => e.textContent.trim()"
                     f".startsWith({json.dumps(text)}) && !e.disabled)", what=f"a button {text!r}")
    await tab.evaluate(f"{CLICK}({json.dumps(text)})")


async def screen(tab: Tab, name: str, seen: dict[str, list[str]]) -> None:
    """Hold the screen as it is to axe-core and to a phone's width, at 1280 and 375 px, with a
    full-page screenshot of each; what fails is gathered in `seen`."""
    for width in (DESKTOP, PHONE):
        tab.width = width
        await tab.emulate(900 if width == DESKTOP else 812)
        await tab.evaluate("new Promise(r => requestAnimationFrame(() => requestAnimationFrame(r)))",
                           await_promise=True)
        problems = [str(v) for v in await run_axe(tab)]
        scroll_width = await tab.evaluate("document.scrollingElement.scrollWidth")
        if scroll_width > width:
            problems.append(f"wider than {width} px: {await tab.evaluate(f'{WIDEST}({width})')}")
        SHOTS.mkdir(parents=True, exist_ok=True)
        (SHOTS / f"studio-{name}-{width}.png").write_bytes(await tab.screenshot(full_page=True))
        seen[f"{name}-{width}"] = problems
    tab.width = DESKTOP
    await tab.emulate(900)


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

            # The site's studio is on its own host, behind its own log-in (tokens live in memory).
            await tab.evaluate("document.querySelector('a.site-link').click()")
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

            await tab.evaluate("document.querySelector('.account-button').click()")
            await click(tab, "Log out")
            await shows(tab, "You are logged out")
            assert await tab.evaluate("location.pathname") == "/studio/login"

    failing = {name: problems for name, problems in seen.items() if problems}
    assert len(seen) == 2 * 12 and not failing, json.dumps(failing, indent=1)

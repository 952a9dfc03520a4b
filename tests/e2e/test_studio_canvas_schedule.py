"""When the editor's canvas renders, in Debian's Chromium through the gateway: an isolated
change of a property is sent at once and swapped into the frame's document in place (the
scroll position kept, a click in the canvas still selecting); changes in a burst are
coalesced into at most two renders, the last change among them; and the renders painted
only ever move forward. Read from window.__canvasTimings, which the canvas writes once per
painted document."""

from __future__ import annotations

import asyncio
import json

import pytest

from services.gateway.studio import DIST
from tests.e2e.browser_audits import AXE
from tests.e2e.headless_chromium import Chromium, Tab, chromium_path
from tests.e2e.platform_client import PlatformClient
from tests.e2e.studio_driver import TYPE, log_in, until
from tests.e2e.test_billing_top_ups import ready
from tests.e2e.test_studio_editor import OUTLINE, TREE, open_editor

pytestmark = pytest.mark.skipif(
    chromium_path() is None or not AXE.exists() or not (DIST / "index.html").exists(),
    reason="needs Debian's chromium, the audit tools (make browser) and the studio's build (make studio)")

FRAME = "document.querySelector('iframe.canvas-frame')"
TIMINGS = "(window.__canvasTimings || [])"
# The editor's test page with more sections below: taller than the canvas, so it scrolls.
TALL = {"root": {**TREE["root"], "children": [*TREE["root"]["children"], *(
    {"id": f"more-{i}", "component": "Section", "props": {"anchor": f"more-{i}"}, "children": [
        {"id": f"more-{i}-heading", "component": "Heading", "props": {"text": f"More, part {i}"}, "children": []}]}
    for i in range(40))]}}  # far taller than the frame at any scale

# Keys typed within one task: every change lands while the first one's request is out.
BURST = """((id, base, word) => {
  const field = document.getElementById(id);
  field.focus();
  const setter = Object.getOwnPropertyDescriptor(Object.getPrototypeOf(field), 'value').set;
  for (let i = 1; i <= word.length; i++) {
    setter.call(field, base + word.slice(0, i));
    field.dispatchEvent(new Event('input', {bubbles: true}));
  }
  return true;
})"""


def headline_is(text: str) -> str:
    return f"{FRAME}?.contentDocument?.querySelector('[data-node=hero] h1')?.textContent === {json.dumps(text)}"


async def painted(tab: Tab, count: int) -> list[dict[str, object]]:
    await until(tab, f"{TIMINGS}.length >= {count}", what=f"{count} renders painted")
    return await tab.evaluate(TIMINGS)  # type: ignore[no-any-return]


async def test_isolated_changes_render_at_once_in_place_and_bursts_are_coalesced(client: PlatformClient) -> None:
    tenant = await ready(client)
    created = await client.call("POST", "/api/cms/pages", slug=tenant.slug, token=tenant.token,
                                json={"slug": "/schedule", "structure": TALL})
    assert created.status_code == 201, created.text
    page_id = created.json()["id"]
    with Chromium() as chromium:
        async with open_editor(chromium, client, tenant, page_id) as tab:
            await log_in(tab, tenant.email, then=OUTLINE)
            await tab.evaluate("document.getElementById('outline-hero').click()")
            await until(tab, "!!document.getElementById('prop-hero_headline')", what="the hero's form")
            first = await painted(tab, 1)
            assert first[0]["in_place"] is False  # the first document loads as the frame's srcdoc
            await asyncio.sleep(0.5)  # longer than the canvas's quiet spell: the next change is isolated

            # The frame scrolled down a little; an isolated change keeps it there.
            scrollable = await tab.evaluate(f"{FRAME}.contentDocument.documentElement.scrollHeight"
                                            f" - {FRAME}.contentWindow.innerHeight")
            target = min(120, int(scrollable))
            assert target > 0, f"the test page must be taller than the canvas ({scrollable})"
            # Instant: the site's stylesheet asks for smooth scrolling, which would still be moving.
            await tab.evaluate(f"{FRAME}.contentWindow.scrollTo({{top: {target}, behavior: 'instant'}})")
            await tab.evaluate(f"{TYPE}('prop-hero_headline', 'Bread, changed once')")
            await until(tab, headline_is("Bread, changed once"), what="the canvas showing the change")
            isolated = (await painted(tab, 2))[-1]
            assert isolated["deferred"] is False and isolated["in_place"] is True, isolated
            assert await tab.evaluate(f"{FRAME}.contentWindow.scrollY") == target

            # The swapped document still answers clicks: a block clicked is selected.
            await tab.evaluate(f"{FRAME}.contentDocument.querySelector('[data-node=visit-heading]').click()")
            await until(tab, "document.getElementById('outline-visit-heading').getAttribute('aria-pressed') === 'true'",
                        what="the heading selected from the canvas")
            outline = await tab.evaluate(f"{FRAME}.contentDocument.getElementById('sb-canvas-selected').textContent")
            assert '[data-node="visit-heading"]' in outline
            await tab.evaluate("document.getElementById('outline-hero').click()")
            await until(tab, "!!document.getElementById('prop-hero_headline')", what="the hero's form again")
            await asyncio.sleep(0.5)

            # A burst of nine changes: the first at once, the rest as one once it answers.
            before = len(await tab.evaluate(TIMINGS))
            await tab.evaluate(f"{BURST}('prop-hero_headline', 'Bread', ' at seven')")
            await until(tab, headline_is("Bread at seven"), what="the canvas showing the whole burst")
            await asyncio.sleep(0.5)  # a render after the last one would have been painted by now
            timings = await tab.evaluate(TIMINGS)
            burst = timings[before:]
            assert 1 <= len(burst) <= 2, burst
            seqs = [t["seq"] for t in timings]
            assert seqs == sorted(set(seqs)), seqs  # never an older rendering over a newer one
            assert await tab.evaluate(headline_is("Bread at seven"))

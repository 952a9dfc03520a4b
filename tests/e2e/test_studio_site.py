"""The studio's Site screen in Debian's Chromium, through the gateway: an owner whose site has
pages but no header and footer starts them (the nav links prefilled from the pages), changes
the brand and a nav label in the form generated from the registry (autosaved with If-Match),
sees them in the preview (cms's rendering of the home page with the layout), publishes the
site: refused first, with the refusing page named and linked to its editor, then live, and
the public home page shows the new header. A VIEWER reads the same screen and can change
nothing. Held to axe-core at 1280 and 375 px, kept as .data/screenshots/studio-site-*.png."""

from __future__ import annotations

import uuid
from typing import Any

import pytest

from services.gateway.studio import DIST
from tests.e2e.browser_audits import AXE
from tests.e2e.headless_chromium import Chromium, Tab, chromium_path
from tests.e2e.platform_client import PlatformClient, SignedUp, eventually
from tests.e2e.studio_driver import DESKTOP, TYPE, click, log_in, screen, shows, until
from tests.e2e.test_billing_top_ups import ready
from tests.e2e.test_studio_roles import nothing_changes
from tests.e2e.test_studio_settings import invited

pytestmark = pytest.mark.skipif(
    chromium_path() is None or not AXE.exists() or not (DIST / "index.html").exists(),
    reason="needs Debian's chromium, the audit tools (make browser) and the studio's build (make studio)")


def page_tree(title: str, heading: str, *extra: dict[str, Any]) -> dict[str, Any]:
    return {"root": {"id": "page", "component": "Page", "props": {"title": title, "description": f"{title}: {heading}"},
                     "children": [{"id": "heading", "component": "Heading", "props": {"text": heading}, "children": []},
                                  *extra]}}


# A picture without alt text: the publish gates' error, which refuses the whole publication.
NO_ALT = {"id": "hero", "component": "Hero", "children": [], "props": {
    "headline": "This week's loaves", "subheadline": "Rye and spelt", "image": str(uuid.uuid4()), "image_alt": ""}}
STATUS = "document.querySelector('.layout-panel .save-status').textContent"
PREVIEW_TEXT = "(document.querySelector('.canvas-frame')?.contentDocument?.body?.innerText ?? '')"


async def api(client: PlatformClient, owner: SignedUp, method: str, path: str, **kwargs: Any) -> Any:
    answer = await client.call(method, path, slug=owner.slug, token=owner.token, **kwargs)
    assert answer.status_code < 300, answer.text
    return answer.json() if answer.content else None


async def saved(tab: Tab) -> None:
    await until(tab, f"{STATUS} === 'All changes saved'", what="the layout's autosave to succeed")


async def public_home(client: PlatformClient, slug: str) -> str:
    answer = await client.call("GET", f"/?{uuid.uuid4().hex[:6]}", slug=slug, headers={"accept": "text/html"})
    return answer.text if answer.status_code == 200 else ""


async def test_an_owner_starts_edits_and_publishes_the_header_and_footer(client: PlatformClient, mailbox) -> None:  # type: ignore[no-untyped-def]
    owner = await ready(client)
    home = await api(client, owner, "POST", "/api/cms/pages",
                     json={"slug": "/", "structure": page_tree("Maison Levain", "Bread worth the queue")})
    await api(client, owner, "POST", "/api/cms/pages",
              json={"slug": "/about", "structure": page_tree("About us", "Since 1998")})
    offers = await api(client, owner, "POST", "/api/cms/pages",
                       json={"slug": "/offers", "structure": page_tree("Offers", "This week", NO_ALT)})
    assert (await api(client, owner, "GET", "/api/cms/layout"))["header"] is None
    studio = f"http://{client.host(owner.slug)}/studio"
    seen: dict[str, list[str]] = {}
    with Chromium() as chromium:
        async with chromium.tab(f"{studio}/site", width=DESKTOP) as tab:
            await log_in(tab, owner.email)
            await shows(tab, "No header and footer yet")
            await screen(tab, "site-empty", seen)

            # Started from the pages: a link to each, the home page first; saved as "0" → 1.
            await click(tab, "Start a header and footer")
            await until(tab, "!!document.getElementById('prop-site-header_brand')", what="the header's form")
            hrefs = await tab.evaluate("[...document.querySelectorAll('input[id^=prop-site-header_links_][id$=_href]')]"
                                       ".map(e => e.value)")
            assert hrefs == ["/", "/about", "/offers"]
            await saved(tab)
            layout = await api(client, owner, "GET", "/api/cms/layout")
            assert [link["href"] for link in layout["header"]["props"]["links"]] == ["/", "/about", "/offers"]
            assert layout["footer"]["component"] == "Footer" and layout["live_revision"] is None

            # The brand and a nav label, changed in the generated form, saved and previewed in place.
            await tab.evaluate(f"{TYPE}('prop-site-header_brand', 'Maison Levain Boulangerie')")
            await tab.evaluate(f"{TYPE}('prop-site-header_links_1_label', 'Our story')")
            await saved(tab)
            layout = await api(client, owner, "GET", "/api/cms/layout")
            assert layout["header"]["props"]["brand"] == "Maison Levain Boulangerie"
            assert layout["header"]["props"]["links"][1] == {"label": "Our story", "href": "/about"}
            await until(tab, f"{PREVIEW_TEXT}.includes('Maison Levain Boulangerie')"
                             f" && {PREVIEW_TEXT}.includes('Our story')"
                             f" && {PREVIEW_TEXT}.includes('Bread worth the queue')", what="the header in the preview")
            await screen(tab, "site", seen)

            # All or none: the page without alt text refuses it, named and linked to its editor.
            await click(tab, "Publish the site")
            await shows(tab, "Nothing was published")
            refused = await tab.evaluate("[...document.querySelectorAll('tr.refused .page-refusal a')]"
                                         ".map(a => new URL(a.href).pathname)")
            assert refused == [f"/studio/pages/{offers['id']}"]
            assert "alt" in await tab.evaluate("document.querySelector('tr.refused .page-refusal').innerText")
            assert (await api(client, owner, "GET", f"/api/cms/pages/{home['id']}"))["is_published"] is False
            assert await public_home(client, owner.slug) == ""
            await screen(tab, "site-refused", seen)

            # Fixed (here through the API, as a colleague in the editor would): now it all goes live.
            described = {**NO_ALT, "props": {**NO_ALT["props"], "image_alt": "Rye loaves"}}
            fixed = page_tree("Offers", "This week", described)
            await api(client, owner, "PATCH", f"/api/cms/pages/{offers['id']}", json={"structure": fixed},
                      headers={"if-match": f'"{offers["revision"]}"'})
            await click(tab, "Publish the site")
            await shows(tab, "The site is live")
            live = await tab.evaluate("document.querySelector('.site-publish .notice-success a').href")
            assert live == f"http://{client.host(owner.slug)}/"
            layout = await api(client, owner, "GET", "/api/cms/layout")
            assert layout["live_revision"] == layout["revision"]

            async def header_live() -> bool:
                page = await public_home(client, owner.slug)
                return "Maison Levain Boulangerie" in page and "Our story" in page

            assert await eventually(header_live, True, within=10)
            states = "[...document.querySelectorAll('.site-pages td .state')].map(s => s.textContent)"
            await until(tab, f"{states}.length === 3 && {states}.every(s => s === 'Published · v1')",
                        what="every page published")
            await screen(tab, "site-published", seen)

    # A viewer reads the header, the footer and the pages' state, and is offered no change.
    viewer = await invited(client, mailbox, owner.slug, owner.token, "VIEWER")
    with Chromium() as chromium:
        async with chromium.tab(f"{studio}/site", width=DESKTOP) as tab:
            await log_in(tab, viewer)
            await shows(tab, "You are a viewer on this site")
            await until(tab, "!!document.getElementById('prop-site-header_brand')", what="the header's form")
            assert await tab.evaluate("document.getElementById('prop-site-header_brand').readOnly") is True
            assert await tab.evaluate("document.getElementById('prop-site-header_brand').value") \
                == "Maison Levain Boulangerie"
            assert not await tab.evaluate(
                "[...document.querySelectorAll('button')].some(b => b.textContent.trim().startsWith('Publish'))")
            await until(tab, f"{PREVIEW_TEXT}.includes('Our story')", what="the header in the viewer's preview")
            await nothing_changes(tab, "site")
            await screen(tab, "site-viewer", seen)
    assert {name: problems for name, problems in seen.items() if problems} == {}

"""Settings in the studio, by role, in Debian's Chromium through the gateway: the owner picks
another theme preset and the preview follows; the session lives in an HttpOnly, SameSite=Strict
cookie and comes back after a reload; an invited editor finds no Credits or Members (their
addresses explain why); a viewer sees the forms disabled. Every screen at 1280 and 375 px is
held to axe-core and kept as .data/screenshots/studio-settings-*.png."""

from __future__ import annotations

import json

import pytest

from services.gateway.studio import DIST
from tests.e2e.browser_audits import AXE
from tests.e2e.headless_chromium import Chromium, Tab, chromium_path
from tests.e2e.platform_client import PASSWORD, PlatformClient
from tests.e2e.studio_driver import DESKTOP, click, log_in, screen, shows, until
from tests.e2e.test_identity_members import invitation_token

pytestmark = pytest.mark.skipif(
    chromium_path() is None or not AXE.exists() or not (DIST / "index.html").exists(),
    reason="needs Debian's chromium, the audit tools (make browser) and the studio's build (make studio)")

PREVIEW_BG = "getComputedStyle(document.querySelector('.theme-preview')).backgroundColor"


async def open_page(tab: Tab, url: str) -> None:
    await tab.call("Page.navigate", url=url)
    await until(tab, f"location.href === {json.dumps(url)} && document.readyState === 'complete'", what=url)


async def invited(client: PlatformClient, mailbox, owner_slug: str, owner_token: str, role: str) -> str:  # type: ignore[no-untyped-def]
    email = f"{role.lower()}@{owner_slug}.example"
    asked = await client.call("POST", "/api/identity/invitations", slug=owner_slug, token=owner_token,
                              json={"email": email, "role": role})
    assert asked.status_code == 201, asked.text
    accepted = await client.call("POST", "/api/identity/invitations/accept", slug=owner_slug,
                                 json={"token": await invitation_token(mailbox, email), "password": PASSWORD})
    assert accepted.status_code == 200, accepted.text
    return email


async def test_settings_by_role_on_a_cookie_session(client: PlatformClient, mailbox) -> None:  # type: ignore[no-untyped-def]
    owner = await client.sign_up("settings")
    studio = f"http://{client.host(owner.slug)}/studio"
    seen: dict[str, list[str]] = {}
    with Chromium() as chromium:
        async with chromium.tab(f"{studio}/login", width=DESKTOP) as tab:
            await log_in(tab, owner.email)
            await click(tab, "Settings")
            await shows(tab, "Theme preset")
            await screen(tab, "settings-site", seen)

            # Another preset: the preview takes its colours at once, before anything is saved.
            before = await tab.evaluate(PREVIEW_BG)
            chosen = await tab.evaluate(f"""(() => {{
              const current = {PREVIEW_BG};
              const other = [...document.querySelectorAll('.preset')].find(p =>
                getComputedStyle(p.querySelector('.swatch')).backgroundColor !== current);
              other.querySelector('input').click();
              return other.querySelector('input').value;
            }})()""")
            after = await until(tab, f"{PREVIEW_BG} !== {json.dumps(before)} && {PREVIEW_BG}",
                                what="the preview's new colours")
            assert after != before
            await click(tab, "Save theme")
            await shows(tab, "Saved.")
            saved = await client.call("GET", "/api/identity/tenant", slug=owner.slug, token=owner.token)
            assert saved.json()["theme"]["preset"] == chosen

            # The session is a cookie script cannot read, sent to identity alone.
            cookies = {c["name"]: c for c in (await tab.call("Network.getCookies", urls=[f"http://{client.host(owner.slug)}/api/identity/token"]))["cookies"]}
            assert cookies["sb_refresh"]["httpOnly"] is True
            assert cookies["sb_refresh"]["sameSite"] == "Strict"
            assert cookies["sb_refresh"]["path"] == "/api/identity/"
            assert "sb_refresh" not in await tab.evaluate("document.cookie")

            # A reload keeps the studio: the cookie brings a new access token back.
            await open_page(tab, f"{studio}/settings/domain")
            await shows(tab, "No custom domain yet")
            assert await tab.evaluate("location.pathname") == "/studio/settings/domain"
            await screen(tab, "settings-domain", seen)
            for path, text, name in (("members", "Invite someone", "members"), ("api-keys", "Create key", "api-keys"),
                                     ("credits", "Download CSV", "credits"), ("shop", "Add a product", "shop")):
                await tab.evaluate(f"document.querySelector('.settings-nav a[href$=\"/settings/{path}\"]').click()")
                await shows(tab, text)
                await screen(tab, f"settings-{name}", seen)

            # An editor: no Members or Credits in the list, and their addresses say why.
            editor = await invited(client, mailbox, owner.slug, owner.token, "EDITOR")
            await tab.evaluate("document.querySelector('.account-button').click()")
            await click(tab, "Log out")
            await log_in(tab, editor)
            await open_page(tab, f"{studio}/settings/site")
            await shows(tab, "Theme preset")
            labels = await tab.evaluate("[...document.querySelectorAll('.settings-nav a')].map(a => a.textContent)")
            assert "Credits" not in labels and "Members" not in labels and "Shop" in labels
            await open_page(tab, f"{studio}/settings/credits")
            await shows(tab, "Your role cannot open this")
            await screen(tab, "settings-refused", seen)

            # A viewer reads the theme with every control disabled.
            viewer = await invited(client, mailbox, owner.slug, owner.token, "VIEWER")
            await tab.evaluate("document.querySelector('.account-button').click()")
            await click(tab, "Log out")
            await log_in(tab, viewer)
            await open_page(tab, f"{studio}/settings/site")
            await shows(tab, "You can look but not change this")
            await shows(tab, "Theme preset")
            assert await tab.evaluate("document.querySelector('.settings-form fieldset').disabled") is True
            assert not await tab.evaluate(
                "[...document.querySelectorAll('button')].some(b => b.textContent === 'Save theme')")
            await screen(tab, "settings-viewer", seen)
    assert {name: problems for name, problems in seen.items() if problems} == {}

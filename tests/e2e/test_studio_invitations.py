"""Arriving in a site's studio without its log-in screen, in Debian's Chromium through the
gateway: an invited EDITOR opens the mailed link on the site's host, chooses a password and
lands in the studio, where billing is not theirs (no Credits or Members in Settings, the
credits address says why, the billing API refuses their session's token); an existing account
joins a second site with its own password; and a person logged in on the platform's host
opens a site from "Your sites" and arrives signed in (the one-time code cannot be used twice).
Screens are held to axe-core at 1280 and 375 px and kept as .data/screenshots/studio-*.png."""

from __future__ import annotations

import json
from urllib.parse import urlsplit

import pytest

from services.gateway.studio import DIST
from tests.e2e.browser_audits import AXE
from tests.e2e.headless_chromium import Chromium, Tab, chromium_path
from tests.e2e.platform_client import PASSWORD, PlatformClient
from tests.e2e.studio_driver import DESKTOP, click, fill, screen, shows, until
from tests.e2e.test_browser_sessions import BROWSER, Browser, mailed_link
from tests.servers.smtp_sink import SmtpSink

pytestmark = pytest.mark.skipif(
    chromium_path() is None or not AXE.exists() or not (DIST / "index.html").exists(),
    reason="needs Debian's chromium, the audit tools (make browser) and the studio's build (make studio)")

# In the page, with the browser's own session: an access token from the refresh cookie (the
# way the studio gets one), and calls with it.
TOKEN_FROM_COOKIE = """(async (tenant) => {
  const csrf = decodeURIComponent(document.cookie.match(/(?:^|; )sb_csrf=([^;]*)/)[1]);
  const answer = await fetch('/api/identity/token', {method: 'POST', headers: {'content-type': 'application/json',
    'x-csrf-token': csrf}, body: JSON.stringify({tenant_id: tenant})});
  return (await answer.json()).access_token;
})"""
CALL = """(async (token, method, path) => (await fetch(path, {method, headers: {authorization: 'Bearer ' + token,
  'content-type': 'application/json'}, body: method === 'GET' ? undefined : '{}'})).status)"""
ME = "(async (token) => await (await fetch('/api/identity/me', {headers: {authorization: 'Bearer ' + token}})).json())"


async def session_token(tab: Tab, tenant_id: str) -> str:
    """An access token of the browser's session on this host, got as the studio gets one."""
    token = await tab.evaluate(f"{TOKEN_FROM_COOKIE}({json.dumps(tenant_id)})", await_promise=True)
    assert token, "the browser has no session on this host"
    return str(token)


async def status(tab: Tab, token: str, method: str, path: str) -> int:
    return int(await tab.evaluate(f"{CALL}({json.dumps(token)}, {json.dumps(method)}, {json.dumps(path)})",
                                  await_promise=True))


async def invite(client: PlatformClient, owner_slug: str, owner_token: str, email: str, role: str) -> None:
    invited = await client.call("POST", "/api/identity/invitations", slug=owner_slug, token=owner_token,
                                json={"email": email, "role": role})
    assert invited.status_code == 201, invited.text


async def test_an_invited_editor_joins_from_the_mailed_link_and_cannot_open_billing(
        client: PlatformClient, mailbox: SmtpSink) -> None:
    owner = await client.sign_up("invited")
    editor = f"editor@{owner.slug}.example"
    await invite(client, owner.slug, owner.token, editor, "EDITOR")
    link = await mailed_link(mailbox, editor, "accept-invitation")
    assert urlsplit(link).netloc == client.host(owner.slug) and urlsplit(link).path == "/studio/accept-invitation"
    seen: dict[str, list[str]] = {}
    with Chromium() as chromium:
        async with chromium.tab(link, width=DESKTOP) as tab:
            await shows(tab, "Join this site")
            await screen(tab, "accept-invitation", seen)
            await fill(tab, "Password", PASSWORD)
            await click(tab, "Join and open the studio")
            await shows(tab, "No pages yet")
            # Signed in (a cookie session), and the mailed token left the address bar.
            assert await tab.evaluate("location.pathname.replace(/\\/$/, '') + location.search") == "/studio"
            token = await session_token(tab, owner.tenant_id)
            me = await tab.evaluate(f"{ME}({json.dumps(token)})", await_promise=True)
            assert me["role"] == "EDITOR" and me["tenant_id"] == owner.tenant_id
            assert await tab.evaluate("document.querySelector('.account-button').textContent") != ""

            await click(tab, "Settings")
            await shows(tab, "Site & theme")
            sections = await tab.evaluate("[...document.querySelectorAll('.settings-nav a')].map(a => a.textContent)")
            assert "Site & theme" in sections and "Credits" not in sections and "Members" not in sections
            await screen(tab, "settings-editor", seen)

            # The credits address, opened directly (a reload: the session comes back from the cookie).
            await tab.call("Page.navigate", url=f"http://{client.host(owner.slug)}/studio/settings/credits")
            await shows(tab, "Your role cannot open this")
            await shows(tab, "Credits is for the site's owners; you are an editor here")
            await screen(tab, "credits-editor", seen)

            # The billing API refuses the editor's token; the owner's, its allowed twin, is served.
            token = await session_token(tab, owner.tenant_id)
            assert await status(tab, token, "GET", "/api/billing/ledger") == 403
            assert await status(tab, token, "GET", "/api/billing/usage") == 403
            assert await status(tab, owner.token, "GET", "/api/billing/ledger") == 200

            # The same mailed link again: used, and the screen says so, with the way on.
            await tab.call("Page.navigate", url=link)
            await shows(tab, "Join this site")
            await fill(tab, "Password", PASSWORD)
            await click(tab, "Join and open the studio")
            await shows(tab, "already used")
            await shows(tab, "Log in to this site")
            await screen(tab, "accept-invitation-used", seen)

    failing = {name: problems for name, problems in seen.items() if problems}
    assert len(seen) == 2 * 4 and not failing, json.dumps(failing, indent=1)


async def test_an_existing_account_joins_a_second_site_with_its_own_password(
        client: PlatformClient, mailbox: SmtpSink) -> None:
    person = await client.sign_up("person")  # an account (and a site of its own) already
    second = await client.sign_up("second")
    await invite(client, second.slug, second.token, person.email, "EDITOR")
    link = await mailed_link(mailbox, person.email, "accept-invitation")
    seen: dict[str, list[str]] = {}
    with Chromium() as chromium:
        async with chromium.tab(link, width=DESKTOP) as tab:
            await shows(tab, "Join this site")
            await fill(tab, "Password", "not the password of it")
            await click(tab, "Join and open the studio")
            await shows(tab, "this e-mail has an account: give its password")
            await shows(tab, "Forgot your password?")
            await screen(tab, "accept-invitation-wrong-password", seen)
            await fill(tab, "Password", PASSWORD)
            await click(tab, "Join and open the studio")
            await shows(tab, "No pages yet")
            token = await session_token(tab, second.tenant_id)
            me = await tab.evaluate(f"{ME}({json.dumps(token)})", await_promise=True)
            assert (me["account_id"], me["tenant_id"], me["role"]) == (person.account_id, second.tenant_id, "EDITOR")
    # Their own password still opens their first site: nothing about the account changed.
    own = await client.call("POST", "/api/identity/login", slug=person.slug,
                            json={"email": person.email, "password": PASSWORD})
    assert own.status_code == 200 and own.json()["role"] == "OWNER"
    failing = {name: problems for name, problems in seen.items() if problems}
    assert len(seen) == 2 and not failing, json.dumps(failing, indent=1)


# Before the click, the platform's page keeps the hand-off's answer in its own storage, so the
# test can try the code again afterwards (the page leaves, and the code leaves the address bar).
KEEP_HANDOFF = """(() => {
  const original = window.fetch;
  window.fetch = async (...args) => {
    const answer = await original(...args);
    if (String(args[0]).endsWith('/api/identity/handoffs') && answer.ok) {
      localStorage.setItem('test-handoff', JSON.stringify(await answer.clone().json()));
    }
    return answer;
  };
  return true;
})()"""


async def test_opening_a_site_from_your_sites_arrives_signed_in_and_the_code_works_once(
        client: PlatformClient) -> None:
    owner = await client.sign_up("handoff")
    platform = f"http://{client.host()}"
    site = f"http://{client.host(owner.slug)}"
    seen: dict[str, list[str]] = {}
    with Chromium() as chromium:
        async with chromium.tab(f"{platform}/studio/login", width=DESKTOP) as tab:
            await shows(tab, "Log in")
            await fill(tab, "E-mail", owner.email)
            await fill(tab, "Password", PASSWORD)
            await click(tab, "Log in")
            await until(tab, "!!document.querySelector('a.site-link')", what="your sites")
            assert await tab.evaluate(KEEP_HANDOFF)
            await tab.evaluate("document.querySelector('a.site-link').click()")
            await until(tab, f"location.origin === {json.dumps(site)}", what="the site's host")
            await shows(tab, "No pages yet")
            # No code in the address (nor in the history: the hand-off's entry was replaced).
            assert await tab.evaluate("location.href.replace(/\\/$/, '')") == f"{site}/studio"
            assert "sb_csrf=" in await tab.evaluate("document.cookie")  # a session of this host's own
            token = await session_token(tab, owner.tenant_id)
            me = await tab.evaluate(f"{ME}({json.dumps(token)})", await_promise=True)
            assert (me["account_id"], me["role"]) == (owner.account_id, "OWNER")

            await tab.call("Page.navigate", url=f"{platform}/studio/")
            await shows(tab, "Your sites")
            handoff = json.loads(await tab.evaluate("localStorage.getItem('test-handoff')"))
            assert handoff["url"].startswith(f"{site}/studio/handoff#code=sbh_")
            # The same code again, in a browser of its own: refused, and the log-in offered.
        async with chromium.tab(handoff["url"], width=DESKTOP) as again:
            await shows(again, "already used")
            await shows(again, "Log in to this site")
            assert await again.evaluate("location.hash") == ""
            await screen(again, "handoff-refused", seen)
            await click(again, "Log in")
            await shows(again, "E-mail")
            assert await again.evaluate("location.pathname") == "/studio/login"
    failing = {name: problems for name, problems in seen.items() if problems}
    assert len(seen) == 2 and not failing, json.dumps(failing, indent=1)


async def test_a_handoff_is_made_on_the_platform_host_for_a_member_and_redeemed_on_its_site_only(
        client: PlatformClient) -> None:
    owner, stranger = await client.sign_up("handapi"), await client.sign_up("handstranger")
    platform = Browser(client, None)
    assert (await platform.log_in(owner.email)).status_code == 200
    # From another site's page, or without the CSRF token: refused, and nothing is made.
    cross = await platform.call("/api/identity/handoffs", {"tenant_id": owner.tenant_id},
                                origin=f"http://{client.host(owner.slug)}")
    assert cross.status_code == 403 and cross.json()["extensions"]["missing"] == "same-origin"
    assert (await platform.call("/api/identity/handoffs", {"tenant_id": owner.tenant_id}, csrf=None)).status_code == 403
    not_member = await platform.call("/api/identity/handoffs", {"tenant_id": stranger.tenant_id})
    assert not_member.status_code == 403
    made = await platform.call("/api/identity/handoffs", {"tenant_id": owner.tenant_id})
    assert made.status_code == 201, made.text
    code = made.json()["code"]

    # A site's host does not make codes (its pages share its origin).
    on_site = Browser(client, owner.slug)
    assert (await on_site.log_in(owner.email)).status_code == 200
    assert (await on_site.call("/api/identity/handoffs", {"tenant_id": owner.tenant_id})).status_code == 403

    # Redeemed on another site's host: not found there; on its own host it works, once.
    elsewhere = Browser(client, stranger.slug)
    refused = await elsewhere.call("/api/identity/handoffs/redeem", {"code": code}, **BROWSER)
    assert refused.status_code == 401 and refused.json()["extensions"]["reason"] == "unknown"
    assert refused.headers["content-type"].startswith("application/problem+json")
    arriving = Browser(client, owner.slug)
    redeemed = await arriving.call("/api/identity/handoffs/redeem", {"code": code}, **BROWSER)
    assert redeemed.status_code == 200, redeemed.text
    assert redeemed.json()["role"] == "OWNER" and "refresh_token" not in redeemed.json()
    assert {"sb_refresh", "sb_csrf"} <= set(arriving.jar)
    twice = await arriving.call("/api/identity/handoffs/redeem", {"code": code}, **BROWSER)
    assert twice.status_code == 401 and twice.json()["extensions"]["reason"] == "used"

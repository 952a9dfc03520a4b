"""Browser sessions through the gateway, as the studio makes them (services/identity/README.md,
Browser sessions): the refresh token in an HttpOnly cookie, CSRF defences on every call the
cookie authenticates, rotation, log-out, log-out everywhere; and every link the platform
mails lands on a studio page, on the right host, with a token the API takes."""

import asyncio
import re
import uuid
from urllib.parse import urlsplit

import httpx

from tests.e2e.platform_client import PASSWORD, PlatformClient, SignedUp, another_address
from tests.servers.smtp_sink import SmtpSink

BROWSER = {"x-session": "cookie"}


class Browser:
    """One browser's cookie jar on one host: what it stored from Set-Cookie, sent back as a
    browser would (the refresh cookie only under /api/identity/, where its Path scopes it)."""

    def __init__(self, client: PlatformClient, slug: str | None = None) -> None:
        self.client, self.slug = client, slug
        self.origin = f"http://{client.host(slug)}"
        self.jar: dict[str, str] = {}
        self.set_cookies: dict[str, str] = {}  # the newest Set-Cookie of each name, whole

    def store(self, answer: httpx.Response) -> httpx.Response:
        for header in answer.headers.get_list("set-cookie"):
            name, value = header.split(";", 1)[0].split("=", 1)
            self.set_cookies[name] = header
            value = value.strip('"')
            if re.search(r"max-age=0\b", header, re.I):
                self.jar.pop(name, None)
            else:
                self.jar[name] = value
        return answer

    async def call(self, path: str, body: dict | None = None, *, csrf: str | None = "from-cookie",
                   **headers: str) -> httpx.Response:
        sent = {"origin": self.origin, "content-type": "application/json", **headers}
        if csrf == "from-cookie" and "sb_csrf" in self.jar:
            sent["x-csrf-token"] = self.jar["sb_csrf"]
        elif csrf not in (None, "from-cookie"):
            sent["x-csrf-token"] = csrf
        if self.jar and "cookie" not in headers:
            sent["cookie"] = "; ".join(f"{k}={v}" for k, v in self.jar.items())
        sent = {k: v for k, v in sent.items() if v != ""}
        return self.store(await self.client.call("POST", path, slug=self.slug, json=body or {}, headers=sent))

    async def log_in(self, email: str) -> httpx.Response:
        return await self.call("/api/identity/login", {"email": email, "password": PASSWORD}, **BROWSER)


def attributes(set_cookie: str) -> dict[str, str]:
    return {key.strip().lower(): value for key, _, value in (part.partition("=") for part in set_cookie.split(";")[1:])}


async def test_a_browser_session_lives_in_cookies_rotates_and_is_defended(client: PlatformClient) -> None:
    owner = await client.sign_up("cookie")
    browser = Browser(client, owner.slug)
    # A client's own X-Forwarded-Proto does not count (it is not a trusted proxy): no Secure.
    opened = await browser.call("/api/identity/login", {"email": owner.email, "password": PASSWORD},
                                **BROWSER, **{"x-forwarded-proto": "https"})
    assert opened.status_code == 200, opened.text
    body = opened.json()
    assert "refresh_token" not in body and body["access_token"] and body["csrf_token"] == browser.jar["sb_csrf"]
    refresh = attributes(browser.set_cookies["sb_refresh"])
    assert {"httponly", "path", "samesite"} <= set(refresh) and "secure" not in refresh
    assert refresh["path"] == "/api/identity/" and refresh["samesite"].lower() == "strict"
    csrf_cookie = attributes(browser.set_cookies["sb_csrf"])
    assert "httponly" not in csrf_cookie and csrf_cookie["path"] == "/" and csrf_cookie["samesite"].lower() == "strict"

    # The refresh token rotates through the cookie; the access token works.
    first_refresh = browser.jar["sb_refresh"]
    renewed = await browser.call("/api/identity/token", {"tenant_id": owner.tenant_id})
    assert renewed.status_code == 200, renewed.text
    assert "refresh_token" not in renewed.json() and browser.jar["sb_refresh"] != first_refresh
    me = await client.call("GET", "/api/identity/me", slug=owner.slug, token=renewed.json()["access_token"])
    assert me.status_code == 200 and me.json()["account_id"] == owner.account_id

    # Refusals, each with what was missing; none of them spends the token.
    no_header = await browser.call("/api/identity/token", {"tenant_id": owner.tenant_id}, csrf=None)
    assert no_header.status_code == 403 and no_header.json()["extensions"]["missing"] == "X-CSRF-Token"
    assert no_header.headers["content-type"].startswith("application/problem+json")
    wrong = await browser.call("/api/identity/token", {"tenant_id": owner.tenant_id}, csrf="not-the-token")
    assert wrong.status_code == 403 and wrong.json()["extensions"]["missing"] == "X-CSRF-Token"
    cross_site = await browser.call("/api/identity/token", {"tenant_id": owner.tenant_id},
                                    origin=f"http://{client.host('another-tenant')}")
    assert cross_site.status_code == 403 and cross_site.json()["extensions"]["missing"] == "same-origin"
    by_referer = await browser.call("/api/identity/token", {"tenant_id": owner.tenant_id}, origin="",
                                    referer="http://evil.example/")
    assert by_referer.status_code == 403 and by_referer.json()["extensions"]["missing"] == "same-origin"
    csrf_value = browser.jar.pop("sb_csrf")
    no_cookie = await browser.call("/api/identity/token", {"tenant_id": owner.tenant_id}, csrf=csrf_value)
    assert no_cookie.status_code == 403 and no_cookie.json()["extensions"]["missing"] == "sb_csrf"
    browser.jar["sb_csrf"] = csrf_value

    # Another session's CSRF token (cookie and header agree, so only the session tells).
    other = Browser(client, owner.slug)
    assert (await other.log_in(owner.email)).status_code == 200
    foreign = await browser.call("/api/identity/token", {"tenant_id": owner.tenant_id}, csrf=other.jar["sb_csrf"],
                                 cookie=f"sb_refresh={browser.jar['sb_refresh']}; sb_csrf={other.jar['sb_csrf']}")
    assert foreign.status_code == 403 and "another session" in foreign.json()["detail"]

    # The allowed twin after all those refusals: the session is intact.
    again = await browser.call("/api/identity/token", {"tenant_id": owner.tenant_id})
    assert again.status_code == 200, again.text

    # A copied refresh cookie coming back after rotation still revokes the session.
    stolen = await browser.call("/api/identity/token", {"tenant_id": owner.tenant_id},
                                cookie=f"sb_refresh={first_refresh}; sb_csrf={browser.jar['sb_csrf']}")
    assert stolen.status_code == 401


async def test_a_browser_the_owner_logged_in_from_is_not_locked_out_by_a_stranger(client: PlatformClient) -> None:
    owner = await client.sign_up("device")
    browser = Browser(client, owner.slug)
    assert (await browser.log_in(owner.email)).status_code == 200
    device = attributes(browser.set_cookies["sb_device"])
    assert {"httponly", "path", "samesite", "max-age"} <= set(device) and device["path"] == "/api/identity/"
    client.http.cookies.clear()  # httpx keeps what any answer set: the stranger has none of the owner's cookies
    for attempt in range(6):  # a stranger who knows the address, from addresses of their own
        await client.call("POST", "/api/identity/login", slug=owner.slug,
                          json={"email": owner.email, "password": f"wrong-{attempt}"})
    locked = await Browser(client, owner.slug).log_in(owner.email)  # a browser the owner never used
    assert locked.status_code == 429
    client.http.cookies.clear()
    again = await browser.log_in(owner.email)
    assert again.status_code == 200, again.text  # the owner's own browser


async def test_log_out_clears_the_cookies_and_ends_the_session(client: PlatformClient) -> None:
    owner = await client.sign_up("cookieout")
    browser = Browser(client, owner.slug)
    assert (await browser.log_in(owner.email)).status_code == 200
    refresh = browser.jar["sb_refresh"]
    cross_site = await browser.call("/api/identity/logout", origin="http://evil.example")
    assert cross_site.status_code == 403  # nobody logs you out from another site
    out = await browser.call("/api/identity/logout")
    assert out.status_code == 204
    for name in ("sb_refresh", "sb_csrf"):
        assert attributes(browser.set_cookies[name])["max-age"] == "0"
    assert set(browser.jar) == {"sb_device"}  # the session is gone; the browser stays one the owner used
    after = await client.call("POST", "/api/identity/token", slug=owner.slug,
                              json={"refresh_token": refresh, "tenant_id": owner.tenant_id})
    assert after.status_code == 401


async def test_log_out_everywhere_ends_every_session_of_the_account(client: PlatformClient) -> None:
    owner = await client.sign_up("everywhere")
    laptop, phone = Browser(client, owner.slug), Browser(client, None)
    assert (await laptop.log_in(owner.email)).status_code == 200
    platform = await phone.log_in(owner.email)  # the platform host's studio: a session and the tenants
    assert platform.status_code == 200 and "refresh_token" not in platform.json()
    assert owner.slug in {t["slug"] for t in platform.json()["tenants"]}
    listed = await phone.call("/api/identity/sessions/tenants")
    assert listed.status_code == 200 and owner.tenant_id in {t["tenant_id"] for t in listed.json()}
    api_client = (await client.call("POST", "/api/identity/login",
                                    json={"email": owner.email, "password": PASSWORD})).json()["refresh_token"]
    # Another account's session stays untouched.
    stranger = await client.sign_up("bystander")
    bystander = (await client.call("POST", "/api/identity/login",
                                   json={"email": stranger.email, "password": PASSWORD})).json()["refresh_token"]

    refused = await laptop.call("/api/identity/sessions/revoke-all", csrf=None)
    assert refused.status_code == 403
    ended = await laptop.call("/api/identity/sessions/revoke-all")
    assert ended.status_code == 200, ended.text
    assert ended.json()["revoked"] == 4  # the laptop, the phone, the API client and sign-up's
    assert set(laptop.jar) == {"sb_device"}

    phone_refresh = await phone.call("/api/identity/sessions/tenants")
    assert phone_refresh.status_code == 401
    json_refresh = await client.call("POST", "/api/identity/token",
                                     json={"refresh_token": api_client, "tenant_id": owner.tenant_id})
    assert json_refresh.status_code == 401
    kept = await client.call("POST", "/api/identity/token",
                             json={"refresh_token": bystander, "tenant_id": stranger.tenant_id})
    assert kept.status_code == 200


async def test_the_json_flow_for_api_clients_is_unchanged(client: PlatformClient) -> None:
    owner = await client.sign_up("jsonflow")
    login = await client.call("POST", "/api/identity/login", slug=owner.slug,
                              json={"email": owner.email, "password": PASSWORD})
    assert login.status_code == 200 and login.json()["refresh_token"].startswith("sbr_")
    assert "csrf_token" not in login.json() and "set-cookie" not in login.headers
    # No Origin, no CSRF token: a refresh token in the body is not ambient authority.
    renewed = await client.call("POST", "/api/identity/token", slug=owner.slug,
                                json={"refresh_token": login.json()["refresh_token"], "tenant_id": owner.tenant_id})
    assert renewed.status_code == 200 and renewed.json()["refresh_token"].startswith("sbr_")
    everywhere = await client.call("POST", "/api/identity/sessions/revoke-all",
                                   json={"refresh_token": renewed.json()["refresh_token"]})
    assert everywhere.status_code == 200 and everywhere.json()["revoked"] >= 1
    # Without a body token a call is a cookie call, and must pass the CSRF defences.
    bare = await client.call("POST", "/api/identity/token", slug=owner.slug, json={"tenant_id": owner.tenant_id})
    assert bare.status_code == 403


async def mailed_link(mailbox: SmtpSink, email: str, marker: str) -> str:
    for _ in range(200):  # the mail worker delivers within about a second
        for message in reversed(mailbox.to(email)):
            found = re.search(r"https?://\S+", message.get_content())
            if found and marker in found.group(0):
                return found.group(0)
        await asyncio.sleep(0.05)
    raise AssertionError(f"no {marker} link mailed to {email}")


async def test_every_mailed_link_lands_on_a_studio_page_whose_token_works(client: PlatformClient,
                                                                         mailbox: SmtpSink) -> None:
    platform_origin = f"http://{client.host()}"
    # Sign-up: the platform host's studio; the link's token confirms, in a browser session.
    slug = f"mailed-{uuid.uuid4().hex[:8]}"
    email = f"owner@{slug}.example"
    async with httpx.AsyncClient(base_url=str(client.http.base_url),
                                 transport=httpx.AsyncHTTPTransport(local_address=another_address())) as person:
        asked = await person.post("/api/identity/signup", headers={"host": client.host()}, json={
            "slug": slug, "name": "Mailed", "email": email, "password": PASSWORD})
        assert asked.status_code == 202
    link = urlsplit(await mailed_link(mailbox, email, "confirm-signup"))
    assert f"{link.scheme}://{link.netloc}" == platform_origin and link.path == "/studio/confirm-signup"
    browser = Browser(client, None)
    confirmed = await browser.call("/api/identity/signup/confirm", {"token": link.query.removeprefix("token=")},
                                   **BROWSER)
    assert confirmed.status_code == 201, confirmed.text
    assert "refresh_token" not in confirmed.json()["token"] and "sb_refresh" in browser.jar
    owner = SignedUp(slug=slug, tenant_id=confirmed.json()["tenant_id"], email=email,
                     account_id=confirmed.json()["token"]["account_id"],
                     token=confirmed.json()["token"]["access_token"])

    # Invitation: the tenant host's studio; accepting with a password opens a browser session there.
    invited = f"editor-{uuid.uuid4().hex[:6]}@example.com"
    made = await client.call("POST", "/api/identity/invitations", slug=owner.slug, token=owner.token,
                             json={"email": invited, "role": "EDITOR"})
    assert made.status_code == 201
    link = urlsplit(await mailed_link(mailbox, invited, "accept-invitation"))
    assert f"{link.scheme}://{link.netloc}" == f"http://{client.host(owner.slug)}"
    assert link.path == "/studio/accept-invitation"
    editor = Browser(client, owner.slug)
    accepted = await editor.call("/api/identity/invitations/accept",
                                 {"token": link.query.removeprefix("token="), "password": PASSWORD}, **BROWSER)
    assert accepted.status_code == 200, accepted.text
    assert accepted.json()["role"] == "EDITOR" and "sb_refresh" in editor.jar
    renewed = await editor.call("/api/identity/token", {"tenant_id": owner.tenant_id})
    assert renewed.status_code == 200 and renewed.json()["role"] == "EDITOR"

    # Password reset: the platform host's studio; the token sets the password, once.
    asked = await client.call("POST", "/api/identity/password-reset", json={"email": invited})
    assert asked.status_code == 202
    link = urlsplit(await mailed_link(mailbox, invited, "reset-password"))
    assert f"{link.scheme}://{link.netloc}" == platform_origin and link.path == "/studio/reset-password"
    new_password = "a-new-long-password"
    reset = await client.call("POST", "/api/identity/password-reset/confirm",
                              json={"token": link.query.removeprefix("token="), "password": new_password})
    assert reset.status_code == 204
    # The reset ended the editor's sessions, the browser's included; the new password works.
    assert (await editor.call("/api/identity/token", {"tenant_id": owner.tenant_id})).status_code == 401
    login = await client.call("POST", "/api/identity/login", json={"email": invited, "password": new_password})
    assert login.status_code == 200

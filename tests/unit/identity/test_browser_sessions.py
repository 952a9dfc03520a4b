"""Browser sessions: the cookies' attributes and the CSRF defences, derived from the rules
(README: Browser sessions). Every refusal has its allowed twin."""

import uuid
from http.cookies import SimpleCookie

import pytest

from services.identity.browser_sessions import (
    CSRF_COOKIE,
    REFRESH_COOKIE,
    CsrfRefused,
    cleared_cookies,
    cookie_call,
    cookies_secure,
    session_cookies,
    wants_cookie,
)
from services.identity.tokens import csrf_matches, csrf_token

SITE = "http://acme.localhost:8000"
SECRET = "an-internal-secret-for-tests"


def attributes(cookie_header: str) -> dict[str, str | bool]:
    """The attributes of one Set-Cookie value, names lower-cased, as a browser reads them."""
    name_value, *attrs = [part.strip() for part in cookie_header.split(";")]
    parsed: dict[str, str | bool] = {"name": name_value.split("=", 1)[0], "value": name_value.split("=", 1)[1]}
    for attr in attrs:
        key, _, value = attr.partition("=")
        parsed[key.lower()] = value if value else True
    return parsed


def set_cookies(*, secure: bool) -> dict[str, dict[str, str | bool]]:
    cookies = session_cookies("sbr_refresh-token-value", "csrf-value", max_age=3600, secure=secure)
    headers = [cookie.to_encoded_header()[1].decode() for cookie in cookies]
    return {str(attributes(h)["name"]): attributes(h) for h in headers}


@pytest.mark.parametrize("secure", [False, True])
def test_the_refresh_cookie_is_http_only_strict_and_scoped_to_the_identity_api(secure: bool) -> None:
    refresh = set_cookies(secure=secure)[REFRESH_COOKIE]
    assert refresh["value"] == "sbr_refresh-token-value"
    assert refresh["httponly"] is True
    assert str(refresh["samesite"]).lower() == "strict"
    assert refresh["path"] == "/api/identity/"
    assert refresh["max-age"] == "3600"
    assert "domain" not in refresh  # host-only: no sibling tenant host ever receives it
    assert ("secure" in refresh) is secure


@pytest.mark.parametrize("secure", [False, True])
def test_the_csrf_cookie_is_readable_by_the_page_and_strict(secure: bool) -> None:
    csrf = set_cookies(secure=secure)[CSRF_COOKIE]
    assert csrf["value"] == "csrf-value"
    assert "httponly" not in csrf  # the studio reads it to echo it
    assert str(csrf["samesite"]).lower() == "strict" and csrf["path"] == "/"
    assert ("secure" in csrf) is secure and "domain" not in csrf


def test_log_out_expires_both_cookies_on_the_paths_they_were_set() -> None:
    cleared = {str(a["name"]): a for a in (attributes(c.to_encoded_header()[1].decode())
                                           for c in cleared_cookies(secure=False))}
    assert cleared[REFRESH_COOKIE]["max-age"] == "0" and cleared[REFRESH_COOKIE]["path"] == "/api/identity/"
    assert cleared[CSRF_COOKIE]["max-age"] == "0" and cleared[CSRF_COOKIE]["path"] == "/"
    # A browser parses what we send: both cookies, emptied.
    jar: SimpleCookie = SimpleCookie()
    for cookie in cleared_cookies(secure=False):
        jar.load(cookie.to_encoded_header()[1].decode())
    assert {name: morsel.value for name, morsel in jar.items()} == {REFRESH_COOKIE: "", CSRF_COOKIE: ""}


def test_secure_follows_the_scheme_the_gateway_forwarded_or_the_public_address() -> None:
    assert cookies_secure({"x-forwarded-proto": "https"}, SITE) is True
    assert cookies_secure({"x-forwarded-proto": "http"}, SITE) is False
    assert cookies_secure({}, SITE) is False
    assert cookies_secure({"x-forwarded-proto": "http"}, "https://acme.example.com") is True


def test_only_the_session_header_asks_for_cookies() -> None:
    assert wants_cookie({"x-session": "cookie"}) and wants_cookie({"x-session": " Cookie "})
    assert not wants_cookie({}) and not wants_cookie({"x-session": "json"})


def browser_call(**changes: str | None) -> tuple[dict[str, str], dict[str, str]]:
    """A cookie-authenticated call as the studio makes it, with `changes` (None drops one)."""
    parts: dict[str, str | None] = {"origin": SITE, "referer": None, "x-csrf-token": "csrf-value",
                                    "cookie:sb_csrf": "csrf-value", "cookie:sb_refresh": "sbr_x"}
    parts.update(changes)
    headers = {k: v for k, v in parts.items() if v is not None and not k.startswith("cookie:")}
    cookies = {k.removeprefix("cookie:"): v for k, v in parts.items() if v is not None and k.startswith("cookie:")}
    return headers, cookies


def refusal(**changes: str | None) -> CsrfRefused:
    headers, cookies = browser_call(**changes)
    with pytest.raises(CsrfRefused) as refused:
        cookie_call(headers, cookies, SITE)
    assert refused.value.status == 403
    return refused.value


def test_the_studios_own_call_passes() -> None:
    assert cookie_call(*browser_call(), SITE) == ("sbr_x", "csrf-value")
    # A browser that sent no Origin but a Referer of a page of this host passes too.
    assert cookie_call(*browser_call(origin=None, referer=f"{SITE}/studio/pages"), SITE)[1] == "csrf-value"


def test_no_csrf_header_is_refused_and_named() -> None:
    refused = refusal(**{"x-csrf-token": None})
    assert refused.extensions == {"missing": "X-CSRF-Token"} and "X-CSRF-Token" in str(refused.detail)


def test_a_wrong_csrf_header_is_refused() -> None:
    assert "does not match" in str(refusal(**{"x-csrf-token": "csrf-valuf"}).detail)
    assert "does not match" in str(refusal(**{"x-csrf-token": "csrf-value-and-more"}).detail)


def test_no_csrf_cookie_is_refused_and_named() -> None:
    refused = refusal(**{"cookie:sb_csrf": None})
    assert refused.extensions == {"missing": "sb_csrf"}


def test_a_cross_site_origin_is_refused_even_with_both_tokens() -> None:
    for origin in ("http://evil.example", "http://other-tenant.localhost:8000",  # a sibling tenant: same site
                   "http://acme.localhost:8001", "https://acme.localhost:8000", "null"):
        assert refusal(origin=origin).extensions == {"missing": "same-origin"}, origin


def test_no_origin_and_a_cross_site_referer_is_refused() -> None:
    assert refusal(origin=None, referer="http://evil.example/page").extensions == {"missing": "same-origin"}
    assert refusal(origin=None, referer=None).extensions == {"missing": "Origin"}


def test_a_host_whose_origin_is_unknown_refuses_every_cookie_call() -> None:
    headers, cookies = browser_call(origin="null")
    with pytest.raises(CsrfRefused):
        cookie_call(headers, cookies, "")  # "null" must not match an unknown origin


def test_a_csrf_token_belongs_to_one_session_only() -> None:
    mine, theirs = uuid.uuid4(), uuid.uuid4()
    token = csrf_token(SECRET, mine)
    assert csrf_matches(SECRET, mine, token)
    assert csrf_token(SECRET, mine) == token  # stable for the session: refresh rotation does not change it
    assert not csrf_matches(SECRET, theirs, token)  # another session's token
    assert not csrf_matches("another-secret", mine, token)  # forged without identity's secret
    assert not csrf_matches(SECRET, mine, token[:-1])

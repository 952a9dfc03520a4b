"""Sessions for a browser: the refresh token in an HttpOnly cookie that only identity's API
receives, and the CSRF defences every call authenticated by that cookie must pass. Pure
rules over headers; the session a CSRF token belongs to is checked by the use cases."""

from __future__ import annotations

import hmac
from collections.abc import Mapping
from urllib.parse import urlsplit

from litestar.datastructures import Cookie

from shared.errors import Forbidden

SESSION_MODE_HEADER = "x-session"  # `X-Session: cookie` asks for a browser session
REFRESH_COOKIE = "sb_refresh"
DEVICE_COOKIE = "sb_device"  # the browser logged in here before: its own lock-out count (accounts.login_keys)
DEVICE_COOKIE_AGE = 365 * 24 * 3600
CSRF_COOKIE = "sb_csrf"
CSRF_HEADER = "x-csrf-token"
# The gateway serves identity under this prefix: no other path (no page, no other service)
# ever receives the refresh token.
REFRESH_COOKIE_PATH = "/api/identity/"


class CsrfRefused(Forbidden):
    code, title = "csrf", "Cross-site request refused"


def wants_cookie(headers: Mapping[str, str]) -> bool:
    """Whether the client asked for a browser session. A custom header also cannot be sent
    cross-site without a CORS preflight, which the gateway never grants with credentials."""
    return headers.get(SESSION_MODE_HEADER, "").strip().lower() == "cookie"


def cookies_secure(headers: Mapping[str, str], site_origin: str) -> bool:
    """Whether the cookies get `Secure`: the client reached the platform over TLS, as the
    gateway says (it replaces any X-Forwarded-Proto a client sent), or the site's public
    address is https (then a plain-http hop must not receive them either)."""
    forwarded = headers.get("x-forwarded-proto", "").split(",")[0].strip().lower()
    return forwarded == "https" or site_origin.lower().startswith("https://")


def session_cookies(refresh_token: str, csrf_token: str, *, max_age: int, secure: bool) -> list[Cookie]:
    """The refresh token (script cannot read it, only identity's API receives it) and the
    CSRF token (script reads it to echo it in X-CSRF-Token), for as long as the session."""
    return [
        Cookie(key=REFRESH_COOKIE, value=refresh_token, path=REFRESH_COOKIE_PATH, max_age=max_age,
               httponly=True, samesite="strict", secure=secure or None),
        Cookie(key=CSRF_COOKIE, value=csrf_token, path="/", max_age=max_age, httponly=False,
               samesite="strict", secure=secure or None),
    ]


def device_cookie(token: str, *, secure: bool) -> Cookie:
    """The device token, for a year, sent only to identity's API and never readable by script.
    Logging out keeps it: the browser is still one the account has used."""
    return Cookie(key=DEVICE_COOKIE, value=token, path=REFRESH_COOKIE_PATH, max_age=DEVICE_COOKIE_AGE,
                  httponly=True, samesite="strict", secure=secure or None)


def cleared_cookies(*, secure: bool) -> list[Cookie]:
    """Both cookies, expired: the browser forgets the session."""
    return [
        Cookie(key=REFRESH_COOKIE, value="", path=REFRESH_COOKIE_PATH, max_age=0, httponly=True,
               samesite="strict", secure=secure or None),
        Cookie(key=CSRF_COOKIE, value="", path="/", max_age=0, samesite="strict", secure=secure or None),
    ]


def origin_of(url: str) -> str:
    """scheme://host[:port] of a URL, lower case; "" when it has none."""
    parts = urlsplit(url.strip())
    if not parts.scheme or not parts.netloc:
        return ""
    return f"{parts.scheme}://{parts.netloc}".lower()


def check_same_origin(headers: Mapping[str, str], expected: str) -> None:
    """The request comes from a page of this very host: its Origin, or when a browser sent
    none its Referer, names `expected`. Exactly this host, not merely the same site: every
    tenant's host is a sibling under the platform's domain, so SameSite alone would let one
    tenant's page call another's identity API with its cookies."""
    expected = origin_of(expected)
    if not expected:  # a request that did not come through the gateway: nothing to compare with
        raise CsrfRefused("this host's origin is unknown; call through the gateway", missing="same-origin")
    origin = headers.get("origin", "").strip()
    if origin:
        if origin_of(origin) != expected:
            raise CsrfRefused(f"the request came from {origin!r}, not from {expected!r}", missing="same-origin")
        return
    referer = headers.get("referer", "")
    if not referer:
        raise CsrfRefused("no Origin or Referer header: a browser sends one; this call needs it",
                          missing="Origin")
    if origin_of(referer) != expected:
        raise CsrfRefused(f"the request came from a page of {origin_of(referer)!r}, not of {expected!r}",
                          missing="same-origin")


def check_double_submit(headers: Mapping[str, str], cookies: Mapping[str, str]) -> str:
    """The CSRF token a page echoed in X-CSRF-Token, equal to the sb_csrf cookie (a page of
    another site can neither read the cookie nor set the header); the use case then checks
    that it belongs to the session."""
    cookie = cookies.get(CSRF_COOKIE, "")
    header = headers.get(CSRF_HEADER, "")
    if not cookie:
        raise CsrfRefused(f"no {CSRF_COOKIE} cookie: log in again", missing=CSRF_COOKIE)
    if not header:
        raise CsrfRefused(f"no X-CSRF-Token header: echo the {CSRF_COOKIE} cookie in it", missing="X-CSRF-Token")
    if not hmac.compare_digest(header.encode(), cookie.encode()):
        raise CsrfRefused(f"X-CSRF-Token does not match the {CSRF_COOKIE} cookie", missing="X-CSRF-Token")
    return header


def cookie_call(headers: Mapping[str, str], cookies: Mapping[str, str], expected_origin: str) -> tuple[str, str]:
    """(refresh token, CSRF token) of a call authenticated by the session cookie, once the
    request passed both defences, each of which holds without the other and without SameSite."""
    check_same_origin(headers, expected_origin)
    csrf = check_double_submit(headers, cookies)
    return cookies.get(REFRESH_COOKIE, ""), csrf

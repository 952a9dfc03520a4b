"""A service's Set-Cookie headers reach the client as written, every one of them (an answer's
headers travel in a dict, which would keep only the last)."""

from litestar import Response, get
from litestar.testing import create_test_client

from services.gateway.proxy import PassedCookie

WRITTEN = ["sb_refresh=sbr_x; HttpOnly; Max-Age=60; Path=/api/identity/; SameSite=strict",
           "sb_csrf=abc; Max-Age=60; Path=/; SameSite=strict"]


@get("/passed", sync_to_thread=False)
def passed() -> Response[bytes]:
    return Response(b"{}", headers={"content-type": "application/json"},
                    cookies=[PassedCookie(key="", header=value) for value in WRITTEN])


def test_every_set_cookie_passes_byte_for_byte() -> None:
    with create_test_client([passed]) as client:
        answer = client.get("/passed")
    assert answer.headers.get_list("set-cookie") == WRITTEN
    assert set(answer.cookies) == {"sb_refresh", "sb_csrf"}

"""The probe's input-boundary findings, through the gateway, each beside its allowed twin:
no answer carries the database driver's words; a NUL in any text (JSON body, query string,
a file's name) is a 400 saying so (shared/bodies.py); an integer past the integer column is
a 422 naming the field; an If-Match past any revision, or weak, is a 412 (services/cms/http.py);
a currency is one the shop can charge in; a pattern takes no trailing newline and a link no
control character (shared/patterns.py, services/cms/registry.py)."""

from __future__ import annotations

import json
import uuid
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from tests.e2e.platform_client import PASSWORD, PlatformClient, SignedUp, another_address
from tests.e2e.test_assets import png

DRIVER_WORDS = ("query argument", "int32", "invalid byte sequence", "Unicode escape", "0x00", "$1", "$2", "$10")
INT4_PAST = 2**31


@pytest.fixture(scope="module")
async def owner(client: PlatformClient) -> SignedUp:
    return await client.sign_up("bounds")


@pytest.fixture(scope="module")
async def http(client: PlatformClient) -> AsyncIterator[httpx.AsyncClient]:
    """A client of its own address: log-ins and resets here must not spend the suite's limit."""
    transport = httpx.AsyncHTTPTransport(local_address=another_address())
    async with httpx.AsyncClient(base_url=str(client.http.base_url), transport=transport, timeout=60) as session:
        yield session


def as_owner(client: PlatformClient, owner: SignedUp, **extra: str) -> dict[str, str]:
    return {"host": client.host(owner.slug), "authorization": f"Bearer {owner.token}", **extra}


def refused(response: httpx.Response, status: int | tuple[int, ...], *words: str) -> str:
    statuses = (status,) if isinstance(status, int) else status
    assert response.status_code in statuses, f"{response.status_code} {response.text[:400]}"
    assert response.headers["content-type"] == "application/problem+json", response.text[:200]
    text = response.text
    for driver in DRIVER_WORDS:
        assert driver not in text, text
    detail = response.json()["detail"] or ""
    for word in words:
        assert word in text, text
    return str(detail)


def nul_json(payload: dict[str, Any]) -> bytes:
    """`payload` as JSON, every "\\x00" in it written as the escape \\u0000."""
    return json.dumps(payload).encode()


async def test_an_if_match_past_any_revision_or_weak_is_412_and_the_strong_one_passes(
        client: PlatformClient, http: httpx.AsyncClient, owner: SignedUp) -> None:
    made = await http.post("/api/cms/pages", headers=as_owner(client, owner), json={"slug": "/bounds"})
    assert made.status_code == 201, made.text
    page, etag = made.json()["id"], made.headers["etag"]
    for if_match in (f'"{INT4_PAST}"', f'"{INT4_PAST * 1000}"', '"' + "9" * 30 + '"', f"W/{etag}"):
        response = await http.patch(f"/api/cms/pages/{page}", headers=as_owner(client, owner, **{"if-match": if_match}),
                                    json={"slug": "/bounds"})
        refused(response, 412)
        layout = await http.put("/api/cms/layout", headers=as_owner(client, owner, **{"if-match": if_match}),
                                json={"header": None, "footer": None})
        refused(layout, 412)
    for base in (str(INT4_PAST), "9" * 30):
        refused(await http.get(f"/api/cms/pages/{page}/diff?base={base}", headers=as_owner(client, owner)), 404)
    for base in ("²", "-1", "1.0"):
        refused(await http.get(f"/api/cms/pages/{page}/diff", params={"base": base},
                               headers=as_owner(client, owner)), 422)
    twin = await http.patch(f"/api/cms/pages/{page}", headers=as_owner(client, owner, **{"if-match": etag}),
                            json={"slug": "/bounds-2"})
    assert twin.status_code == 200, twin.text
    assert (await http.get(f"/api/cms/pages/{page}/diff?base=draft",
                           headers=as_owner(client, owner))).status_code == 200


async def test_integers_past_the_column_are_422_naming_the_field_and_a_currency_is_real(
        client: PlatformClient, http: httpx.AsyncClient, owner: SignedUp) -> None:
    def product(**changes: Any) -> dict[str, Any]:
        return {"name": "Pain", "slug": f"pain-{uuid.uuid4().hex[:6]}", "price_amount": 450, "currency": "eur",
                **changes}

    for too_large in ({"inventory": INT4_PAST}, {"inventory": 10**30}):
        response = await http.post("/api/billing/products", headers=as_owner(client, owner), json=product(**too_large))
        refused(response, 422, "inventory")
    for currency in ("xxx", "abc", "jpy"):
        response = await http.post("/api/billing/products", headers=as_owner(client, owner),
                                   json=product(currency=currency))
        refused(response, 422, "currency")
    refused(await http.post("/api/billing/products", headers=as_owner(client, owner), json=product(currency="eur\n")),
            422, "currency")
    twin = await http.post("/api/billing/products", headers=as_owner(client, owner),
                           json=product(inventory=2**31 - 1, currency="chf"))
    assert twin.status_code == 201, twin.text
    publication = await http.post("/api/cms/site-publications", headers=as_owner(client, owner),
                                  json={"pages": [{"id": str(uuid.uuid4()), "revision": INT4_PAST}]})
    refused(publication, 422, "revision")


async def test_a_nul_in_any_text_is_a_400_that_says_which_input(
        client: PlatformClient, http: httpx.AsyncClient, owner: SignedUp) -> None:
    public = {"host": client.host(owner.slug), "content-type": "application/json"}
    owned = as_owner(client, owner, **{"content-type": "application/json"})
    bodies = [
        ("POST", "/api/identity/login", public, {"email": "a\x00@b.example", "password": PASSWORD}),
        ("POST", "/api/identity/password-reset", public, {"email": "a\x00@b.example"}),
        ("POST", "/api/identity/invitations", owned, {"email": "a\x00@b.example", "role": "EDITOR"}),
        ("POST", "/api/identity/api-keys", owned, {"name": "key\x00"}),
        ("POST", "/api/cms/pages", owned, {"slug": "/nul", "title": "a\x00b"}),
        ("PUT", "/api/identity/tenant/theme", owned, {"colors": {"primary": "#ffffff\x00"}}),
    ]
    for method, path, headers, payload in bodies:
        response = await http.request(method, path, headers=headers, content=nul_json(payload))
        assert "U+0000" in refused(response, 400), (method, path)
    targets = [("GET", "/api/assets/assets/search?q=a%00b"), ("POST", "/api/assets/assets/raw?filename=a%00b.png"),
               ("GET", "/api/cms/pages?cursor=%00")]
    for method, target in targets:
        response = await http.request(method, target, headers=as_owner(client, owner), content=png(8, 8)
                                      if method == "POST" else None)
        assert "query string" in refused(response, 400), target
    # The allowed twins: the same inputs without the NUL.
    login = await http.post("/api/identity/login", headers=public, json={"email": owner.email, "password": PASSWORD})
    assert login.status_code == 200, login.text
    key = await http.post("/api/identity/api-keys", headers=owned, json={"name": "key"})
    assert key.status_code == 201, key.text
    search = await http.get("/api/assets/assets/search?q=a%2500b", headers=as_owner(client, owner))
    assert search.status_code == 200, search.text
    raw = await http.post("/api/assets/assets/raw?filename=ab.png", headers=as_owner(client, owner),
                          content=png(8, 8))
    assert raw.status_code in (200, 201), raw.text


async def test_a_trailing_newline_or_a_control_character_passes_no_pattern(
        client: PlatformClient, http: httpx.AsyncClient, owner: SignedUp) -> None:
    owned = as_owner(client, owner)
    for colour in ("#ffffff\n", "#ffffff\r\n", "#fffff\n"):
        theme = await http.put("/api/identity/tenant/theme", headers=owned, json={"colors": {"primary": colour}})
        refused(theme, 422, "primary")

    def page(href: str) -> dict[str, Any]:
        button = {"id": "b", "component": "Button", "props": {"label": "Go", "href": href}, "children": []}
        section = {"id": "s", "component": "Section", "props": {}, "children": [button]}
        return {"slug": f"/links-{uuid.uuid4().hex[:6]}", "structure": {"root": {
            "id": "page", "component": "Page", "props": {"title": "Links"}, "children": [section]}}}

    for href in ("/x\n", "#x\n", "https://x.example\n", "/\x00x", "/a\tb", "/a\x7fb", "mailto:a@b.example\n"):
        made = await http.post("/api/cms/pages", headers=owned, json=page(href))
        assert made.status_code in (400, 422), (href, made.text)
    twin_theme = await http.put("/api/identity/tenant/theme", headers=owned, json={"colors": {"primary": "#ffffff"}})
    assert twin_theme.status_code == 200, twin_theme.text
    for href in ("/x", "#x", "https://x.example/a?b=c", "mailto:a@b.example"):
        made = await http.post("/api/cms/pages", headers=owned, json=page(href))
        assert made.status_code == 201, (href, made.text)

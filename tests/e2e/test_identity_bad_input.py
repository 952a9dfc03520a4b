"""Bad input gets a 4xx problem+json, never a 500, and leaves nothing half-written."""

import pytest

from tests.e2e.platform_client import PASSWORD, PlatformClient, unique_slug


def signup_body(**changes: object) -> dict[str, object]:
    slug = unique_slug("bad")
    return {"slug": slug, "name": "Bad Input", "email": f"owner@{slug}.example", "password": PASSWORD, **changes}


@pytest.mark.parametrize(("case", "changes"), [
    ("invalid email", {"email": "not-an-email"}),
    ("email with newline", {"email": "a@b.example\nBcc: x@y.example"}),
    ("over-long email", {"email": "a" * 250 + "@b.example"}),
    ("over-long name", {"name": "n" * 500}),
    ("invisible name", {"name": "\u200b\u200b"}),
    ("Cyrillic look-alike slug", {"slug": "\u0430pple-store"}),
    ("full-width slug", {"slug": "\uff53\uff48\uff4f\uff50"}),
    ("slug with newline", {"slug": "shop\n"}),
    ("reserved slug", {"slug": "www"}),
    ("short password", {"password": "short"}),
    ("wrong type", {"email": 42}),
    ("unknown field", {"is_admin": True}),
])
async def test_bad_sign_ups_are_refused_and_leave_nothing_behind(client: PlatformClient, admin_sql, case: str,
                                                                 changes: dict) -> None:  # type: ignore[no-untyped-def,type-arg]
    body = signup_body(**changes)
    response = await client.call("POST", "/api/identity/signup", json=body)
    assert 400 <= response.status_code < 500, (case, response.status_code, response.text)
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["status"] == response.status_code
    email = body["email"] if isinstance(body["email"], str) else ""
    assert await admin_sql.fetchval("SELECT count(*) FROM identity.accounts WHERE email = $1", email) == 0
    assert await admin_sql.fetchval("SELECT count(*) FROM identity.tenants WHERE slug = $1", str(body["slug"])) == 0


async def test_the_allowed_twin_signs_up(client: PlatformClient) -> None:
    assert (await client.call("POST", "/api/identity/signup", json=signup_body())).status_code == 202


@pytest.mark.parametrize(("payload", "status"), [
    (b"{not json", 400), (b'{"slug": ', 400), ("\ud800".encode("utf-8", "surrogatepass"), 400),
    (b"", 400),  # no JSON at all (shared/bodies.py): malformed, like any body that is not JSON
    (b"[]", 422),  # well-formed, but not the object the route takes
])
async def test_malformed_bodies_are_refused(client: PlatformClient, payload: bytes, status: int) -> None:
    response = await client.call("POST", "/api/identity/signup", content=payload,
                                 headers={"content-type": "application/json"})
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/problem+json"


async def test_a_huge_body_is_refused_without_being_read(client: PlatformClient) -> None:
    body = b'{"slug": "' + b"a" * (12 * 1024 * 1024) + b'"}'
    response = await client.call("POST", "/api/identity/signup", content=body,
                                 headers={"content-type": "application/json"})
    assert response.status_code == 413
    assert response.headers["content-type"] == "application/problem+json"


async def test_bad_theme_documents_name_the_field(client: PlatformClient) -> None:
    owner = await client.sign_up("theme")
    response = await client.call("PUT", "/api/identity/tenant/theme", slug=owner.slug, token=owner.token,
                                 json={"colors": {"primary": "red"}})
    assert response.status_code == 422 and "colors.primary" in response.text
    allowed = await client.call("PUT", "/api/identity/tenant/theme", slug=owner.slug, token=owner.token,
                                json={"colors": {"primary": "#ff0000"}})
    assert allowed.status_code == 200 and allowed.json()["theme"]["colors"]["primary"] == "#ff0000"


async def test_a_huge_chunked_body_is_cut_off_at_the_limit(client: PlatformClient) -> None:
    async def chunks():  # type: ignore[no-untyped-def]
        yield b'{"slug": "'
        for _ in range(40):
            yield b"a" * 65536
        yield b'"}'

    response = await client.call("POST", "/api/identity/signup", content=chunks(),
                                 headers={"content-type": "application/json"})
    assert response.status_code == 413
    assert response.headers["content-type"] == "application/problem+json"

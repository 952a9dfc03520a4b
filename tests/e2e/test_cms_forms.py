"""Contact forms on a published page: submissions checked against the form, honeypot,
a per-address limit, and the editors' list and CSV."""

from tests.e2e.platform_client import PlatformClient, eventually
from tests.e2e.test_cms_site import publish

CONTACT = {"root": {"id": "page", "component": "Page", "props": {"title": "Contact", "description": "Write to us."},
                    "children": [{"id": "contact-form", "component": "ContactForm", "children": [], "props": {
                        "fields": [{"name": "email", "label": "E-mail", "kind": "email", "required": True},
                                   {"name": "message", "label": "Message", "kind": "textarea"}]}}]}}


async def post_form(client: PlatformClient, slug: str, values: dict, *, json: bool = True):  # type: ignore[no-untyped-def,type-arg]
    url = "/__forms?page=/contact&form=contact-form"
    if json:
        return await client.call("POST", url, slug=slug, json=values, headers={"accept": "application/json"})
    return await client.call("POST", url, slug=slug, data=values)


async def test_submissions_are_checked_stored_and_listed(client: PlatformClient) -> None:
    tenant = await client.sign_up("forms")
    await publish(client, tenant, "/contact", CONTACT)

    async def rendered() -> bool:
        page = await client.call("GET", "/contact", slug=tenant.slug)
        return 'action="/__forms?page=/contact&amp;form=contact-form"' in page.text

    assert await eventually(rendered, True, within=15)
    ok = await post_form(client, tenant.slug, {"email": "ana@example.com", "message": "Hello <b>there</b>"})
    assert ok.status_code == 201, ok.text
    browser = await post_form(client, tenant.slug, {"email": "bo@example.com", "message": "Hi"}, json=False)
    assert browser.status_code == 303 and browser.headers["location"] == "/__forms?page=/contact&form=contact-form"
    for bad, field in (({"message": "no e-mail"}, "email"), ({"email": "not-an-email"}, "email"),
                       ({"email": "a@b.example", "phone": "123"}, "phone"),
                       ({"email": "a@b.example", "message": "x" * 2001}, "message")):
        refused = await post_form(client, tenant.slug, bad)
        assert refused.status_code == 422 and refused.json()["errors"][0]["field"] == field
    bot = await post_form(client, tenant.slug, {"email": "bot@spam.example", "website": "http://spam.example"})
    assert bot.status_code == 201  # the bot is told nothing
    elsewhere = await client.call("POST", "/__forms?page=/contact&form=nope", slug=tenant.slug, json={})
    assert elsewhere.status_code == 404

    listed = await client.call("GET", "/api/cms/forms/submissions", slug=tenant.slug, token=tenant.token)
    assert [row["fields"]["email"] for row in listed.json()] == ["bo@example.com", "ana@example.com"]
    csv = await client.call("GET", "/api/cms/forms/submissions.csv", slug=tenant.slug, token=tenant.token)
    assert "ana@example.com" in csv.text and "spam" not in csv.text
    anonymous = await client.call("GET", "/api/cms/forms/submissions", slug=tenant.slug)
    assert anonymous.status_code == 401


async def test_one_address_is_limited(client: PlatformClient) -> None:
    tenant = await client.sign_up("flood")
    await publish(client, tenant, "/contact", CONTACT)

    async def accepting() -> int:
        return (await post_form(client, tenant.slug, {"email": "a@b.example"})).status_code

    assert await eventually(accepting, 201, within=15) == 201
    statuses = [(await post_form(client, tenant.slug, {"email": "a@b.example"})).status_code for _ in range(12)]
    assert statuses.count(201) == 9 and statuses[-1] == 429

"""The public site through the gateway: a published page as themed HTML or JSON, ETag and
304, sitemap and robots with canonical links, and signed draft previews."""

import copy
import uuid
from typing import Any

import nats

from shared.contracts import LIVE_PAGES_BUCKET, live_page_key
from tests.e2e.platform_client import PlatformClient, SignedUp, eventually
from tests.e2e.test_cms_pages import HOME


async def publish(client: PlatformClient, tenant: SignedUp, slug: str, structure: dict) -> dict:  # type: ignore[type-arg]
    made = await client.call("POST", "/api/cms/pages", slug=tenant.slug, token=tenant.token,
                             json={"slug": slug, "structure": structure})
    assert made.status_code == 201, made.text
    done = await client.call("POST", f"/api/cms/pages/{made.json()['id']}/publish", slug=tenant.slug,
                             token=tenant.token, headers={"if-match": made.headers["etag"]})
    assert done.status_code == 200, done.text
    return done.json()


async def test_a_published_page_is_served_themed_cached_and_linked_canonically(client: PlatformClient) -> None:
    tenant = await client.sign_up("site")
    themed = await client.call("PUT", "/api/identity/tenant/theme", slug=tenant.slug, token=tenant.token,
                               json={"colors": {"primary": "#0f766e"}, "fonts": {"heading": "Lora"},
                                     "brand": {"voice": "wry", "notes": "Never name the bakery across the road"}})
    assert themed.status_code == 200
    await publish(client, tenant, "/contact", {"root": {"id": "p", "component": "Page", "children": [], "props": {
        "title": "Contact", "description": "Where to find us."}}})
    await publish(client, tenant, "/", HOME)

    async def home_status() -> int:
        return (await client.call("GET", "/", slug=tenant.slug)).status_code

    assert await eventually(home_status, 200, within=15) == 200  # the site projection arrives by event

    async def themed_home() -> bool:
        return "--c-primary:#0f766e" in (await client.call("GET", "/", slug=tenant.slug)).text

    assert await eventually(themed_home, True, within=15)
    page = await client.call("GET", "/", slug=tenant.slug, headers={"host": "evil.example"})
    assert page.status_code == 404  # an unknown host never serves a tenant
    page = await client.call("GET", "/", slug=tenant.slug)
    assert page.headers["content-type"].startswith("text/html")
    assert "<h1>Fresh bread</h1>" in page.text and "'Lora'" in page.text
    canonical = f"http://{tenant.slug}.{client.stack.config.platform_domain}:{client.stack.ports['gateway']}/"
    assert f'<link rel="canonical" href="{canonical}">' in page.text
    assert "script-src 'none'" in page.headers["content-security-policy"]
    again = await client.call("GET", "/", slug=tenant.slug, headers={"if-none-match": page.headers["etag"]})
    assert again.status_code == 304 and again.content == b""

    as_json = await client.call("GET", "/", slug=tenant.slug, headers={"accept": "application/json"})
    assert as_json.json()["page"]["version"] == 1 and as_json.json()["page"]["structure"]["root"]["id"] == "page"
    site = as_json.json()["site"]
    assert site["theme"]["colors"]["primary"] == "#0f766e" and site["theme"]["fonts"]["heading"] == "Lora"
    assert "brand" not in site["theme"] and "across the road" not in as_json.text  # the AI's brief stays private
    sitemap = await client.call("GET", "/sitemap.xml", slug=tenant.slug)
    assert f"<loc>{canonical}contact</loc>" in sitemap.text and f"<loc>{canonical}</loc>" in sitemap.text
    robots = await client.call("GET", "/robots.txt", slug=tenant.slug)
    assert f"Sitemap: {canonical}sitemap.xml" in robots.text
    assert (await client.call("GET", "/nowhere", slug=tenant.slug)).status_code == 404


async def test_drafts_stay_private_except_through_a_signed_preview(client: PlatformClient) -> None:
    tenant = await client.sign_up("preview")
    draft = copy.deepcopy(HOME)
    draft["root"]["children"][0]["props"]["headline"] = "Secret launch"
    made = await client.call("POST", "/api/cms/pages", slug=tenant.slug, token=tenant.token,
                             json={"slug": "/launch", "structure": draft})

    async def site_ready() -> int:
        return (await client.call("GET", "/robots.txt", slug=tenant.slug)).status_code

    assert await eventually(site_ready, 200, within=15) == 200
    assert (await client.call("GET", "/launch", slug=tenant.slug)).status_code == 404  # not published
    link = await client.call("POST", f"/api/cms/pages/{made.json()['id']}/preview-link", slug=tenant.slug,
                             token=tenant.token)
    path = "/" + link.json()["url"].split("/", 3)[3]
    preview = await client.call("GET", path, slug=tenant.slug)
    assert preview.status_code == 200 and "Secret launch" in preview.text
    assert preview.headers["cache-control"] == "no-store" and preview.headers["x-robots-tag"] == "noindex"
    forged = await client.call("GET", path[:-3] + "AAA", slug=tenant.slug)
    assert forged.status_code == 401
    other = await client.sign_up("preview-other")
    assert (await client.call("GET", path, slug=other.slug)).status_code == 401  # bound to its tenant


async def test_a_visitor_at_an_address_the_site_lacks_gets_a_404_page_in_the_sites_design(
        client: PlatformClient) -> None:
    tenant = await client.sign_up("missing")
    home = copy.deepcopy(HOME)
    home["root"]["children"].insert(0, {"id": "nav", "component": "Navbar", "children": [], "props": {
        "brand": "Acme <bakery>", "links": [{"label": "Contact", "href": "/contact"}]}})
    await publish(client, tenant, "/contact", {"root": {"id": "p", "component": "Page", "children": [], "props": {
        "title": "Contact", "description": "Where to find us."}}})
    await publish(client, tenant, "/", home)
    browser = {"accept": "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"}

    async def missing_status() -> int:
        return (await client.call("GET", "/no/such-page", slug=tenant.slug, headers=browser)).status_code

    assert await eventually(missing_status, 404, within=15) == 404
    missing = await client.call("GET", "/no/such-page", slug=tenant.slug, headers=browser)
    assert missing.headers["content-type"].startswith("text/html")
    assert "<h1>This page is not here</h1>" in missing.text and 'href="/"' in missing.text
    assert "Acme &lt;bakery&gt;" in missing.text and 'href="/contact"' in missing.text  # the home page's navbar
    assert missing.headers["cache-control"] == "no-store" and missing.headers["x-robots-tag"] == "noindex"
    assert "script-src 'none'" in missing.headers["content-security-policy"]
    for accept in ("application/json", "*/*"):  # an API client's refusal stays problem+json
        answer = await client.call("GET", "/no/such-page", slug=tenant.slug, headers={"accept": accept})
        assert answer.status_code == 404 and answer.headers["content-type"] == "application/problem+json", accept
    stranger = await client.call("GET", "/", slug=tenant.slug, headers={**browser, "host": "stranger.example"})
    assert stranger.status_code == 404 and stranger.headers["content-type"].startswith("text/html")


async def test_a_site_with_no_header_or_footer_yet_publishes_at_the_layout_revision_it_read(
        client: PlatformClient) -> None:
    tenant = await client.sign_up("nolayout")
    home = {"root": {"id": "p", "component": "Page", "children": [], "props": {"title": "Acme",
                                                                               "description": "A bakery."}}}
    made = await client.call("POST", "/api/cms/pages", slug=tenant.slug, token=tenant.token,
                             json={"slug": "/", "structure": home})
    layout = await client.call("GET", "/api/cms/layout", slug=tenant.slug, token=tenant.token)
    assert layout.status_code == 200 and layout.json()["revision"] == 0
    stale = await client.call("POST", "/api/cms/site-publications", slug=tenant.slug, token=tenant.token,
                              json={"pages": [{"id": made.json()["id"], "revision": made.json()["revision"]}],
                                    "layout_revision": 3})
    assert stale.status_code == 412  # a revision it never had is still a stale read
    published = await client.call("POST", "/api/cms/site-publications", slug=tenant.slug, token=tenant.token,
                                  json={"pages": [{"id": made.json()["id"], "revision": made.json()["revision"]}],
                                        "layout_revision": 0})
    assert published.status_code == 200, published.text
    assert published.json()["layout_revision"] is None
    nothing = await client.call("POST", "/api/cms/layout/publish", slug=tenant.slug, token=tenant.token,
                                headers={"if-match": '"0"'})
    assert nothing.status_code == 409 and "save one first" in nothing.json()["detail"]


async def test_a_page_another_renderer_stored_is_rendered_again_not_served(client: PlatformClient,
                                                                           admin_sql: Any) -> None:
    """A deploy that changes how pages render: the stored bytes of the renderer before are out of
    date, whatever else is unchanged."""
    tenant = await client.sign_up("renderer")
    await publish(client, tenant, "/", {"root": {"id": "p", "component": "Page", "children": [], "props": {
        "title": "Acme", "description": "Bread every morning."}}})

    async def home_status() -> int:
        return (await client.call("GET", "/", slug=tenant.slug)).status_code

    assert await eventually(home_status, 200, within=15) == 200
    changed = await admin_sql.execute("UPDATE cms.rendered_pages SET body = 'old renderer', renderer = 'before' "
                                      "WHERE tenant_id = $1", uuid.UUID(tenant.tenant_id))
    assert changed == "UPDATE 2"  # its html and json
    nc = await nats.connect(client.stack.nats_url)
    try:  # past the replica, as for any page it does not hold: the gateway asks cms
        bucket = await nc.jetstream().key_value(LIVE_PAGES_BUCKET)
        for kind in ("html", "json"):
            await bucket.delete(live_page_key(uuid.UUID(tenant.tenant_id), kind, "/"))
    finally:
        await nc.close()

    async def rendered_again() -> bool:
        page = await client.call("GET", "/", slug=tenant.slug)
        return page.status_code == 200 and "old renderer" not in page.text and "<title>Acme" in page.text

    assert await eventually(rendered_again, True, within=15)

"""Pages through the gateway: drafts, optimistic concurrency, publish gates, immutable
versions, restore and diff, roles."""

import asyncio
import copy
import uuid

from tests.e2e.platform_client import PlatformClient, SignedUp
from tests.e2e.test_identity_rbac import member

HOME = {"root": {"id": "page", "component": "Page",
                 "props": {"title": "Acme bakery", "description": "Sourdough baked every morning in Lyon."},
                 "children": [
                     {"id": "hero", "component": "Hero", "props": {"headline": "Fresh bread", "cta_label": "Visit",
                                                                   "cta_href": "/contact"}, "children": []},
                     {"id": "text", "component": "RichText", "props": {"markdown": "Since *1952*."}, "children": []},
                 ]}}


async def create(client: PlatformClient, tenant: SignedUp, slug: str, structure=None):  # type: ignore[no-untyped-def]
    response = await client.call("POST", "/api/cms/pages", slug=tenant.slug, token=tenant.token,
                                 json={"slug": slug, **({"structure": structure} if structure else {})})
    assert response.status_code == 201, response.text
    return response


def edited(structure: dict, text: str) -> dict:  # type: ignore[type-arg]
    changed = copy.deepcopy(structure)
    changed["root"]["children"][1]["props"]["markdown"] = text
    return changed


async def test_two_editors_one_wins_the_other_is_told_nothing_is_lost(client: PlatformClient) -> None:
    owner = await client.sign_up("cms")
    page = await create(client, owner, "/", HOME)
    page_id, etag = page.json()["id"], page.headers["etag"]
    url = f"/api/cms/pages/{page_id}"

    first, second = await asyncio.gather(
        client.call("PATCH", url, slug=owner.slug, token=owner.token, headers={"if-match": etag},
                    json={"structure": edited(HOME, "Edited by Ana.")}),
        client.call("PATCH", url, slug=owner.slug, token=owner.token, headers={"if-match": etag},
                    json={"structure": edited(HOME, "Edited by Bo.")}))
    assert sorted([first.status_code, second.status_code]) == [200, 412]
    winner = first if first.status_code == 200 else second
    loser = second if winner is first else first
    assert loser.headers["content-type"] == "application/problem+json" and loser.json()["extensions"]["revision"] == 2
    now = await client.call("GET", url, slug=owner.slug, token=owner.token)
    assert now.json()["structure"] == winner.json()["structure"] and now.headers["etag"] == '"2"'
    # The loser reloads and writes again on top: both edits end in history, none silently lost.
    retried = await client.call("PATCH", url, slug=owner.slug, token=owner.token, headers={"if-match": '"2"'},
                                json={"structure": edited(HOME, "Both edits merged.")})
    assert retried.status_code == 200
    missing = await client.call("PATCH", url, slug=owner.slug, token=owner.token, json={"slug": "/x"})
    assert missing.status_code == 428


async def test_publish_gates_list_their_findings_and_pass_when_fixed(client: PlatformClient) -> None:
    owner = await client.sign_up("gates")
    broken = copy.deepcopy(HOME)
    broken["root"]["props"]["description"] = ""
    broken["root"]["children"].append({"id": "pic", "component": "Image", "children": [],
                                       "props": {"asset_id": str(uuid.uuid4()), "alt": ""}})
    page = await create(client, owner, "/", broken)
    url = f"/api/cms/pages/{page.json()['id']}"
    dry = await client.call("POST", f"{url}/check", slug=owner.slug, token=owner.token)
    checks = {(f["check"], f["pointer"]) for f in dry.json()["findings"]}
    assert not dry.json()["publishable"]
    assert checks == {("seo", "/root/props/description"), ("alt-text", "/root/children/2/props/alt"),
                      ("internal-link", "/root/children/0/props/cta_href")}
    refused = await client.call("POST", f"{url}/publish", slug=owner.slug, token=owner.token,
                                headers={"if-match": page.headers["etag"]})
    assert refused.status_code == 422 and len(refused.json()["errors"]) == 3

    await create(client, owner, "/contact")
    fixed = copy.deepcopy(broken)
    fixed["root"]["props"]["description"] = "Sourdough baked every morning."
    fixed["root"]["children"][2]["props"]["alt"] = "A loaf on a wooden board"
    saved = await client.call("PATCH", url, slug=owner.slug, token=owner.token,
                              headers={"if-match": page.headers["etag"]}, json={"structure": fixed})
    published = await client.call("POST", f"{url}/publish", slug=owner.slug, token=owner.token,
                                  headers={"if-match": saved.headers["etag"]})
    assert published.status_code == 200, published.text
    assert published.json()["is_published"] and published.json()["live_version"] == 1


async def test_versions_are_immutable_and_any_one_can_be_restored(client: PlatformClient) -> None:
    owner = await client.sign_up("versions")
    await create(client, owner, "/contact")
    page = await create(client, owner, "/", HOME)
    url, etag = f"/api/cms/pages/{page.json()['id']}", page.headers["etag"]

    async def changed_since_live() -> bool | None:
        listed = (await client.call("GET", "/api/cms/pages", slug=owner.slug, token=owner.token)).json()["pages"]
        return next(p["changed_since_live"] for p in listed if p["id"] == page.json()["id"])

    assert await changed_since_live() is False  # a draft never published: nothing live to differ from
    v1 = await client.call("POST", f"{url}/publish", slug=owner.slug, token=owner.token, headers={"if-match": etag})
    assert await changed_since_live() is False
    changed = await client.call("PATCH", url, slug=owner.slug, token=owner.token,
                                headers={"if-match": v1.headers["etag"]},
                                json={"structure": edited(HOME, "A new story.")})
    assert await changed_since_live() is True  # visitors still read version 1
    v2 = await client.call("POST", f"{url}/publish", slug=owner.slug, token=owner.token,
                           headers={"if-match": changed.headers["etag"]})
    assert v2.json()["live_version"] == 2
    assert await changed_since_live() is False
    history = (await client.call("GET", f"{url}/versions", slug=owner.slug, token=owner.token)).json()
    assert [v["version"] for v in history] == [2, 1] and history[0]["created_by"] == owner.account_id
    diff = (await client.call("GET", f"{url}/diff?base=1&target=2", slug=owner.slug, token=owner.token)).json()
    assert diff["changed"] == ["text"] and diff["added"] == diff["removed"] == []

    restored = await client.call("POST", f"{url}/versions/1/restore", slug=owner.slug, token=owner.token,
                                 headers={"if-match": v2.headers["etag"]})
    assert restored.status_code == 200
    assert restored.json()["structure"]["root"]["children"][1]["props"]["markdown"] == "Since *1952*."
    assert restored.json()["live_version"] == 2  # restoring edits the draft; the live page waits for publish
    one = (await client.call("GET", f"{url}/versions/1", slug=owner.slug, token=owner.token)).json()
    assert one["structure"]["root"]["children"][1]["props"]["markdown"] == "Since *1952*."


async def test_roles_slugs_and_bad_trees(client: PlatformClient, mailbox) -> None:  # type: ignore[no-untyped-def]
    owner = await client.sign_up("cmsroles")
    viewer = await member(client, mailbox, owner, "VIEWER")
    editor = await member(client, mailbox, owner, "EDITOR")
    refused = await client.call("POST", "/api/cms/pages", slug=owner.slug, token=viewer, json={"slug": "/a"})
    assert refused.status_code == 403
    made = await client.call("POST", "/api/cms/pages", slug=owner.slug, token=editor,
                             json={"slug": "/Blog//First-Post/"})
    assert made.status_code == 201 and made.json()["slug"] == "/blog/first-post"
    clash = await client.call("POST", "/api/cms/pages", slug=owner.slug, token=editor,
                              json={"slug": "/blog/first-post"})
    assert clash.status_code == 409
    bad = await client.call("POST", "/api/cms/pages", slug=owner.slug, token=editor,
                            json={"slug": "/x", "structure": {"root": {"id": "p", "component": "Page",
                                                                       "props": {"title": "t"}, "children": [
                                                                           {"id": "s", "component": "Marquee",
                                                                            "props": {}, "children": []}]}}})
    assert bad.status_code == 422 and bad.json()["errors"][0]["pointer"] == "/root/children/0/component"
    page_url = f"/api/cms/pages/{made.json()['id']}"
    assert (await client.call("DELETE", page_url, slug=owner.slug, token=editor,
                              headers={"if-match": made.headers["etag"]})).status_code == 403
    assert (await client.call("DELETE", page_url, slug=owner.slug, token=owner.token,
                              headers={"if-match": made.headers["etag"]})).status_code == 204
    listed = (await client.call("GET", "/api/cms/pages", slug=owner.slug, token=viewer)).json()
    assert listed["pages"] == []
    registry = await client.call("GET", "/api/cms/registry", slug=owner.slug, token=viewer)
    assert "Hero" in registry.json()["components"]

"""Deleting a tenant: its hosts stop resolving at once; after the grace period every
context purges it (billing closes the account and keeps the ledger)."""

import asyncio
import uuid

from tests.e2e.platform_client import PlatformClient, eventually
from tests.e2e.test_assets import png, upload
from tests.e2e.test_assets_ai import described


async def counts(admin_sql, tenant_id: uuid.UUID) -> dict[str, object]:  # type: ignore[no-untyped-def]
    queries = {
        "pages": "SELECT count(*) FROM cms.pages WHERE tenant_id = $1",
        "assets": "SELECT count(*) FROM assets.assets WHERE tenant_id = $1",
        "members": "SELECT count(*) FROM identity.memberships WHERE tenant_id = $1",
        "ledger": "SELECT count(*) FROM billing.credit_transactions WHERE tenant_id = $1",
        "account": "SELECT subscription_status FROM billing.accounts WHERE tenant_id = $1",
    }
    return {name: await admin_sql.fetchval(sql, tenant_id) for name, sql in queries.items()}


async def test_deletion_stops_resolving_then_purges_every_context(client: PlatformClient, admin_sql) -> None:  # type: ignore[no-untyped-def]
    doomed, survivor = await client.sign_up("doomed"), await client.sign_up("survivor")
    for tenant in (doomed, survivor):
        tenant_id = uuid.UUID(tenant.tenant_id)
        # Content the cms and assets APIs will write; staged here as the administrator.
        await admin_sql.execute("INSERT INTO cms.pages (tenant_id, id, slug, structure) VALUES ($1, $2, '/', '{}')",
                                tenant_id, uuid.uuid4())
        stored = await upload(client, tenant, png(64, 64, (200, 30, 40)), "stored.png")
        assert stored.status_code == 201
        await described(client, tenant, stored.json()["id"])  # paid from the starting credits: the ledger settles

    def files(tenant_id: str) -> int:  # what the tenant holds in object storage
        return sum(1 for path in (client.stack.data_dir / "objects" / tenant_id).rglob("*") if path.is_file())

    async def description_paid() -> list[object]:  # the capture travels by event after the description
        return [(await counts(admin_sql, uuid.UUID(t.tenant_id)))["ledger"] for t in (doomed, survivor)]

    assert await eventually(description_paid, [2, 2], within=10) == [2, 2]

    async def wallet_open() -> bool:
        return (await counts(admin_sql, uuid.UUID(doomed.tenant_id)))["account"] == "none"

    assert await eventually(wallet_open, True, within=5)
    deleted = await client.call("DELETE", "/api/identity/tenant", slug=doomed.slug, token=doomed.token)
    assert deleted.status_code == 200 and deleted.json()["purge_after"]

    async def resolves() -> int:
        return (await client.call("GET", "/api/identity/tenant", slug=doomed.slug, token=doomed.token)).status_code

    assert await eventually(resolves, 404, within=1.0) == 404
    during_grace = await counts(admin_sql, uuid.UUID(doomed.tenant_id))
    assert during_grace["pages"] == during_grace["assets"] == during_grace["members"] == 1  # nothing lost yet
    assert files(doomed.tenant_id) == 1

    await admin_sql.execute("UPDATE identity.tenants SET purge_after = now() - interval '1 second' WHERE id = $1",
                            uuid.UUID(doomed.tenant_id))  # the grace period ends

    async def purged() -> dict[str, object]:
        return await counts(admin_sql, uuid.UUID(doomed.tenant_id))

    expected = {"pages": 0, "assets": 0, "members": 0, "ledger": 2, "account": "closed"}
    assert await eventually(purged, expected, within=10) == expected

    async def files_left() -> int:
        return files(doomed.tenant_id)

    assert await eventually(files_left, 0, within=5) == 0
    await asyncio.sleep(0.2)
    assert files(survivor.tenant_id) == 1
    assert await counts(admin_sql, uuid.UUID(survivor.tenant_id)) == {
        "pages": 1, "assets": 1, "members": 1, "ledger": 2, "account": "none"}
    slug_again = await client.call("POST", "/api/identity/signup", json={
        "slug": doomed.slug, "name": "Squatter", "email": "squat@example.com", "password": "a-long-enough-password"})
    assert slug_again.status_code == 409  # the tombstone keeps the slug


async def test_an_owner_exports_everything_of_the_tenant_and_nothing_else(client: PlatformClient, admin_sql) -> None:  # type: ignore[no-untyped-def]
    import io
    import json
    import zipfile

    owner, other = await client.sign_up("export"), await client.sign_up("export-other")
    for tenant, slug in ((owner, "/home"), (other, "/secret-page")):
        await admin_sql.execute("INSERT INTO cms.pages (tenant_id, id, slug, structure) VALUES ($1, $2, $3, '{}')",
                                uuid.UUID(tenant.tenant_id), uuid.uuid4(), slug)

    async def wallet_open() -> bool:
        return (await counts(admin_sql, uuid.UUID(owner.tenant_id)))["ledger"] == 1

    assert await eventually(wallet_open, True, within=5)
    response = await client.call("GET", "/api/identity/tenant/export", slug=owner.slug, token=owner.token)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "application/zip"
    assert owner.slug in response.headers["content-disposition"]
    archive = zipfile.ZipFile(io.BytesIO(response.content))
    assert set(archive.namelist()) == {"manifest.json", "identity.json", "cms.json", "assets.json", "billing.json"}
    identity = json.loads(archive.read("identity.json"))
    assert [m["email"] for m in identity["members"]] == [owner.email]
    assert [p["slug"] for p in json.loads(archive.read("cms.json"))["pages"]] == ["/home"]
    ledger = json.loads(archive.read("billing.json"))["ledger"]
    assert [(row["amount"], row["type"]) for row in ledger] == [(100, "SIGNUP_GRANT")]
    everything = b"".join(archive.read(name) for name in archive.namelist())
    for secret in (other.slug, other.tenant_id, other.email, "/secret-page"):
        assert secret.encode() not in everything

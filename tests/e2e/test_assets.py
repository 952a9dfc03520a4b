"""The media library through the gateway: uploads decided by content, bad files refused
with nothing stored, duplicates, resized copies, and no way into another tenant's files."""

import io
import struct
import uuid
import zlib

import pytest
from PIL import Image

from tests.e2e.platform_client import PlatformClient, SignedUp


def png(width: int = 1200, height: int = 800, colour: tuple[int, int, int] = (200, 30, 40)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (width, height), colour).save(buffer, "PNG")
    return buffer.getvalue()


def bomb() -> bytes:
    """A tiny PNG that claims 20,000 x 20,000 pixels (Pillow refuses before decoding)."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", 20000, 20000, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(b"\0" * 100)) + \
        chunk(b"IEND", b"")


async def upload(client: PlatformClient, tenant: SignedUp, data: bytes, name: str = "photo.png"):  # type: ignore[no-untyped-def]
    return await client.call("POST", "/api/assets/assets", slug=tenant.slug, token=tenant.token,
                             files={"file": (name, data, "application/octet-stream")})


async def count_assets(admin_sql, tenant: SignedUp) -> int:  # type: ignore[no-untyped-def]
    return await admin_sql.fetchval("SELECT count(*) FROM assets.assets WHERE tenant_id = $1",
                                    uuid.UUID(tenant.tenant_id))


async def test_upload_dedupe_and_resized_copies(client: PlatformClient) -> None:
    tenant = await client.sign_up("media")
    first = await upload(client, tenant, png(), "Red-Sneaker.png")
    assert first.status_code == 201, first.text
    asset = first.json()
    assert (asset["content_type"], asset["width"], asset["height"]) == ("image/png", 1200, 800)
    again = await upload(client, tenant, png(), "copy.png")
    assert again.status_code == 200 and again.json()["id"] == asset["id"]  # the same bytes: the same asset

    original = await client.call("GET", asset["url"], slug=tenant.slug)  # public on the tenant's host
    assert original.status_code == 200 and original.headers["content-type"] == "image/png"
    assert "immutable" in original.headers["cache-control"]
    small = await client.call("GET", f"{asset['url']}?w=400", slug=tenant.slug)
    assert small.status_code == 200
    assert Image.open(io.BytesIO(small.content)).size == (400, 267)
    cached = await client.call("GET", f"{asset['url']}?w=400", slug=tenant.slug,
                               headers={"if-none-match": small.headers["etag"]})
    assert cached.status_code == 304
    assert (await client.call("GET", f"{asset['url']}?w=123", slug=tenant.slug)).status_code == 422

    listed = (await client.call("GET", "/api/assets/assets", slug=tenant.slug, token=tenant.token)).json()
    assert [a["id"] for a in listed["assets"]] == [asset["id"]]
    edited = await client.call("PATCH", f"/api/assets/assets/{asset['id']}", slug=tenant.slug, token=tenant.token,
                               json={"alt_text": "A red sneaker"})
    assert edited.json()["alt_text"] == "A red sneaker"
    removed = await client.call("DELETE", f"/api/assets/assets/{asset['id']}", slug=tenant.slug, token=tenant.token)
    assert removed.status_code == 204
    assert (await client.call("GET", asset["url"], slug=tenant.slug)).status_code == 404


@pytest.mark.parametrize(("case", "data", "status"), [
    ("text named .png", b"definitely not an image", 415),
    ("svg with script", b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>', 415),
    ("empty file", b"", 400),
    ("truncated png", png()[:300], 422),
    ("decompression bomb", bomb(), 413),
])
async def test_bad_files_are_refused_and_nothing_is_stored(client: PlatformClient, admin_sql, case: str,  # type: ignore[no-untyped-def]
                                                           data: bytes, status: int) -> None:
    tenant = await client.sign_up("badfile")
    response = await upload(client, tenant, data)
    assert response.status_code == status, (case, response.text)
    assert response.headers["content-type"] == "application/problem+json"
    assert await count_assets(admin_sql, tenant) == 0


async def test_an_oversized_upload_is_413(client: PlatformClient, admin_sql) -> None:  # type: ignore[no-untyped-def]
    tenant = await client.sign_up("bigfile")
    response = await client.call("POST", "/api/assets/assets/raw?filename=big.png", slug=tenant.slug,
                                 token=tenant.token, content=b"\0" * (21 * 1024 * 1024))
    assert response.status_code == 413
    assert await count_assets(admin_sql, tenant) == 0


async def test_no_tenant_reaches_another_tenants_assets(client: PlatformClient) -> None:
    owner, other = await client.sign_up("mine"), await client.sign_up("theirs")
    asset = (await upload(client, owner, png(64, 64))).json()
    assert (await client.call("GET", asset["url"], slug=owner.slug)).status_code == 200  # the allowed twin
    assert (await client.call("GET", asset["url"], slug=other.slug)).status_code == 404
    assert (await client.call("GET", f"/api/assets/assets/{asset['id']}", slug=other.slug,
                              token=other.token)).status_code == 404
    assert (await client.call("DELETE", f"/api/assets/assets/{asset['id']}", slug=other.slug,
                              token=other.token)).status_code == 404
    listed = (await client.call("GET", "/api/assets/assets", slug=other.slug, token=other.token)).json()
    assert listed["assets"] == []
    assert (await client.call("GET", asset["url"], slug=owner.slug)).status_code == 200  # still there

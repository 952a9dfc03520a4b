"""The media library through the gateway: uploads decided by content, bad files refused
with nothing stored, duplicates, resized copies, and no way into another tenant's files."""

import io
import struct
import uuid
import zlib

import pytest
from PIL import Image, PngImagePlugin

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
    nearest = await client.call("GET", f"{asset['url']}?w=123", slug=tenant.slug)  # the nearest wider copy
    assert nearest.status_code == 200 and Image.open(io.BytesIO(nearest.content)).size == (400, 267)
    assert (await client.call("GET", f"{asset['url']}?w=0", slug=tenant.slug)).status_code == 422

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


# Polyglots: a file that is an image and an HTML page at once is kept and served only as its image.
HTML = b"<html><script>alert(1)</script></html>"


def encoded(image: Image.Image, kind: str, **options: object) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, kind, **options)
    return buffer.getvalue()


def text_chunked_png() -> bytes:
    info = PngImagePlugin.PngInfo()
    info.add_text("Comment", HTML.decode())
    return encoded(Image.new("RGB", (90, 60), (10, 120, 60)), "PNG", pnginfo=info)


def located_exif(orientation: int = 1) -> Image.Exif:
    exif = Image.Exif()
    exif[0x0112] = orientation
    exif.get_ifd(0x8825).update({1: "N", 2: (52.0, 31.0, 12.0), 3: "E", 4: (13.0, 24.0, 36.0)})  # GPS
    return exif


@pytest.mark.parametrize(("case", "data", "content_type"), [
    ("JPEG with HTML after its end", encoded(Image.new("RGB", (90, 60), (200, 30, 40)), "JPEG") + HTML, "image/jpeg"),
    ("JPEG with HTML in a COM segment", encoded(Image.new("RGB", (90, 60), (200, 30, 40)), "JPEG", comment=HTML),
     "image/jpeg"),
    ("PNG with HTML in a tEXt chunk", text_chunked_png(), "image/png"),
    ("GIF with HTML after its trailer", encoded(Image.new("P", (90, 60), 1), "GIF") + HTML, "image/gif"),
])
async def test_a_polyglot_is_stored_and_served_only_as_an_image(client: PlatformClient, case: str, data: bytes,
                                                                content_type: str) -> None:
    assert HTML in data  # the attack is there
    tenant = await client.sign_up("polyglot")
    made = await upload(client, tenant, data, "innocent.html")
    assert made.status_code == 201, (case, made.text)
    asset = made.json()
    assert (asset["content_type"], asset["width"], asset["height"]) == (content_type, 90, 60)
    served = await client.call("GET", asset["url"], slug=tenant.slug)
    assert served.status_code == 200
    assert served.headers["content-type"] == content_type
    assert served.headers["x-content-type-options"] == "nosniff"
    assert served.headers["content-disposition"] == \
        f'inline; filename="{asset["id"]}.{content_type.removeprefix("image/").replace("jpeg", "jpg")}"'
    assert "sandbox" in served.headers["content-security-policy"]
    assert b"<html" not in served.content and b"<script" not in served.content, case
    image = Image.open(io.BytesIO(served.content))
    assert image.size == (90, 60) and f"image/{image.format.lower()}" == content_type
    assert asset["bytes"] == len(served.content)
    resized_copy = await client.call("GET", f"{asset['url']}?w=400", slug=tenant.slug)
    assert resized_copy.status_code == 200 and b"<script" not in resized_copy.content


async def test_a_photo_loses_its_location_and_is_served_upright(client: PlatformClient) -> None:
    tenant = await client.sign_up("gps")
    # Stored sideways with orientation 6 ("turn 90° clockwise to view"), as phones do.
    upright = Image.new("RGB", (120, 80), (20, 40, 200))
    upright.paste((220, 30, 30), (0, 0, 60, 40))
    sideways = encoded(upright.transpose(Image.Transpose.ROTATE_90), "JPEG", exif=located_exif(6), quality=95)
    assert Image.open(io.BytesIO(sideways)).getexif().get_ifd(0x8825)  # it has a location
    made = await upload(client, tenant, sideways, "holiday.jpg")
    assert made.status_code == 201, made.text
    assert (made.json()["width"], made.json()["height"]) == (120, 80)
    served = Image.open(io.BytesIO((await client.call("GET", made.json()["url"], slug=tenant.slug)).content))
    assert not served.getexif() and "exif" not in served.info  # no location, no EXIF at all
    assert served.size == (120, 80)
    assert served.convert("RGB").getpixel((10, 10))[0] > 150  # the red quarter is top-left again
    assert served.convert("RGB").getpixel((110, 70))[2] > 150


def too_many_frames() -> bytes:
    """A tiny GIF of 1,001 frames (the limit is 1,000): small on the wire, long to decode."""
    frames = [Image.new("RGB", (2, 2), ((n % 2) * 255, 0, 0)) for n in range(1001)]
    return encoded(frames[0], "GIF", save_all=True, append_images=frames[1:], duration=10)


@pytest.mark.parametrize(("case", "data", "status"), [
    ("HTML named .jpg", HTML, 415),
    ("HTML behind a GIF's magic bytes", b"GIF89a" + HTML, 415),
    ("BMP (an image we cannot keep clean)", encoded(Image.new("RGB", (8, 8)), "BMP"), 415),
    ("animation with too many frames", too_many_frames(), 413),
])
async def test_files_that_are_not_clean_images_are_refused(client: PlatformClient, admin_sql, case: str,  # type: ignore[no-untyped-def]
                                                           data: bytes, status: int) -> None:
    tenant = await client.sign_up("unclean")
    response = await upload(client, tenant, data, "photo.jpg")
    assert response.status_code == status, (case, response.text)
    assert response.headers["content-type"] == "application/problem+json"
    assert await count_assets(admin_sql, tenant) == 0
    allowed = await upload(client, tenant, encoded(Image.new("RGB", (8, 8)), "PNG"), "photo.png")  # the twin
    assert allowed.status_code == 201

"""Images that never shift a page and come in modern formats, described to cms by assets
(DescribeImages, each tenant its own only); and every site's own favicons, through the
gateway."""

import io
import uuid
import xml.etree.ElementTree as ET

from PIL import Image, features

from shared.contracts import DescribeImages, ImagesDescribed
from shared.messaging import connect_nats, request
from tests.e2e.platform_client import PlatformClient, SignedUp, eventually
from tests.e2e.test_assets import upload
from tests.e2e.test_cms_site import publish


def jpeg(width: int, height: int, colour: tuple[int, int, int]) -> bytes:
    buffer = io.BytesIO()
    image = Image.new("RGB", (width, height), colour)
    image.paste((250, 250, 250), (0, 0, width // 3, height // 3))  # not one flat colour
    image.save(buffer, "JPEG", quality=90)
    return buffer.getvalue()


def decoded(data: bytes) -> Image.Image:
    image = Image.open(io.BytesIO(data))
    image.load()
    return image


async def uploaded(client: PlatformClient, tenant: SignedUp, data: bytes) -> str:
    response = await upload(client, tenant, data, "photo.jpg")
    assert response.status_code == 201, response.text
    asset_id: str = response.json()["id"]
    return asset_id


async def test_copies_are_never_upscaled_and_come_in_modern_formats(client: PlatformClient) -> None:
    tenant = await client.sign_up("imgfm")
    url = f"/assets/{await uploaded(client, tenant, jpeg(900, 600, (30, 90, 160)))}"

    wide = await client.call("GET", f"{url}?w=1600", slug=tenant.slug)  # what an old srcset asked for
    assert wide.status_code == 200 and decoded(wide.content).size == (900, 600)
    small = await client.call("GET", f"{url}?w=400&fm=webp", slug=tenant.slug)
    assert small.status_code == 200 and small.headers["content-type"] == "image/webp"
    assert "immutable" in small.headers["cache-control"]
    assert (decoded(small.content).format, decoded(small.content).size) == ("WEBP", (400, 267))
    again = await client.call("GET", f"{url}?w=400&fm=webp", slug=tenant.slug,
                              headers={"if-none-match": small.headers["etag"]})
    assert again.status_code == 304  # kept, and known by its ETag
    plain = await client.call("GET", f"{url}?w=400", slug=tenant.slug)
    assert plain.headers["etag"] != small.headers["etag"] and decoded(plain.content).format == "JPEG"
    if features.check("avif"):
        avif = await client.call("GET", f"{url}?w=800&fm=avif", slug=tenant.slug)
        assert avif.headers["content-type"] == "image/avif"
        assert (decoded(avif.content).format, decoded(avif.content).size) == ("AVIF", (800, 533))
    refused = await client.call("GET", f"{url}?fm=gif", slug=tenant.slug)
    assert refused.status_code == 422 and "webp" in refused.json()["detail"]


async def test_describe_images_answers_only_the_tenants_own(client: PlatformClient) -> None:
    mine, theirs = await client.sign_up("imgdesc"), await client.sign_up("imgdesc-other")
    own = await uploaded(client, mine, jpeg(900, 600, (160, 40, 30)))
    other = await uploaded(client, theirs, jpeg(700, 500, (20, 140, 60)))
    nc = await connect_nats(client.stack.nats_url, name="tests-describe")
    try:
        asked = [uuid.UUID(own), uuid.UUID(other), uuid.uuid4()]
        reply: ImagesDescribed = await request(nc, DescribeImages(tenant_id=uuid.UUID(mine.tenant_id),
                                                                  asset_ids=asked), timeout=10)
        theirs_reply: ImagesDescribed = await request(nc, DescribeImages(tenant_id=uuid.UUID(theirs.tenant_id),
                                                                         asset_ids=asked), timeout=10)
    finally:
        await nc.close()
    assert [(str(i.id), i.width, i.height, i.widths) for i in reply.images] == [(own, 900, 600, [400, 800, 900])]
    assert "webp" in reply.images[0].formats and "jpeg" not in reply.images[0].formats
    assert [(str(i.id), i.widths) for i in theirs_reply.images] == [(other, [400, 700])]  # the allowed twin


async def test_a_page_lays_out_its_images_at_their_real_size(client: PlatformClient) -> None:
    tenant = await client.sign_up("imgpage")
    asset_id = await uploaded(client, tenant, jpeg(900, 600, (120, 60, 20)))
    image = {"id": "i", "component": "Image", "children": [], "props": {"asset_id": asset_id, "alt": "A crusty loaf"}}
    await publish(client, tenant, "/", {"root": {"id": "p", "component": "Page", "children": [image], "props": {
        "title": "Loaves", "description": "Bread baked before dawn."}}})

    async def home() -> str:
        page = await client.call("GET", "/", slug=tenant.slug)
        return page.text if page.status_code == 200 else ""

    async def shown() -> bool:
        return 'alt="A crusty loaf"' in await home()

    assert await eventually(shown, True, within=15)
    html = await home()
    assert 'width="900" height="600"' in html
    assert f"/assets/{asset_id}?w=900 900w" in html and "1600w" not in html  # never an upscaled candidate
    assert 'type="image/webp"' in html


async def test_every_site_answers_its_favicons_in_its_own_colours(client: PlatformClient) -> None:
    tenant = await client.sign_up("favicon")

    async def ico_status() -> int:
        return (await client.call("GET", "/favicon.ico", slug=tenant.slug)).status_code

    assert await eventually(ico_status, 200, within=15) == 200  # once the site projection has arrived
    ico = await client.call("GET", "/favicon.ico", slug=tenant.slug)
    assert ico.headers["content-type"] == "image/x-icon" and "max-age=86400" in ico.headers["cache-control"]
    assert decoded(ico.content).format == "ICO" and decoded(ico.content).info["sizes"] >= {(16, 16), (32, 32)}
    cached = await client.call("GET", "/favicon.ico", slug=tenant.slug, headers={"if-none-match": ico.headers["etag"]})
    assert cached.status_code == 304
    touch = await client.call("GET", "/apple-touch-icon.png", slug=tenant.slug)
    assert touch.headers["content-type"] == "image/png" and decoded(touch.content).size == (180, 180)
    svg = await client.call("GET", "/favicon.svg", slug=tenant.slug)
    assert svg.headers["content-type"].startswith("image/svg+xml")
    assert ET.fromstring(svg.content).tag == "{http://www.w3.org/2000/svg}svg"

    themed = await client.call("PUT", "/api/identity/tenant/theme", slug=tenant.slug, token=tenant.token,
                               json={"colors": {"primary": "#15803d"}})
    assert themed.status_code == 200, themed.text

    async def touch_colour() -> tuple[int, ...]:
        data = (await client.call("GET", "/apple-touch-icon.png", slug=tenant.slug)).content
        return decoded(data).convert("RGB").getpixel((4, 4))  # type: ignore[return-value]

    assert await eventually(touch_colour, (0x15, 0x80, 0x3D), within=15) == (0x15, 0x80, 0x3D)

    logo = await uploaded(client, tenant, jpeg(400, 200, (200, 20, 120)))
    with_logo = await client.call("PUT", "/api/identity/tenant/theme", slug=tenant.slug, token=tenant.token,
                                  json={"colors": {"primary": "#15803d"}, "logo_asset_id": logo})
    assert with_logo.status_code == 200, with_logo.text

    async def touch_centre_is_the_logo() -> bool:
        data = (await client.call("GET", "/apple-touch-icon.png", slug=tenant.slug)).content
        red, green, _ = decoded(data).convert("RGB").getpixel((120, 90))  # type: ignore[misc]
        return red > 150 and green < 80

    assert await eventually(touch_centre_is_the_logo, True, within=15)

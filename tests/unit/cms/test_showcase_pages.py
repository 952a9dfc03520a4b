"""The showcase's pages and photos, as cms answers them (no sockets)."""

import html
import io
import re
from xml.etree import ElementTree

import pytest
from PIL import Image

from services.cms import showcase, showcase_pages
from shared.errors import NotFound
from shared.theme import PRESETS

BASE = "http://localhost:8000"
needs_photos = pytest.mark.skipif(not showcase_pages.photos(), reason="no showcase photos: run `make photos`")


def test_the_index_links_every_preset_and_is_not_indexed() -> None:
    answer = showcase_pages.show_index(BASE)
    page = answer.body.decode()
    assert answer.status == 200 and answer.headers["content-type"].startswith("text/html")
    assert answer.headers["x-robots-tag"] == "noindex" and answer.headers["cache-control"] == "public, max-age=300"
    for name, preset in PRESETS.items():
        assert f'href="/__showcase/{name}"' in page and preset.label in page


def test_an_unknown_preset_is_a_404_page_listing_the_real_ones() -> None:
    answer = showcase_pages.show_preset(BASE, "<b>nope</b>")
    page = answer.body.decode()
    assert answer.status == 404 and "<b>nope" not in page and "&lt;b&gt;nope" in page
    assert f'href="/__showcase/{next(iter(PRESETS))}"' in page


@needs_photos
@pytest.mark.parametrize("preset", list(PRESETS))
def test_every_preset_has_a_page_with_the_showcase_photos_sized(preset: str) -> None:
    answer = showcase_pages.show_preset(BASE, preset)
    page = answer.body.decode()
    assert answer.status == 200 and answer.headers["x-robots-tag"] == "noindex"
    assert "script-src 'none'" in answer.headers["content-security-policy"] and "<script" not in page
    shown = set(re.findall(r'src="/__showcase/images/([\w.-]+)', page))
    assert shown and shown <= {photo.file for photo in showcase_pages.photos()} | set(showcase_pages.LOGO_FILES)
    assert set(showcase_pages.LOGO_FILES) <= shown  # the logo cloud shows logos, not photos
    # A photo is described as what it shows; beside a person's name, not at all; on a product card, as the product.
    products = {html.escape(product["name"], quote=True) for product in showcase.showcase_products(["x"]).values()}
    for photo in showcase_pages.photos():
        for alt in re.findall(rf'<img src="/__showcase/images/{re.escape(photo.file)}[^>]* alt="([^"]*)"', page):
            assert alt in {"", html.escape(photo.alt, quote=True), *products}, (photo.file, alt)
    assert "/assets/" not in page  # the showcase's pictures are its own, not a tenant's


def test_partners_logos_are_wordmarks_sized_for_the_page() -> None:
    for file, svg in showcase_pages.LOGO_FILES.items():
        answer = showcase_pages.show_image(file, None, None)
        assert answer.headers["content-type"] == "image/svg+xml" and answer.body == svg
        drawing = ElementTree.fromstring(svg)  # well-formed, with the partner's name as its title and text
        name = drawing.findtext("{http://www.w3.org/2000/svg}title")
        assert name in showcase.PARTNERS and file == "logo-" + "-".join(name.lower().split()) + ".svg"
    for asset_id, info in showcase_pages.logo_infos().items():
        assert info.width > 0 and info.height == 48 and info.widths == []
        assert showcase_pages.asset_url(asset_id).endswith(showcase_pages.LOGO_IDS[asset_id])


@needs_photos
def test_photos_come_at_delivered_widths_never_upscaled() -> None:
    photo = showcase_pages.photos()[0]
    answer = showcase_pages.show_image(photo.file, 300, "webp")
    assert answer.status == 200 and answer.headers["content-type"] == "image/webp"
    with Image.open(io.BytesIO(answer.body)) as image:
        assert image.format == "WEBP" and image.width == 400  # the narrowest delivered width at least 300
    for asked in (None, photo.width * 3):  # no width: the original's
        original = showcase_pages.show_image(photo.file, asked, None)
        with Image.open(io.BytesIO(original.body)) as image:
            assert image.format == "JPEG" and (image.width, image.height) == (photo.width, photo.height)
    assert showcase_pages.image_infos((photo,))[str(photo.id)].widths == showcase_pages.delivered_widths(photo.width)
    assert max(showcase_pages.delivered_widths(photo.width)) == photo.width


@pytest.mark.parametrize("name", ["missing.jpg", "../pyproject.toml", "photos.json", ""])
def test_a_name_the_manifest_does_not_hold_is_404(name: str) -> None:
    with pytest.raises(NotFound):  # a problem+json 404, like every refusal
        showcase_pages.show_image(name, None, None)


@needs_photos
def test_an_unoffered_format_is_404_and_an_offered_one_is_200() -> None:
    photo = showcase_pages.photos()[0]
    with pytest.raises(NotFound):
        showcase_pages.show_image(photo.file, 400, "tiff")
    assert showcase_pages.show_image(photo.file, 400, next(iter(showcase_pages.FORMATS))).status == 200


@pytest.mark.parametrize(("file", "kind"), [("favicon.svg", "image/svg+xml"), ("favicon.ico", "image/x-icon"),
                                            ("apple-touch-icon.png", "image/png")])
def test_the_platform_has_its_own_icons(file: str, kind: str) -> None:
    answer = showcase_pages.show_icon(file)
    assert answer.status == 200 and answer.headers["content-type"] == kind and answer.body


@pytest.mark.parametrize("file", ["favicon.gif", "../favicon.svg", "photos.json"])
def test_an_icon_it_does_not_have_is_404(file: str) -> None:
    with pytest.raises(NotFound):
        showcase_pages.show_icon(file)

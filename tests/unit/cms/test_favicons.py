"""A tenant's favicons: readable files of the right kind and size, in its own colours,
from its logo when it has one."""

import io
import xml.etree.ElementTree as ET

import pytest
from PIL import Image

from services.cms.favicons import FILES, brand_of, favicon, initials
from shared.colour import contrast

SVG = "{http://www.w3.org/2000/svg}"


def opened(data: bytes) -> Image.Image:
    image = Image.open(io.BytesIO(data))
    image.load()
    return image


def centre_colour(data: bytes) -> tuple[int, ...]:
    """The colour a little inside the top-left corner: the background, not the letters."""
    image = opened(data).convert("RGB")
    return image.getpixel((image.width // 8, image.height // 2))  # type: ignore[return-value]


def hex_of(rgb: tuple[int, ...]) -> str:
    return "#" + "".join(f"{channel:02x}" for channel in rgb[:3])


@pytest.mark.parametrize(("name", "letters"), [
    ("Lumen Bakery", "LB"), ("demo", "D"), ("Nordic Outdoor Co.", "NO"), ("  café   olé ", "CO"), ("!!!", "•"),
])
def test_initials_are_the_first_letters_of_the_first_two_words(name: str, letters: str) -> None:
    assert initials(name) == letters


def test_the_ico_holds_16_32_and_48_pixel_icons() -> None:
    data = favicon("/favicon.ico", brand_of("Lumen Bakery", {"colors": {"primary": "#b45309"}}))
    image = opened(data)
    assert image.format == "ICO"
    assert image.info["sizes"] == {(16, 16), (32, 32), (48, 48)}
    for side in (16, 32, 48):
        image.size = (side, side)
        image.load()
        assert image.size == (side, side)


def test_the_touch_icon_is_an_opaque_180_pixel_png_on_the_primary_colour() -> None:
    image = opened(favicon("/apple-touch-icon.png", brand_of("Lumen Bakery", {"colors": {"primary": "#b45309"}})))
    assert (image.format, image.size, image.mode) == ("PNG", (180, 180), "RGB")
    assert image.getpixel((4, 4)) == (0xB4, 0x53, 0x09)


def test_the_svg_parses_and_shows_the_initials_in_readable_ink() -> None:
    brand = brand_of("Lumen Bakery", {"colors": {"primary": "#fde68a"}})
    root = ET.fromstring(favicon("/favicon.svg", brand))
    rect, text = root.find(f"{SVG}rect"), root.find(f"{SVG}text")
    assert rect is not None and text is not None
    assert rect.get("fill") == "#fde68a" and text.text == "LB"
    assert contrast(text.get("fill") or "", "#fde68a") >= 4.5  # dark ink on a light primary


@pytest.mark.parametrize("path", list(FILES))
def test_every_file_changes_colour_with_the_theme(path: str) -> None:
    blue = favicon(path, brand_of("Lumen Bakery", {"colors": {"primary": "#1d4ed8"}}))
    green = favicon(path, brand_of("Lumen Bakery", {"colors": {"primary": "#15803d"}}))
    assert blue != green
    if path != "/favicon.svg":
        assert hex_of(centre_colour(blue)) != hex_of(centre_colour(green))
        assert centre_colour(green)[1] > centre_colour(green)[0]  # green, indeed


def test_a_theme_without_colours_gets_the_default_primary_and_a_bad_value_is_ignored() -> None:
    assert brand_of("x", None).primary == brand_of("x", {"colors": {"primary": "red; }"}}).primary == "#2563eb"


def test_the_logo_makes_every_file_when_there_is_one() -> None:
    logo = Image.new("RGBA", (300, 100), (0, 0, 0, 0))
    logo.paste((230, 20, 120, 255), (0, 0, 300, 100))  # a wide magenta logo
    buffer = io.BytesIO()
    logo.save(buffer, "WEBP")
    brand = brand_of("Lumen Bakery", {"colors": {"primary": "#1d4ed8", "background": "#ffffff"}})
    touch = opened(favicon("/apple-touch-icon.png", brand, buffer.getvalue())).convert("RGB")
    assert touch.size == (180, 180)
    assert touch.getpixel((90, 90))[0] > 200 and touch.getpixel((90, 90))[2] > 80  # the logo in the middle
    assert touch.getpixel((90, 5)) == (255, 255, 255)  # padded on the site's background, not black
    ico = opened(favicon("/favicon.ico", brand, buffer.getvalue())).convert("RGBA")
    assert ico.getpixel((ico.width // 2, ico.height // 2))[0] > 200
    svg = ET.fromstring(favicon("/favicon.svg", brand, buffer.getvalue()))
    image = svg.find(f"{SVG}image")
    assert image is not None and (image.get("href") or "").startswith("data:image/png;base64,")


def test_logo_bytes_that_are_not_an_image_fall_back_to_the_initials() -> None:
    brand = brand_of("Lumen Bakery", {"colors": {"primary": "#b45309"}})
    assert favicon("/favicon.svg", brand, b"not an image") == favicon("/favicon.svg", brand)

"""Offline image descriptions come from the picture's real properties and its name."""

import io

import pytest
from PIL import Image

from shared.ai.base import AIRequestRejected
from shared.ai.vision import describe, filename_words


def png(width: int, height: int, colour: tuple[int, ...], mode: str = "RGB") -> bytes:
    buffer = io.BytesIO()
    Image.new(mode, (width, height), colour).save(buffer, "PNG")
    return buffer.getvalue()


def test_orientation_colour_and_filename_make_the_alt_text() -> None:
    alt, description, tags = describe(png(1200, 600, (40, 90, 210)), "Blue-Sneaker_final.png")
    assert alt.startswith("Blue sneaker: a landscape png")
    assert "blue" in alt
    assert description.startswith(alt) and "1200 by 600 pixels" in description
    assert tags[:2] == ["blue", "sneaker"] and "landscape" in tags

    alt, _, tags = describe(png(400, 800, (200, 30, 40)), "IMG_2041.png")
    assert "portrait" in alt and "red" in alt and "img" not in tags


def test_transparency_is_mentioned() -> None:
    alt, description, _ = describe(png(300, 300, (255, 255, 255, 0), mode="RGBA"), "logo.png")
    assert "square" in alt and "transparent" in alt and "with transparency" in description


def test_non_images_are_refused() -> None:
    with pytest.raises(AIRequestRejected):
        describe(b"%PDF-1.7 not an image", "file.pdf")


def test_camel_case_and_separators_split_into_words() -> None:
    assert filename_words("summerCollection-2024_hero.jpg") == ["summer", "collection", "hero"]

"""Copies of a stored image for responsive pages: never wider than the original, at the
widths a srcset may name, in WebP and AVIF as well, animations kept."""

import io

import pytest
from PIL import Image, ImageSequence, features

from services.assets.images import (
    VARIANT_FORMATS,
    VARIANT_WIDTHS,
    clean_image,
    delivered_width,
    delivered_widths,
    formats_besides,
    variant,
)


def stored(width: int, height: int, kind: str = "JPEG") -> bytes:
    """An original as the library keeps it (through clean_image, as an upload is)."""
    image = Image.new("RGB", (width, height), (20, 40, 200))
    image.paste((220, 30, 30), (0, 0, width // 2, height // 2))
    buffer = io.BytesIO()
    image.save(buffer, kind)
    return clean_image(buffer.getvalue()).data


def opened(data: bytes) -> Image.Image:
    image = Image.open(io.BytesIO(data))
    image.load()
    return image


@pytest.mark.parametrize(("width", "widths"), [
    (900, [400, 800, 900]), (1600, [400, 800, 1600]), (2400, [400, 800, 1600, 2400]), (300, [300]),
    (401, [400, 401]),
])
def test_delivered_widths_never_exceed_the_original(width: int, widths: list[int]) -> None:
    assert delivered_widths(width) == widths
    assert max(delivered_widths(width)) == width


@pytest.mark.parametrize(("asked", "original", "served"), [
    (400, 900, 400), (401, 900, 800), (123, 900, 400), (1600, 900, 900), (1200, 2400, 1600), (9999, 2400, 2400),
    (800, 300, 300),
])
def test_a_width_not_delivered_is_answered_with_the_nearest_wider_one_or_the_original(asked: int, original: int,
                                                                                     served: int) -> None:
    assert delivered_width(asked, original) == served


def test_every_width_an_old_srcset_named_still_answers() -> None:
    for original in (250, 900, 1700):
        for asked in VARIANT_WIDTHS:
            assert delivered_width(asked, original) in delivered_widths(original)


@pytest.mark.parametrize("fm", list(VARIANT_FORMATS))
def test_a_format_variant_decodes_as_that_format_at_the_width_asked(fm: str) -> None:
    original = stored(900, 600)
    data, content_type = variant(original, 400, fm)
    image = opened(data)
    assert image.format == VARIANT_FORMATS[fm]
    assert content_type == f"image/{fm}"
    assert image.size == (400, 267)
    assert image.convert("RGB").getpixel((10, 10))[0] > 150  # the red quarter is still there: the same picture


def test_a_copy_is_never_upscaled_and_keeps_its_own_format_without_fm() -> None:
    data, content_type = variant(stored(300, 200), 1600)
    assert (opened(data).size, content_type) == ((300, 200), "image/jpeg")


def test_avif_is_offered_exactly_when_this_pillow_writes_it() -> None:
    assert ("avif" in VARIANT_FORMATS) == bool(features.check("avif"))
    assert "webp" in VARIANT_FORMATS


def test_formats_besides_leave_out_the_originals_own() -> None:
    assert "webp" in formats_besides("image/jpeg")
    assert "webp" not in formats_besides("image/webp")
    assert formats_besides("image/avif") == ["webp"]


def test_an_animation_keeps_its_frames_in_every_copy() -> None:
    frames = [Image.new("RGB", (600, 300), colour) for colour in ((255, 0, 0), (0, 255, 0), (0, 0, 255))]
    buffer = io.BytesIO()
    frames[0].save(buffer, "GIF", save_all=True, append_images=frames[1:], duration=[100, 200, 300], loop=0)
    original = clean_image(buffer.getvalue()).data
    for fm in (None, "webp"):
        data, content_type = variant(original, 400, fm)
        image = opened(data)
        assert content_type == ("image/gif" if fm is None else "image/webp")
        assert image.size == (400, 200)
        colours = [frame.convert("RGB").getpixel((5, 5)) for frame in ImageSequence.Iterator(image)]
        assert len(colours) == 3 and colours[0][0] > 200 and colours[1][1] > 200 and colours[2][2] > 200


def test_a_copy_loops_as_its_original_does() -> None:
    frames = [Image.new("RGB", (300, 150), colour) for colour in ((255, 0, 0), (0, 0, 255))]
    for loop in (None, 0, 3):  # plays once, forever, four times
        buffer = io.BytesIO()
        frames[0].save(buffer, "GIF", save_all=True, append_images=frames[1:], duration=[100, 100],
                       **({} if loop is None else {"loop": loop}))
        original = clean_image(buffer.getvalue()).data
        assert opened(original).info.get("loop") == loop
        data, _ = variant(original, 200)
        assert opened(data).info.get("loop") == loop


def test_a_still_gif_becomes_a_png_copy() -> None:
    data, content_type = variant(stored(500, 250, "GIF"), 400)
    assert (opened(data).format, opened(data).size, content_type) == ("PNG", (400, 200), "image/png")

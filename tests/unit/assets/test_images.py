"""The media library's one rule: an upload is kept only as an image written anew from its
pixels (upright, with its colour profile, nothing else), or refused with a 4xx."""

import io
import struct
import uuid
import zlib
from collections.abc import Callable

import pytest
from PIL import Image, ImageChops, ImageCms, ImageOps, ImageSequence, ImageStat, PngImagePlugin

from services.assets.images import MAX_FRAMES, clean_image, serving_headers
from shared.errors import AppError

HTML = "<html><script>alert(1)</script></html>"


def encoded(image: Image.Image, kind: str, **options: object) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, kind, **options)
    return buffer.getvalue()


def photo(width: int = 120, height: int = 80) -> Image.Image:
    """Not one flat colour: a red top-left quarter on blue, so a turn or flip shows."""
    image = Image.new("RGB", (width, height), (20, 40, 200))
    image.paste((220, 30, 30), (0, 0, width // 2, height // 2))
    return image


def gps_exif(orientation: int = 1) -> Image.Exif:
    exif = Image.Exif()
    exif[0x0112] = orientation
    exif[0x010E] = HTML  # ImageDescription
    gps = exif.get_ifd(0x8825)
    gps.update({1: "N", 2: (52.0, 31.0, 12.0), 3: "E", 4: (13.0, 24.0, 36.0)})
    return exif


def animated_gif(trailer: bytes = b"") -> bytes:
    frames = [Image.new("RGB", (40, 30), colour) for colour in ((255, 0, 0), (0, 255, 0), (0, 0, 255))]
    return encoded(frames[0], "GIF", save_all=True, append_images=frames[1:], duration=[100, 200, 300], loop=0,
                   comment=HTML) + trailer


def png_with_text() -> bytes:
    info = PngImagePlugin.PngInfo()
    info.add_text("Comment", HTML)
    info.add_text("Compressed", HTML, zip=True)
    info.add_itxt("International", HTML)
    return encoded(photo(), "PNG", pnginfo=info, exif=gps_exif())


POLYGLOTS = {
    "JPEG with HTML after its end": ("JPEG", encoded(photo(), "JPEG") + HTML.encode()),
    "JPEG with HTML in a COM segment": ("JPEG", encoded(photo(), "JPEG", comment=HTML)),
    "JPEG with HTML in EXIF and XMP": ("JPEG", encoded(photo(), "JPEG", exif=gps_exif(), xmp=HTML.encode())),
    "PNG with HTML in tEXt, zTXt, iTXt and eXIf": ("PNG", png_with_text()),
    "PNG with HTML after IEND": ("PNG", encoded(photo(), "PNG") + HTML.encode()),
    "GIF with HTML in a comment and after its trailer": ("GIF", encoded(photo().convert("P"), "GIF", comment=HTML)
                                                          + HTML.encode()),
    "animated GIF with HTML": ("GIF", animated_gif(HTML.encode())),
    "WebP with HTML in EXIF and XMP": ("WEBP", encoded(photo(), "WEBP", exif=gps_exif(), xmp=HTML.encode())),
    "AVIF with HTML in EXIF and XMP": ("AVIF", encoded(photo(), "AVIF", exif=gps_exif(), xmp=HTML.encode())),
}


def decoded(data: bytes) -> Image.Image:
    image = Image.open(io.BytesIO(data))
    image.load()
    return image


def close_to(a: Image.Image, b: Image.Image) -> bool:
    """Same size and nearly the same pixels: lossy formats blur the edges a little, while a
    wrong turn or a different picture moves a whole quarter (a mean difference of ~40)."""
    if a.size != b.size:
        return False
    difference = ImageStat.Stat(ImageChops.difference(a.convert("RGB"), b.convert("RGB")))
    return max(difference.mean) < 6


def refused(data: bytes) -> int:
    with pytest.raises(AppError) as caught:
        clean_image(data)
    return caught.value.status


@pytest.mark.parametrize("case", POLYGLOTS)
def test_a_polyglot_is_kept_only_as_its_image(case: str) -> None:
    kind, data = POLYGLOTS[case]
    assert b"<html" in data  # the attack is really there
    clean = clean_image(data)
    assert b"<html" not in clean.data and b"<script" not in clean.data and b"alert" not in clean.data
    image = decoded(clean.data)
    assert image.format == kind and (clean.facts.width, clean.facts.height) == image.size
    assert close_to(image, decoded(data)), case  # the same picture
    assert not image.getexif(), case  # no EXIF at all: GPS, description, orientation gone
    assert not {"exif", "xmp", "XML:com.adobe.xmp", "comment", "Comment", "Compressed", "International"} & \
        set(image.info), (case, image.info)
    assert not getattr(image, "text", {}), case
    assert clean.facts.bytes == len(clean.data) and clean.facts.content_type == f"image/{kind.lower()}"


def test_the_allowed_twin_a_clean_image_is_kept_with_its_size() -> None:
    clean = clean_image(encoded(photo(300, 200), "PNG"))
    assert (clean.facts.content_type, clean.facts.width, clean.facts.height) == ("image/png", 300, 200)
    assert decoded(clean.data).tobytes() == photo(300, 200).tobytes()  # PNG stays lossless


def test_the_same_picture_is_the_same_file_so_uploads_still_deduplicate() -> None:
    plain = encoded(photo(), "JPEG")
    assert clean_image(plain).facts.sha256 == clean_image(plain).facts.sha256
    assert clean_image(plain + HTML.encode()).facts.sha256 == clean_image(plain).facts.sha256


@pytest.mark.parametrize("orientation", range(1, 9))
def test_exif_orientation_is_applied_to_the_pixels(orientation: int) -> None:
    data = encoded(photo(120, 80), "JPEG", exif=gps_exif(orientation), quality=95)
    reference = ImageOps.exif_transpose(decoded(data))  # Pillow's own reading of the tag
    clean = decoded(clean_image(data).data)
    assert not clean.getexif()
    assert clean.size == ((80, 120) if orientation >= 5 else (120, 80))
    assert close_to(clean, reference)


def test_a_photo_taken_sideways_is_stored_upright() -> None:
    upright = photo(120, 80)  # the red quarter top-left, as the camera's user saw it
    stored_sideways = upright.transpose(Image.Transpose.ROTATE_90)  # how a camera turned 90° writes it
    clean = decoded(clean_image(encoded(stored_sideways, "JPEG", exif=gps_exif(6), quality=95)).data)
    assert clean.size == (120, 80) and close_to(clean, upright)


@pytest.mark.parametrize("kind", ["JPEG", "PNG", "WEBP", "AVIF"])
def test_the_colour_profile_is_kept(kind: str) -> None:
    profile = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
    clean = decoded(clean_image(encoded(photo(), kind, icc_profile=profile, exif=gps_exif())).data)
    assert clean.info.get("icc_profile") == profile and not clean.getexif()


def test_an_animation_keeps_its_frames_timing_and_loop() -> None:
    image = decoded(clean_image(animated_gif(HTML.encode())).data)
    frames = [(frame.info.get("duration"), frame.convert("RGB").getpixel((5, 5)))
              for frame in ImageSequence.Iterator(image)]
    assert frames == [(100, (255, 0, 0)), (200, (0, 255, 0)), (300, (0, 0, 255))]
    assert image.info.get("loop") == 0


def test_a_lossless_webp_stays_lossless_and_a_camera_mpo_becomes_its_jpeg() -> None:
    lossless = encoded(photo(), "WEBP", lossless=True)
    assert decoded(clean_image(lossless).data).tobytes() == photo().tobytes()
    mpo = encoded(photo(), "MPO", save_all=True, append_images=[Image.new("RGB", (120, 80))])
    assert decoded(mpo).format == "MPO"
    clean = clean_image(mpo)
    assert clean.facts.content_type == "image/jpeg" and decoded(clean.data).format == "JPEG"


def png_claiming(width: int, height: int) -> bytes:
    """A tiny PNG whose header claims `width` x `height` pixels."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)) + \
        chunk(b"IDAT", zlib.compress(b"\0" * 100)) + chunk(b"IEND", b"")


def gif_of(frames: int, size: tuple[int, int]) -> bytes:
    pictures = [Image.new("RGB", size, ((n % 2) * 255, 0, 0)) for n in range(frames)]
    return encoded(pictures[0], "GIF", save_all=True, append_images=pictures[1:], duration=10)


@pytest.mark.parametrize(("case", "data", "status"), [
    ("more pixels than the limit", png_claiming(20000, 20000), 413),
    ("more pixels than Pillow's own bomb limit", png_claiming(60000, 60000), 413),
    ("too many frames", lambda: gif_of(MAX_FRAMES + 1, (2, 2)), 413),
    ("too many pixels over all frames", lambda: gif_of(10, (3000, 3000)), 413),
    ("SVG", b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>', 415),
    ("SVG behind an XML prolog", b'<?xml version="1.0"?>\n<svg xmlns="http://www.w3.org/2000/svg"/>', 415),
    ("HTML named .jpg", HTML.encode(), 415),
    ("HTML behind a JPEG's magic bytes", b"\xff\xd8\xff\xe0" + HTML.encode(), 422),  # a damaged JPEG
    ("HTML behind a GIF's magic bytes", b"GIF89a" + HTML.encode(), 415),
    ("a BMP (read by Pillow, not accepted)", encoded(photo(), "BMP"), 415),
    ("a TIFF (read by Pillow, not accepted)", encoded(photo(), "TIFF"), 415),
    ("empty", b"", 400),
    ("truncated JPEG", encoded(photo(), "JPEG")[:200], 422),
])
def test_what_cannot_be_written_back_as_an_image_is_refused(case: str, data: bytes | Callable[[], bytes],
                                                            status: int) -> None:
    assert refused(data() if callable(data) else data) == status, case


def test_the_allowed_twins_of_the_limits_pass() -> None:
    assert clean_image(gif_of(MAX_FRAMES, (2, 2))).facts.content_type == "image/gif"
    assert clean_image(gif_of(3, (3000, 3000))).facts.width == 3000


def test_files_are_served_inline_under_a_name_we_make_and_sandboxed() -> None:
    asset_id = uuid.uuid4()
    headers = serving_headers(asset_id, "image/jpeg")
    assert headers["x-content-type-options"] == "nosniff"
    assert headers["content-disposition"] == f'inline; filename="{asset_id}.jpg"'
    assert "sandbox" in headers["content-security-policy"]

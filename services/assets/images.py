"""What an uploaded file really is, decided by its content (never its name), verified by
Pillow; and resized copies for responsive images. Pure: bytes in, facts or bytes out."""

from __future__ import annotations

import hashlib
import io
import warnings

import msgspec
from PIL import Image, UnidentifiedImageError

from shared.errors import BadRequest, Invalid, PayloadTooLarge, UnsupportedMediaType

CONTENT_TYPES = {"PNG": "image/png", "JPEG": "image/jpeg", "WEBP": "image/webp", "GIF": "image/gif",
                 "AVIF": "image/avif"}
MAX_PIXELS = 40_000_000  # ~6,300 x 6,300: beyond it a small file can inflate to gigabytes (a decompression bomb)
VARIANT_WIDTHS = (400, 800, 1600)


class ImageFacts(msgspec.Struct, frozen=True):
    content_type: str
    width: int
    height: int
    bytes: int
    sha256: str


def inspect_image(data: bytes) -> ImageFacts:
    if not data:
        raise BadRequest("the file is empty")
    head = data[:1024].lstrip().lower()
    if head.startswith((b"<?xml", b"<svg")) or b"<svg" in head:
        raise UnsupportedMediaType("SVG files are not accepted (they can carry scripts); upload PNG, JPEG, WebP, "
                                   "GIF or AVIF")
    with warnings.catch_warnings():
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        try:
            with Image.open(io.BytesIO(data)) as image:
                kind = image.format or ""
                if kind not in CONTENT_TYPES:
                    raise UnsupportedMediaType(f"{kind or 'this file'} is not an accepted image type")
                if image.width * image.height > MAX_PIXELS:
                    raise PayloadTooLarge(f"the image has {image.width}x{image.height} pixels; at most {MAX_PIXELS:,}")
                image.load()  # decodes every pixel: a truncated or damaged file fails here
                width, height = image.size
        except UnidentifiedImageError:
            raise UnsupportedMediaType("this is not an image of an accepted type (PNG, JPEG, WebP, GIF, AVIF)") \
                from None
        except (Image.DecompressionBombError, Image.DecompressionBombWarning):
            raise PayloadTooLarge(f"the image has more than {MAX_PIXELS:,} pixels") from None
        except (OSError, SyntaxError, ValueError) as exc:
            raise Invalid(f"the image is damaged or truncated: {exc}") from None
    return ImageFacts(content_type=CONTENT_TYPES[kind], width=width, height=height, bytes=len(data),
                      sha256=hashlib.sha256(data).hexdigest())


def resized(data: bytes, width: int) -> tuple[bytes, str]:
    """A copy `width` pixels wide (never wider than the original), and its content type.
    GIFs become PNGs of their first frame; the others keep their format."""
    with Image.open(io.BytesIO(data)) as image:
        kind = image.format if image.format in ("PNG", "JPEG", "WEBP") else "PNG"
        wanted = "RGBA" if kind == "PNG" else "RGB"
        copy = image.convert(wanted) if image.mode not in ("RGB", "RGBA") else image.copy()
        if copy.width > width:
            copy.thumbnail((width, width * 10))
        if kind == "JPEG" and copy.mode == "RGBA":
            copy = copy.convert("RGB")
        out = io.BytesIO()
        if kind in ("JPEG", "WEBP"):
            copy.save(out, kind, quality=82)
        else:
            copy.save(out, kind, optimize=True)
    return out.getvalue(), CONTENT_TYPES[kind]

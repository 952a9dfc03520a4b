"""What an uploaded file really is, decided by its content (never its name), and the one
rule for what the media library keeps: only an image. Pure: bytes in, facts or bytes out.

A file can be a valid JPEG and an HTML page at once (HTML after the end-of-image marker,
in a comment, in EXIF or XMP, in a PNG text chunk, after a GIF's trailer). Checking that
Pillow can read it proves nothing about the other bytes, so every upload is decoded and
written anew from its pixels: the stored file holds pixels, frame timing, transparency
and the colour profile, and nothing else (no EXIF, GPS included, no XMP, no comments, no
text chunks, no trailing bytes). EXIF orientation is applied to the pixels first, so the
image stays upright once the tag is gone. Formats Pillow cannot write back (SVG, which
can carry scripts, and everything outside the five below) are refused."""

from __future__ import annotations

import hashlib
import io
import struct
import warnings
from collections.abc import Callable
from typing import Any

import msgspec
from PIL import Image, ImageSequence, UnidentifiedImageError, features

from shared.errors import AppError, BadRequest, Invalid, PayloadTooLarge, UnsupportedMediaType

CONTENT_TYPES = {"PNG": "image/png", "JPEG": "image/jpeg", "WEBP": "image/webp", "GIF": "image/gif",
                 "AVIF": "image/avif"}
EXTENSIONS = {"image/png": "png", "image/jpeg": "jpg", "image/webp": "webp", "image/gif": "gif", "image/avif": "avif"}
# Cameras and phones write JPEGs with a Multi-Picture index (Pillow calls them MPO): the
# first picture is the photo; the others (depth maps, previews) are dropped.
WRITTEN_AS = {**{kind: kind for kind in CONTENT_TYPES}, "MPO": "JPEG"}
MAX_PIXELS = 40_000_000  # ~6,300 x 6,300: beyond it a small file can inflate to gigabytes (a decompression bomb)
MAX_FRAMES = 1000
MAX_ANIMATION_PIXELS = 2 * MAX_PIXELS  # all frames together: each is held decoded while the file is written
VARIANT_WIDTHS = (400, 800, 1600)
# Formats every image is also delivered in (`?fm=`), best first; AVIF only where this
# Pillow build can write it, so nothing is promised that the server cannot make.
VARIANT_FORMATS = {**({"avif": "AVIF"} if features.check("avif") else {}), "webp": "WEBP"}
VARIANT_QUALITY = {"JPEG": 82, "WEBP": 80, "AVIF": 60}  # AVIF's scale runs lower for the same look
AVIF_SPEED = 8  # a third of the default's time for ~4% more bytes; each copy is made once, on a visitor's request
JPEG_QUALITY = 90  # re-encoding costs one generation of loss: keep it small
LOSSY_QUALITY = 90  # WebP and AVIF that were lossy; lossless WebP stays lossless
# Modes each encoder writes as they are; any other mode becomes RGB, or RGBA with alpha.
MODES = {"JPEG": {"L", "RGB", "CMYK"}, "PNG": {"1", "L", "LA", "I;16", "P", "RGB", "RGBA"},
         "GIF": {"L", "P", "RGB", "RGBA"}, "WEBP": {"RGB", "RGBA"}, "AVIF": {"RGB", "RGBA"}}
# Pixel facts kept on a frame; every other info key (exif, xmp, comment, dpi, text...) goes.
PIXEL_INFO = ("transparency",)
ORIENTATIONS = {2: Image.Transpose.FLIP_LEFT_RIGHT, 3: Image.Transpose.ROTATE_180, 4: Image.Transpose.FLIP_TOP_BOTTOM,
                5: Image.Transpose.TRANSPOSE, 6: Image.Transpose.ROTATE_270, 7: Image.Transpose.TRANSVERSE,
                8: Image.Transpose.ROTATE_90}


class ImageFacts(msgspec.Struct, frozen=True):
    content_type: str
    width: int
    height: int
    bytes: int
    sha256: str


class CleanImage(msgspec.Struct, frozen=True):
    data: bytes
    facts: ImageFacts


def clean_image(data: bytes) -> CleanImage:
    """The upload as the library keeps it: re-encoded from its decoded pixels, upright, with
    its colour profile and nothing else; refused (4xx) if it is not an image we can write."""
    if not data:
        raise BadRequest("the file is empty")
    head = data[:1024].lstrip().lower()
    if head.startswith((b"<?xml", b"<svg")) or b"<svg" in head:
        raise UnsupportedMediaType("SVG files are not accepted (they can carry scripts); upload PNG, JPEG, WebP, "
                                   "GIF or AVIF")
    with warnings.catch_warnings():
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        try:
            # Only the five decoders we accept ever see the bytes (no exotic plugin on hostile input).
            with Image.open(io.BytesIO(data), formats=list(CONTENT_TYPES)) as image:
                kind = WRITTEN_AS.get(image.format or "")
                if kind is None:
                    raise UnsupportedMediaType(f"{image.format or 'this file'} is not an accepted image type")
                frames = checked_frame_count(image, kind)
                clean, (width, height) = reencoded(image, kind, frames,
                                                   lossless=kind == "WEBP" and webp_is_lossless(data))
        except UnidentifiedImageError:
            raise UnsupportedMediaType("this is not an image of an accepted type (PNG, JPEG, WebP, GIF, AVIF)") \
                from None
        except (Image.DecompressionBombError, Image.DecompressionBombWarning):
            raise PayloadTooLarge(f"the image has more than {MAX_PIXELS:,} pixels") from None
        except AppError:
            raise
        except Exception as exc:  # hostile bytes can fail a decoder in any way; all are the file's fault
            raise Invalid(f"the image is damaged or truncated: {exc}"[:300]) from None
    return CleanImage(data=clean, facts=ImageFacts(content_type=CONTENT_TYPES[kind], width=width, height=height,
                                                   bytes=len(clean), sha256=hashlib.sha256(clean).hexdigest()))


def checked_frame_count(image: Image.Image, kind: str) -> int:
    """How many frames will be decoded; refused when that would take too much memory."""
    if image.width * image.height > MAX_PIXELS:
        raise PayloadTooLarge(f"the image has {image.width}x{image.height} pixels; at most {MAX_PIXELS:,}")
    # An MPO's other pictures are not frames of an animation: only the first is kept.
    frames = 1 if kind == "JPEG" else int(getattr(image, "n_frames", 1))
    if frames > MAX_FRAMES:
        raise PayloadTooLarge(f"the animation has {frames:,} frames; at most {MAX_FRAMES:,}")
    if frames * image.width * image.height > MAX_ANIMATION_PIXELS:
        raise PayloadTooLarge(f"the animation has {frames:,} frames of {image.width}x{image.height} pixels; at most "
                              f"{MAX_ANIMATION_PIXELS:,} pixels in all")
    return frames


def reencoded(image: Image.Image, kind: str, frames: int, *, lossless: bool) -> tuple[bytes, tuple[int, int]]:
    """The image written anew from its pixels (every frame, upright) in its own format, and its size."""
    transpose = orientation_fix(image)
    # Frames of an animation come out whole and in one mode: RGBA holds every one exactly.
    pictures, durations = frames_of(image, frames, lambda frame: pixels_only(
        frame, kind, transpose, mode="RGBA" if frames > 1 else None))
    options: dict[str, Any] = {}
    if kind == "JPEG":
        options.update(quality=JPEG_QUALITY, optimize=True)
    elif kind == "WEBP":
        options.update({"lossless": True} if lossless else {"quality": LOSSY_QUALITY})
    elif kind == "AVIF":
        options.update(quality=LOSSY_QUALITY)
    return encoded(image, kind, pictures, durations, options), pictures[0].size


def frames_of(image: Image.Image, frames: int,
              picture: Callable[[Image.Image], Image.Image]) -> tuple[list[Image.Image], list[int]]:
    """The first `frames` frames, each made by `picture`, and how long each shows (ms)."""
    pictures: list[Image.Image] = []
    durations: list[int] = []
    for frame in ImageSequence.Iterator(image):
        pictures.append(picture(frame))
        durations.append(int(frame.info.get("duration", 0) or 0))
        if len(pictures) == frames:
            break
    return pictures, durations


def encoded(source: Image.Image, kind: str, pictures: list[Image.Image], durations: list[int],
            options: dict[str, Any]) -> bytes:
    """`pictures` written as `kind` with `options` (the format's own), the source's colour
    profile and, for an animation, its timing and looping."""
    options = dict(options)  # the caller's stay as given
    icc = source.info.get("icc_profile")
    if icc and kind != "GIF":
        options["icc_profile"] = icc
    if len(pictures) > 1:
        options.update(save_all=True, append_images=pictures[1:], duration=durations)
        if "loop" in source.info:  # without it, an animation plays once
            options["loop"] = int(source.info["loop"])
        if kind in ("GIF", "PNG"):
            options["disposal"] = 2  # whole frames: clear before each, or the last shows through transparency
    out = io.BytesIO()
    pictures[0].save(out, kind, **options)
    return out.getvalue()


def orientation_fix(image: Image.Image) -> Image.Transpose | None:
    """The turn or flip that makes the image upright, from its EXIF orientation (1-8)."""
    try:
        orientation = image.getexif().get(0x0112, 1)
    except Exception:  # unreadable EXIF: nothing to apply, and it is dropped anyway
        return None
    return ORIENTATIONS.get(orientation)


def pixels_only(frame: Image.Image, kind: str, transpose: Image.Transpose | None, *,
                mode: str | None) -> Image.Image:
    """A new image of the frame's pixels alone: of its info only transparency is kept."""
    frame.load()
    if mode is None and frame.mode in MODES[kind]:
        pixels = frame.copy()
    else:
        pixels = frame.convert(mode or ("RGBA" if frame.has_transparency_data and kind != "JPEG" else "RGB"))
    if transpose is not None:
        pixels = pixels.transpose(transpose)
    pixels.info = {key: value for key, value in pixels.info.items() if key in PIXEL_INFO}
    return pixels


def webp_is_lossless(data: bytes) -> bool:
    """Whether a WebP's (first) picture is lossless (a VP8L chunk) rather than lossy (VP8)."""
    offset = 12  # after "RIFF", the size and "WEBP"
    while offset + 8 <= len(data):
        fourcc, size = data[offset:offset + 4], struct.unpack_from("<I", data, offset + 4)[0]
        if fourcc == b"ANMF":  # an animation frame: its picture follows 16 bytes of frame header
            return data[offset + 24:offset + 28] == b"VP8L"
        if fourcc in (b"VP8L", b"VP8 "):
            return fourcc == b"VP8L"
        offset += 8 + size + (size & 1)
    return False


def serving_headers(asset_id: object, content_type: str) -> dict[str, str]:
    """Headers for serving a stored file (its detected type is the response's media type):
    no guessing past that type (nosniff), shown inline under a name we make from the id and
    the type (never the uploader's), and sandboxed so that even a browser that rendered it
    as a page would run nothing."""
    return {"x-content-type-options": "nosniff",
            "content-disposition": f'inline; filename="{asset_id}.{EXTENSIONS.get(content_type, "bin")}"',
            "content-security-policy": "default-src 'none'; sandbox"}


def delivered_widths(width: int) -> list[int]:
    """The widths a copy of an image `width` pixels wide is delivered at: the variant widths
    below its own, then its own (the original's: never upscaled)."""
    return [*(w for w in VARIANT_WIDTHS if w < width), width]


def delivered_width(asked: int, width: int) -> int:
    """The width `?w=asked` is answered with: the narrowest delivered width at least as wide,
    else the original's. Any width a srcset ever named still answers."""
    return next(w for w in delivered_widths(width) if w >= asked or w == width)


def formats_besides(content_type: str) -> list[str]:
    """The `?fm=` formats an image of `content_type` is delivered in besides its own."""
    return [fm for fm, kind in VARIANT_FORMATS.items() if CONTENT_TYPES[kind] != content_type]


def variant(data: bytes, width: int, fm: str | None = None) -> tuple[bytes, str]:
    """A copy of a stored original `width` pixels wide (never wider than it) in format `fm`
    (a VARIANT_FORMATS key) or its own, and its content type. Every frame of an animation
    is kept (a GIF stays a GIF, WebP and AVIF animate); a still GIF becomes a PNG."""
    with Image.open(io.BytesIO(data)) as image:
        frames = 1 if image.format == "JPEG" else int(getattr(image, "n_frames", 1))
        own = image.format if image.format in ("PNG", "JPEG", "WEBP", "AVIF") or frames > 1 else "PNG"
        kind = VARIANT_FORMATS[fm] if fm else own
        scale = min(1.0, width / image.width)
        size = (max(1, round(image.width * scale)), max(1, round(image.height * scale)))

        def resized(frame: Image.Image) -> Image.Image:
            alpha = frames > 1 or frame.has_transparency_data
            picture = frame.convert("RGBA" if alpha and kind != "JPEG" else "RGB")
            return picture.resize(size, Image.Resampling.LANCZOS, reducing_gap=3.0) if picture.size != size \
                else picture

        pictures, durations = frames_of(image, frames, resized)
        options: dict[str, Any] = {}
        if kind in VARIANT_QUALITY:
            options["quality"] = VARIANT_QUALITY[kind]
        if kind == "AVIF":
            options["speed"] = AVIF_SPEED
        if kind == "PNG" and frames == 1:
            options["optimize"] = True
        data = encoded(image, kind, pictures, durations, options)
    return data, CONTENT_TYPES[kind]

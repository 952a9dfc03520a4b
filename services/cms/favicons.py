"""A tenant's favicons, answered on its host like robots.txt: /favicon.ico (16, 32 and 48
pixels), /favicon.svg and /apple-touch-icon.png (180 pixels, opaque: iOS fills transparency
with black). Made from the logo when the theme names one, else from the site name's
initials on the theme's primary colour, in whichever of white or ink reads better on it.
Pure: the site's name, theme and logo bytes in, files out."""

from __future__ import annotations

import base64
import io
import re
from typing import Any

import msgspec
from PIL import Image, ImageDraw, ImageFont

from shared.colour import contrast

FILES = {"/favicon.ico": "image/x-icon", "/favicon.svg": "image/svg+xml", "/apple-touch-icon.png": "image/png"}
ICO_SIZES = ((16, 16), (32, 32), (48, 48))
TOUCH_SIZE = 180
TOUCH_PADDING = 22  # iOS rounds the corners: a logo keeps clear of them
MASTER = 256  # a logo is fitted once at this size, then scaled down to each icon's
CORNER = 0.22  # of the side: the rounded square of an app icon
HEX = re.compile(r"^#[0-9a-fA-F]{6}\Z")
INK, WHITE = "#111827", "#ffffff"
DEFAULT_PRIMARY, DEFAULT_BACKGROUND = "#2563eb", "#ffffff"
SVG_FONTS = "ui-sans-serif, system-ui, -apple-system, 'Segoe UI', Roboto, Helvetica, Arial, sans-serif"


class Brand(msgspec.Struct, frozen=True):
    initials: str
    primary: str
    on_primary: str
    background: str


def brand_of(site_name: str, theme: dict[str, Any] | None) -> Brand:
    """What a favicon without a logo is made of, from the site's name and theme tokens."""
    colors = (theme or {}).get("colors") or {}
    primary = colour(colors.get("primary"), DEFAULT_PRIMARY)
    on_primary = WHITE if contrast(WHITE, primary) >= contrast(INK, primary) else INK
    return Brand(initials=initials(site_name), primary=primary, on_primary=on_primary,
                 background=colour(colors.get("background"), DEFAULT_BACKGROUND))


def colour(value: Any, default: str) -> str:
    return value.lower() if isinstance(value, str) and HEX.match(value) else default


def initials(name: str) -> str:
    """Up to two letters: the first of each of the first two words ("Lumen Bakery": "LB")."""
    words = [word for word in re.split(r"[^\w]+", name) if word]
    letters = "".join(word[0] for word in words[:2]).upper()
    return letters or "•"


def favicon(path: str, brand: Brand, logo: bytes | None = None) -> bytes:
    """The file at `path` (a key of FILES): from the logo when it is an image Pillow reads."""
    picture = logo_image(logo) if logo else None
    if path == "/favicon.svg":
        return logo_svg(picture) if picture else initials_svg(brand)
    if path == "/apple-touch-icon.png":
        return encoded(touch_icon(brand, picture), "PNG")
    if path == "/favicon.ico":
        if picture is not None:
            return encoded(fitted(picture, MASTER, 0, None), "ICO", sizes=ICO_SIZES)
        # At 16 pixels two letters blur into one mark: the first alone reads.
        tiny = initials_image(msgspec.structs.replace(brand, initials=brand.initials[0]), 16)
        return encoded(initials_image(brand, 48), "ICO", sizes=ICO_SIZES,
                       append_images=[tiny, initials_image(brand, 32)])
    raise KeyError(path)


def logo_image(data: bytes) -> Image.Image | None:
    """The logo as RGBA, or None when its bytes are not a readable image (the initials serve)."""
    try:
        with Image.open(io.BytesIO(data)) as image:
            return image.convert("RGBA")
    except (OSError, ValueError, Image.DecompressionBombError):
        return None


def fitted(picture: Image.Image, size: int, padding: int, background: str | None) -> Image.Image:
    """`picture` scaled to fit a square of `size` inside `padding`, centred, on `background`
    (transparent when None)."""
    square = Image.new("RGBA", (size, size), background or (0, 0, 0, 0))
    room = size - 2 * padding
    scale = min(room / picture.width, room / picture.height)
    scaled = picture.resize((max(1, round(picture.width * scale)), max(1, round(picture.height * scale))),
                            Image.Resampling.LANCZOS)
    square.alpha_composite(scaled, ((size - scaled.width) // 2, (size - scaled.height) // 2))
    return square


def initials_image(brand: Brand, size: int, *, rounded: bool = True) -> Image.Image:
    """The initials in the primary colour's readable ink, centred on a (rounded) square of it."""
    scale = 4  # drawn larger and scaled down: smooth edges on the corners and letters
    side = size * scale
    image = Image.new("RGBA", (side, side), (0, 0, 0, 0))
    draw = ImageDraw.Draw(image)
    if rounded:
        draw.rounded_rectangle((0, 0, side - 1, side - 1), radius=round(side * CORNER), fill=brand.primary)
    else:
        draw.rectangle((0, 0, side, side), fill=brand.primary)
    # A one-letter mark fills more of its square, and at 16 pixels it must fill most of it.
    font_size = round(side * (0.42 if len(brand.initials) > 1 else 0.5 if size > 16 else 0.74))
    font = ImageFont.load_default(font_size)
    weight = max(1, font_size // 22)  # Pillow's own face is a regular weight: a stroke of the ink makes it bold
    draw.text((side / 2, side / 2), brand.initials, font=font, fill=brand.on_primary, anchor="mm",
              stroke_width=weight, stroke_fill=brand.on_primary)
    return image.resize((size, size), Image.Resampling.LANCZOS)


def touch_icon(brand: Brand, picture: Image.Image | None) -> Image.Image:
    if picture is not None:
        return fitted(picture, TOUCH_SIZE, TOUCH_PADDING, brand.background).convert("RGB")
    return initials_image(brand, TOUCH_SIZE, rounded=False).convert("RGB")  # iOS rounds it itself


def initials_svg(brand: Brand) -> bytes:
    size = 40 if len(brand.initials) > 1 else 46
    return ('<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 100 100">'
            f'<rect width="100" height="100" rx="{round(100 * CORNER)}" fill="{brand.primary}"/>'
            f'<text x="50" y="50" dy=".35em" text-anchor="middle" font-family="{SVG_FONTS}" font-size="{size}" '
            f'font-weight="700" letter-spacing="-1" fill="{brand.on_primary}">{escaped(brand.initials)}</text>'
            "</svg>").encode()


def logo_svg(picture: Image.Image) -> bytes:
    """The logo inside an SVG, for browsers that prefer /favicon.svg (an SVG upload is never
    kept, so the logo is always a raster image)."""
    png = base64.b64encode(encoded(fitted(picture, 128, 0, None), "PNG")).decode()
    return ('<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 128 128">'
            f'<image width="128" height="128" href="data:image/png;base64,{png}"/></svg>').encode()


def escaped(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def encoded(image: Image.Image, kind: str, **options: Any) -> bytes:
    out = io.BytesIO()
    image.save(out, kind, **options)
    return out.getvalue()

"""What an image shows without a model: its real properties, read with Pillow.

Size, orientation, transparency and dominant colours (named), plus the words of its file
name, make alt text and tags that are true of the picture, if modest."""

from __future__ import annotations

import io
import re
from pathlib import PurePath

from PIL import Image, UnidentifiedImageError

from shared.ai.base import AIRequestRejected

# A small palette of names a reader understands; each pixel cluster takes the nearest.
COLOUR_NAMES: dict[str, tuple[int, int, int]] = {
    "black": (0, 0, 0), "white": (255, 255, 255), "grey": (128, 128, 128), "silver": (192, 192, 192),
    "red": (200, 30, 40), "dark red": (120, 10, 20), "orange": (245, 140, 30), "yellow": (240, 220, 40),
    "beige": (225, 205, 165), "brown": (120, 75, 40), "green": (50, 160, 60), "dark green": (20, 80, 40),
    "olive": (128, 128, 30), "teal": (0, 128, 128), "cyan": (60, 210, 220), "light blue": (150, 200, 240),
    "blue": (40, 90, 210), "navy": (15, 30, 90), "purple": (120, 50, 160), "pink": (240, 140, 180),
    "magenta": (210, 40, 160),
}
FILENAME_NOISE = re.compile(r"^(img|image|dsc|pxl|photo|pic|screenshot|copy|final|edited|\d+)\Z", re.I)


class ImageFacts:
    def __init__(self, width: int, height: int, colours: list[str], transparent: bool, kind: str) -> None:
        self.width, self.height, self.colours, self.transparent, self.kind = width, height, colours, transparent, kind

    @property
    def orientation(self) -> str:
        ratio = self.width / self.height
        return "square" if 0.9 <= ratio <= 1.1 else ("landscape" if ratio > 1 else "portrait")


def read_image(data: bytes) -> ImageFacts:
    try:
        with Image.open(io.BytesIO(data)) as image:
            image.load()
            kind = (image.format or "image").lower()
            transparent = image.mode in ("RGBA", "LA") or "transparency" in image.info
            rgb = image.convert("RGB")
            width, height = image.size
    except (UnidentifiedImageError, OSError, Image.DecompressionBombError) as exc:
        raise AIRequestRejected(f"not a readable image: {exc}") from None
    return ImageFacts(width, height, dominant_colours(rgb), transparent, kind)


def dominant_colours(image: Image.Image, count: int = 3) -> list[str]:
    small = image.copy()
    small.thumbnail((64, 64))
    quantized = small.quantize(colors=6, method=Image.Quantize.MEDIANCUT)
    palette = quantized.getpalette() or []
    ranked = sorted(quantized.getcolors() or [], reverse=True)
    total = sum(n for n, _ in ranked) or 1
    names: list[str] = []
    for n, index in ranked:
        if n / total < 0.08:
            break
        name = nearest_colour(tuple(palette[index * 3:index * 3 + 3]))  # type: ignore[arg-type]
        if name not in names:
            names.append(name)
    return names[:count]


def nearest_colour(rgb: tuple[int, int, int]) -> str:
    return min(COLOUR_NAMES, key=lambda name: sum((a - b) ** 2 for a, b in zip(rgb, COLOUR_NAMES[name], strict=True)))


def filename_words(filename: str | None) -> list[str]:
    if not filename:
        return []
    stem = PurePath(filename).stem
    words = re.split(r"[\W_]+", re.sub(r"([a-z])([A-Z])", r"\1 \2", stem))
    return [word.lower() for word in words if word and not FILENAME_NOISE.match(word)]


def describe(data: bytes, filename: str | None) -> tuple[str, str, list[str]]:
    """Alt text, a description and tags from the image's own properties and its file name."""
    facts = read_image(data)
    words = filename_words(filename)
    subject = " ".join(words) if words else "an image"
    colours = " and ".join(facts.colours[:2]) if facts.colours else "muted"
    alt = f"{subject[0].upper()}{subject[1:]}: a {facts.orientation} {facts.kind} in mostly {colours} tones"
    if facts.transparent:
        alt += " on a transparent background"
    tags = list(dict.fromkeys([*words[:4], facts.orientation, *facts.colours]))
    description = (f"{alt}. The {facts.kind.upper()} is {facts.width} by {facts.height} pixels"
                   f"{', with transparency' if facts.transparent else ''}; its palette is "
                   f"{', '.join(facts.colours) or 'muted'}"
                   f"{f', and its file name suggests {subject}' if words else ''}.")
    return alt, description, tags[:8]

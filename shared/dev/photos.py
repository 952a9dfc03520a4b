"""Real, openly licensed photographs for the demo site and the screenshot tests, taken from
two Debian wallpaper packages (`make photos` installs them) and written as web-sized JPEGs
with a manifest: build/photos/*.jpg and build/photos/photos.json.

Each photo is described by hand here, because an honest alt text needs a person who
looked at the picture; a package update that drops a file leaves it out of the manifest
rather than failing the build."""

from __future__ import annotations

import sys
from pathlib import Path

import msgspec
from PIL import Image

OUT = Path(__file__).resolve().parents[2] / "build" / "photos"
MAX_WIDTH = 2000
QUALITY = 82
PLASMA = Path("/usr/share/wallpapers")
MATE = Path("/usr/share/backgrounds/mate/nature")
PLASMA_LICENCE = "LGPL-3.0 (KDE Plasma wallpapers; Debian package plasma-workspace-wallpapers)"
MATE_LICENCE = "GPL-2.0-or-later (MATE backgrounds; Debian package mate-backgrounds)"
PACKAGES = ("plasma-workspace-wallpapers", "mate-backgrounds")


class Photo(msgspec.Struct, frozen=True):
    file: str
    width: int
    height: int
    alt: str
    subject: str
    licence: str
    credit: str


class Source(msgspec.Struct, frozen=True):
    path: Path
    file: str
    alt: str
    subject: str
    licence: str
    credit: str


def plasma(name: str) -> Path:
    return PLASMA / name / "contents" / "images" / "2560x1600.jpg"


SOURCES = (
    Source(plasma("EveningGlow"), "rowing-boats-sunset.jpg",
           "Wooden rowing boats pulled up on a shingle lake shore under an orange sunset, fells on the far side",
           "rowing boats at sunset", PLASMA_LICENCE, "Ian Hex"),
    Source(plasma("BytheWater"), "jetty-boards-lake.jpg",
           "Close view along the sunlit boards of a wooden jetty, the lake and a tree-lined shore beyond",
           "jetty by the water", PLASMA_LICENCE, "Maciej Wiklo"),
    Source(plasma("ColdRipple"), "misty-jetty.jpg",
           "A long wooden jetty with a swimming ladder running out into still water and grey morning mist",
           "jetty in mist", PLASMA_LICENCE, "Risto Saukonpää"),
    Source(plasma("summer_1am"), "lake-dusk-reeds.jpg",
           "A glassy lake at dusk under a violet and pink sky, reeds in the shallows and wooded islands on the horizon",
           "lake at dusk", PLASMA_LICENCE, "Risto Saukonpää"),
    Source(plasma("DarkestHour"), "lake-blue-hour.jpg",
           "A dark blue lake before dawn, mist lying over the water between two low wooded islands",
           "lake before dawn", PLASMA_LICENCE, "Risto Saukonpää"),
    Source(plasma("Path"), "forest-path.jpg",
           "A narrow earth path winding through a tall spruce forest over bright green moss",
           "forest path", PLASMA_LICENCE, "Risto Saukonpää"),
    Source(plasma("FallenLeaf"), "autumn-leaves.jpg",
           "A fallen maple leaf lit from behind among golden autumn leaves on the ground",
           "autumn leaves", PLASMA_LICENCE, "Martin Klapetek"),
    Source(plasma("OneStandsOut"), "moss-close-up.jpg",
           "Star-shaped tufts of green haircap moss seen from above, one turned orange",
           "forest moss", PLASMA_LICENCE, "Risto Saukonpää"),
    Source(plasma("Kite"), "kite-blue-sky.jpg",
           "A small rainbow-coloured kite high in a deep blue sky between white clouds",
           "kite in the sky", PLASMA_LICENCE, "Risto Saukonpää"),
    Source(MATE / "Dune.jpg", "shore-grass.jpg",
           "Golden grass stems bending in the wind on a bank above bright blue water",
           "grass by the water", MATE_LICENCE, "Marco Cogoni, Hylke Bons"),
    Source(MATE / "RainDrops.jpg", "raindrops-leaf.jpg",
           "Raindrops beaded on broad green leaves after a shower",
           "raindrops on leaves", MATE_LICENCE, "blackcombwhistler07"),
)


def resized(source: Path, target: Path) -> tuple[int, int]:
    with Image.open(source) as image:
        image = image.convert("RGB")
        if image.width > MAX_WIDTH:
            image = image.resize((MAX_WIDTH, round(image.height * MAX_WIDTH / image.width)), Image.Resampling.LANCZOS)
        image.save(target, "JPEG", quality=QUALITY, optimize=True, progressive=True)
        return image.width, image.height


def build(out: Path = OUT) -> list[Photo]:
    """Write every photo whose source is installed (skipping ones already made) and the manifest."""
    out.mkdir(parents=True, exist_ok=True)
    photos = []
    for source in SOURCES:
        if not source.path.is_file():
            continue
        target = out / source.file
        if target.is_file() and target.stat().st_mtime >= source.path.stat().st_mtime:
            with Image.open(target) as made:
                size = made.size
        else:
            size = resized(source.path, target)
        photos.append(Photo(source.file, *size, source.alt, source.subject, source.licence, source.credit))
    (out / "photos.json").write_bytes(msgspec.json.format(msgspec.json.encode(photos)))
    return photos


def load(out: Path = OUT) -> list[Photo]:
    """The manifest `make photos` wrote, or nothing when it has not run."""
    try:
        return msgspec.json.decode((out / "photos.json").read_bytes(), type=list[Photo])
    except FileNotFoundError:
        return []


def main() -> int:
    photos = build()
    missing = len(SOURCES) - len(photos)
    print(f"photos: {len(photos)} in {OUT}" + (f" ({missing} sources missing: install {' '.join(PACKAGES)})"
                                               if missing else ""))
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""The sites' fonts at /__fonts/<file>.woff2, answered by the gateway itself on every host.

The files are the catalogue's (shared/fonts.py), fetched by `make fonts` into build/fonts/.
They never change under a name (a new version of a family is a new build), so they are
cached for a year as immutable. Browsers fetch fonts in CORS mode even from their own
origin, hence `access-control-allow-origin: *`; a font is public, so that reveals nothing.
A requested name is looked up in the catalogue's list of files, never joined to a path: a
name it does not hold is a 404 whatever it spells."""

from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass
from pathlib import Path

from shared.fonts import FILES, URL_PREFIX

log = logging.getLogger("gateway.fonts")

CACHE_FOREVER = b"public, max-age=31536000, immutable"


@dataclass(frozen=True, slots=True)
class Font:
    body: bytes
    etag: str


class FontFiles:
    """The catalogue's files in one folder, each read on its first request and then kept
    (all of them are about 1.5 MB). A missing folder is logged once: pages still render, in
    their fallback fonts, until someone runs `make fonts`."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.kept: dict[str, Font] = {}
        self.warned = False

    def get(self, name: str) -> Font | None:
        if name not in FILES:
            return None
        font = self.kept.get(name)
        if font is None:
            try:
                body = (self.folder / name).read_bytes()
            except OSError:
                if not self.warned:
                    self.warned = True
                    log.warning("font files are missing from %s: run `make fonts`; until then pages use "
                                "their fallback fonts", self.folder)
                return None
            font = self.kept[name] = Font(body, f'"{hashlib.sha256(body).hexdigest()[:20]}"')
        return font


def is_font(path: str) -> bool:
    return path.startswith(URL_PREFIX)


def answer(files: FontFiles | None, path: str, if_none_match: str) -> tuple[int, list[tuple[bytes, bytes]], bytes]:
    """(status, headers, body) of a font request; 404 (status only: the caller words it) when
    the name is not one of the catalogue's files or the file is not there."""
    font = files.get(path.removeprefix(URL_PREFIX)) if files is not None else None
    if font is None:
        return 404, [], b""
    headers = [(b"etag", font.etag.encode()), (b"cache-control", CACHE_FOREVER),
               (b"access-control-allow-origin", b"*")]
    held = {tag.strip().removeprefix("W/") for tag in if_none_match.split(",")}
    if font.etag in held or "*" in held:
        return 304, headers, b""
    return 200, [(b"content-type", b"font/woff2"), (b"content-length", str(len(font.body)).encode()),
                 *headers], font.body

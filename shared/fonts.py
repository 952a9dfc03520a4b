"""The font families a site may choose, their self-hosted files and the CSS that loads them.

The files come from the @fontsource npm packages (SIL Open Font Licence), one per family, at
the version named here: `make fonts` (shared/dev/vendor.py) fetches them and keeps only the
latin woff2 files of the weights below in build/fonts/. The gateway serves that folder at
/__fonts/<file>.woff2 on every host (services/gateway/fonts.py), so pages load their type
from their own origin and the CSP's `default-src 'self'` covers it. Every family names a
fallback stack of installed fonts close in metrics, so `font-display: swap` shifts little."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

URL_PREFIX = "/__fonts/"
BUILD_DIR = Path(__file__).resolve().parent.parent / "build" / "fonts"
# Fontsource's latin subset (Basic Latin, Latin-1 and the punctuation and symbols it uses).
LATIN_RANGE = ("U+0000-00FF, U+0131, U+0152-0153, U+02BB-02BC, U+02C6, U+02DA, U+02DC, U+0304, "
               "U+0308, U+0329, U+2000-206F, U+20AC, U+2122, U+2191, U+2193, U+2212, U+2215, "
               "U+FEFF, U+FFFD")

SANS_FALLBACK = ("ui-sans-serif", "system-ui", "-apple-system", "'Segoe UI'", "Roboto", "Helvetica",
                 "Arial", "sans-serif")
SERIF_FALLBACK = ("Georgia", "Cambria", "'Times New Roman'", "Times", "serif")
MONO_FALLBACK = ("ui-monospace", "'SFMono-Regular'", "Menlo", "Consolas", "'Liberation Mono'", "monospace")


@dataclass(frozen=True, slots=True)
class Family:
    name: str
    category: str  # sans, serif, display or mono
    package: str  # the @fontsource package, empty for the system font
    version: str = "5.3.0"  # of the package; pinned so a build is the same build tomorrow
    weights: tuple[int, ...] = (400, 600, 700)
    italic: tuple[int, ...] = ()  # weights also shipped in italic

    @property
    def slug(self) -> str:
        return self.package.removeprefix("@fontsource/")

    @property
    def fallback(self) -> tuple[str, ...]:
        return SERIF_FALLBACK if self.category == "serif" else MONO_FALLBACK if self.category == "mono" \
            else SANS_FALLBACK

    @property
    def stack(self) -> str:
        """The CSS font-family value: the family, then its fallbacks."""
        if not self.package:
            return ", ".join(SANS_FALLBACK)
        return ", ".join((f"'{self.name}'", *self.fallback))

    def faces(self) -> tuple[tuple[int, str], ...]:
        """(weight, style) of every file; none for the system font, which the device has."""
        if not self.package:
            return ()
        return tuple((w, "normal") for w in self.weights) + tuple((w, "italic") for w in self.italic)

    def file(self, weight: int, style: str = "normal") -> str:
        return f"{self.slug}-latin-{weight}-{style}.woff2"

    def files(self) -> tuple[str, ...]:
        return tuple(self.file(w, s) for w, s in self.faces())


CATALOGUE: tuple[Family, ...] = (
    Family("Inter", "sans", "@fontsource/inter"),
    Family("DM Sans", "sans", "@fontsource/dm-sans"),
    Family("Manrope", "sans", "@fontsource/manrope"),
    Family("Work Sans", "sans", "@fontsource/work-sans"),
    Family("Plus Jakarta Sans", "sans", "@fontsource/plus-jakarta-sans"),
    Family("Source Sans 3", "sans", "@fontsource/source-sans-3", "5.3.1"),
    Family("IBM Plex Sans", "sans", "@fontsource/ibm-plex-sans"),
    Family("Roboto", "sans", "@fontsource/roboto"),
    Family("Open Sans", "sans", "@fontsource/open-sans"),
    Family("Lato", "sans", "@fontsource/lato", weights=(400, 700)),  # Lato has no semibold
    Family("Montserrat", "sans", "@fontsource/montserrat"),
    Family("Poppins", "sans", "@fontsource/poppins"),
    Family("Lora", "serif", "@fontsource/lora", italic=(400,)),
    Family("Merriweather", "serif", "@fontsource/merriweather", italic=(400,)),
    Family("Source Serif 4", "serif", "@fontsource/source-serif-4", "5.3.1", italic=(400,)),
    Family("Playfair Display", "serif", "@fontsource/playfair-display", italic=(400,)),
    Family("Fraunces", "serif", "@fontsource/fraunces", italic=(400,)),
    Family("EB Garamond", "serif", "@fontsource/eb-garamond", italic=(400,)),
    Family("DM Serif Display", "serif", "@fontsource/dm-serif-display", weights=(400,), italic=(400,)),
    Family("Space Grotesk", "display", "@fontsource/space-grotesk"),
    Family("Syne", "display", "@fontsource/syne"),
    Family("JetBrains Mono", "mono", "@fontsource/jetbrains-mono"),
    Family("system-ui", "sans", ""),
)
FAMILIES: dict[str, Family] = {f.name: f for f in CATALOGUE}
FAMILY_NAMES: tuple[str, ...] = tuple(FAMILIES)
# The only names the gateway serves: a request's file name is looked up here, never joined.
FILES: frozenset[str] = frozenset(name for f in CATALOGUE for name in f.files())


def family(name: str) -> Family:
    """The catalogue's family of that name; an unknown name is the system font."""
    return FAMILIES.get(name, FAMILIES["system-ui"])


def stack(name: str) -> str:
    """The CSS font-family value of a family name, with its fallbacks."""
    return family(name).stack


def face_css(families: Iterable[str]) -> str:
    """@font-face rules of every weight of these families, in catalogue order, each once."""
    wanted = {family(n).name for n in families}
    rules = []
    for fam in CATALOGUE:
        if fam.name not in wanted:
            continue
        # A family drawn in one weight claims the bold range too, so a bold heading in it is
        # the designer's letters rather than the browser's smeared synthetic bold.
        single = len(fam.weights) == 1
        for weight, style in fam.faces():
            weights = f"{weight} 700" if single and weight < 700 else str(weight)
            rules.append(
                f"@font-face{{font-family:'{fam.name}';font-style:{style};font-weight:{weights};"
                f"font-display:swap;src:url({URL_PREFIX}{fam.file(weight, style)}) format('woff2');"
                f"unicode-range:{LATIN_RANGE}}}")
    return "\n".join(rules)


def preload(family_name: str, weight: int = 700) -> str:
    """The preload link of the file the page needs first; empty for the system font.

    A weight the family lacks preloads its nearest one, the file the browser will pick."""
    fam = family(family_name)
    if not fam.package:
        return ""
    nearest = min(fam.weights, key=lambda w: (abs(w - weight), -w))
    return (f'<link rel="preload" href="{URL_PREFIX}{fam.file(nearest)}" as="font" '
            f'type="font/woff2" crossorigin>')

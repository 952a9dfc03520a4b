"""The font catalogue (shared/fonts.py): enough families of every kind, a file for every face
it promises (once `make fonts` has fetched them), and CSS that loads exactly those faces."""

from __future__ import annotations

import re

import pytest

from shared import fonts
from shared.fonts import BUILD_DIR, CATALOGUE, FAMILY_NAMES, FILES, URL_PREFIX

# One @font-face rule as face_css writes it; the groups are what each rule must say.
FACE = re.compile(
    r"@font-face\{font-family:'(?P<family>[^']+)';font-style:(?P<style>normal|italic);"
    r"font-weight:(?P<weight>\d{3})(?: (?P<up_to>\d{3}))?;font-display:swap;"
    r"src:url\((?P<url>/__fonts/[a-z0-9-]+\.woff2)\) format\('woff2'\);"
    r"unicode-range:(?P<range>U\+[0-9A-F]{4}(?:-[0-9A-F]{4})?(?:, U\+[0-9A-F]{4}(?:-[0-9A-F]{4})?)*)\}")


def faces(css: str) -> list[re.Match[str]]:
    """Every rule of `css`, which must be nothing but rules (one a line)."""
    lines = css.split("\n") if css else []
    matches = [FACE.fullmatch(line) for line in lines]
    assert all(matches), [line for line, m in zip(lines, matches, strict=True) if m is None]
    return [m for m in matches if m is not None]


def test_the_catalogue_offers_enough_families_of_every_kind() -> None:
    with_files = [f for f in CATALOGUE if f.package]
    assert len(with_files) >= 12
    assert {f.category for f in with_files} == {"sans", "serif", "display", "mono"}
    assert len(set(FAMILY_NAMES)) == len(FAMILY_NAMES) and "system-ui" in FAMILY_NAMES
    for fam in with_files:  # every family can set body text and bold headings
        assert 400 in fam.weights and max(fam.weights) >= 400, fam.name
        assert fam.package == "@fontsource/" + fam.slug and re.fullmatch(r"\d+\.\d+\.\d+", fam.version)


def test_every_stack_falls_back_to_fonts_of_its_kind() -> None:
    assert fonts.stack("Lora").startswith("'Lora', Georgia")
    assert fonts.stack("JetBrains Mono").startswith("'JetBrains Mono', ui-monospace")
    assert fonts.stack("Inter").startswith("'Inter', ui-sans-serif") and fonts.stack("Inter").endswith("sans-serif")
    assert fonts.stack("system-ui") == fonts.stack("No Such Font") and "'" not in fonts.stack("system-ui").split(",")[0]


@pytest.mark.skipif(not BUILD_DIR.is_dir(), reason="the fonts are not fetched: run `make fonts`")
def test_every_face_the_catalogue_promises_has_its_file() -> None:
    missing = sorted(name for name in FILES if not (BUILD_DIR / name).is_file())
    assert missing == []
    for name in FILES:
        head = (BUILD_DIR / name).read_bytes()[:4]
        assert head == b"wOF2", name  # a real woff2, not an error page saved under its name
    kept = {p.name for p in BUILD_DIR.iterdir() if p.suffix == ".woff2"}
    assert kept == FILES  # nothing else is kept (or served)
    assert sum((BUILD_DIR / name).stat().st_size for name in FILES) < 4 * 1024 * 1024


def test_face_css_loads_every_weight_of_the_families_asked_once() -> None:
    rules = faces(fonts.face_css(["Lora", "Inter", "Lora", "No Such Font", "system-ui"]))
    got = [(m["family"], int(m["weight"]), m["style"]) for m in rules]
    assert got == [("Inter", 400, "normal"), ("Inter", 600, "normal"), ("Inter", 700, "normal"),
                   ("Lora", 400, "normal"), ("Lora", 600, "normal"), ("Lora", 700, "normal"),
                   ("Lora", 400, "italic")]
    for m in rules:
        assert m["url"].removeprefix(URL_PREFIX) in FILES
        assert m["range"].startswith("U+0000-00FF") and "U+20AC" in m["range"]  # latin, with the euro sign


def test_a_family_of_one_weight_serves_it_for_bold_too() -> None:
    rules = faces(fonts.face_css(["DM Serif Display", "Lato"]))
    assert {(m["family"], m["weight"], m["up_to"], m["style"]) for m in rules} == {
        ("DM Serif Display", "400", "700", "normal"), ("DM Serif Display", "400", "700", "italic"),
        ("Lato", "400", None, "normal"), ("Lato", "700", None, "normal")}


def test_face_css_of_no_family_with_a_file_is_empty() -> None:
    assert fonts.face_css([]) == "" and fonts.face_css(["system-ui"]) == ""
    assert len(faces(fonts.face_css(FAMILY_NAMES))) == len(FILES)


@pytest.mark.parametrize(("family", "weight", "file"), [
    ("Playfair Display", 700, "playfair-display-latin-700-normal.woff2"),
    ("Inter", 600, "inter-latin-600-normal.woff2"),
    ("Lato", 600, "lato-latin-700-normal.woff2"),  # no semibold: the bold the browser will pick
    ("DM Serif Display", 700, "dm-serif-display-latin-400-normal.woff2"),  # one weight only
])
def test_preload_names_the_file_the_heading_will_use(family: str, weight: int, file: str) -> None:
    link = fonts.preload(family, weight)
    assert link == f'<link rel="preload" href="/__fonts/{file}" as="font" type="font/woff2" crossorigin>'
    assert file in FILES


def test_the_system_font_preloads_nothing() -> None:
    assert fonts.preload("system-ui") == "" and fonts.preload("Comic Sans") == ""

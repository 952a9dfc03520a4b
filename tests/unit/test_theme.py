"""The theme contract (shared/theme.py): presets, the strict reading identity does, the
lenient one cms renders with, and the rule that every colour pair a page can show is AA."""

from __future__ import annotations

import uuid

import msgspec
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from services.cms.prompts import brand_words, read_context, section_prompt, theme_notes
from shared import fonts
from shared.colour import contrast
from shared.errors import Invalid
from shared.theme import (
    DEFAULT_PRESET,
    PRESET_NAMES,
    PRESETS,
    TONES,
    Tokens,
    options,
    parse_theme,
    resolve,
)

HEX = st.from_regex(r"#[0-9a-f]{6}", fullmatch=True)


def failing_pairs(tokens: Tokens) -> list[str]:
    """Every text/background pair the renderer can produce below WCAG AA, named."""
    pairs = [("on-primary/primary", tokens.on_primary, tokens.primary, 4.5),
             ("on-accent/accent", tokens.on_accent, tokens.accent, 4.5),
             ("on-dark/dark", tokens.on_dark, tokens.dark, 4.5)]
    for tone in tokens.tones:
        for where, back in (("bg", tone.bg), ("card", tone.card)):
            pairs += [(f"{tone.name} text/{where}", tone.text, back, 4.5),
                      (f"{tone.name} muted/{where}", tone.muted, back, 4.5),
                      (f"{tone.name} link/{where}", tone.link, back, 4.5),
                      (f"{tone.name} error/{where}", tone.error, back, 4.5),
                      (f"{tone.name} control border/{where}", tone.control, back, 3.0),
                      (f"{tone.name} rating stars/{where}", tone.mark, back, 3.0)]
        pairs += [(f"{tone.name} button label", tone.btn_text, tone.btn_bg, 4.5),
                  (f"{tone.name} input text", tone.text, tone.field, 4.5),
                  (f"{tone.name} placeholder", tone.muted, tone.field, 4.5),
                  (f"{tone.name} input border", tone.control, tone.field, 3.0),
                  (f"{tone.name} icon/badge", tone.link, tone.badge, 3.0),
                  (f"{tone.name} focus ring", tone.link, tone.bg, 3.0)]
    return [f"{name}: {fore} on {back} is {contrast(fore, back):.2f}:1" for name, fore, back, needed in pairs
            if contrast(fore, back) < needed]


@pytest.mark.parametrize("preset", PRESET_NAMES)
def test_every_pair_of_every_preset_passes_aa(preset: str) -> None:
    tokens = resolve({"preset": preset})
    assert tokens.preset == preset and [t.name for t in tokens.tones] == list(TONES)
    assert failing_pairs(tokens) == []


@pytest.mark.parametrize("preset", PRESET_NAMES)
def test_every_preset_is_a_designed_whole(preset: str) -> None:
    tokens = resolve({"preset": preset})
    assert tokens.heading_font in fonts.FAMILY_NAMES and tokens.body_font in fonts.FAMILY_NAMES
    assert tokens.heading_weight in fonts.family(tokens.heading_font).weights
    for tone in tokens.tones:  # a primary button stands out from its band, not only its label
        assert contrast(tone.btn_bg, tone.bg) >= 3.0, tone.name
    assert len({t.bg for t in tokens.tones}) >= 3  # the bands are distinguishable


def test_there_are_at_least_eight_distinct_presets() -> None:
    looks = {(p.palette.primary, p.heading, p.body) for p in PRESETS.values()}
    assert len(PRESETS) >= 8 and len(looks) == len(PRESETS)
    assert DEFAULT_PRESET in PRESETS


@settings(max_examples=200, deadline=None)
@given(st.sampled_from(PRESET_NAMES), st.fixed_dictionaries({}, optional={
    "primary": HEX, "accent": HEX, "background": HEX, "surface": HEX, "muted": HEX, "dark": HEX}))
def test_any_override_is_adjusted_to_aa(preset: str, colors: dict[str, str]) -> None:
    tokens = resolve({"preset": preset, "colors": colors})
    assert failing_pairs(tokens) == []
    if "primary" in colors:
        assert tokens.primary == colors["primary"]  # the brand colour is kept; what reads on it is derived


def test_a_pair_the_owner_set_both_sides_of_is_refused_saying_which() -> None:
    with pytest.raises(Invalid) as caught:
        parse_theme({"colors": {"text": "#777777", "background": "#888888"}})
    assert caught.value.status == 422 and "colors.text" in str(caught.value) and "4.5" in str(caught.value)
    assert caught.value.errors[0]["field"] == "colors.text"
    with pytest.raises(Invalid, match=r"colors\.on_primary"):
        parse_theme({"colors": {"primary": "#2563eb", "on_primary": "#7b9ef0"}})
    allowed = parse_theme({"colors": {"text": "#222222", "background": "#fafafa"}})  # the readable twin
    assert resolve(allowed).text == "#222222"


def test_an_unknown_font_is_refused_listing_the_allowed_ones() -> None:
    with pytest.raises(Invalid) as caught:
        parse_theme({"fonts": {"heading": "Comic Sans MS"}})
    assert caught.value.status == 422
    assert all(name in str(caught.value) for name in fonts.FAMILY_NAMES)
    assert caught.value.errors[0]["field"] == "fonts.heading"
    assert caught.value.errors[0]["allowed"] == list(fonts.FAMILY_NAMES)
    assert resolve(parse_theme({"fonts": {"heading": "Syne"}})).heading_font == "Syne"


def test_an_unknown_preset_is_refused_listing_the_presets() -> None:
    with pytest.raises(Invalid) as caught:
        parse_theme({"preset": "vaporwave"})
    assert caught.value.status == 422 and all(name in str(caught.value) for name in PRESET_NAMES)
    assert caught.value.errors[0]["allowed"] == list(PRESET_NAMES)
    assert parse_theme({"preset": "noir"}).preset == "noir"


@pytest.mark.parametrize("document", [
    "blue", [], None, {"preset": []}, {"preset": {"name": "noir"}}, {"preset": 3}, {"fonts": "Inter"},
    {"fonts": {"heading": ["Inter"]}}, {"brand": {"voice": "x" * 301}}, {"density": "cosy"}, {"radius": 49},
    {"colors": {"dark": "black"}}, {"logo_asset_id": "not-a-uuid"},
])
def test_a_malformed_theme_is_a_422_never_a_crash(document: object) -> None:
    with pytest.raises(Invalid) as caught:
        parse_theme(document)
    assert caught.value.status == 422


def test_a_theme_is_stored_as_chosen_so_the_preset_applies() -> None:
    assert msgspec.to_builtins(parse_theme({})) == {"preset": DEFAULT_PRESET}
    document = {"preset": "hearth", "colors": {"primary": "#7a2e1c"}, "density": "airy",
                "brand": {"voice": "warm and plain-spoken", "audience": "neighbours"}}
    stored = msgspec.to_builtins(parse_theme(document))
    assert stored == document
    assert parse_theme(stored) == parse_theme(document)
    tokens = resolve(stored)
    assert (tokens.primary, tokens.background, tokens.density) == ("#7a2e1c", PRESETS["hearth"].palette.background,
                                                                   "airy")


def test_a_theme_stored_before_presets_still_renders() -> None:
    logo = uuid.uuid4()
    old_default = {"colors": {"primary": "#2563eb", "on_primary": "#ffffff", "secondary": "#7c3aed",
                              "accent": "#f59e0b", "background": "#ffffff", "surface": "#f3f4f6",
                              "text": "#111827", "muted": "#6b7280"},
                   "fonts": {"heading": "Inter", "body": "Inter"}, "radius": 8,
                   "spacing": [0, 4, 8, 12, 16, 24, 32, 48, 64], "logo_asset_id": str(logo)}
    tokens = resolve(old_default)
    # The old API's filled-in defaults were nobody's choice: the default preset applies...
    assert tokens == resolve({"logo_asset_id": str(logo)})
    assert tokens.primary == PRESETS[DEFAULT_PRESET].palette.primary and tokens.logo_asset_id == logo
    # ...while what an owner did choose is kept, and what reads on it derived anew.
    chosen = resolve({**old_default, "colors": {**old_default["colors"], "primary": "#ffd400"},
                      "fonts": {"heading": "Lora", "body": "Inter"}, "radius": 4})
    assert (chosen.primary, chosen.heading_font, chosen.radius) == ("#ffd400", "Lora", 4)
    assert chosen.on_primary != "#ffffff" and failing_pairs(chosen) == []
    assert parse_theme(old_default).radius == 8  # identity still accepts the old shape
    with_preset = resolve({"preset": "trail", "radius": 8, "fonts": {"heading": "Inter"}})
    assert (with_preset.radius, with_preset.heading_font) == (8, "Inter")  # chosen alongside a preset: kept


@pytest.mark.parametrize("document", [
    None, "blue", [], 7, {"preset": "vaporwave"}, {"colors": "red"}, {"colors": {"primary": "red", "accent": 5}},
    {"fonts": {"heading": "Comic Sans", "body": ["x"]}}, {"radius": -4, "density": "cosy"}, {"unknown": True},
    {"fonts": {"heading": "Inter;}body{display:none"}}, {"brand": {"voice": 3}},
])
def test_resolve_never_fails_and_falls_back_to_the_preset(document: object) -> None:
    tokens = resolve(document)  # type: ignore[arg-type]
    default = resolve({})
    assert tokens.heading_font in fonts.FAMILY_NAMES and failing_pairs(tokens) == []
    assert (tokens.primary, tokens.heading_font, tokens.radius) == (default.primary, default.heading_font,
                                                                   default.radius)


def test_a_readable_part_of_a_damaged_document_is_kept() -> None:
    tokens = resolve({"colors": {"primary": "#7a2e1c", "accent": "nope"}, "radius": 999, "preset": "trail"})
    assert (tokens.preset, tokens.primary, tokens.accent) == ("trail", "#7a2e1c", PRESETS["trail"].palette.accent)
    assert tokens.radius == PRESETS["trail"].radius


def test_the_options_list_every_preset_and_font() -> None:
    listed = msgspec.to_builtins(options())
    assert [p["name"] for p in listed["presets"]] == list(PRESET_NAMES)
    assert [f["name"] for f in listed["fonts"]] == list(fonts.FAMILY_NAMES)
    assert all(p["palette"]["primary"].startswith("#") and p["description"] for p in listed["presets"])


def test_the_brand_kit_reaches_the_model_as_quoted_content() -> None:
    site = {"name": "Crumb & Co", "theme": {"preset": "hearth", "brand": {
        "voice": "warm, a little wry", "audience": "families on Elm Street", "notes": "never say 'artisanal'"}}}
    kit = brand_words(site)
    assert kit == {"voice": "warm, a little wry", "audience": "families on Elm Street",
                   "notes": "never say 'artisanal'"}
    context = {"section": {"component": "Hero", "anchor": "top"}, "page": {"slug": "/"},
               "site": {"language": "en", "brand": kit}}
    system, user = section_prompt(context)
    assert "families on Elm Street" in user and "families on Elm Street" not in system  # owner's words: content
    assert read_context(user)["site"]["brand"]["notes"] == "never say 'artisanal'"  # quoted, whole
    assert "a little wry" in theme_notes(site)  # and AI edits get it too
    assert brand_words({"name": "A", "theme": {}}) == {} and brand_words(None) == {}
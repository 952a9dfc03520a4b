import uuid

import msgspec
import pytest

from services.identity.theme import contrast, parse_theme
from shared.errors import Invalid
from shared.theme import DEFAULT_PRESET, PRESETS, resolve


def test_an_empty_document_gets_readable_defaults() -> None:
    theme = parse_theme({})
    assert theme.preset == DEFAULT_PRESET and theme.colors is None  # stored as chosen: the preset applies
    tokens = resolve(theme)
    assert contrast(tokens.text, tokens.background) >= 4.5
    assert contrast(tokens.on_primary, tokens.primary) >= 4.5
    assert tokens.body_font == PRESETS[DEFAULT_PRESET].body and tokens.radius == PRESETS[DEFAULT_PRESET].radius


def test_given_values_are_kept_and_missing_pairs_derived() -> None:
    logo = uuid.uuid4()
    theme = parse_theme({"colors": {"primary": "#fde047", "background": "#0b1020"},
                         "fonts": {"heading": "Playfair Display"}, "radius": 0, "logo_asset_id": str(logo)})
    tokens = resolve(theme)
    assert contrast(tokens.on_primary, "#fde047") >= 4.5 and tokens.on_primary != "#ffffff"  # dark on yellow
    assert contrast(tokens.text, "#0b1020") >= 4.5 and tokens.text != PRESETS[DEFAULT_PRESET].palette.text
    assert (tokens.heading_font, tokens.body_font, tokens.radius, tokens.logo_asset_id) == (
        "Playfair Display", PRESETS[DEFAULT_PRESET].body, 0, logo)
    assert msgspec.convert(msgspec.to_builtins(theme), type(theme)) == theme  # stored form round-trips


@pytest.mark.parametrize(("document", "field"), [
    ({"colors": {"primary": "blue"}}, "colors.primary"),
    ({"colors": {"primry": "#000000"}}, "colors"),
    ({"fonts": {"body": "Comic Sans MS"}}, "fonts.body"),
    ({"radius": 500}, "radius"),
    ({"spacing": [0, 8, 4, 16]}, "spacing"),
    ({"colours": {}}, None),
    ({"colors": {"text": "#777777", "background": "#888888"}}, "colors.text"),
    ({"colors": {"primary": "#ffff00", "on_primary": "#ffffff"}}, "colors.on_primary"),
    ({"colors": {"primary": "#2563eb", "on_primary": "#3b82f6"}}, "colors.on_primary"),
])
def test_invalid_documents_are_refused_naming_the_field(document: dict, field: str | None) -> None:  # type: ignore[type-arg]
    with pytest.raises(Invalid) as caught:
        parse_theme(document)
    assert caught.value.status == 422
    if field:
        assert field in str(caught.value) or caught.value.errors[0]["field"] == field


def test_contrast_matches_wcag_reference_values() -> None:
    assert round(contrast("#000000", "#ffffff"), 1) == 21.0
    assert round(contrast("#777777", "#ffffff"), 2) == 4.48

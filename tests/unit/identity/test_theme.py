import uuid

import msgspec
import pytest

from services.identity.theme import contrast, parse_theme
from shared.errors import Invalid


def test_an_empty_document_gets_readable_defaults() -> None:
    theme = parse_theme({})
    assert theme.colors.text and theme.colors.on_primary
    assert contrast(theme.colors.text, theme.colors.background) >= 4.5
    assert contrast(theme.colors.on_primary, theme.colors.primary) >= 3.0
    assert theme.fonts.body == "Inter" and theme.radius == 8


def test_given_values_are_kept_and_missing_pairs_derived() -> None:
    logo = uuid.uuid4()
    theme = parse_theme({"colors": {"primary": "#fde047", "background": "#0b1020"},
                         "fonts": {"heading": "Playfair Display"}, "radius": 0, "logo_asset_id": str(logo)})
    assert theme.colors.on_primary == "#111827"  # dark text on a light yellow
    assert theme.colors.text == "#ffffff"  # light text on a dark background
    assert (theme.fonts.heading, theme.fonts.body, theme.radius, theme.logo_asset_id) == (
        "Playfair Display", "Inter", 0, logo)
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

"""A tenant's design tokens (the seed's `themeConfig`): a validated document, not free JSON.

Missing values take defaults; a colour meant to be read on another is derived when
absent and must reach WCAG AA contrast: 4.5:1 for body `text` on `background`, 3:1 for
`on_primary` (button labels: large, bold text and UI components) on `primary`.
Unknown keys are refused so that typos do not pass silently.
"""

from __future__ import annotations

import uuid
from typing import Annotated, Any, Literal

import msgspec

from shared.colour import contrast
from shared.errors import Invalid

Hex = Annotated[str, msgspec.Meta(pattern=r"^#[0-9a-fA-F]{6}$", description="#rrggbb")]
Font = Literal["Inter", "Roboto", "Open Sans", "Lato", "Montserrat", "Poppins", "DM Sans", "IBM Plex Sans",
               "Source Serif 4", "Merriweather", "Playfair Display", "Lora", "system-ui"]
MIN_TEXT_CONTRAST = 4.5
MIN_UI_CONTRAST = 3.0
BLACK, WHITE = "#111827", "#ffffff"


class Colors(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    primary: Hex = "#2563eb"
    on_primary: Hex | None = None  # derived: black or white, whichever reads better on primary
    secondary: Hex = "#7c3aed"
    accent: Hex = "#f59e0b"
    background: Hex = "#ffffff"
    surface: Hex = "#f3f4f6"
    text: Hex | None = None  # derived from background
    muted: Hex = "#6b7280"


class Fonts(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    heading: Font = "Inter"
    body: Font = "Inter"


Radius = Annotated[int, msgspec.Meta(ge=0, le=48)]
Step = Annotated[int, msgspec.Meta(ge=0, le=256)]
Scale = Annotated[list[Step], msgspec.Meta(min_length=4, max_length=16)]


class Theme(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    colors: Colors = Colors()
    fonts: Fonts = Fonts()
    radius: Radius = 8
    spacing: Scale = msgspec.field(default_factory=lambda: [0, 4, 8, 12, 16, 24, 32, 48, 64])
    logo_asset_id: uuid.UUID | None = None


def parse_theme(document: Any) -> Theme:
    """The theme as stored: validated, defaults filled, readable colour pairs checked."""
    try:
        theme = msgspec.convert(document, Theme)
    except msgspec.ValidationError as exc:
        field = str(exc).rsplit("at `$.", 1)[-1].rstrip("`") if "at `$." in str(exc) else None
        raise Invalid(f"the theme is not valid: {exc}", errors=[{"field": field, "problem": str(exc)}]) from None
    if theme.spacing != sorted(theme.spacing):
        raise Invalid("the spacing scale must ascend", errors=[{"field": "spacing"}])
    colors = theme.colors
    colors = msgspec.structs.replace(
        colors, text=colors.text or readable_on(colors.background),
        on_primary=colors.on_primary or readable_on(colors.primary))
    for field, foreground, background, needed in (
            ("colors.text", colors.text, colors.background, MIN_TEXT_CONTRAST),
            ("colors.on_primary", colors.on_primary, colors.primary, MIN_UI_CONTRAST)):
        ratio = contrast(foreground, background)  # type: ignore[arg-type]
        if ratio < needed:
            raise Invalid(f"{field} {foreground} on {background} has contrast {ratio:.2f}:1; "
                          f"at least {needed}:1 is needed to be readable",
                          errors=[{"field": field, "contrast": round(ratio, 2)}])
    return msgspec.structs.replace(theme, colors=colors)


def readable_on(background: str) -> str:
    return BLACK if contrast(BLACK, background) >= contrast(WHITE, background) else WHITE

"""Identity's reading of a tenant's theme. The contract itself (presets, fonts, brand kit,
the contrast rule) lives in shared/theme.py, so that cms renders with the very type
identity validates; this module is the name identity's use cases import it by."""

from __future__ import annotations

from shared.colour import contrast
from shared.theme import MIN_TEXT_CONTRAST, MIN_UI_CONTRAST, Theme, ThemeOptions, options, parse_theme

__all__ = ["MIN_TEXT_CONTRAST", "MIN_UI_CONTRAST", "Theme", "ThemeOptions", "contrast", "options", "parse_theme"]

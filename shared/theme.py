"""A tenant's theme: the one typed contract identity validates and cms renders with.

A theme names a curated preset (palette, font pair, radius, density, type scale) and
overrides only what the owner chose; it is stored as chosen, so a preset's palette applies
until a colour is overridden. `parse_theme` is identity's strict reading (422 naming the
field and what is allowed); `resolve` is the renderer's lenient one: it never fails, reads
every document stored before presets existed, and derives every colour the renderer shows
so that each text/background pair it can produce meets WCAG AA (4.5:1 for text, 3:1 for
focus rings and control borders). Pairs the owner set both sides of are refused when they
fall short; everything derived is adjusted instead.
"""

from __future__ import annotations

import uuid
from functools import lru_cache
from typing import Annotated, Any, Literal, get_args

import msgspec

from shared import fonts
from shared.colour import contrast, luminance
from shared.errors import Invalid
from shared.presets import DEFAULT_PRESET, PRESET_NAMES, PRESETS, Palette, PresetName

MIN_TEXT_CONTRAST = 4.5
MIN_UI_CONTRAST = 3.0

Density = Literal["compact", "comfortable", "airy"]
DENSITIES: tuple[str, ...] = get_args(Density)
TONES = ("default", "surface", "primary", "dark")

Hex = Annotated[str, msgspec.Meta(pattern=r"^#[0-9a-fA-F]{6}\Z", description="#rrggbb")]
Radius = Annotated[int, msgspec.Meta(ge=0, le=48)]
Step = Annotated[int, msgspec.Meta(ge=0, le=256)]
ShortText = Annotated[str, msgspec.Meta(max_length=300)]
LongText = Annotated[str, msgspec.Meta(max_length=1000)]


class Colors(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True, omit_defaults=True):
    """Overrides of the preset's palette; None keeps the preset's colour."""

    primary: Hex | None = None
    on_primary: Hex | None = None
    secondary: Hex | None = None  # kept for themes stored before presets; not rendered
    accent: Hex | None = None
    background: Hex | None = None
    surface: Hex | None = None
    text: Hex | None = None
    muted: Hex | None = None
    dark: Hex | None = None


class Fonts(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True, omit_defaults=True):
    heading: str | None = None  # one of shared.fonts.FAMILY_NAMES, checked in parse_theme
    body: str | None = None


class Brand(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True, omit_defaults=True):
    """The brand kit's words: what the AI is told with every generation."""

    voice: ShortText = ""  # "warm, plain-spoken, a little wry"
    audience: ShortText = ""  # "young families in the neighbourhood"
    notes: LongText = ""  # anything else: words to avoid, claims to make, the story


class Theme(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True, omit_defaults=True):
    preset: PresetName | None = None  # None: the default preset; parse_theme names it, so it is stored
    colors: Colors | None = None
    fonts: Fonts | None = None
    radius: Radius | None = None
    density: Density | None = None
    logo_asset_id: uuid.UUID | None = None
    brand: Brand | None = None
    spacing: Annotated[tuple[Step, ...], msgspec.Meta(min_length=4, max_length=16)] | None = None  # legacy, ignored


# -- resolved tokens -----------------------------------------------------------------------------


class Tone(msgspec.Struct, frozen=True, kw_only=True):
    """The colours of one section background; every text colour here reads on `bg` and `card`."""

    name: str
    bg: str
    text: str
    muted: str
    link: str
    border: str  # decorative hairlines
    control: str  # borders of form controls: at least 3:1 on bg
    card: str
    badge: str  # the tint behind an icon drawn in `link`
    mark: str  # graphics in the brand's accent (rating stars): the accent, shaded to 3:1 on bg and card
    error: str  # messages and borders of fields to fix
    field: str  # the inside of inputs: the lighter of bg and card on a light band, the card on a dark one
    btn_bg: str
    btn_text: str


class Tokens(msgspec.Struct, frozen=True, kw_only=True):
    """Everything the renderer needs, resolved: what design.stylesheet turns into CSS."""

    preset: str
    background: str
    surface: str
    text: str
    muted: str
    border: str
    primary: str
    on_primary: str
    accent: str
    on_accent: str
    dark: str
    on_dark: str
    tones: tuple[Tone, ...]
    heading_font: str
    body_font: str
    heading_weight: int
    radius: int
    density: str
    scale: tuple[float, float]
    logo_asset_id: uuid.UUID | None = None
    brand: Brand = Brand()

    def tone(self, name: str) -> Tone:
        return next(t for t in self.tones if t.name == name)


# -- colour arithmetic ------------------------------------------------------------------------------

BLACK, WHITE = "#000000", "#ffffff"
ERROR, ERROR_ON_DARK = "#b42318", "#fda29b"


def rgb(colour: str) -> tuple[int, int, int]:
    return int(colour[1:3], 16), int(colour[3:5], 16), int(colour[5:7], 16)


def mix(colour: str, other: str, amount: float) -> str:
    """`amount` of `colour` over `other` (1.0 is `colour` itself)."""
    return "#" + "".join(f"{round(a * amount + b * (1 - amount)):02x}" for a, b in zip(rgb(colour), rgb(other),
                                                                                      strict=True))


def is_light(colour: str) -> bool:
    return contrast(colour, BLACK) >= contrast(colour, WHITE)


def lighter(first: str, second: str) -> str:
    return first if luminance(first) >= luminance(second) else second


def readable_on(background: str) -> str:
    """Near-black or white, whichever reads better; pure black where neither reaches AA."""
    best = "#111111" if contrast("#111111", background) >= contrast(WHITE, background) else WHITE
    return best if contrast(best, background) >= MIN_TEXT_CONTRAST or (best == WHITE and \
        contrast(WHITE, background) >= contrast(BLACK, background)) else BLACK


def readable(colour: str, backgrounds: tuple[str, ...], needed: float = MIN_TEXT_CONTRAST) -> str:
    """`colour`, or the nearest shade of it (towards black or white) that meets `needed` on every background."""
    if all(contrast(colour, b) >= needed for b in backgrounds):
        return colour
    towards = BLACK if is_light(backgrounds[0]) else WHITE
    for step in range(1, 26):
        shade = mix(colour, towards, 1 - step / 25)
        if all(contrast(shade, b) >= needed for b in backgrounds):
            return shade
    return towards


# -- reading documents ---------------------------------------------------------------------------

# What the theme API filled in before presets existed (its defaults, and the black or white it
# derived for text and on_primary): in a document without a preset these values were never
# chosen by anyone, so they must not pin a tenant to the old blue-on-white in Inter.
LEGACY_COLORS = {"primary": {"#2563eb"}, "secondary": {"#7c3aed"}, "accent": {"#f59e0b"},
                 "background": {"#ffffff"}, "surface": {"#f3f4f6"}, "muted": {"#6b7280"},
                 "text": {"#111827", "#ffffff"}, "on_primary": {"#111827", "#ffffff"}}
LEGACY_FONT, LEGACY_RADIUS = "Inter", 8


def parse_theme(document: Any) -> Theme:
    """The theme as given: validated against the presets and fonts, contrast checked (422 otherwise)."""
    if isinstance(document, dict):
        preset = document.get("preset")
        if preset is not None and (not isinstance(preset, str) or preset not in PRESETS):
            allowed = ", ".join(PRESET_NAMES)
            raise Invalid(f"unknown preset {preset!r}; the presets are: {allowed}",
                          errors=[{"field": "preset", "problem": "unknown preset", "allowed": list(PRESET_NAMES)}])
        given_fonts = document.get("fonts")
        if isinstance(given_fonts, dict):
            for role in ("heading", "body"):
                name = given_fonts.get(role)
                if name is not None and name not in fonts.FAMILY_NAMES:
                    raise Invalid(f"fonts.{role}: unknown font {name!r}; the allowed fonts are: "
                                  + ", ".join(fonts.FAMILY_NAMES),
                                  errors=[{"field": f"fonts.{role}", "problem": "unknown font",
                                           "allowed": list(fonts.FAMILY_NAMES)}])
    try:
        theme = msgspec.convert(document, Theme)
    except msgspec.ValidationError as exc:
        message = str(exc)
        field = message.rsplit("at `$.", 1)[-1].rstrip("`") if "at `$." in message else None
        raise Invalid(f"the theme is not valid: {message}", errors=[{"field": field, "problem": message}]) from None
    if theme.spacing is not None and list(theme.spacing) != sorted(theme.spacing):
        raise Invalid("the spacing scale must ascend", errors=[{"field": "spacing"}])
    theme = msgspec.structs.replace(theme, preset=theme.preset or DEFAULT_PRESET)
    check_chosen_pairs(theme)
    return theme


def check_chosen_pairs(theme: Theme) -> None:
    """Refuse a pair whose colours the owner set and that fails AA; derived colours get adjusted instead."""
    colors = theme.colors or Colors()
    palette = PRESETS[theme.preset or DEFAULT_PRESET].palette
    background = colors.background or palette.background
    primary = colors.primary or palette.primary
    for field, foreground, back, back_field in (("text", colors.text, background, "background"),
                                                ("on_primary", colors.on_primary, primary, "primary")):
        if foreground is None:
            continue
        ratio = contrast(foreground, back)
        if ratio < MIN_TEXT_CONTRAST:
            raise Invalid(f"colors.{field} {foreground} on colors.{back_field} {back} has contrast {ratio:.2f}:1; "
                          f"WCAG AA needs at least {MIN_TEXT_CONTRAST}:1 for text. Leave colors.{field} out "
                          f"and a readable one is derived.",
                          errors=[{"field": f"colors.{field}", "contrast": round(ratio, 2),
                                   "needed": MIN_TEXT_CONTRAST}])


def lenient(document: Any) -> Theme:
    """Whatever is readable in a stored document; the rest falls back to the preset's values."""
    if isinstance(document, Theme):
        return document
    if not isinstance(document, dict):
        return Theme()
    values: dict[str, Any] = {}
    for key, value in document.items():
        try:
            values.update(msgspec.to_builtins(msgspec.convert({key: value}, Theme), builtin_types=(uuid.UUID,)))
        except (msgspec.ValidationError, TypeError):
            if key in ("colors", "fonts", "brand") and isinstance(value, dict):
                values[key] = salvage(key, value)
    if "preset" not in document:
        drop_legacy_defaults(values)
    try:
        return msgspec.convert(values, Theme)
    except msgspec.ValidationError:
        return Theme()


def drop_legacy_defaults(values: dict[str, Any]) -> None:
    """Keep only what the owner of a theme stored before presets really chose."""
    for group, is_default in (("colors", lambda k, v: v in LEGACY_COLORS.get(k, ())),
                              ("fonts", lambda k, v: v == LEGACY_FONT)):
        if isinstance(values.get(group), dict):
            values[group] = {k: v for k, v in values[group].items() if not is_default(k, v)}
    if values.get("radius") == LEGACY_RADIUS:
        del values["radius"]


def salvage(key: str, value: dict[str, Any]) -> dict[str, Any]:
    kind = {"colors": Colors, "fonts": Fonts, "brand": Brand}[key]
    kept = {}
    for field, item in value.items():
        try:
            msgspec.convert({field: item}, kind)
        except msgspec.ValidationError:
            continue
        kept[field] = item
    return kept


# -- resolving ----------------------------------------------------------------------------------


def resolve(theme: dict[str, Any] | Theme | None) -> Tokens:
    """The tokens a page renders with; never fails (an unreadable part takes the preset's value)."""
    if isinstance(theme, Theme):
        return resolve_theme(theme)
    try:
        key = msgspec.json.encode(theme, order="sorted")
    except (TypeError, msgspec.EncodeError):
        return resolve_theme(lenient(theme))
    return resolve_document(key)


@lru_cache(maxsize=1024)
def resolve_document(key: bytes) -> Tokens:
    return resolve_theme(lenient(msgspec.json.decode(key)))


@lru_cache(maxsize=1024)
def resolve_theme(theme: Theme) -> Tokens:
    preset = PRESETS[theme.preset or DEFAULT_PRESET]
    chosen = theme.colors or Colors()
    palette = preset.palette
    background = chosen.background or palette.background
    surface = chosen.surface or palette.surface
    primary = chosen.primary or palette.primary
    accent = chosen.accent or palette.accent
    dark = chosen.dark or palette.dark
    if chosen.surface is None and chosen.background is not None:
        surface = mix(background, readable_on(background), 0.95)  # the preset's surface may not suit it
    text = readable(chosen.text or palette.text, (background,))
    muted = readable(chosen.muted or palette.muted, (background, surface))
    on_primary = chosen.on_primary if chosen.on_primary and contrast(chosen.on_primary, primary) >= 4.5 \
        else best_text(primary, text, background)
    on_accent = best_text(accent, text, background)
    if is_light(dark):  # a dark band must be dark; a light palette's text colour serves
        dark = mix(readable_on(background), background, 0.92) if not is_light(background) else "#14161a"
    lighter, darker = sorted((background, text), key=is_light, reverse=True)
    on_dark = best_text(dark, darker, lighter)

    tones = (
        light_tone("default", background, surface, text, muted, primary, on_primary, accent),
        light_tone("surface", surface, background, text, muted, primary, on_primary, accent),
        filled_tone("primary", primary, on_primary, accent, button=(on_primary, primary)),
        filled_tone("dark", dark, on_dark, accent, button=dark_button(dark, primary, on_primary, accent, on_accent),
                    link_seed=accent if contrast(accent, dark) >= 4.5 else primary),
    )
    fonts_chosen = theme.fonts or Fonts()
    heading = fonts_chosen.heading if fonts_chosen.heading in fonts.FAMILIES else preset.heading
    body = fonts_chosen.body if fonts_chosen.body in fonts.FAMILIES else preset.body
    default = tones[0]
    return Tokens(preset=preset.name, background=background, surface=surface, text=default.text,
                  muted=default.muted, border=default.border, primary=primary, on_primary=on_primary,
                  accent=accent, on_accent=on_accent, dark=dark, on_dark=on_dark, tones=tones,
                  heading_font=heading, body_font=body, heading_weight=heading_weight(heading),
                  radius=preset.radius if theme.radius is None else theme.radius,
                  density=theme.density or preset.density, scale=preset.scale,
                  logo_asset_id=theme.logo_asset_id, brand=theme.brand or Brand())


def best_text(background: str, dark_choice: str, light_choice: str) -> str:
    """The palette's own dark or light colour when it reads on `background`, else near-black or white."""
    for candidate in (dark_choice, light_choice) if is_light(background) else (light_choice, dark_choice):
        if contrast(candidate, background) >= MIN_TEXT_CONTRAST:
            return candidate
    return readable_on(background)


def light_tone(name: str, bg: str, card: str, text: str, muted: str, primary: str, on_primary: str,
               accent: str) -> Tone:
    # A card colour that no text colour can share with the band is moved towards the band.
    for step in range(11):
        near = mix(bg, card, step / 10)
        both = (bg, near)
        colours = [readable(c, both) for c in (text, muted, primary)]
        if all(contrast(c, b) >= MIN_TEXT_CONTRAST for c in colours for b in both):
            break
    text, muted, link = colours
    return Tone(name=name, bg=bg, card=near, text=text, muted=muted, link=link, border=mix(text, bg, 0.13),
                control=readable(mix(text, bg, 0.45), both, MIN_UI_CONTRAST),
                badge=mix(link, bg, 0.12), mark=readable(accent, both, MIN_UI_CONTRAST),
                error=readable(ERROR, both), field=lighter(bg, near),
                btn_bg=primary, btn_text=readable(on_primary, (primary,)))


def filled_tone(name: str, bg: str, text: str, accent: str, *, button: tuple[str, str],
                link_seed: str | None = None) -> Tone:
    # A card a shade towards the text colour, unless that costs the text its contrast.
    opposite = BLACK if is_light(text) else WHITE
    for card in (mix(text, bg, 0.08), mix(opposite, bg, 0.08), bg):
        both = (bg, card)
        if contrast(readable(text, both), card) >= MIN_TEXT_CONTRAST:
            break
    text = readable(text, both)
    link = _drawn_in(link_seed, text, both, MIN_TEXT_CONTRAST)
    return Tone(name=name, bg=bg, card=card, text=text, muted=readable(mix(text, bg, 0.78), both),
                link=link, border=mix(text, bg, 0.2),
                control=readable(mix(text, bg, 0.55), both, MIN_UI_CONTRAST),
                badge=mix(link, bg, 0.14), mark=_drawn_in(accent, text, both, MIN_UI_CONTRAST),
                error=readable(ERROR if is_light(bg) else ERROR_ON_DARK, both),
                field=lighter(bg, card) if is_light(bg) else card,
                btn_bg=button[0], btn_text=readable(button[1], (button[0],)))


def _drawn_in(seed: str | None, text: str, backgrounds: tuple[str, str], needed: float) -> str:
    """A brand colour on a filled band, shaded to `needed`. When it is the band itself (or
    near it), shading would only make a weaker twin of the text colour: the text colour serves."""
    return readable(seed, backgrounds, needed) if seed and contrast(seed, backgrounds[0]) >= 2.0 else text


def dark_button(dark: str, primary: str, on_primary: str, accent: str, on_accent: str) -> tuple[str, str]:
    """A button that stands out on the dark band: the brand colour if it shows, else the accent, else light."""
    for bg, label in ((primary, on_primary), (accent, on_accent)):
        if contrast(bg, dark) >= MIN_UI_CONTRAST:
            return bg, label
    light = readable_on(dark)
    return light, readable_on(light)


def heading_weight(family_name: str) -> int:
    """The heaviest weight a display serif looks right in, else semibold or bold as the family ships."""
    weights = fonts.family(family_name).weights
    preferred = 600 if fonts.family(family_name).category in ("serif", "display") else 700
    return min(weights, key=lambda w: (abs(w - preferred), -w))


class FontOption(msgspec.Struct, frozen=True, kw_only=True):
    name: str
    category: str  # sans, serif, display or mono


class PresetOption(msgspec.Struct, frozen=True, kw_only=True):
    name: str
    label: str
    description: str
    palette: Palette
    fonts: Fonts
    radius: int
    density: str


class ThemeOptions(msgspec.Struct, frozen=True, kw_only=True):
    """What a theme picker offers."""

    default_preset: str
    presets: list[PresetOption]
    fonts: list[FontOption]
    densities: list[str]


def options() -> ThemeOptions:
    """Every preset with its palette and fonts, the allowed fonts and densities."""
    return ThemeOptions(
        default_preset=DEFAULT_PRESET,
        presets=[PresetOption(name=p.name, label=p.label, description=p.description, palette=p.palette,
                              fonts=Fonts(heading=p.heading, body=p.body), radius=p.radius, density=p.density)
                 for p in PRESETS.values()],
        fonts=[FontOption(name=f.name, category=f.category) for f in fonts.CATALOGUE],
        densities=list(DENSITIES))

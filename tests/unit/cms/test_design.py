"""The design system's CSS (services/cms/design.py): the shared vocabulary, from the tokens."""

from __future__ import annotations

import re

import pytest

from services.cms.design import stylesheet
from shared.theme import PRESET_NAMES, resolve

PROPERTIES = [
    "--c-bg", "--c-surface", "--c-text", "--c-muted", "--c-border", "--c-primary", "--c-on-primary", "--c-accent",
    "--c-on-accent", "--c-dark", "--c-on-dark", "--tone-bg", "--tone-text", "--tone-muted", "--tone-link",
    "--tone-border", "--tone-card", "--tone-btn-bg", "--tone-btn-text", "--font-heading", "--font-body",
    "--step--1", "--step-0", "--step-1", "--step-2", "--step-3", "--step-4", "--step-5", "--leading-tight",
    "--leading-body", "--tracking-tight", "--space-1", "--space-2", "--space-3", "--space-4", "--space-5",
    "--space-6", "--space-7", "--space-8", "--space-9", "--section-pad", "--gap", "--content", "--content-narrow",
    "--content-wide", "--radius", "--radius-lg", "--radius-pill", "--shadow-sm", "--shadow-md", "--shadow-lg",
    "--focus-ring"
]
CLASSES = [
    "wrap", "wrap-narrow", "wrap-wide", "tone-default", "tone-surface", "tone-primary", "tone-dark", "section",
    "stack", "eyebrow", "lead", "btn", "btn-primary", "btn-secondary", "btn-ghost", "btn-link", "btn-lg", "btn-row",
    "card", "grid", "cols-2", "cols-3", "cols-4", "field", "field-error", "form-errors", "check", "visually-hidden",
    "skip-link", "icon", "icon-badge"
]


def root_block(css: str) -> str:
    return css[css.index(":root{") + 6:css.index("}", css.index(":root{"))]


def defined(css: str) -> set[str]:
    return set(re.findall(r"(--[\w-]+):", css))


@pytest.mark.parametrize("preset", PRESET_NAMES)
def test_the_vocabulary_is_all_there(preset: str) -> None:
    css = stylesheet(resolve({"preset": preset}))
    assert set(PROPERTIES) <= set(re.findall(r"(--[\w-]+):", root_block(css)))
    preludes = " ".join(re.findall(r"([^{};]+)\{", css))  # the selectors (and @media conditions)
    selectors = set(re.findall(r"\.([a-z][\w-]*)", preludes))
    assert set(CLASSES) <= selectors, set(CLASSES) - selectors


@pytest.mark.parametrize("preset", PRESET_NAMES)
def test_every_variable_used_is_defined_and_every_brace_closes(preset: str) -> None:
    css = stylesheet(resolve({"preset": preset}))
    assert set(re.findall(r"var\((--[\w-]+)\)", css)) <= defined(css)
    depth = 0
    for char in css:
        depth += {"{": 1, "}": -1}.get(char, 0)
        assert depth >= 0
    assert depth == 0


@pytest.mark.parametrize("tone", ["default", "surface", "primary", "dark"])
def test_each_tone_sets_its_resolved_colours(tone: str) -> None:
    tokens = resolve({"preset": "hearth"})
    css = stylesheet(tokens)
    rule = re.search(rf"\.tone-{tone}\{{([^}}]*)\}}", css)
    assert rule is not None
    colours = tokens.tone(tone)
    for name, value in (("bg", colours.bg), ("text", colours.text), ("link", colours.link),
                        ("card", colours.card), ("btn-bg", colours.btn_bg), ("btn-text", colours.btn_text)):
        assert f"--tone-{name}:{value};" in rule.group(1)
    assert "background-color:var(--tone-bg)" in rule.group(1)


def test_the_theme_changes_the_css() -> None:
    editorial, launch = stylesheet(resolve({"preset": "editorial"})), stylesheet(resolve({"preset": "launch"}))
    assert "'Playfair Display'" in editorial and "'Space Grotesk'" in launch
    assert "--radius:0px" in editorial and "--radius-pill:0px" in editorial and "--radius:12px" in launch
    compact = root_block(stylesheet(resolve({"preset": "launch", "density": "compact"})))
    airy = root_block(stylesheet(resolve({"preset": "launch", "density": "airy"})))
    assert "--space-5:1.275rem" in compact and "--space-5:1.8rem" in airy


def test_the_type_scale_is_fluid_and_ascends() -> None:
    css = root_block(stylesheet(resolve({})))
    steps = dict(re.findall(r"--step-(-?\d):clamp\(([\d.]+)rem,", css))
    low = [float(steps[str(n)]) for n in range(-1, 6)]
    assert low == sorted(low) and low[1] == 1.0  # step-0 is the body size, at least 16px
    assert all(f"--step-{n}:clamp(" in css for n in range(-1, 6))


def test_it_is_memoized_and_minified() -> None:
    tokens = resolve({"preset": "noir"})
    assert stylesheet(tokens) is stylesheet(resolve({"preset": "noir"}))
    css = stylesheet(tokens)
    assert "\n" not in css and "  " not in css and ";}" not in css


def test_motion_and_focus_are_designed() -> None:
    css = stylesheet(resolve({}))
    assert "@media (prefers-reduced-motion:reduce)" in css and "transition-duration:.01ms!important" in css
    assert ":focus-visible{outline:3px solid var(--tone-link)" in css
    assert ".skip-link:focus" in css


@pytest.mark.parametrize("font", ["Inter;}body{display:none", "x'),url(//evil", "</style><script>"])
def test_a_stored_theme_cannot_inject_css(font: str) -> None:
    css = stylesheet(resolve({"fonts": {"heading": font, "body": font}, "colors": {"primary": "red;x:1"}}))
    assert "evil" not in css and "display:none" not in css and "<" not in css and "red;" not in css

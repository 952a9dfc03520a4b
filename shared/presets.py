"""The curated theme presets: each a palette, a font pair, a radius, a density and a type
scale that a designer would pick for a real kind of business. shared/theme.py resolves a
tenant's theme against one of them; every pair they produce is AA (tests/unit/test_theme.py)."""

from __future__ import annotations

from typing import Literal, get_args

import msgspec

PresetName = Literal["harbour", "hearth", "clinic", "editorial", "launch", "trail", "noir", "playground",
                     "ledger", "atelier"]
PRESET_NAMES: tuple[str, ...] = get_args(PresetName)
DEFAULT_PRESET = "harbour"


class Palette(msgspec.Struct, frozen=True, kw_only=True):
    background: str
    surface: str
    text: str
    muted: str
    primary: str
    accent: str
    dark: str


class Preset(msgspec.Struct, frozen=True, kw_only=True):
    name: str
    label: str
    description: str
    palette: Palette
    heading: str
    body: str
    radius: int
    density: str
    scale: tuple[float, float]  # the type scale's ratio on a phone and on a wide screen


PRESETS: dict[str, Preset] = {p.name: p for p in (
    Preset(name="harbour", label="Harbour",
           description="Clear and trustworthy: deep sea-blue with a warm amber accent. Fits most businesses.",
           palette=Palette(background="#ffffff", surface="#f3f6f8", text="#0f1f2b", muted="#506070",
                           primary="#0d5c75", accent="#f2a93b", dark="#0b1d29"),
           heading="Plus Jakarta Sans", body="Inter", radius=10, density="comfortable", scale=(1.2, 1.28)),
    Preset(name="hearth", label="Hearth",
           description="Warm and inviting for bakeries, cafés and restaurants: cream, terracotta and honey.",
           palette=Palette(background="#fffaf3", surface="#f6ecdf", text="#2b1d14", muted="#6b5545",
                           primary="#a8462a", accent="#e3a73f", dark="#2b1d14"),
           heading="Fraunces", body="DM Sans", radius=14, density="comfortable", scale=(1.2, 1.3)),
    Preset(name="clinic", label="Clinic",
           description="Calm and reassuring for clinics, therapists and care: soft teal on white, lots of air.",
           palette=Palette(background="#ffffff", surface="#eef6f4", text="#12302d", muted="#4a6461",
                           primary="#0f6b63", accent="#8fd3c5", dark="#0d2b29"),
           heading="Manrope", body="Source Sans 3", radius=12, density="airy", scale=(1.18, 1.25)),
    Preset(name="editorial", label="Editorial",
           description="Magazine poise for studios, writers and galleries: ink on paper, one vermilion accent.",
           palette=Palette(background="#fbfaf7", surface="#f0ede6", text="#171614", muted="#5e5a53",
                           primary="#171614", accent="#b83c1e", dark="#171614"),
           heading="Playfair Display", body="Source Serif 4", radius=0, density="airy", scale=(1.22, 1.38)),
    Preset(name="launch", label="Launch",
           description="Bold and crisp for software and tech products: electric violet, ink and cyan.",
           palette=Palette(background="#ffffff", surface="#f5f3ff", text="#0e0b1f", muted="#575470",
                           primary="#5b21b6", accent="#22d3ee", dark="#0e0b1f"),
           heading="Space Grotesk", body="Inter", radius=12, density="comfortable", scale=(1.22, 1.33)),
    Preset(name="trail", label="Trail",
           description="Fresh and outdoorsy for tours, gardens and sport: forest green with a sunset orange.",
           palette=Palette(background="#fbfcf8", surface="#edf2e4", text="#1a2a1c", muted="#4f5f4d",
                           primary="#2d6a3a", accent="#e0733a", dark="#15251a"),
           heading="Montserrat", body="Source Sans 3", radius=6, density="comfortable", scale=(1.2, 1.28)),
    Preset(name="noir", label="Noir",
           description="Dark and luxurious for hotels, bars, jewellers and fashion: warm black and gold.",
           palette=Palette(background="#12110f", surface="#1c1a17", text="#f3ede2", muted="#b4aa98",
                           primary="#d4b06a", accent="#d4b06a", dark="#080807"),
           heading="EB Garamond", body="Manrope", radius=2, density="airy", scale=(1.22, 1.36)),
    Preset(name="playground", label="Playground",
           description="Playful and bright for kids' clubs, schools and toy shops: tomato, sunshine and indigo.",
           palette=Palette(background="#fffdf7", surface="#fff1d6", text="#1f1a3d", muted="#575176",
                           primary="#c93a2b", accent="#ffc93c", dark="#1f1a3d"),
           heading="Poppins", body="DM Sans", radius=20, density="comfortable", scale=(1.2, 1.3)),
    Preset(name="ledger", label="Ledger",
           description="Composed and established for law, finance and consulting: navy, slate and brass.",
           palette=Palette(background="#ffffff", surface="#f3f5f9", text="#111827", muted="#4b5563",
                           primary="#1e3a5f", accent="#b08d57", dark="#0e1a2b"),
           heading="Source Serif 4", body="IBM Plex Sans", radius=4, density="comfortable", scale=(1.2, 1.25)),
    Preset(name="atelier", label="Atelier",
           description="Soft and refined for salons, beauty and boutiques: blush, rosewood and espresso.",
           palette=Palette(background="#fdf8f6", surface="#f6e9e4", text="#2a1f1d", muted="#6c5a55",
                           primary="#8e3f52", accent="#e4aeb0", dark="#2a1f1d"),
           heading="Lora", body="Work Sans", radius=16, density="airy", scale=(1.2, 1.3)),
)}

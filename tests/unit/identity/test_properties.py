"""Properties of what users type: slugs, custom domains and themes. Whatever comes in is
either accepted in its canonical form or refused with a 422, never a crash; and what is
accepted stays accepted (the canonical form is a fixed point)."""

from __future__ import annotations

import string

from hypothesis import given, settings
from hypothesis import strategies as st

from services.cms.pages import normalize_slug
from services.gateway.hosts import normalize_host
from services.identity.domain import SLUG, check_slug
from services.identity.domains import normalize_domain
from services.identity.theme import MIN_TEXT_CONTRAST, MIN_UI_CONTRAST, parse_theme
from shared.colour import contrast
from shared.errors import Invalid
from shared.theme import resolve

TEXT = st.text(alphabet=string.ascii_letters + string.digits + "-._/ äöü\x00", max_size=80)
HEX = st.from_regex(r"#[0-9a-fA-F]{6}", fullmatch=True)


@given(TEXT)
def test_a_tenant_slug_is_accepted_as_is_or_refused(raw: str) -> None:
    try:
        slug = check_slug(raw)
    except Invalid:
        return
    assert slug == raw and SLUG.fullmatch(slug) and "--" not in slug and slug == slug.lower()


@given(TEXT)
def test_a_page_address_normalizes_to_a_fixed_point(raw: str) -> None:
    try:
        slug = normalize_slug(raw)
    except Invalid:
        return
    assert slug.startswith("/") and normalize_slug(slug) == slug and "//" not in slug


@given(st.lists(st.from_regex(r"[a-zA-Z0-9ä][a-zA-Z0-9-]{0,10}[a-zA-Z0-9]", fullmatch=True), min_size=1,
                max_size=4), st.sampled_from(["", ".", ":8443"]))
def test_a_custom_domain_is_canonical_and_resolves_under_the_same_name(labels: list[str], suffix: str) -> None:
    raw = ".".join(labels) + (suffix if suffix != ":8443" else "")
    try:
        domain = normalize_domain(raw, "platform.example")
    except Invalid:
        return
    # What identity stores is what the gateway looks up for the same host, in any spelling.
    assert normalize_domain(domain, "platform.example") == domain
    assert normalize_host(raw.upper() + ":443") == domain


@settings(max_examples=200)
@given(st.fixed_dictionaries({}, optional={
    "colors": st.fixed_dictionaries({}, optional={"primary": HEX, "background": HEX, "text": HEX,
                                                  "on_primary": HEX, "surface": HEX}),
    "fonts": st.fixed_dictionaries({}, optional={"heading": st.sampled_from(["Inter", "Lora", "Comic Sans"])}),
    "radius": st.integers(-5, 60)}))
def test_a_theme_is_readable_once_accepted(document: dict) -> None:  # type: ignore[type-arg]
    try:
        theme = parse_theme(document)
    except Invalid:
        return
    tokens = resolve(theme)  # what the renderer paints with
    assert contrast(tokens.text, tokens.background) >= MIN_TEXT_CONTRAST
    assert contrast(tokens.on_primary, tokens.primary) >= MIN_UI_CONTRAST
    assert parse_theme(document) == theme  # the same document, the same theme

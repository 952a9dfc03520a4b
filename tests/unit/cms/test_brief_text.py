"""A brief is plain text: markup typed or pasted into any of its words is taken out where the
brief is decoded, so no site ever shows a tag as its owner's words (and the offline writer and
a model read the same words)."""

from __future__ import annotations

import msgspec
import pytest

from services.cms.schemas import BriefIn, plain_text

CASES = [
    ("<b>Best</b> dog groomer 🐶 <script>alert(1)</script> in Leeds", "Best dog groomer 🐶 in Leeds"),
    ("Fresh <em>sourdough</em><br/>every morning", "Fresh sourdough every morning"),
    ("Tea <STYLE>body{display:none}</STYLE>and cake", "Tea and cake"),
    ('<a href="javascript:alert(1)" onclick="x()">Book</a> a lesson', "Book a lesson"),
    ("Open late <!-- TODO: hours -->every day", "Open late every day"),
    ("Fish &amp; chips, R&D and AT&T", "Fish & chips, R&D and AT&T"),
    ("<p>Bikes</p>\n<p>Repairs</p>", "Bikes\nRepairs"),
    ("<script>never closed", ""),
]
KEPT = ["Lessons under < £20 and groups > 4", "Shoes, bags & belts", "5 < 6", "Plain words, nothing else"]


@pytest.mark.parametrize(("typed", "plain"), CASES)
def test_markup_is_taken_out_and_its_words_stay(typed: str, plain: str) -> None:
    assert plain_text(typed) == plain


@pytest.mark.parametrize("typed", KEPT)
def test_text_that_only_looks_like_markup_is_kept(typed: str) -> None:
    assert plain_text(typed) == typed


def test_every_word_of_a_brief_is_plain_when_it_is_decoded() -> None:
    brief = msgspec.json.decode(msgspec.json.encode({
        "name": "Suds &amp; Snouts <i>🐶</i>", "business": "<b>Best</b> dog groomer <script>x()</script>in Leeds",
        "location": "<span>Leeds</span>", "audience": "dog <u>owners</u>", "tone": "<i>playful</i>",
        "pages": ["<b>prices</b>", "<br>", "contact"], "sections": ["<h1>Hero</h1>"],
        "brand_notes": "Never say <q>cheap</q>"}), type=BriefIn)
    assert (brief.name, brief.business, brief.location) == ("Suds & Snouts 🐶", "Best dog groomer in Leeds", "Leeds")
    assert (brief.audience, brief.tone, brief.brand_notes) == ("dog owners", "playful", "Never say cheap")
    assert brief.pages == ["prices", "contact"] and brief.sections == ["Hero"]
    assert BriefIn(name="<b>Bakery</b>", business="<i>Bread</i> daily").name == "Bakery"  # built in code too


@pytest.mark.parametrize("fields", [{"name": "<b></b>", "business": "Bread daily"},
                                    {"name": "Bakery", "business": "<script>alert(1)</script>"}])
def test_a_brief_that_is_only_markup_is_refused(fields: dict[str, str]) -> None:
    with pytest.raises(msgspec.ValidationError, match="say nothing"):
        msgspec.json.decode(msgspec.json.encode(fields), type=BriefIn)

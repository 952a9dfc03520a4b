"""The media library's pure rules: searchable text, a search's normal form, the fusion of
the two rankings, and a re-embedding job's progress."""

from __future__ import annotations

import pytest

from services.assets.domain import (
    MAX_QUERY,
    RRF_K,
    fused,
    normalized,
    progressed,
    result_count,
    search_query,
    searchable,
    service_query,
)
from shared.errors import Invalid


def test_what_is_embedded_and_what_words_match() -> None:
    embedded, words = searchable("Shoe.PNG", "A red sneaker", "On a white floor.", ["red", "shoe"])
    assert embedded == "A red sneaker On a white floor. red shoe"
    assert words == "shoe.png a red sneaker on a white floor. red shoe"  # the file name too, lower case


def test_blank_parts_leave_no_double_spaces() -> None:
    assert searchable("x.jpg", "", None, []) == ("", "x.jpg ")
    assert searchable("x.jpg", "alt", None, ["tag"])[0] == "alt tag"


def test_a_search_is_lower_case_with_single_spaces() -> None:
    assert normalized("  Red\tSNEAKER \n shoe ") == "red sneaker shoe"
    assert search_query("Red  Sneaker") == "red sneaker"


@pytest.mark.parametrize("text", ["", "   ", "x" * (MAX_QUERY + 1)])
def test_an_empty_or_too_long_search_is_refused(text: str) -> None:
    with pytest.raises(Invalid):
        search_query(text)


def test_the_longest_search_is_taken_and_another_service_is_cut_not_refused() -> None:
    assert search_query("x" * MAX_QUERY) == "x" * MAX_QUERY
    assert service_query("Y" * 300) == "y" * MAX_QUERY
    assert service_query("   ") == ""  # asks for nothing


@pytest.mark.parametrize(("asked", "most", "given"), [(10, 50, 10), (0, 50, 1), (-3, 50, 1), (500, 50, 50),
                                                      (30, 20, 20)])
def test_result_counts_are_clamped(asked: int, most: int, given: int) -> None:
    assert result_count(asked, most) == given


def test_found_by_both_rankings_beats_first_by_one() -> None:
    hits = fused({"meaning": ["a", "b", "c"], "words": ["c", "d"]}, k=10)
    assert [h.id for h in hits] == ["c", "a", "b", "d"]
    top = hits[0]
    assert top.score == round(1 / (RRF_K + 3) + 1 / (RRF_K + 1), 6) and top.matched == ("meaning", "words")
    assert hits[1].matched == ("meaning",) and hits[3].matched == ("words",)


def test_fusion_keeps_the_best_k_and_breaks_ties_by_first_seen() -> None:
    hits = fused({"meaning": ["a", "b"], "words": ["x", "y"]}, k=3)
    assert [h.id for h in hits] == ["a", "x", "b"]  # equal ranks: meaning's came first
    assert fused({"meaning": [], "words": []}, k=5) == []


def test_progress_counts_each_batch_and_never_passes_the_total() -> None:
    done = 0
    for batch in (64, 64, 64):
        done = progressed(done, 150, batch)
    assert done == 150
    assert progressed(10, 100, 0) == 10 and progressed(10, 100, -5) == 10
    assert progressed(0, 0, 64) == 0  # a job that found nothing stale is 0 of 0

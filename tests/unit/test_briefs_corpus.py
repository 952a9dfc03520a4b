"""The briefs benchmark's corpus (bench/briefs): every file is a brief cms accepts, and the
corpus stays as diverse as an agency's clients (languages, industries, sizes)."""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

import msgspec
import pytest

schemas = pytest.importorskip("services.cms.schemas")
if not hasattr(schemas, "BriefIn"):
    pytest.skip("services.cms.schemas has no BriefIn yet (issue 19's brief contract)", allow_module_level=True)
BriefIn = schemas.BriefIn

CORPUS = Path(__file__).resolve().parents[2] / "bench" / "briefs"
FILE_NAME = re.compile(r"^(?P<number>\d{2})-(?P<industry>[a-z0-9]+(-[a-z0-9]+)*)\.json$")
LANGUAGES = ("en", "fr", "de", "es")
PRICE = re.compile(r"\d[\d.,']*\s?(€|CHF|MXN)|[$£]\d|CHF \d")


def corpus_files() -> list[Path]:
    return sorted(CORPUS.glob("*.json"))


def briefs() -> dict[str, BriefIn]:
    return {path.name: msgspec.json.decode(path.read_bytes(), type=BriefIn) for path in corpus_files()}


def industry(path: Path) -> str:
    match = FILE_NAME.match(path.name)
    assert match, f"{path.name}: name a brief NN-<industry>.json"
    return match["industry"]


@pytest.mark.parametrize("path", corpus_files(), ids=lambda path: path.name)
def test_every_file_is_a_brief_cms_accepts(path: Path) -> None:
    brief = msgspec.json.decode(path.read_bytes(), type=BriefIn)
    assert brief.language in LANGUAGES, f"{path.name}: {brief.language}"
    # The file is the request body as sent: nothing beside the BriefIn's own fields.
    assert set(msgspec.json.decode(path.read_bytes())) <= set(BriefIn.__struct_fields__)
    industry(path)


def test_the_corpus_has_enough_briefs_numbered_once() -> None:
    paths = corpus_files()
    assert len(paths) >= 20, [p.name for p in paths]
    numbers = [FILE_NAME.match(p.name)["number"] for p in paths if FILE_NAME.match(p.name)]  # type: ignore[index]
    assert len(numbers) == len(paths) and len(set(numbers)) == len(numbers), numbers


def test_four_languages_of_at_least_five_briefs_each() -> None:
    languages = Counter(brief.language for brief in briefs().values())
    assert all(languages[language] >= 5 for language in LANGUAGES), languages


def test_at_least_fifteen_distinct_industries() -> None:
    industries = {industry(path) for path in corpus_files()}
    assert len(industries) >= 15, sorted(industries)


def test_sizes_range_from_one_line_to_long_briefs_with_facts() -> None:
    corpus = briefs().values()
    choose_for_me = [b for b in corpus if not b.pages and len(b.business) < 120]
    explicit = [b for b in corpus if 3 <= len(b.pages) <= 6]
    priced = [b for b in corpus if PRICE.search(b.business)]
    with_email = [b for b in corpus if "@" in b.business]
    with_brand_colours = [b for b in corpus if re.search(r"#[0-9a-fA-F]{6}", b.brand_notes)]
    assert len(choose_for_me) >= 3 and len(explicit) >= 10, (len(choose_for_me), len(explicit))
    assert len(priced) >= 10 and len(with_email) >= 8 and len(with_brand_colours) >= 5


def test_the_issues_own_brief_is_in_the_corpus() -> None:
    surf = [b for b in briefs().values() if b.name == "Blue Ocean Surf School"]
    assert len(surf) == 1 and surf[0].location == "Biarritz" and surf[0].tone == "warm", surf
    assert all(words in surf[0].business for words in ("beginners", "board rental", "contact form"))

"""The studio's contrast check (services/studio/src/settings/contrast.ts) works colours out as
the renderer does (shared/theme.py, the page's own band), so its warnings name only pairs that
visitors meet: held here to the renderer for every preset and for custom palettes, by running
the TypeScript in Node (esbuild from the studio's node_modules strips the types)."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path
from typing import Any

import msgspec
import pytest

from shared.colour import contrast
from shared.presets import PRESETS
from shared.theme import MIN_TEXT_CONTRAST, Invalid, parse_theme, resolve

STUDIO = Path(__file__).resolve().parents[2] / "services" / "studio"
ESBUILD = STUDIO / "node_modules" / ".bin" / "esbuild"
NODE = shutil.which("node")

pytestmark = pytest.mark.skipif(NODE is None or not ESBUILD.exists(),
                                reason="needs Node and the studio's npm packages (make studio)")

CUSTOM: list[dict[str, str]] = [
    {},
    {"accent": "#ffe066"},  # a pale accent: buttons on it need a dark label
    {"primary": "#66ccff"},  # a light primary: links must be drawn darker
    {"primary": "#7a7a7a", "accent": "#777777"},  # mid-greys: neither white nor near-black is obvious
    {"background": "#1b1b1f"},  # a dark page: text and links are shaded towards white
    {"background": "#fff3d6", "text": "#3b2f1e"},
    {"text": "#9aa5b1"},  # too light: the identity API refuses it
    {"muted": "#c0c0c0", "surface": "#e8e8e8"},
]


def studio_checks(cases: list[dict[str, Any]], tmp_path: Path) -> list[dict[str, Any]]:
    bundle = tmp_path / "contrast.mjs"
    subprocess.run([str(ESBUILD), str(STUDIO / "src" / "settings" / "contrast.ts"), "--format=esm",
                    f"--outfile={bundle}", "--log-level=warning"], check=True)
    script = tmp_path / "run.mjs"
    script.write_text(f"""import {{ drawn, checkPairs, describe }} from {json.dumps(bundle.as_uri())};
const cases = JSON.parse(process.argv[2]);
console.log(JSON.stringify(cases.map(([palette, chosen]) => ({{
  drawn: drawn(palette, chosen),
  checks: checkPairs(palette, chosen).map((c) => ({{...c, sentence: describe(c)}})),
}}))));""")
    answer = subprocess.run([NODE or "node", str(script), json.dumps(cases)], check=True, capture_output=True,
                            text=True)
    return json.loads(answer.stdout)  # type: ignore[no-any-return]


def palette_of(name: str) -> dict[str, str]:
    palette = msgspec.to_builtins(PRESETS[name].palette)
    return {k: palette[k] for k in ("background", "surface", "text", "muted", "primary", "accent")}


@pytest.fixture(scope="module")
def checked(tmp_path_factory: pytest.TempPathFactory) -> dict[tuple[str, int], dict[str, Any]]:
    cases = [(name, index) for name in PRESETS for index in range(len(CUSTOM))]
    answers = studio_checks([[palette_of(name), CUSTOM[index]] for name, index in cases],
                            tmp_path_factory.mktemp("contrast"))
    return dict(zip(cases, answers, strict=True))


@pytest.mark.parametrize("preset", list(PRESETS))
@pytest.mark.parametrize("custom", range(len(CUSTOM)))
def test_the_studio_draws_the_colours_the_renderer_draws(checked: dict[tuple[str, int], dict[str, Any]],
                                                          preset: str, custom: int) -> None:
    tokens = resolve({"preset": preset, "colors": CUSTOM[custom]})
    band = tokens.tone("default")
    studio = checked[(preset, custom)]["drawn"]
    assert {"background": studio["background"], "card": studio["card"], "text": studio["text"],
            "muted": studio["muted"], "link": studio["link"], "control": studio["control"],
            "onPrimary": studio["onPrimary"], "onAccent": studio["onAccent"]} == {
        "background": band.bg, "card": band.card, "text": band.text, "muted": band.muted, "link": band.link,
        "control": band.control, "onPrimary": band.btn_text, "onAccent": tokens.on_accent}


@pytest.mark.parametrize("preset", list(PRESETS))
def test_no_preset_warns_and_none_is_shaded(checked: dict[tuple[str, int], dict[str, Any]], preset: str) -> None:
    verdicts = {c["pair"]: c["verdict"] for c in checked[(preset, 0)]["checks"]}
    assert set(verdicts.values()) == {"passes"}, verdicts
    assert len(verdicts) == 8  # text, cards, quiet text, links twice, both button labels, field borders


def test_a_light_primary_is_shaded_for_links_and_says_so(checked: dict[tuple[str, int], dict[str, Any]]) -> None:
    links = {c["pair"]: c for c in checked[("harbour", 2)]["checks"]}["Links on the background"]
    assert links["verdict"] == "shaded"
    assert links["asked"] == "#66ccff" and links["shown"] == resolve(
        {"preset": "harbour", "colors": {"primary": "#66ccff"}}).tone("default").link
    assert contrast(links["shown"], "#ffffff") >= MIN_TEXT_CONTRAST
    assert "Links on the background: #66ccff would be 1.8" in links["sentence"]


def test_text_the_api_refuses_is_a_warning_naming_the_pair_and_a_colour_that_passes(
        checked: dict[tuple[str, int], dict[str, Any]]) -> None:
    with pytest.raises(Invalid):
        parse_theme({"preset": "harbour", "colors": {"text": "#9aa5b1"}})
    text = {c["pair"]: c for c in checked[("harbour", 6)]["checks"]}["Text on the background"]
    assert text["verdict"] == "refused"
    assert text["sentence"].startswith("Text on the background: #9aa5b1 on #ffffff is 2.")
    assert "will not save it" in text["sentence"]
    parse_theme({"preset": "harbour", "colors": {"text": text["suggestion"]}})  # the suggestion is accepted
    others = [c["verdict"] for c in checked[("harbour", 6)]["checks"] if c["pair"] != "Text on the background"]
    assert "fails" not in others and "refused" not in others

"""The offline writer of AI edits of one node (skill "node_edit"): the node back with its id,
component, children's ids, links, images and facts as they were, and its words changed by
the action.

Offline there is no model to paraphrase or translate any text, so each action does what
can be done faithfully: rewrite swaps words for synonyms of the same language; shorten cuts
at sentence, clause or word boundaries; tone rewrites headings and button words with the
phrase bank's variants for that tone; translate and regenerate write the block's copy
afresh for the business (offline_sections), in the target language for translate, keeping
the block's structure and item count. Names, prices, hours, addresses, quotes' authors and
logos' names are never touched."""

from __future__ import annotations

import copy
import functools
import json
import math
import re
from collections.abc import Iterator
from typing import Any

from .offline_phrases import STOPWORDS, SYNONYMS
from .offline_sections import HEADING_MAX, HEADING_WORDS, compose, language_of, scene_of
from .registry import tree_schema

# The props whose strings are words a reader reads; everything else (ids, links, names,
# prices, hours, kinds, variants) an edit keeps.
FREE_TEXT = frozenset({"headline", "eyebrow", "subheadline", "image_alt", "cta_label", "secondary_label", "text",
                       "markdown", "alt", "caption", "heading", "intro", "title", "body", "link_label", "label",
                       "quote", "bio", "question", "answer", "submit_label", "description", "badge", "features"})
HEADINGS = frozenset({"headline", "heading", "title"})
LABELS = frozenset({"cta_label", "secondary_label", "link_label", "submit_label", "label", "eyebrow"})
PICTURES = frozenset({"alt", "image_alt"})
LINK_OF_LABEL = {"cta_label": "cta_href", "secondary_label": "secondary_href", "link_label": "link_href",
                 "label": "href"}
# (component, list) whose items' free-looking strings are facts: a partner's name, a person's role.
KEPT = frozenset({("LogoCloud", "logos")})
SALTS = 4  # fresh versions of a block pooled when the block holds more items than one version writes

Path = tuple[str | int, ...]


def edit_node(system: str, prompt: str, schema: dict[str, Any]) -> dict[str, Any]:
    """Skill "node_edit": {"node": the edited node} for the context's action."""
    from .prompts import read_context

    context = read_context(prompt)
    original = context["node"]
    editor = Editor(context)
    edited = editor.node(copy.deepcopy(original))
    if edited == original:
        editor.force(edited)
    return {"node": edited}


@functools.cache
def _definitions() -> dict[str, Any]:
    return tree_schema()["$defs"]


def limits(component: str, path: Path) -> tuple[int, int]:
    """(min, max) length the registry allows the string at `path` of a component's props."""
    definitions = _definitions()
    schema: Any = definitions[f"{component}Node"]["properties"]["props"]
    for step in path:
        schema = _resolved(schema, definitions)
        schema = schema.get("items", {}) if isinstance(step, int) else schema.get("properties", {}).get(step, {})
    schema = _resolved(schema, definitions)
    return int(schema.get("minLength", 0)), int(schema.get("maxLength", 20_000))


def _resolved(schema: dict[str, Any], definitions: dict[str, Any]) -> dict[str, Any]:
    while True:
        if "$ref" in schema:
            schema = definitions[schema["$ref"].rsplit("/", 1)[1]]
        elif "anyOf" in schema:
            schema = next((s for s in schema["anyOf"] if s.get("type") != "null"), {})
        else:
            return schema


def texts(component: str, props: dict[str, Any]) -> Iterator[tuple[Path, str]]:
    """Every free text of the props, with its path, in document order."""
    def walk(value: Any, path: Path, free: bool) -> Iterator[tuple[Path, str]]:
        if isinstance(value, dict):
            for key, item in value.items():
                if (component, key) not in KEPT:
                    yield from walk(item, (*path, key), key in FREE_TEXT)
        elif isinstance(value, list):
            for index, item in enumerate(value):
                yield from walk(item, (*path, index), free)
        elif isinstance(value, str) and free and value.strip():
            yield path, value

    yield from walk(props, (), False)


def at(value: Any, path: Path) -> Any:
    for step in path:
        value = value[step]
    return value


def put(value: Any, path: Path, text: str) -> None:
    at(value, path[:-1])[path[-1]] = text


def key_of(path: Path) -> str:
    return next(str(step) for step in reversed(path) if isinstance(step, str))


class Editor:
    def __init__(self, context: dict[str, Any]) -> None:
        self.action = str(context.get("action", "rewrite"))
        site = context.get("site") or {}
        self.site = site
        self.instruction = str(context.get("instruction", ""))
        self.language = language_of(context.get("language") or site.get("language") or "en")
        self.tone = str(context.get("tone") or site.get("tone") or "")
        self._fresh: dict[tuple[str, str], list[dict[str, Any]]] = {}

    def node(self, node: dict[str, Any]) -> dict[str, Any]:
        component = node["component"]
        for path, old in list(texts(component, node["props"])):
            new = self.text(node, path, old)
            if new != old:
                put(node["props"], path, new)
        node["children"] = [self.node(child) for child in node.get("children") or []]
        return node

    def text(self, node: dict[str, Any], path: Path, old: str) -> str:
        key = key_of(path)
        low, high = limits(node["component"], path)
        if self.action == "shorten":
            new = shortened(old, self.language, markdown=key == "markdown", label=key in LABELS) \
                if key != "question" else old
            return new if low <= len(new) < len(old) else old
        if self.action == "rewrite" or (key in PICTURES and self.action != "translate"):
            return reworded(old, self.language)
        if self.action == "tone" and key not in HEADINGS | LABELS:
            return reworded(old, self.language)
        fresh = self.fresh(node, path, old, low, high)
        if fresh:
            return fresh
        if self.action != "translate":
            return reworded(old, self.language)
        if generic := self.generic(key, low, high):
            return generic
        # Words offline cannot translate are dropped rather than left in another language.
        return "" if low == 0 and key not in PICTURES else old

    def generic(self, key: str, low: int, high: int) -> str:
        """A bank line in the target language for a label or heading the fresh block lacks."""
        slot = "more_label" if key in LABELS else "heading_text" if key in HEADINGS else ""
        scene = scene_of({"site": self.site}, language=self.language)
        text = scene.say(slot, limit=high, heading=key in HEADINGS) if slot else ""
        return text if len(text) >= max(low, 1) else ""

    def fresh(self, node: dict[str, Any], path: Path, old: str, low: int, high: int) -> str:
        """The same place in the block written afresh for the business, if it fits and differs.
        A label names where its link goes, and an edit keeps links: a fresh label is taken
        only from a fresh writing whose link is the node's own."""
        key = key_of(path)
        candidates = pooled(self.versions(node), path)
        if link := LINK_OF_LABEL.get(key):
            own = at(node["props"], path[:-1]).get(link)
            candidates = [holder.get(key) for holder in pooled(self.versions(node), path[:-1])
                          if isinstance(holder, dict) and holder.get(link) == own] if own else candidates
        for candidate in candidates:
            if not isinstance(candidate, str) or candidate == old or not low <= len(candidate) <= high:
                continue
            if (key in HEADINGS or (node["component"], key) == ("Heading", "text")) and (
                    len(candidate) > HEADING_MAX or len(candidate.split()) > HEADING_WORDS):
                continue
            if candidate.strip():
                return candidate
        return ""

    def versions(self, node: dict[str, Any]) -> list[dict[str, Any]]:
        """Up to SALTS fresh writings of the node's component for this business."""
        cache_key = (node["component"], node["id"])
        if cache_key not in self._fresh:
            context = {"site": self.site, "brief": {"name": self.site.get("name", ""), "business": self.instruction},
                       "page": {"slug": "/", "anchors": []},
                       "section": {"component": node["component"], "anchor": node["id"], "purpose": self.instruction}}
            language = self.language if self.action == "translate" else self.site.get("language")
            tone = self.tone if self.action == "tone" else None
            self._fresh[cache_key] = [
                compose(scene_of(context, language=language, tone=tone, salt=f"{self.action}{salt}"),
                        node["component"])["props"] for salt in range(SALTS)]
        return self._fresh[cache_key]

    def force(self, node: dict[str, Any]) -> None:
        """At least one text changes: the first free text (here or below) a fresh writing can replace."""
        for path, old in texts(node["component"], node["props"]):
            low, high = limits(node["component"], path)
            # A label no fresh writing gives for this link takes the bank's words, which fit any link.
            fresh = self.fresh(node, path, old, low, high) or (
                self.generic(key_of(path), low, high) if key_of(path) in LABELS else "")
            if fresh and fresh != old and (self.action != "shorten" or len(fresh) < len(old)):
                put(node["props"], path, fresh)
                return
        for child in node.get("children") or []:
            before = copy.deepcopy(child)
            self.force(child)
            if child != before:
                return


def pooled(versions: list[dict[str, Any]], path: Path) -> list[Any]:
    """The values at `path` in the fresh versions; a list index beyond one version's items
    reads on into the next version's, so a block of six features gets six fresh ones."""
    candidates: list[Any] = list(versions)
    for step in path:
        if isinstance(step, int):
            items = [item for c in candidates if isinstance(c, list) for item in c]
            distinct = list({json.dumps(item, sort_keys=True): item for item in items}.values())
            candidates = [distinct[step]] if step < len(distinct) else []
        else:
            candidates = [c[step] for c in candidates if isinstance(c, dict) and step in c]
    return candidates


def language_in(text: str, default: str) -> str:
    """The language of `text` by its small words; `default` unless another clearly wins."""
    words = re.findall(r"[\w']+", text.lower())
    counts = {lang: sum(word in stop for word in words) for lang, stop in STOPWORDS.items()}
    best = max(counts, key=counts.get)
    return best if counts[best] >= 2 and counts[best] > counts.get(default, 0) else default


@functools.cache
def _swaps(language: str) -> tuple[re.Pattern[str], dict[str, str]]:
    table = SYNONYMS[language]
    words = sorted(table, key=len, reverse=True)
    return re.compile(r"(?<!\w)(" + "|".join(map(re.escape, words)) + r")(?!\w)", re.IGNORECASE), table


def reworded(text: str, language: str) -> str:
    """`text` with words swapped for synonyms of its language, each capital kept."""
    pattern, table = _swaps(language_in(text, language))

    def swap(match: re.Match[str]) -> str:
        found = match.group(0)
        new = table[found.lower()]
        return new[:1].upper() + new[1:] if found[:1].isupper() else new

    return pattern.sub(swap, text)


def shortened(text: str, language: str, *, markdown: bool = False, label: bool = False) -> str:
    """About half of `text`, cut where it reads whole: whole blocks, sentences, a clause, or
    whole words without a dangling small word; never empty."""
    if markdown and "\n\n" in text.strip():
        blocks = [block for block in text.strip().split("\n\n") if block.strip()]
        keep = max(1, len(blocks) // 2)
        if blocks[keep - 1].lstrip().startswith("#") and keep < len(blocks):
            keep += 1
        return "\n\n".join(blocks[:keep]) if keep < len(blocks) else shortened(blocks[0], language)
    text = text.strip()
    sentences = re.split(r"(?<=[.!?…])\s+(?=\S)", text)
    if len(sentences) > 1:
        kept = [sentences[0]]
        for sentence in sentences[1:]:
            if len(" ".join([*kept, sentence])) > len(text) * 0.6:
                break
            kept.append(sentence)
        return " ".join(kept)
    end = text[-1] if text[-1] in ".!?" else ""
    clauses = re.split(r"\s*(?::|;|,|\s[\u2013\u2014-])\s+", text.rstrip(".!?"))
    if len(clauses) > 1 and (len(clauses[0].split()) >= 2 or label):
        return clauses[0] + end
    words = text.rstrip(".!?").split()
    stop = STOPWORDS[language_in(text, language)]
    if label or len(words) <= 2:  # a button's words read well without their small words: "Book a cabin" -> "Book cabin"
        kept = [w for i, w in enumerate(words) if i == 0 or w.lower() not in stop]
        if len(kept) == len(words) and len(words) > 2:
            kept = kept[:-1]
        if len(words) <= 2:
            kept = [w for w in words if w.lower() not in stop] or words
    else:
        kept = words[:math.ceil(len(words) * 0.6)]
        # Never end on a small word, nor halfway through a name ("Finnish | Lakeland").
        while len(kept) > 1 and (kept[-1].lower().rstrip(",;:") in stop
                                 or (kept[-1][:1].isupper() and words[len(kept)][:1].isupper())):
            kept.pop()
    cut = " ".join(kept).rstrip(",;:\u2013\u2014-")
    cut = cut[:1].upper() + cut[1:] if text[:1].isupper() else cut
    return cut + end if len(cut) < len(text.rstrip(".!?")) else text

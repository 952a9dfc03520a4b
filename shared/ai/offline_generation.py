"""Structured output without a model: a value valid against a JSON Schema, written for a prompt.

The offline provider must return real pages, not placeholders, so every choice follows the
prompt: union branches, enum values, optional properties and the sections of a page are
scored against the topics the prompt asks for, and a random generator seeded from the
prompt breaks ties and adds a few extras (the same prompt always gives the same page,
different prompts different ones). The strings come from offline_copy. The value is
validated before it is returned; a schema nothing can satisfy raises ValueError.
"""

from __future__ import annotations

import copy
import itertools
import json
import math
import re
from collections import Counter
from dataclasses import dataclass, field, replace
from random import Random
from typing import Any

from jsonschema import Draft202012Validator

from shared.ai.offline_copy import (
    Brief,
    copy_for,
    fit_string,
    format_candidates,
    map_keys_for,
    plausible_number,
    read_brief,
    slugify,
    stem,
    topics_in,
    words_of,
)

MAX_NESTING = 64  # deeper than any page; a schema that needs more never ends
RECURSION_LIMIT = 3  # times a definition may repeat on a path before only the smallest values are written
ATTEMPTS = 3
PLACEMENT = {"navigation": 0, "hero": 1, "footer": 3}  # the other sections sit in between, in prompt order
EXTRA_WEIGHT = {"feature": 4, "testimonial": 3, "footer": 3, "contact": 2, "gallery": 2, "navigation": 2}
COUNT_BY_TOPIC = {"pricing": (3, 3), "faq": (3, 5), "gallery": (4, 8), "feature": (3, 6), "testimonial": (2, 3)}
CONTAINER_KEYS = {"children", "items", "sections", "blocks", "content", "elements", "nodes"}
LOWER_BOUNDS = {"minimum", "exclusiveMinimum", "minLength", "minItems", "minProperties"}
UPPER_BOUNDS = {"maximum", "exclusiveMaximum", "maxLength", "maxItems", "maxProperties"}


def generate_instance(schema: dict[str, Any], prompt: str, *, seed: int | None = None) -> Any:
    """A value valid against `schema`, written for `prompt`; the same prompt and seed give the same value."""
    validator = Draft202012Validator(schema, format_checker=Draft202012Validator.FORMAT_CHECKER)
    brief = read_brief(prompt)
    problem = ""
    for attempt in range(ATTEMPTS):
        value = _Writer(schema, brief, Random(f"{seed}\x00{attempt}\x00{prompt}"), validator).write(schema, _Scope())
        error = next(iter(validator.iter_errors(value)), None)
        if error is None:
            return value
        problem = f"/{'/'.join(map(str, error.absolute_path))}: {error.message}"
    raise ValueError(f"cannot write a value valid against this schema ({problem})")


@dataclass(frozen=True)
class _Scope:
    """Where a value is written: the property it is for, its section's topic, the $refs above it."""

    key: str = ""
    owner: str = ""  # the property holding the object this value is in
    topic: str | None = None
    index: int = 0  # of the nearest array item, so the items of a list differ
    refs: tuple[str, ...] = ()
    path: tuple[str | int, ...] = ()
    container: bool = False  # a recursive alternative placed to hold a section's content

    @property
    def deep(self) -> bool:
        return max(Counter(self.refs).values(), default=0) >= RECURSION_LIMIT

    @property
    def kind(self) -> str:  # the definition being written ("Heading") tells what its "text" is
        return self.refs[-1].rsplit("/", 1)[-1] if self.refs else ""

    @property
    def pointer(self) -> str:
        return "/" + "/".join(map(str, self.path))

    def at(self, key: str) -> _Scope:
        return replace(self, key=key, owner=self.key, path=(*self.path, key))

    def item(self, index: int, topic: str | None = None, *, container: bool = False) -> _Scope:
        return replace(self, index=index, topic=topic or self.topic, path=(*self.path, index), container=container)


@dataclass
class _Option:
    """An alternative for the items of an array, with the topics its name and description are about."""

    branch: Any
    topics: dict[str, int]
    recursive: bool
    ref: str

    @property
    def topic(self) -> str | None:
        return max(self.topics, key=self.topics.__getitem__) if self.topics else None


@dataclass
class _Writer:
    root: dict[str, Any]
    brief: Brief
    rng: Random
    validator: Any
    used_ids: set[Any] = field(default_factory=set)
    placed_sections: bool = False  # the first array of alternatives holds the page's sections
    refs_in: dict[str, set[str]] = field(default_factory=dict)

    def write(self, node: Any, scope: _Scope) -> Any:
        if len(scope.path) > MAX_NESTING:
            raise ValueError(f"the schema needs values nested deeper than {MAX_NESTING} levels (endless recursion?)")
        node, scope = self.expand(node, scope)
        if node.get("not") == {}:
            raise ValueError(f"the schema allows no value at {scope.pointer}")
        if "const" in node:
            return copy.deepcopy(node["const"])
        if "enum" in node:
            return copy.deepcopy(self.pick_enum(node))
        if "anyOf" in node or "oneOf" in node:
            return self.write_union(node, scope)
        declared = node.get("type")
        kinds = [declared] if isinstance(declared, str) else list(declared or _implied_types(node))
        kind = "null" if "null" in kinds and (len(kinds) == 1 or scope.deep) else next(k for k in kinds if k != "null")
        return getattr(self, f"write_{kind}")(node, scope)

    def expand(self, node: Any, scope: _Scope) -> tuple[dict[str, Any], _Scope]:
        """`node` with its $ref followed and its allOf merged, and the scope that saw the refs."""
        for _ in range(MAX_NESTING):
            node = {} if node is True else {"not": {}} if node is False else node
            if "$ref" in node:
                scope = replace(scope, refs=(*scope.refs, node["$ref"]))
                node = _merge([self.resolve(node["$ref"]), {k: v for k, v in node.items() if k != "$ref"}])
            elif "allOf" in node:
                node = _merge([*node["allOf"], {k: v for k, v in node.items() if k != "allOf"}])
            else:
                return node, scope
        raise ValueError(f"$ref and allOf loop without end at {scope.pointer}")

    def resolve(self, ref: str) -> Any:
        if not ref.startswith("#"):
            raise ValueError(f"only local references are supported, got {ref!r}")
        target: Any = self.root
        for part in filter(None, ref[1:].split("/")):
            target = target[part.replace("~1", "/").replace("~0", "~")]
        return target

    def reach(self, node: Any) -> set[str]:
        """Every $ref reachable from `node`, to tell recursive alternatives from plain ones."""
        found: set[str] = set()
        pending = list(_direct_refs(node))
        while pending:
            ref = pending.pop()
            if ref not in found:
                found.add(ref)
                pending.extend(self.refs_in.setdefault(ref, _direct_refs(self.resolve(ref))))
        return found

    def pick_enum(self, node: dict[str, Any]) -> Any:
        values = node["enum"]
        if not values:
            raise ValueError("an empty enum allows no value")
        scores = [self.brief.relevance(str(value)) for value in values]
        if max(scores) > 0:
            return self.rng.choice([value for value, score in zip(values, scores, strict=True) if score == max(scores)])
        if "default" in node and node["default"] in values and self.rng.random() < 0.5:
            return node["default"]
        return self.rng.choice(values)

    def write_union(self, node: dict[str, Any], scope: _Scope) -> Any:
        keyword = "oneOf" if "oneOf" in node else "anyOf"
        rest = {k: v for k, v in node.items() if k not in (keyword, "title", "description", "discriminator")}
        problem = f"no oneOf branch gives a value that matches only that branch at {scope.pointer}"
        for branch in self.rank_branches(node[keyword], scope):
            try:
                value = self.write(_merge([rest, branch]) if rest else branch, scope)
            except ValueError as error:  # an impossible branch; another may do
                problem = str(error)
                continue
            if keyword == "anyOf" or sum(self.validator.evolve(schema=b).is_valid(value) for b in node[keyword]) == 1:
                return value
        raise ValueError(problem)

    def rank_branches(self, branches: list[Any], scope: _Scope) -> list[Any]:
        """Branches best first: not null (null first when deep), not recursive when deep, then the prompt's."""
        def preference(branch: Any) -> tuple[bool, bool, int, float]:
            try:
                resolved, _ = self.expand(branch, scope)
            except ValueError:
                return (False, False, -1, 0.0)
            is_null = resolved.get("type") == "null"
            relevance = self.brief.relevance(self.identity(branch, resolved))
            if scope.deep:
                return (is_null, not self.reach(branch) & set(scope.refs), relevance, self.rng.random())
            return (not is_null, True, relevance, self.rng.random())

        return sorted(branches, key=preference, reverse=True)

    def identity(self, branch: Any, resolved: dict[str, Any]) -> str:
        """What an alternative calls itself: definition name, title and tag values (each thrice), description."""
        ref = branch.get("$ref", "") if isinstance(branch, dict) else ""
        tags = [str(prop["const"] if "const" in prop else prop["enum"][0])
                for prop in resolved.get("properties", {}).values()
                if isinstance(prop, dict) and ("const" in prop or len(prop.get("enum", ())) == 1)]
        names = [ref.rsplit("/", 1)[-1], resolved.get("title", ""), *tags, str(resolved.get("const", ""))]
        return " ".join(names * 3 + [resolved.get("description", "")])

    def write_null(self, node: dict[str, Any], scope: _Scope) -> None:
        return None

    def write_boolean(self, node: dict[str, Any], scope: _Scope) -> bool:
        names = {stem(word) for word in words_of(scope.key)}
        if names & {"featured", "highlighted", "popular", "recommended"}:
            return scope.index == 1  # the middle one of three plans
        if names & {"visible", "enabled", "show", "published", "active", "required"}:
            return True
        return node["default"] if isinstance(node.get("default"), bool) else self.rng.random() < 0.5

    def write_integer(self, node: dict[str, Any], scope: _Scope) -> int | float:
        return self.write_number(node, scope, integer=True)

    def write_number(self, node: dict[str, Any], scope: _Scope, *, integer: bool = False) -> int | float:
        if scope.key == "id":
            guess: float = next(n for n in itertools.count(1) if n not in self.used_ids)
            self.used_ids.add(guess)
        else:
            guess = plausible_number(scope.key, self.brief, self.rng, index=scope.index, default=node.get("default"))
        fits = self.validator.evolve(schema={**node, "type": "integer" if integer else "number"}).is_valid
        value = next((value for value in _numbers_near(guess, node, integer) if fits(value)), None)
        if value is None:
            raise ValueError(f"no {'integer' if integer else 'number'} satisfies the bounds at {scope.pointer}")
        return value

    def write_string(self, node: dict[str, Any], scope: _Scope) -> str:
        low, high, pattern = node.get("minLength", 0), node.get("maxLength"), node.get("pattern")
        written = copy_for(scope.key, self.brief, self.rng, owner=scope.owner, topic=scope.topic, index=scope.index,
                           kind=scope.kind)
        formatted = format_candidates(node.get("format", ""), written, self.brief, self.rng, scope.index)
        if scope.key == "id" and not formatted:
            return self.write_id(low, high, pattern, scope)
        examples = [text for text in [*node.get("examples", []), node.get("default")] if isinstance(text, str)]
        return fit_string((formatted or written) + examples, low, high, pattern, self.rng, trim=not formatted)

    def write_id(self, low: int, high: int | None, pattern: str | None, scope: _Scope) -> str:
        owner = stem(scope.owner) if scope.owner not in CONTAINER_KEYS else ""
        base = slugify(owner or scope.topic or "item")
        for number in range(len(self.used_ids) + 1, len(self.used_ids) + 50):
            candidate = fit_string([f"{base}-{number}", f"{base}{number}"], low, high, pattern, self.rng)
            if candidate not in self.used_ids:
                self.used_ids.add(candidate)
                return candidate
        raise ValueError(f"cannot write another unique id at {scope.pointer}")

    def write_object(self, node: dict[str, Any], scope: _Scope) -> dict[str, Any]:
        properties, required = node.get("properties", {}), node.get("required", [])
        extra = node.get("additionalProperties", True)
        extra_schema = extra if isinstance(extra, dict) else {}
        low, high = node.get("minProperties", 0), node.get("maxProperties")
        keys = [key for key in properties if key in required or self.include_optional(key, properties[key], scope)]
        keys += [key for key in required if key not in keys]
        keys += [key for key in properties if key not in keys][:max(0, low - len(keys))]
        value = {key: self.write(properties.get(key, extra_schema), scope.at(key)) for key in keys}
        if extra is not False:  # an object used as a map gets a few entries
            wanted = max(low - len(value), 0 if properties or scope.deep else self.rng.randint(1, 3))
            names = self.validator.evolve(schema=node.get("propertyNames", {}))
            free = [key for key in map_keys_for(scope.key, self.brief) if key not in value and names.is_valid(key)
                    and not any(re.search(pattern, key) for pattern in node.get("patternProperties", {}))]
            value.update({key: self.write(extra_schema, scope.at(key)) for key in free[:wanted]})
        optional = [key for key in reversed(keys) if key not in required]
        while high is not None and len(value) > high and optional:
            del value[optional.pop(0)]
        if len(value) < low or (high is not None and len(value) > high):
            raise ValueError(f"cannot write an object with {low}..{high} properties at {scope.pointer}")
        return value

    def include_optional(self, key: str, prop: Any, scope: _Scope) -> bool:
        if scope.deep:
            return False
        if self.reach(prop) & set(scope.refs):
            return scope.container or self.rng.random() < 0.3  # recursion: sometimes one level more, rarely two
        topics = topics_in(key)
        if topics and not topics & self.brief.topics.keys():
            return self.rng.random() < 0.25  # a section the prompt did not ask for
        return self.brief.relevance(key) > 0 or self.rng.random() < 0.7

    def write_array(self, node: dict[str, Any], scope: _Scope) -> list[Any]:
        low, high = node.get("minItems", 0), node.get("maxItems")
        prefix, items = node.get("prefixItems", []), node.get("items", {})
        if items is False:
            high = len(prefix) if high is None else min(high, len(prefix))
        if high is not None and low > high:
            raise ValueError(f"minItems {low} is greater than maxItems {high} at {scope.pointer}")
        _, items_scope = self.expand(items, scope)  # refs on the way to the alternatives count for recursion
        options = [] if prefix or node.get("uniqueItems") else self.options(items, items_scope)
        if len(options) > 1 and any(option.topics or option.recursive for option in options):  # sections of a page
            return [self.write(option.branch, items_scope.item(index, topic, container=option.recursive))
                    for index, (option, topic) in enumerate(self.plan_sections(options, low, high, items_scope))]
        count = self.item_count(items, low, high, scope)
        values: list[Any] = []
        seen: set[str] = set()
        duplicates = 0
        while len(values) < count and duplicates <= 20 * count:
            value = self.write(prefix[len(values)] if len(values) < len(prefix) else items,
                               scope.item(len(values) + duplicates))
            fingerprint = json.dumps(value, sort_keys=True)
            if node.get("uniqueItems") and fingerprint in seen:
                duplicates += 1
                continue
            values.append(value)
            seen.add(fingerprint)
        if len(values) < low:
            raise ValueError(f"cannot write {low} distinct items at {scope.pointer}")
        return values

    def item_count(self, items: Any, low: int, high: int | None, scope: _Scope) -> int:
        if scope.deep:
            return low
        topic = next(iter(topics_in(scope.key)), scope.topic)
        fewest, most = (0, 2) if self.reach(items) & set(scope.refs) else COUNT_BY_TOPIC.get(topic or "", (2, 4))
        count = max(low, self.rng.randint(fewest, most))
        return count if high is None else min(count, high)

    def options(self, items: Any, scope: _Scope) -> list[_Option]:
        """The alternatives of an array's items, when they are a plain union (anyOf) of non-null kinds."""
        resolved, _ = self.expand(items, scope)
        if set(resolved) - {"anyOf", "title", "description", "discriminator"}:
            return []  # oneOf and constrained unions are written item by item, with their checks
        options = []
        for branch in resolved.get("anyOf", []):
            target, _ = self.expand(branch, scope)
            ref = branch.get("$ref", "") if isinstance(branch, dict) else ""
            if target.get("type") != "null":
                recursive = bool(self.reach(target) & {*scope.refs, ref})
                options.append(_Option(branch, _topic_strength(self.identity(branch, target)), recursive, ref))
        return options

    def plan_sections(self, options: list[_Option], low: int, high: int | None,
                      scope: _Scope) -> list[tuple[_Option, str | None]]:
        """Which alternatives to write, in order: the ones the prompt asks for, plus a few plausible extras."""
        rng = self.rng
        usable = [o for o in options if not (o.recursive and (scope.deep or o.ref in scope.refs))] or options
        if self.placed_sections or scope.deep:  # inside a section: a little plain content
            plain = [o for o in usable if not o.topics and not o.recursive] or usable
            picks = [(rng.choice(plain), scope.topic) for _ in range(rng.randint(1, 3))]
            return _bounded(picks, usable, low, high, rng)
        self.placed_sections = True
        planned: list[tuple[float, _Option, str | None]] = []
        containers = [o for o in usable if o.recursive]
        for topic, position in sorted(self.brief.topics.items(), key=lambda item: item[1]):
            best = max(usable, key=lambda o: o.topics.get(topic, 0))
            if best.topics.get(topic, 0) > 0 and all(best is not o for _, o, _ in planned):
                planned.append((position, best, topic))
            elif best.topics.get(topic, 0) == 0 and containers:
                planned.append((position, rng.choice(containers), topic))  # e.g. a Section for "our team"
        extras = rng.choice((0, 1, 1, 2)) if planned else rng.randint(2, 3)
        if not planned and (hero := max(usable, key=lambda o: o.topics.get("hero", 0))).topics.get("hero"):
            planned.append((0, hero, "hero"))  # a page that asks for nothing in particular still opens with one
        spare = [o for o in usable if (o.topics or o.recursive) and all(o is not p for _, p, _ in planned)]
        first, last = min(p for p, _, _ in planned or [(0, 0, 0)]), max(p for p, _, _ in planned or [(0, 0, 0)])
        for _ in range(min(extras, len(spare))):
            option = rng.choices(spare, [EXTRA_WEIGHT.get(o.topic or "", 1) for o in spare])[0]
            spare.remove(option)
            planned.append((rng.uniform(first, last + 10), option, option.topic))
        planned.sort(key=lambda entry: (PLACEMENT.get(entry[2] or "", 2), entry[0]))
        return _bounded([(option, topic) for _, option, topic in planned], usable, low, high, rng)


def _bounded(chosen: list[tuple[_Option, str | None]], usable: list[_Option], low: int, high: int | None,
             rng: Random) -> list[tuple[_Option, str | None]]:
    while len(chosen) < low:
        option = rng.choice(usable)
        chosen.append((option, option.topic))
    return chosen if high is None else chosen[:high]


def _topic_strength(identity: str) -> dict[str, int]:
    """The topics an alternative is about; a word that *is* the topic ("Gallery", not "Image") counts most."""
    strength: Counter[str] = Counter()
    for word in words_of(identity):
        for topic in topics_in(word):
            strength[topic] += 1 + 2 * (stem(word) == stem(topic))
    return dict(strength)


def _direct_refs(node: Any) -> set[str]:
    if isinstance(node, dict):
        return {node["$ref"]} if isinstance(node.get("$ref"), str) else set().union(*map(_direct_refs, node.values()))
    return set().union(*map(_direct_refs, node)) if isinstance(node, list) else set()


def _implied_types(node: dict[str, Any]) -> list[str]:
    if {"properties", "required", "additionalProperties", "minProperties"} & node.keys():
        return ["object"]
    if {"items", "prefixItems", "minItems", "maxItems"} & node.keys():
        return ["array"]
    if {"minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum", "multipleOf"} & node.keys():
        return ["number"]
    return ["string"]


def _merge(parts: list[Any]) -> dict[str, Any]:
    """allOf parts as one schema: bounds tightened, required and properties joined, types intersected."""
    merged: dict[str, Any] = {}
    for part in parts:
        for key, value in ({} if part is True else {"not": {}} if part is False else part).items():
            if key in ("anyOf", "oneOf") and ("anyOf" in merged or "oneOf" in merged):
                ours = merged.pop("oneOf", None) or merged.pop("anyOf")
                merged["anyOf"] = [{"allOf": [mine, other]} for mine in ours for other in value]  # both must hold
            elif key not in merged:
                merged[key] = value
            elif key in LOWER_BOUNDS or key in UPPER_BOUNDS:
                merged[key] = (max if key in LOWER_BOUNDS else min)(merged[key], value)
            elif key in ("required", "allOf"):
                merged[key] = [*merged[key], *value]
            elif key == "properties":
                merged[key] = {**merged[key], **{name: {"allOf": [merged[key][name], prop]} if name in merged[key]
                                                 else prop for name, prop in value.items()}}
            elif key == "type":
                merged[key] = _common_types(merged[key], value)
            elif key == "enum":
                merged[key] = [item for item in merged[key] if item in value]
            elif key == "additionalProperties" and value is False:
                merged[key] = False
            elif key == "$ref":
                merged.setdefault("allOf", []).append({key: value})  # followed on the next expansion
    return merged


def _common_types(first: str | list[str], second: str | list[str]) -> list[str]:
    ours = {first} if isinstance(first, str) else set(first)
    theirs = {second} if isinstance(second, str) else set(second)
    common = ours & theirs
    if {"integer", "number"} <= ours | theirs and ("integer" in ours) != ("integer" in theirs):
        common.add("integer")  # an integer is a number
    if not common:
        raise ValueError(f"allOf asks for types {sorted(ours)} and {sorted(theirs)} at once")
    return sorted(common)


def _numbers_near(guess: float, node: dict[str, Any], integer: bool) -> list[int | float]:
    """Candidates around `guess`, inside the bounds and on the multipleOf grid (checked by the caller)."""
    low = max((b for b in (node.get("minimum"), node.get("exclusiveMinimum")) if b is not None), default=-math.inf)
    high = min((b for b in (node.get("maximum"), node.get("exclusiveMaximum")) if b is not None), default=math.inf)
    clamped = min(max(guess, low), high)
    step = node.get("multipleOf") or (1 if integer else 0)
    if step:
        first = math.ceil(low / step) if low > -math.inf else math.floor(clamped / step) - 2
        last = math.floor(high / step) if high < math.inf else math.ceil(clamped / step) + 2
        nearest = min(max(round(clamped / step), first), last)
        ks = [k for k in (nearest, nearest + 1, nearest - 1, first, first + 1, last, last - 1) if first <= k <= last]
        candidates = [k * step for k in ks] + [round(k * step, 10) for k in ks]
    else:
        finite = [b for b in (low, high) if math.isfinite(b)]
        candidates = [clamped, sum(finite) / len(finite) if finite else 0, low + 1, high - 1]
    return [int(c) if float(c).is_integer() else c for c in candidates if math.isfinite(c)]

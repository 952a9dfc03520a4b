"""A stand-in model for the briefs benchmark: FakeOpenAI's `default_reply` answering every
chat request of cms with cms's own offline writers, so the OpenAI provider's whole path
(strict schemas, the wire format, usage, repair rounds) runs without a real model.

The writer is chosen by the request's `response_format.json_schema.name`; without a schema
(JSON mode, for servers lacking strict output) by the "task" of the prompt's context. The
writers are cms's offline ones (services/cms/offline_writers.py: write_site_plan,
write_page_plan, write_section, edit_node), called as the offline provider calls them,
`(system, user, schema)`, with the request's own schema. A strict schema lists every
property as required, optional ones nullable, and a model held to it sends them all: the
answer gets null for what the writer left out, then is validated against the request's
schema. What does not validate is still sent (cms's validation and repair round see it)
and counted; so are a missing writer and a writer that raised (a 500, as a model's outage).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from typing import Any

from jsonschema import Draft202012Validator

from tests.servers.openai_compatible import Fail, Reply

Writer = Callable[[str, str, dict[str, Any]], Any]

# The schema names cms asks a model for; their writers are the offline provider's skills.
TASKS = ("site_plan", "page_plan", "page_section", "node_edit")


class StandInModel:
    """Call it with a chat request's body; it answers a Reply and keeps what it saw."""

    def __init__(self) -> None:
        self.answered: Counter[str] = Counter()
        self.missing: dict[str, str] = {}  # schema name -> why no cms writer answered it
        self.invalid: list[dict[str, Any]] = []  # answers the request's schema refuses
        self.crashed: list[dict[str, Any]] = []  # writers that raised

    def __call__(self, body: dict[str, Any]) -> Reply | Fail:
        spec = (body.get("response_format") or {}).get("json_schema") or {}
        system, user = messages_text(body.get("messages", []))
        schema = spec.get("schema") or {}
        name = spec.get("name") or task_of(user)
        writer = self.writer(name)
        if writer is None:
            from shared.ai.offline_generation import generate_instance

            answer = generate_instance(schema, user) if schema else {}
        else:
            try:
                answer = writer(system, user, schema)
            except Exception as exc:  # a writer's bug is the model failing: counted
                self.crashed.append({"schema": name, "error": f"{type(exc).__name__}: {exc}"[:300]})
                return Fail(500, message=f"stand-in model: the {name} writer raised {type(exc).__name__}")
        if spec.get("strict") is True:
            answer = as_strict(answer, schema)
        if schema and (problems := schema_problems(schema, answer)):
            self.invalid.append({"schema": name, "problems": problems})
        self.answered[name] += 1
        return Reply(content=answer)

    def writer(self, name: str) -> Writer | None:
        """cms's own offline writer for `name`, the one its offline provider uses
        (services/cms/offline_writers.py), or None, noted in `missing`."""
        try:
            from services.cms.offline_writers import skills

            writers = skills()
        except ImportError as exc:
            writers, why = {}, f"services.cms.offline_writers does not load ({exc})"
        else:
            why = "cms has no offline writer for it" if name in TASKS else "not a schema name cms asks for"
        if name not in writers:
            self.missing.setdefault(name, f"{why}: the generic offline writer answered")
            return None
        return writers[name]  # type: ignore[no-any-return]

    def summary(self) -> dict[str, Any]:
        return {"answered": dict(self.answered), "missing_writers": self.missing,
                "invalid_answers": len(self.invalid), "first_invalid": self.invalid[:5],
                "writer_errors": len(self.crashed), "first_writer_errors": self.crashed[:5]}


def messages_text(messages: list[dict[str, Any]]) -> tuple[str, str]:
    """(the system message, the first user message): the first user message holds the
    context; a repair round adds its problems after it or in a later message."""
    def text(message: dict[str, Any]) -> str:
        content = message.get("content")
        if isinstance(content, list):
            return " ".join(part.get("text", "") for part in content if isinstance(part, dict))
        return content or ""

    system = next((text(m) for m in messages if m.get("role") in ("system", "developer")), "")
    user = next((text(m) for m in messages if m.get("role") == "user"), "")
    return system, user


def task_of(prompt: str) -> str:
    from services.cms.prompts import read_context

    try:
        return str(read_context(prompt).get("task", ""))
    except ValueError:
        return ""


def schema_problems(schema: dict[str, Any], value: Any, limit: int = 5) -> list[str]:
    validator = Draft202012Validator(schema)
    errors = sorted(validator.iter_errors(value), key=lambda e: list(e.absolute_path))[:limit]
    return [f"/{'/'.join(map(str, e.absolute_path))}: {e.message[:200]}" for e in errors]


# --- the strict form of an answer ---------------------------------------------------------


def as_strict(value: Any, schema: dict[str, Any]) -> Any:
    """`value` as a model held to the strict `schema` sends it: every property of every
    object present, null for the optional ones the writer left out."""
    return _strict(value, schema, schema.get("$defs", {}), 0)


def _resolve(node: Any, definitions: dict[str, Any]) -> Any:
    while isinstance(node, dict) and "$ref" in node:
        node = definitions.get(node["$ref"].rpartition("/")[2], {})
    return node


def _strict(value: Any, node: Any, definitions: dict[str, Any], depth: int) -> Any:
    node = _resolve(node, definitions)
    if depth > 64 or not isinstance(node, dict):
        return value
    if "anyOf" in node:
        return _strict(value, _branch(value, node["anyOf"], definitions), definitions, depth + 1)
    if isinstance(value, dict) and isinstance(node.get("properties"), dict):
        properties = node["properties"]
        out = {key: _strict(item, properties[key], definitions, depth + 1) if key in properties else item
               for key, item in value.items()}
        for key in node.get("required", []):
            if key not in out and key in properties and _allows_null(properties[key], definitions):
                out[key] = None
        return out
    if isinstance(value, list) and isinstance(node.get("items"), dict):
        return [_strict(item, node["items"], definitions, depth + 1) for item in value]
    return value


def _allows_null(node: Any, definitions: dict[str, Any]) -> bool:
    node = _resolve(node, definitions)
    if not isinstance(node, dict):
        return False
    kind = node.get("type")
    if kind == "null" or (isinstance(kind, list) and "null" in kind):
        return True
    return any(_allows_null(branch, definitions) for branch in node.get("anyOf", []))


JSON_TYPES = {dict: "object", list: "array", str: "string", bool: "boolean", type(None): "null",
              int: "integer", float: "number"}


def _branch(value: Any, branches: list[Any], definitions: dict[str, Any]) -> Any:
    """The union branch `value` was written for: its JSON type, then its tag (const/enum), then its keys."""
    actual = JSON_TYPES.get(type(value), "")

    def score(branch: Any) -> tuple[int, int, int]:
        branch = _resolve(branch, definitions)
        if not isinstance(branch, dict):
            return (0, 0, 0)
        kinds = branch.get("type") or ("object" if "properties" in branch else None)
        kinds = [kinds] if isinstance(kinds, str) else kinds
        typed = kinds is None or actual in kinds or (actual == "integer" and "number" in kinds)
        tag = overlap = 0
        if isinstance(value, dict) and isinstance(branch.get("properties"), dict):
            properties = branch["properties"]
            overlap = len(set(value) & set(properties)) - len(set(value) - set(properties))
            for key, prop in properties.items():
                prop = _resolve(prop, definitions)
                allowed = prop.get("enum") or ([prop["const"]] if "const" in prop else None)
                if allowed is not None and key in value:
                    tag += 1 if value[key] in allowed else -100
        return (int(typed), tag, overlap)

    return max(branches, key=score)

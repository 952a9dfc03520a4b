"""The briefs benchmark's stand-in model (bench/stand_in_model.py): it answers a chat
request by its schema's name, in the strict form the request's schema asks for."""

from __future__ import annotations

import json
from typing import Any

import pytest

from bench.stand_in_model import StandInModel, as_strict, schema_problems
from services.cms.ai_edits import node_schema
from services.cms.registry import COMPONENTS
from shared.ai.offline_generation import generate_instance
from shared.ai.strict_schema import to_strict


def chat(name: str, schema: dict[str, Any], user: str, *, strict: bool = True) -> dict[str, Any]:
    return {"model": "gpt-4o-mini",
            "messages": [{"role": "system", "content": "You write website pages."}, {"role": "user", "content": user}],
            "response_format": {"type": "json_schema",
                                "json_schema": {"name": name, "schema": schema, "strict": strict}}}


@pytest.mark.parametrize("component", sorted(COMPONENTS))
def test_an_answer_gets_every_property_a_strict_schema_requires(component: str) -> None:
    schema = node_schema(component)
    written = generate_instance(schema, "A bakery in Lyon")
    strict = to_strict(schema)
    answered = as_strict(written, strict)
    assert schema_problems(strict, answered) == []
    # Nothing but nulls was added: the original schema still takes the answer without them.
    assert schema_problems(schema, drop_nulls_added(answered, written)) == []


def drop_nulls_added(answered: Any, written: Any) -> Any:
    if isinstance(answered, dict) and isinstance(written, dict):
        assert all(answered[key] is None for key in set(answered) - set(written)), (answered, written)
        return {key: drop_nulls_added(answered[key], written[key]) for key in written}
    if isinstance(answered, list) and isinstance(written, list):
        return [drop_nulls_added(a, w) for a, w in zip(answered, written, strict=True)]
    return answered


def test_a_writer_answer_the_strict_schema_refuses_is_counted_and_still_sent() -> None:
    schema = {"type": "object", "properties": {"n": {"type": "integer"}}, "required": ["n"],
              "additionalProperties": False}
    refused = model_with({"n": "not a number"})
    assert refused(chat("page_section", schema, "<<<\n{}\n>>>")).content == {"n": "not a number"}
    assert len(refused.invalid) == 1 and refused.invalid[0]["schema"] == "page_section"
    taken = model_with({"n": 3})
    assert taken(chat("page_section", schema, "<<<\n{}\n>>>")).content == {"n": 3} and not taken.invalid


def model_with(answer: Any) -> StandInModel:
    model = StandInModel()
    model.writer = lambda name: (lambda system, user, schema: answer)  # type: ignore[method-assign]
    return model


def test_the_writer_is_chosen_by_schema_name_and_a_missing_one_is_reported() -> None:
    model = StandInModel()
    schema = {"type": "object", "properties": {"title": {"type": "string"}}, "required": ["title"],
              "additionalProperties": False}
    reply = model(chat("no_such_task", schema, "A florist in Bordeaux"))
    assert set(reply.content) == {"title"} and "no_such_task" in model.missing
    assert model.answered["no_such_task"] == 1 and not model.invalid


def test_json_mode_without_a_schema_name_takes_the_task_of_the_context() -> None:
    model = StandInModel()
    seen = []
    model.writer = lambda name: (seen.append(name) or (lambda s, u, schema: {"ok": True}))  # type: ignore[method-assign]
    body = {"model": "m", "response_format": {"type": "json_object"},
            "messages": [{"role": "user", "content": "<<<\n" + json.dumps({"task": "site_plan"}) + "\n>>>\nJSON"}]}
    assert model(body).content == {"ok": True} and seen == ["site_plan"]

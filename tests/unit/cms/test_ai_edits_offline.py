"""AI edits with the embedded default (the offline provider): for every component kind and
every action, the proposed node keeps the edited node's id and kind, so the edit can be
proposed, where before every one ended in 422 "the edited node must keep the id". The id is
a constant of the schema the writer fills (ai_edits.edit_schema), not only a line of the prompt."""

from __future__ import annotations

import asyncio
import copy
from typing import Any

import pytest

from services.cms import ai_edits, registry
from services.cms.tree import validate
from shared.ai import AISettings
from shared.ai.offline import OfflineProvider
from tests.unit.cms.test_tree import SAMPLE_PROPS

PROVIDER = OfflineProvider(AISettings())
EDITABLE = sorted(name for name in registry.COMPONENTS if name != "Page")


def page_with(component: str) -> dict[str, Any]:
    """A valid page holding one `component` node with id 'target' (in a Section when the
    page itself may not hold it)."""
    node = {"id": "target", "component": component, "props": copy.deepcopy(SAMPLE_PROPS[component]), "children": []}
    if component not in registry.COMPONENTS["Page"].children:
        node = {"id": "band", "component": "Section", "props": {}, "children": [node]}
    return validate({"root": {"id": "page", "component": "Page", "props": {"title": "Fellwater Boat Co."},
                              "children": [node]}})


@pytest.mark.parametrize("action", ai_edits.ACTIONS)
@pytest.mark.parametrize("component", EDITABLE)
def test_every_action_on_every_component_keeps_the_node(component: str, action: str) -> None:
    tree = page_with(component)
    node, _ = ai_edits.locate(tree, "target")
    system, prompt = ai_edits.edit_prompt(action, node, language="French", tone="warm",
                                          instruction="Make it sound like a lakeside boat hire in Cumbria.")
    schema = ai_edits.edit_schema(component, "target", ai_edits.known_ids(node))
    answer = asyncio.run(PROVIDER.generate_json(system=system, prompt=prompt, schema=schema,
                                                schema_name=f"page_node_{component}")).data
    assert answer["node"]["id"] == "target" and answer["node"]["component"] == component
    ai_edits.propose(tree, "target", answer["node"])  # raises Invalid when the node is not kept

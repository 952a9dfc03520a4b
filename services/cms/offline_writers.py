"""cms's offline writers, by the schema name each answers: what the offline provider (the
embedded default, with no API key) answers cms's model calls with. They read the same
prompts a model reads (prompts.read_context) and return values valid against the same
schemas, so every AI feature has the same contract offline as with a model."""

from __future__ import annotations

from typing import Any

from shared.ai.offline import Skill

from . import offline_edits, offline_plans, offline_sections


def skills() -> dict[str, Skill]:
    writers: dict[str, Any] = {
        "site_plan": offline_plans.write_site_plan,
        "page_plan": offline_plans.write_page_plan,
        "page_section": offline_sections.write_section,
        "node_edit": offline_edits.edit_node,
    }
    return writers

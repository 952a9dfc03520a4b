"""A page written to the registry's schema passes its own publish gates: the SEO limits are
one number each (registry.SEO_TITLE_MAX, SEO_DESCRIPTION_MAX), which the schema the model
fills, the editor's forms and the gates all read."""

from __future__ import annotations

import pytest

from services.cms import gates, registry
from services.cms.grounding import complete_seo
from services.cms.tree import TreeInvalid, validate
from shared.ai.offline_generation import generate_instance

BRIEFS = [
    "A home page for Blue Ocean Surf School in Biarritz: surf lessons for beginners, board rental, ocean waves "
    "and beach photos, and a contact form",
    "Maison Levain, a neighbourhood sourdough bakery in Lyon: breads baked at dawn, pastries, weekend brunch",
    "Ledgerly, invoicing software for freelancers and small agencies, with a free plan and a team plan",
    "Zahnarztpraxis Dr. Weber in Freiburg: Prophylaxe, Implantate, Angstpatienten willkommen",
    "Clínica veterinaria Los Robles en Sevilla: urgencias 24 horas, vacunas y peluquería canina",
]


def page(title: str, description: str) -> dict:  # type: ignore[type-arg]
    return {"root": {"id": "page", "component": "Page", "props": {"title": title, "description": description},
                     "children": []}}


def test_the_limits_are_the_registrys_and_the_gates_agree_at_the_edge() -> None:
    at_limit = page("T" * registry.SEO_TITLE_MAX, "D" * registry.SEO_DESCRIPTION_MAX)
    assert [f for f in gates.check_page(at_limit, set()) if f.check in ("seo", "valid")] == []
    for over in (page("T" * (registry.SEO_TITLE_MAX + 1), "D"), page("T", "D" * (registry.SEO_DESCRIPTION_MAX + 1))):
        with pytest.raises(TreeInvalid):
            validate(over)  # refused where it is written, not only when published
    assert [f.check for f in gates.check_page(page("Home", ""), set())] == ["seo"]  # one is still needed


@pytest.mark.parametrize("brief", BRIEFS)
def test_a_page_written_to_the_schema_passes_the_seo_gates(brief: str) -> None:
    tree = validate(generate_instance(registry.tree_schema(), brief))
    complete_seo(tree)  # as generation does for a page the model left without a description
    root = tree["root"]["props"]
    assert len(root["title"]) <= registry.SEO_TITLE_MAX and 0 < len(root["description"]) <= registry.SEO_DESCRIPTION_MAX
    assert [f for f in gates.check_page(tree, set()) if f.check in ("seo", "valid")] == []

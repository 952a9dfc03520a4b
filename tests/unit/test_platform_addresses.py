"""The addresses the gateway answers itself on every site's host (shared.contracts.PLATFORM_SEGMENTS)
are no page's: cms refuses them for a page and a plan, the offline planner steps around them,
and the gateway indeed never hands them to the page path."""

from __future__ import annotations

from typing import Any

import msgspec
import pytest

from services.cms.offline_plans import slugify
from services.cms.pages import normalize_slug
from services.cms.schemas import PlannedPage
from services.gateway import pages, studio
from shared.contracts import PLATFORM_SEGMENTS, is_platform_address
from shared.errors import Invalid

TAKEN = ["/api", "/API", "/api/x", "/assets", "/assets/logo", "/studio", "/Studio/", "/studio/pages", "/health",
         "//health//"]
FREE = ["/", "/apis", "/api-docs", "/assets-list", "/studios", "/our-studio", "/healthy", "/health-checks",
        "/about/api", "/x/studio"]


@pytest.mark.parametrize("raw", TAKEN)
def test_a_page_cannot_take_a_platform_address(raw: str) -> None:
    with pytest.raises(Invalid, match="platform's own address"):
        normalize_slug(raw)


@pytest.mark.parametrize("raw", FREE)
def test_addresses_that_only_look_alike_are_free(raw: str) -> None:
    assert not is_platform_address(normalize_slug(raw))


PLANNED = {"nav_label": "Studio", "title": "Our studio", "description": "x" * 60,
           "sections": [{"component": "Hero", "anchor": "top"}]}


@pytest.mark.parametrize("slug", ["/studio", "/api", "/assets", "/health"])
def test_a_plan_cannot_hold_a_platform_address(slug: str) -> None:
    with pytest.raises(msgspec.ValidationError, match="platform's own address"):
        msgspec.convert({**PLANNED, "slug": slug}, PlannedPage)
    assert msgspec.convert({**PLANNED, "slug": f"{slug}s"}, PlannedPage).slug == f"{slug}s"


@pytest.mark.parametrize("word", ["Studio", "API", "assets", "Health"])
def test_the_offline_planner_steps_around_a_platform_address(word: str) -> None:
    slug = slugify(word)
    assert not is_platform_address(slug) and slug.startswith(f"/{word.lower()}")


def scope(path: str) -> dict[str, Any]:
    return {"type": "http", "method": "GET", "path": path, "headers": []}


@pytest.mark.parametrize("segment", sorted(PLATFORM_SEGMENTS))
def test_the_gateway_answers_every_platform_address_before_the_page_path(segment: str) -> None:
    """Were a page allowed there, no visitor could reach it; were a segment missing from the
    list, a page could shadow nothing but would never be served."""
    under = f"/{segment}/x" if segment != "health" else "/health"
    taken_first = studio.is_studio(scope(under)) or not pages.is_page(scope(under))
    assert taken_first, under

"""Site plans, the pure part: a model's plan held to the brief it was written from, the
header and footer a plan gives every page, and the context each section is written in.

A plan may only carry facts a visitor could act on (a phone number, an e-mail, an address,
a price, opening hours) when the brief gives them: a fact the brief does not contain is
dropped here, whoever wrote the plan, and a section that would have nothing true to show
without it (a pricing table without prices, contact details without any) is dropped too."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from typing import Any

import msgspec

from .registry import PRICED
from .schemas import BriefIn, PlanFacts, PlannedPage, PlannedSection, SitePlan

GALLERY_PICTURES = 3  # a gallery of fewer pictures is not one: the section is left out


@dataclass(frozen=True)
class Site:
    """What a plan is held to besides the brief: what the tenant's site has to show."""

    sells_products: bool = False
    pictures: int = 0  # described images in the library


NEEDS = {  # a section and the facts, catalogue or pictures it cannot be true without
    "PricingTable": lambda facts, site: bool(facts.prices),
    "PriceList": lambda facts, site: bool(facts.prices),
    "ContactBlock": lambda facts, site: bool(facts.address or facts.phone or facts.email or facts.hours),
    "ProductGrid": lambda facts, site: site.sells_products,
    "Gallery": lambda facts, site: site.pictures >= GALLERY_PICTURES,
}
FOOTER_WORDS = {  # the footer's column title and the legal line's rights
    "en": ("Explore", "All rights reserved"), "fr": ("Découvrir", "Tous droits réservés"),
    "de": ("Entdecken", "Alle Rechte vorbehalten"), "es": ("Explorar", "Todos los derechos reservados"),
}
_SPACE = re.compile(r"\s+")


def brief_text(brief: BriefIn) -> str:
    """Every word the owner wrote, where a fact must be found to be kept."""
    return " ".join((brief.name, brief.business, brief.location, brief.audience, brief.brand_notes))


def _digits(text: str) -> str:
    return re.sub(r"\D", "", text)


def _folded(text: str) -> str:
    return _SPACE.sub(" ", text).casefold().strip()


def grounded_facts(facts: PlanFacts, brief: BriefIn) -> PlanFacts:
    """The facts the brief actually contains; the business is always named as its owner names it."""
    text, digits = _folded(brief_text(brief)), _digits(brief_text(brief))

    def said(value: str) -> bool:
        return bool(value.strip()) and _folded(value) in text

    def numbers_said(value: str) -> bool:  # "45 €" is said by "45€" and "45 euros": its digits are
        found = _digits(value)
        return bool(found) and found in digits

    return PlanFacts(
        business_name=brief.name.strip(),
        city=facts.city if said(facts.city) else "",
        address=facts.address if all(said(line) for line in facts.address.splitlines() if line.strip()) else "",
        phone=facts.phone if numbers_said(facts.phone) and len(_digits(facts.phone)) >= 6 else "",
        email=facts.email if said(facts.email) else "",
        hours=[entry for entry in facts.hours if numbers_said(entry.hours) or said(entry.hours)],
        prices=[entry for entry in facts.prices if numbers_said(entry.price)],
        services=facts.services,
    )


def grounded_plan(plan: SitePlan, brief: BriefIn, site: Site) -> SitePlan:
    """`plan` held to the brief: its facts grounded, home first, one page per address, one
    section per anchor, and no section that would need a fact, a catalogue or pictures the
    site lacks."""
    facts = grounded_facts(plan.facts, brief)
    pages: list[PlannedPage] = []
    for index, page in enumerate(plan.pages):
        slug = "/" if index == 0 else page.slug
        if slug in {p.slug for p in pages}:
            continue
        sections, anchors = [], set()
        for section in page.sections:
            if not NEEDS.get(section.component, lambda *_: True)(facts, site):
                continue
            anchor = _free(section.anchor, anchors)
            anchors.add(anchor)
            sections.append(msgspec.structs.replace(section, anchor=anchor))
        if not sections:  # nothing true left to say: the page says what the business does
            sections = [PlannedSection(component="RichText", anchor="about", purpose=page.purpose)]
        pages.append(msgspec.structs.replace(page, slug=slug, sections=sections))
    return msgspec.structs.replace(plan, facts=facts, pages=pages)


def _free(anchor: str, taken: set[str]) -> str:
    if anchor not in taken:
        return anchor
    return next(f"{anchor[:36]}-{n}" for n in range(2, 100) if f"{anchor[:36]}-{n}" not in taken)


def contact_page(plan: SitePlan) -> PlannedPage | None:
    """The page visitors write from: the first with a contact form."""
    return next((page for page in plan.pages if any(s.component == "ContactForm" for s in page.sections)), None)


def layout_from(plan: SitePlan, *, year: int | None = None) -> tuple[dict[str, Any], dict[str, Any]]:
    """The header and footer every page of the planned site shows: navigation to every page,
    the business's name and the contact facts the brief gave."""
    facts = plan.facts
    links = [{"label": page.nav_label, "href": page.slug} for page in plan.pages][:8]
    contact = contact_page(plan)
    header: dict[str, Any] = {"id": "site-header", "component": "Navbar", "children": [], "props": {
        "brand": facts.business_name[:60], "links": links, "sticky": True}}
    if contact is not None and contact.slug != "/":
        header["props"] |= {"cta_label": contact.nav_label, "cta_href": contact.slug}
    explore, rights = FOOTER_WORDS.get(plan.language.split("-")[0].lower(), FOOTER_WORDS["en"])
    where = f" · {facts.city}" if facts.city else ""
    footer: dict[str, Any] = {"id": "site-footer", "component": "Footer", "children": [], "props": {
        "brand": facts.business_name[:60], "text": plan.tagline[:300],
        "columns": [{"title": explore, "links": links}] if links else [],
        "address": facts.address, "phone": facts.phone, "email": facts.email,
        "legal": f"© {year or date.today().year} {facts.business_name}{where}. {rights}."[:300]}}
    return header, footer


def site_context(plan: SitePlan, brief: BriefIn) -> dict[str, Any]:
    """What every section of the site is written with: the business, its facts, its pages."""
    return {"name": plan.facts.business_name, "language": plan.language, "tone": brief.tone,
            "tagline": plan.tagline, "facts": msgspec.to_builtins(plan.facts),
            "pages": [{"slug": p.slug, "nav_label": p.nav_label, "title": p.title} for p in plan.pages],
            "has_pricing": any(s.component in PRICED for p in plan.pages for s in p.sections)}


def anchors_of(page: PlannedPage) -> list[str]:
    """The anchors a page's sections will carry (an opening Hero is not wrapped, so has none)."""
    return [section.anchor for section in page.sections if section.component != "Hero"]


def section_context(brief: BriefIn, site: dict[str, Any], page: PlannedPage, index: int,
                    images: list[str]) -> dict[str, Any]:
    """The whole context of one section's model call (prompts.with_context fences it)."""
    section = page.sections[index]
    return {"task": "page_section", "brief": msgspec.to_builtins(brief), "site": site,
            "page": {"slug": page.slug, "title": page.title, "purpose": page.purpose,
                     "anchors": anchors_of(page)},
            "section": {"component": section.component, "anchor": section.anchor, "purpose": section.purpose,
                        "index": index, "count": len(page.sections)},
            "images": images}

"""Writing a planned page, section by section.

Each section is one model call against the schema of its one component (never the whole
registry's), so no request nears a provider's schema limits however large the registry
grows, and each section is checked and reported the moment it is complete: an editor sees
the page fill in. The page is then assembled, grounded in the tenant's library and held to
everything a person's page is held to: the publish gates and the site lints. What they
find goes back to the model for the sections it concerns, once, within the job's repair
allowance; a page that still has findings is refused, never saved."""

from __future__ import annotations

import asyncio
import copy
import re
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from nats.aio.client import Client as NATS

from shared.ai import AIError, Usage
from shared.ai.metered import MeteredCall
from shared.errors import Invalid

from . import gates, lints, plans
from .ai_edits import node_schema
from .grounding import ground, ground_links
from .prompts import section_prompt
from .schemas import BriefIn, Finding, PlannedPage, SitePlan
from .tree import TreeInvalid, validate

SectionDone = Callable[[str, int, dict[str, Any]], Awaitable[None]]  # (page slug, section index, the block)
_SECTION_POINTER = re.compile(r"^/root/children/(\d+)")
BACKGROUNDS = ("default", "surface")  # sections alternate, so each band reads as its own


class PageRefused(Invalid):
    """A page still had findings after its repair round."""


@dataclass
class Repairs:
    """The repair calls a job may still make (its reserve paid for them)."""

    left: int

    def take(self, count: int) -> bool:
        if count > self.left:
            return False
        self.left -= count
        return True


@dataclass
class WrittenPage:
    slug: str
    tree: dict[str, Any]
    usage: Usage = field(default_factory=Usage)
    assets: list[uuid.UUID] = field(default_factory=list)
    repaired: bool = False


@dataclass
class PageWriter:
    """Writes the pages of one plan; shared by a job's pages, which may run at once."""

    call: MeteredCall
    nc: NATS
    tenant_id: uuid.UUID
    brief: BriefIn
    plan: SitePlan
    catalogue: list[str]
    images: list[str]  # alt texts of the tenant's described images: what sections may ask for
    caps: dict[tuple[str, int], int]  # (slug, section index) -> max output tokens; absent: not written
    repairs: Repairs
    slots: asyncio.Semaphore
    on_section: SectionDone
    other_pages: list[dict[str, str]] = field(default_factory=list)  # the site's pages outside the plan
    brand: dict[str, str] = field(default_factory=dict)  # the owner's brand kit: voice, audience, notes

    def __post_init__(self) -> None:
        self.site = plans.site_context(self.plan, self.brief)
        self.site["pages"] += self.other_pages
        if self.brand:
            self.site["brand"] = self.brand
        self.slugs = {page["slug"] for page in self.site["pages"]}

    async def write(self, page: PlannedPage) -> WrittenPage:
        written = WrittenPage(slug=page.slug, tree={})
        indexes = [i for i in range(len(page.sections)) if (page.slug, i) in self.caps]
        blocks = dict(zip(indexes, await asyncio.gather(*(self._section(page, i, written) for i in indexes)),
                          strict=True))
        findings = await self._assemble(page, blocks, written)
        if findings:
            by_section = _by_section(findings, written.tree, page)
            if None in by_section or not self.repairs.take(len(by_section)):
                raise PageRefused(_summary(page, findings), errors=[_problem(f) for f in findings])
            written.repaired = True
            again = await asyncio.gather(*(self._section(page, i, written, [_problem(f) for f in found])
                                           for i, found in by_section.items()))
            blocks |= dict(zip(by_section, again, strict=True))
            findings = await self._assemble(page, blocks, written)
            if findings:
                raise PageRefused(_summary(page, findings), errors=[_problem(f) for f in findings])
        return written

    async def _section(self, page: PlannedPage, index: int, written: WrittenPage,
                       problems: list[str] | None = None) -> dict[str, Any]:
        """One section, valid on its own; a shape the registry refuses is repaired here once."""
        section = page.sections[index]
        context = plans.section_context(self.brief, self.site, page, index, self.images)
        schema = node_schema(section.component)
        for attempt in range(2):
            system, prompt = section_prompt(context, problems)
            try:
                async with self.slots:
                    generated = await self.call.generate_json(system=system, prompt=prompt, schema=schema,
                                                              schema_name="page_section",
                                                              max_output_tokens=self.caps[(page.slug, index)])
                written.usage = written.usage + generated.usage
                block = _placed(generated.data, page, index)
                break
            except (AIError, TreeInvalid, KeyError, TypeError) as exc:
                # The schema (the provider's check) or the registry refused its shape: once more,
                # with the problems, while the job's repair allowance lasts.
                if isinstance(exc, AIError) and exc.reason != "invalid-output":
                    raise
                if attempt or not self.repairs.take(1):
                    raise PageRefused(f"{page.slug}: section {section.anchor!r} is not valid ({exc})") from None
                if isinstance(exc, AIError):
                    written.usage = written.usage + exc.usage
                problems = (exc.problems if isinstance(exc, AIError) else []) or [str(exc)]
                written.repaired = True
        await self.on_section(page.slug, index, block)
        return block

    async def _assemble(self, page: PlannedPage, blocks: dict[int, dict[str, Any]],
                        written: WrittenPage) -> list[Finding]:
        """The page from its blocks, grounded; what the gates and lints find in it."""
        children = copy.deepcopy([blocks[i] for i in sorted(blocks)])  # grounding writes into the tree
        tree = validate({"root": {"id": "page", "component": "Page", "props": {
            "title": page.title, "description": page.description}, "children": children}})
        tree, written.assets = await ground(self.nc, self.tenant_id, tree, self.catalogue)
        # A section whose block grounding took out (a gallery the library cannot fill) goes too.
        tree["root"]["children"] = [c for c in tree["root"]["children"] if c["component"] != "Section" or c["children"]]
        ground_links(tree, self.slugs)
        written.tree = validate(tree)
        # The plan's order, of the sections grounding kept (a gallery without pictures goes).
        kept = {block["id"] for block in written.tree["root"]["children"]}
        context = lints.LintContext(
            site_slugs=frozenset(self.slugs),
            requested=tuple(_component(blocks[i]) for i in sorted(blocks) if blocks[i]["id"] in kept),
            library_images=len(self.images),
            has_pricing=self.site["has_pricing"],
            known_contacts=frozenset(filter(None, (self.plan.facts.phone, self.plan.facts.email))),
            check_invented=True)
        return gates.check_page(written.tree, self.slugs, products=set(self.catalogue)) \
            + lints.lint_page(written.tree, context)


def _placed(node: Any, page: PlannedPage, index: int) -> dict[str, Any]:
    """The model's block as the page holds it: its id made unique in the page, wrapped in a
    section with the planned anchor (an opening Hero stands on its own); valid, or TreeInvalid."""
    section = page.sections[index]
    block = {**node, "id": f"{section.anchor}-block"[:64]}  # the Hero's id is _block_id's
    if section.component != "Hero":
        block = {"id": section.anchor, "component": "Section", "children": [block],
                 "props": {"anchor": section.anchor, "background": BACKGROUNDS[index % 2]}}
    tree = validate({"root": {"id": "page", "component": "Page", "props": {"title": "section"}, "children": [block]}})
    return tree["root"]["children"][0]


def _component(block: dict[str, Any]) -> str:
    return block["children"][0]["component"] if block["component"] == "Section" else block["component"]


def _by_section(findings: list[Finding], tree: dict[str, Any], page: PlannedPage) -> dict[int | None, list[Finding]]:
    """Findings by the index of the planned section they point into (None: the page's own
    props, or no pointer); blocks are known by their ids (`_placed`), which grounding keeps."""
    index_of = {_block_id(section.anchor, section.component): i for i, section in enumerate(page.sections)}
    children = tree["root"]["children"]
    found: dict[int | None, list[Finding]] = {}
    for finding in findings:
        match = _SECTION_POINTER.match(finding.pointer)
        position = int(match.group(1)) if match else None
        key = index_of.get(children[position]["id"]) if position is not None and position < len(children) else None
        found.setdefault(key, []).append(finding)
    return found


def _block_id(anchor: str, component: str) -> str:
    return f"{anchor}-block"[:64] if component == "Hero" else anchor


def _problem(finding: Finding) -> str:
    """A finding as the model is told it: where in its own answer (the block inside the section)."""
    where = _SECTION_POINTER.sub("", finding.pointer).removeprefix("/children/0")
    return f"{finding.check}: {finding.message}" + (f" (at {where})" if where else "")


def _summary(page: PlannedPage, findings: list[Finding]) -> str:
    return f"{page.slug}: {len(findings)} checks still fail after the repair round: " + "; ".join(
        _problem(f) for f in findings[:3])



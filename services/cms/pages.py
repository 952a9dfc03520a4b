"""Pages: a draft, immutable published versions, restore and diff; every write names the
revision it read (If-Match), so two editors never silently overwrite each other."""

from __future__ import annotations

import re
import uuid
from typing import Any

import asyncpg
import msgspec

from shared.auth import Caller, Role
from shared.contracts import PLATFORM_SEGMENTS, PageDeletedV1, PagePublishedV1, PageUnpublishedV1, is_platform_address
from shared.db import INT4_MAX
from shared.errors import Conflict, Invalid, NotFound, PreconditionFailed
from shared.messaging import add_event
from shared.pagination import decode_cursor, encode_cursor

from . import delivery, gates, layout, lints, sites
from .context import Ctx
from .registry import REGISTRY_VERSION, migrate
from .repo import layouts, pages, projections, versions
from .schemas import (
    CheckOut,
    DiffOut,
    PageIn,
    PageList,
    PageOut,
    PagePatch,
    PageSummary,
    PublicationIn,
    PublicationOut,
    VersionOut,
)
from .tree import diff, starter, validate

SEGMENT = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*\Z")


def revision_number(text: str) -> int | None:
    """A revision or version number as a client writes it (an If-Match ETag, `?base=`): ASCII
    digits only (str.isdigit also takes "²" and "٣"); None for anything else. The number may be
    past INT4_MAX, the most an integer column (so any revision or version) holds: it names none.
    (Thousands of digits are not read: int() refuses past 4,300, and any number of 11 is past.)"""
    if not (text.isascii() and text.isdigit()):
        return None
    significant = text.lstrip("0")
    return int(significant or "0") if len(significant) <= 10 else INT4_MAX + 1


def normalize_slug(raw: str) -> str:
    """`/`, `/about`, `/blog/first-post`: lowercase segments joined by single slashes, never
    under an address the platform answers on every site (/api, /assets, /studio, /health)."""
    segments = [part for part in raw.strip().lower().split("/") if part]
    if len(segments) > 8 or not all(SEGMENT.match(part) for part in segments):
        raise Invalid("a page address is / or /words-like-this, at most 8 segments", errors=[{"field": "slug"}])
    slug = "/" + "/".join(segments)
    if is_platform_address(slug):
        raise Invalid(f"/{segments[0]} is the platform's own address on every site (the API, images, the studio "
                      f"and the health check live under {', '.join(sorted(f'/{s}' for s in PLATFORM_SEGMENTS))}); "
                      "choose another", errors=[{"field": "slug"}])
    return slug


def page_out(row: asyncpg.Record) -> PageOut:
    structure = migrate(row["structure"], row["registry_version"])
    return PageOut(id=row["id"], slug=row["slug"], structure=structure, is_published=row["is_published"],
                   live_version=row["live_version"], revision=row["revision"],
                   registry_version=REGISTRY_VERSION, created_at=row["created_at"], updated_at=row["updated_at"],
                   ai_nodes=row["ai_nodes"])


def human_edit(ai_nodes: dict[str, str], before: dict[str, Any], after: dict[str, Any]) -> dict[str, str]:
    """Provenance after people changed the tree: a node they touched or removed is theirs now."""
    changes = diff(before, after)
    return {node: generation for node, generation in ai_nodes.items()
            if node not in changes["changed"] and node not in changes["removed"]}


async def _stale_or_missing(tx: asyncpg.Connection, page_id: uuid.UUID) -> Exception:
    current = await pages.page(tx, page_id)
    if current is None:
        return NotFound("no such page")
    return PreconditionFailed(f"the page changed since you read it (it is at revision {current['revision']}); "
                              "reload, merge and try again", revision=current["revision"])


async def existing_page(tx: asyncpg.Connection, page_id: uuid.UUID) -> asyncpg.Record:
    """The page, or NotFound."""
    row = await pages.page(tx, page_id)
    if row is None:
        raise NotFound("no such page")
    return row


async def page_at(tx: asyncpg.Connection, page_id: uuid.UUID, revision: int) -> asyncpg.Record:
    """The page, if it is still at the revision the caller read."""
    current = await existing_page(tx, page_id)
    if current["revision"] != revision:
        raise await _stale_or_missing(tx, page_id)
    return current


def _slug_taken(slug: str) -> Conflict:
    return Conflict(f"another page already lives at {slug}")


async def create_page(ctx: Ctx, caller: Caller, data: PageIn) -> PageOut:
    tenant_id = caller.require(Role.EDITOR)
    slug = normalize_slug(data.slug)
    tree = validate(data.structure if data.structure is not None else starter(data.title or slug.strip("/") or "Home"))
    try:
        async with ctx.db.tenant_tx(tenant_id) as tx:
            row = await pages.insert_page(tx, tenant_id, uuid.uuid4(), slug, tree, REGISTRY_VERSION, caller.account_id)
    except asyncpg.UniqueViolationError:
        raise _slug_taken(slug) from None
    return page_out(row)


async def get_page(ctx: Ctx, caller: Caller, page_id: uuid.UUID) -> PageOut:
    tenant_id = caller.require(Role.VIEWER)
    async with ctx.db.tenant_tx(tenant_id) as tx:
        return page_out(await existing_page(tx, page_id))


async def update_page(ctx: Ctx, caller: Caller, page_id: uuid.UUID, revision: int, patch: PagePatch) -> PageOut:
    tenant_id = caller.require(Role.EDITOR)
    tree = validate(patch.structure) if patch.structure is not None else None
    try:
        async with ctx.db.tenant_tx(tenant_id) as tx:
            current = await existing_page(tx, page_id)
            slug = normalize_slug(patch.slug) if patch.slug is not None else current["slug"]
            before = migrate(current["structure"], current["registry_version"])
            structure = tree if tree is not None else before
            row = await pages.update_draft(tx, page_id, revision, slug, structure, REGISTRY_VERSION, caller.account_id,
                                          human_edit(current["ai_nodes"], before, structure))
            if row is None:
                raise await _stale_or_missing(tx, page_id)
    except asyncpg.UniqueViolationError:
        raise _slug_taken(patch.slug or "") from None
    return page_out(row)


async def check_page(ctx: Ctx, caller: Caller, page_id: uuid.UUID) -> CheckOut:
    """The publish gates as a dry run."""
    tenant_id = caller.require(Role.VIEWER)
    async with ctx.db.tenant_tx(tenant_id) as tx:
        row = await existing_page(tx, page_id)
        site = await sites.current_site(tx, ctx.nc, tenant_id)
        tree, slugs = migrate(row["structure"], row["registry_version"]), await pages.slugs(tx)
        findings = gates.with_lints(tree, gates.check_page(tree, slugs, site["theme"] if site else None,
                                                           products=await projections.product_ids(tx),
                                                           takes_charges=await projections.takes_charges(tx)),
                                    await lint_context(tx, slugs))
    return CheckOut(publishable=not any(f.severity == "error" for f in findings), findings=findings)


async def lint_context(tx: asyncpg.Connection, slugs: set[str]) -> lints.LintContext:
    """What the lints of a person's page know of its site: its pages, whether it shows prices,
    and the contacts its owner gave (a site generation keeps them in the site's profile)."""
    layout_row = await layouts.layout(tx)
    facts = ((layout_row["profile"] if layout_row else None) or {}).get("facts") or {}
    given = frozenset(filter(None, (facts.get("phone"), facts.get("email"))))
    return lints.LintContext(site_slugs=frozenset(slugs), has_pricing=await pages.any_priced(tx),
                             known_contacts=given)


async def publish_page(ctx: Ctx, caller: Caller, page_id: uuid.UUID, revision: int) -> PageOut:
    """Snapshot the draft as a new immutable version and make it live, if the gates pass."""
    tenant_id = caller.require(Role.EDITOR)
    async with ctx.db.tenant_tx(tenant_id) as tx:
        slugs = await pages.slugs(tx)
        row = await _publish(ctx, tx, tenant_id, caller, page_id, revision, slugs)
        await layout.publish_first(tx, tenant_id, slugs)
    return page_out(row)


async def publish_site(ctx: Ctx, caller: Caller, data: PublicationIn) -> PublicationOut:
    """Publish several drafts (and the layout's draft) together: all of them, or, when one
    fails its gates or moved on, none, with every page's findings."""
    tenant_id = caller.require(Role.EDITOR)
    if len({ref.id for ref in data.pages}) != len(data.pages):
        raise Invalid("each page once", errors=[{"field": "pages"}])
    async with ctx.db.tenant_tx(tenant_id) as tx:
        slugs = await pages.slugs(tx)
        layout_row = None
        if data.layout_revision is not None:
            layout_row = await layout.publish_draft(tx, tenant_id, data.layout_revision, slugs)
        published, refused = [], []
        for ref in data.pages:
            try:
                published.append(page_out(await _publish(ctx, tx, tenant_id, caller, ref.id, ref.revision, slugs)))
            except Invalid as exc:
                refused.append({"page_id": str(ref.id), "problem": str(exc), "findings": exc.errors or []})
        if refused:  # the transaction rolls back: nothing went live
            raise Invalid(f"{len(refused)} of {len(data.pages)} pages cannot be published; nothing was published",
                          errors=refused)
    return PublicationOut(pages=published, layout_revision=layout_row["live_revision"] if layout_row else None)


async def _publish(ctx: Ctx, tx: asyncpg.Connection, tenant_id: uuid.UUID, caller: Caller, page_id: uuid.UUID,
                   revision: int, slugs: set[str]) -> asyncpg.Record:
    current = await page_at(tx, page_id, revision)
    tree = migrate(current["structure"], current["registry_version"])
    site = await sites.current_site(tx, ctx.nc, tenant_id)
    findings = gates.with_lints(tree, gates.check_page(tree, slugs, site["theme"] if site else None,
                                                       products=await projections.product_ids(tx),
                                                       takes_charges=await projections.takes_charges(tx)),
                                await lint_context(tx, slugs))
    errors = [f for f in findings if f.severity == "error"]
    if errors:
        raise Invalid(f"the page cannot be published: {len(errors)} checks failed",
                      errors=[msgspec.to_builtins(f) for f in findings])
    number = await versions.insert_version(tx, tenant_id, page_id, current["slug"], tree, REGISTRY_VERSION,
                                           caller.account_id, current["ai_nodes"])
    row = await pages.set_live(tx, page_id, revision, number, caller.account_id)
    if row is None:
        raise await _stale_or_missing(tx, page_id)
    # Rendered once, here: until the site or the catalogue changes, serving it is one SELECT.
    await delivery.store_live(tx, tenant_id, ctx.settings.public_base_url, row["slug"], nc=ctx.nc)
    await add_event(tx, PagePublishedV1(tenant_id=tenant_id, page_id=page_id, slug=row["slug"], version=number))
    return row


async def unpublish_page(ctx: Ctx, caller: Caller, page_id: uuid.UUID, revision: int) -> PageOut:
    """Take the page offline; its versions stay."""
    tenant_id = caller.require(Role.EDITOR)
    async with ctx.db.tenant_tx(tenant_id) as tx:
        row = await pages.set_live(tx, page_id, revision, None, caller.account_id)
        if row is None:
            raise await _stale_or_missing(tx, page_id)
        await add_event(tx, PageUnpublishedV1(tenant_id=tenant_id, page_id=page_id, slug=row["slug"]))
    return page_out(row)


async def delete_page(ctx: Ctx, caller: Caller, page_id: uuid.UUID, revision: int) -> None:
    """Delete the page and its versions."""
    tenant_id = caller.require(Role.OWNER)
    async with ctx.db.tenant_tx(tenant_id) as tx:
        slug = await pages.delete_page(tx, page_id, revision)
        if slug is None:
            raise await _stale_or_missing(tx, page_id)
        await add_event(tx, PageDeletedV1(tenant_id=tenant_id, page_id=page_id, slug=slug))


async def list_versions(ctx: Ctx, caller: Caller, page_id: uuid.UUID) -> list[VersionOut]:
    """Published versions, newest first."""
    tenant_id = caller.require(Role.VIEWER)
    async with ctx.db.tenant_tx(tenant_id) as tx:
        await existing_page(tx, page_id)
        return [VersionOut(**dict(row)) for row in await versions.versions(tx, page_id)]


async def get_version(ctx: Ctx, caller: Caller, page_id: uuid.UUID, number: int) -> VersionOut:
    tenant_id = caller.require(Role.VIEWER)
    async with ctx.db.tenant_tx(tenant_id) as tx:
        row = await versions.version(tx, page_id, number)
    if row is None:
        raise NotFound(f"no version {number} of this page")
    return VersionOut(version=row["version"], slug=row["slug"], created_by=row["created_by"],
                      created_at=row["created_at"], structure=migrate(row["structure"], row["registry_version"]),
                      ai_nodes=row["ai_nodes"])


async def restore_version(ctx: Ctx, caller: Caller, page_id: uuid.UUID, number: int, revision: int) -> PageOut:
    """Put an old version back into the draft (publishing it is a separate step)."""
    tenant_id = caller.require(Role.EDITOR)
    async with ctx.db.tenant_tx(tenant_id) as tx:
        old = await versions.version(tx, page_id, number)
        if old is None:
            raise NotFound(f"no version {number} of this page")
        tree = validate(migrate(old["structure"], old["registry_version"]))
        current = await pages.page(tx, page_id)
        assert current is not None
        row = await pages.update_draft(tx, page_id, revision, current["slug"], tree, REGISTRY_VERSION,
                                      caller.account_id, old["ai_nodes"])
        if row is None:
            raise await _stale_or_missing(tx, page_id)
    return page_out(row)


async def compare_versions(ctx: Ctx, caller: Caller, page_id: uuid.UUID, base: str, target: str) -> DiffOut:
    """Node-level diff of two versions; either side may be `draft`."""
    tenant_id = caller.require(Role.VIEWER)

    async def tree_of(tx: asyncpg.Connection, which: str) -> dict[str, Any]:
        number = revision_number(which)
        if which == "draft":
            row = await pages.page(tx, page_id)
        elif number is not None:  # one past INT4_MAX is no version, as one not yet published
            row = await versions.version(tx, page_id, number) if number <= INT4_MAX else None
        else:
            raise Invalid("compare versions by number, or 'draft'")
        if row is None:
            raise NotFound(f"no {which} of this page")
        return migrate(row["structure"], row["registry_version"])

    async with ctx.db.tenant_tx(tenant_id) as tx:
        changes = diff(await tree_of(tx, base), await tree_of(tx, target))
    return DiffOut(base=base, target=target, **changes)


async def list_pages(ctx: Ctx, caller: Caller, *, cursor: str | None, published: bool | None,
                     limit: int) -> PageList:
    """Pages, most recently changed first, a page of them at a time."""
    tenant_id = caller.require(Role.VIEWER)
    limit = max(1, min(limit, 200))
    async with ctx.db.tenant_tx(tenant_id) as tx:
        rows = await pages.page_list(tx, before=decode_cursor(cursor) if cursor else None, published=published,
                                     limit=limit + 1)
    summaries = [PageSummary(id=r["id"], slug=r["slug"], title=r["structure"]["root"]["props"].get("title", ""),
                             is_published=r["is_published"], live_version=r["live_version"],
                             revision=r["revision"], updated_at=r["updated_at"],
                             changed_since_live=r["changed_since_live"]) for r in rows[:limit]]
    after = encode_cursor(summaries[-1].updated_at, summaries[-1].id) if len(rows) > limit else None
    return PageList(pages=summaries, next_cursor=after)

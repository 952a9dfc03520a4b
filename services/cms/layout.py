"""The site's layout: one header (a Navbar) and one footer (a Footer) that every page shows,
edited once. Editors change a draft; publishing it makes it live on every page at once (the
stored renderings, the live replica and the gateway's cache follow SiteChangedV1). A page
with a Navbar or a Footer of its own keeps it: the layout fills only what a page lacks."""

from __future__ import annotations

import uuid
from typing import Any

import asyncpg
import msgspec

from shared.auth import Caller, Role
from shared.contracts import SiteChangedV1
from shared.errors import Conflict, Invalid, PreconditionFailed
from shared.messaging import add_event

from . import gates
from .context import Ctx
from .repo import layouts, pages
from .schemas import LayoutIn, LayoutOut
from .tree import TreeInvalid, validate

PARTS = {"header": "Navbar", "footer": "Footer"}


def with_layout(tree: dict[str, Any], header: dict[str, Any] | None, footer: dict[str, Any] | None) -> dict[str, Any]:
    """The page as visitors see it: the site's header first and footer last, where it has none."""
    top = tree["root"]["children"]
    own = {node["component"] for node in top}
    children = ([header] if header and "Navbar" not in own else []) + top \
        + ([footer] if footer and "Footer" not in own else [])
    if len(children) == len(top):
        return tree
    return {"root": {**tree["root"], "children": children}}


def checked(header: dict[str, Any] | None, footer: dict[str, Any] | None) -> tuple[dict | None, dict | None]:
    """The parts as the registry stores them (defaults filled in), or Invalid naming the part."""
    parts = {"header": header, "footer": footer}
    for part, node in parts.items():
        if node is not None and node.get("component") != PARTS[part]:
            raise Invalid(f"the layout's {part} is a {PARTS[part]} node", errors=[{"pointer": f"/{part}"}])
    present = [node for node in parts.values() if node is not None]
    try:
        tree = validate({"root": {"id": "layout", "component": "Page", "props": {"title": "layout"},
                                  "children": present}})
    except TreeInvalid as exc:  # /root/children/<i> is the i-th part present
        raise Invalid(f"the layout is not valid: {exc}", errors=exc.errors) from None
    stored = iter(tree["root"]["children"])
    return (next(stored) if header is not None else None), (next(stored) if footer is not None else None)


def layout_findings(header: dict[str, Any] | None, footer: dict[str, Any] | None, slugs: set[str]) -> list:
    """The publish gates of the layout: its links go to pages of the site, its pictures have alt text."""
    present = [node for node in (header, footer) if node is not None]
    tree = {"root": {"id": "layout", "component": "Page", "props": {"title": "layout", "description": "layout"},
                     "children": present}}
    return [finding for finding in gates.check_page(tree, slugs) if finding.check != "anchor"]


def layout_out(row: asyncpg.Record | None) -> LayoutOut:
    if row is None:
        return LayoutOut(header=None, footer=None, revision=0, live_revision=None)
    return LayoutOut(header=row["header"], footer=row["footer"], revision=row["revision"],
                     live_revision=row["live_revision"], updated_at=row["updated_at"])


async def get_layout(ctx: Ctx, caller: Caller) -> LayoutOut:
    tenant_id = caller.require(Role.VIEWER)
    async with ctx.db.tenant_tx(tenant_id) as tx:
        return layout_out(await layouts.layout(tx))


async def save_layout(ctx: Ctx, caller: Caller, revision: int, data: LayoutIn) -> LayoutOut:
    """Change the draft header and footer (If-Match: the revision read; 0 before the first)."""
    tenant_id = caller.require(Role.EDITOR)
    header, footer = checked(data.header, data.footer)
    async with ctx.db.tenant_tx(tenant_id) as tx:
        row = await layouts.save_draft(tx, tenant_id, header, footer, revision, caller.account_id)
        if row is None:
            raise await _moved_on(tx)
    return layout_out(row)


async def publish_layout(ctx: Ctx, caller: Caller, revision: int) -> LayoutOut:
    tenant_id = caller.require(Role.EDITOR)
    async with ctx.db.tenant_tx(tenant_id) as tx:
        row = await publish_draft(tx, tenant_id, revision, await pages.slugs(tx))
    if row is None:
        raise Conflict("this site has no header or footer to publish yet: save one first")
    return layout_out(row)


async def publish_draft(tx: asyncpg.Connection, tenant_id: uuid.UUID, revision: int,
                        slugs: set[str]) -> asyncpg.Record | None:
    """Make the draft at `revision` live, if its gates pass (in the caller's transaction).
    None when the site has no header or footer at all and the caller read it so (revision 0,
    as GET /layout says): there is nothing to make live, and nothing has moved on."""
    current = await layouts.layout(tx)
    if current is None and revision == 0:
        return None
    if current is None or current["revision"] != revision:
        raise await _moved_on(tx)
    findings = layout_findings(current["header"], current["footer"], slugs)
    if errors := [f for f in findings if f.severity == "error"]:
        raise Invalid(f"the layout cannot be published: {len(errors)} checks failed",
                      errors=[msgspec.to_builtins(f) for f in findings])
    row = await layouts.publish(tx, revision)
    assert row is not None  # read at this revision in this transaction
    await add_event(tx, SiteChangedV1(tenant_id=tenant_id))  # every live page renders with it
    return row


async def publish_first(tx: asyncpg.Connection, tenant_id: uuid.UUID, slugs: set[str]) -> None:
    """A layout that was never published goes live with the site's first published page (when
    its gates pass): a site is not published without its header and footer. Later changes to
    it are published on purpose."""
    current = await layouts.layout(tx)
    if current is None or current["live_revision"] is not None:
        return
    if not any(f.severity == "error" for f in layout_findings(current["header"], current["footer"], slugs)):
        await publish_draft(tx, tenant_id, current["revision"], slugs)


async def _moved_on(tx: asyncpg.Connection) -> Exception:
    current = await layouts.layout(tx)
    revision = current["revision"] if current else 0
    return PreconditionFailed(f"the layout changed since you read it (it is at revision {revision}); reload, "
                              "merge and try again", revision=revision)

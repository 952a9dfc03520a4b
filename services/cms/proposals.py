"""Editing with AI: rewrite, shorten, translate, change the tone of, or regenerate one node
of a draft. The model's edited node becomes a JSON Patch against the draft (services/cms/
ai_edits.py), returned as a proposal with a readable diff; the editor then accepts all,
some or none of its operations, and only those touch the draft.

Paid like a generation: the most it can cost is reserved first (402 when short), and the
outcome event settles the hold. A proposal is paid once made, whatever the editor then
accepts: the model ran. It answers in the request (one node is quick), so an editor sees
the proposal at once. A proposal that changes nothing is not charged."""

from __future__ import annotations

import dataclasses
import uuid
from typing import Any

import msgspec

from shared.ai import AIError
from shared.ai.metered import MeteredCall, NotReserved, Spent, reserve
from shared.ai.output import estimate_tokens
from shared.ai.strict_schema import to_strict
from shared.auth import Caller, Role
from shared.contracts import PageGeneratedV1, PageGenerationFailedV1, ReserveCredits
from shared.errors import Conflict, Invalid, NotFound, PreconditionFailed, Unavailable
from shared.messaging import add_event

from . import pricing, sites
from .ai_edits import (
    apply_selected,
    changed_node_ids,
    edit_patch,
    edit_prompt,
    edit_schema,
    known_ids,
    locate,
    readable,
)
from .context import Ctx
from .generation import estimate_of, failure_reason, fitted, prices, site_of
from .pages import existing_page, page_at, page_out
from .prompts import repair_prompt, theme_notes
from .registry import REGISTRY_VERSION, migrate
from .repo import generations as jobs
from .repo import pages as page_rows
from .schemas import EditIn, EstimateOut, PageOut, ProposalOut
from .tree import nodes

EDIT_OUTPUT_TOKENS = 4000  # one node and its children, at most


def edit_cap(node: dict[str, Any]) -> int:
    """The longest edited node the model may answer: room for the section it is, or twice
    the node as it is (a regenerated block may grow), within EDIT_OUTPUT_TOKENS."""
    current = estimate_tokens(msgspec.json.encode(node).decode())
    return min(EDIT_OUTPUT_TOKENS, max(pricing.SECTION_OUTPUT.get(node["component"], pricing.DEFAULT_OUTPUT),
                                       2 * current + 100))


@dataclasses.dataclass(frozen=True)
class EditCall:
    """An edit as the model will be asked it, and the job its price is bounded by."""

    tree: dict[str, Any]
    pages: set[str]  # where the model may link
    system: str
    prompt: str
    schema: dict[str, Any]
    cap: int
    job: pricing.Job


async def edit_call(ctx: Ctx, tx: Any, tenant_id: uuid.UUID, page: Any, data: EditIn) -> EditCall:
    tree = migrate(page["structure"], page["registry_version"])
    node, _ = locate(tree, data.node_id)
    site = await sites.current_site(tx, ctx.nc, tenant_id)
    pages = await page_rows.slugs(tx)
    described = await site_of(tx, ctx.nc, tenant_id, pages)
    system, prompt = edit_prompt(data.action, node, instruction=data.instruction, language=data.language,
                                 tone=data.tone, theme_notes=theme_notes(site), site=described)
    schema = edit_schema(node["component"], node["id"], known_ids(node))
    cap = edit_cap(node)
    job = pricing.Job((pricing.Call(
        input_tokens=estimate_tokens(system + prompt + msgspec.json.encode(to_strict(schema)).decode()),
        max_output=cap),), repairs=1)
    return EditCall(tree, pages, system, prompt, schema, cap, job)


async def estimate_edit(ctx: Ctx, caller: Caller, page_id: uuid.UUID, data: EditIn) -> EstimateOut:
    """What an edit of the draft as it is will reserve and is expected to be charged, beside
    the wallet: the studio shows it before the editor asks."""
    tenant_id = caller.require(Role.EDITOR)
    async with ctx.db.tenant_tx(tenant_id) as tx:
        call = await edit_call(ctx, tx, tenant_id, await existing_page(tx, page_id), data)
    fit, available = await fitted(ctx, tenant_id, call.job)
    return estimate_of(ctx, call.job, fit, available)


async def propose_edit(ctx: Ctx, caller: Caller, page_id: uuid.UUID, revision: int, data: EditIn) -> ProposalOut:
    """The model's edit of one node as operations on the draft, paid once made."""
    tenant_id = caller.require(Role.EDITOR)
    async with ctx.db.tenant_tx(tenant_id) as tx:
        page = await page_at(tx, page_id, revision)
        asked = await edit_call(ctx, tx, tenant_id, page, data)
        cost = prices(ctx.settings)
        max_credits = cost.bound(asked.job)
        job = await jobs.insert_edit(tx, tenant_id, uuid.uuid4(), page_id, msgspec.to_builtins(data), max_credits,
                                     caller.account_id, revision)
    job_id = job["id"]
    try:
        hold = await reserve(ctx.nc, ReserveCredits(tenant_id=tenant_id, amount=max_credits, reference=f"edit:{job_id}",
                                                    ledger_type="AI_GENERATION",
                                                    ttl_seconds=ctx.settings.generation_hold_seconds))
    except NotReserved as refused:
        async with ctx.db.tenant_tx(tenant_id) as tx:
            await jobs.fail_job(tx, job_id, refused.reason)
        raise refused.problem("this edit") from None
    call = MeteredCall(ctx.provider, hold, price=cost.of)

    async def attempt(problems: list[str]) -> tuple[list[dict[str, Any]], list[str]]:
        prompt = repair_prompt(asked.prompt, problems) if problems else asked.prompt
        answer = await call.generate_json(system=asked.system, prompt=prompt, schema=asked.schema,
                                          schema_name="node_edit", max_output_tokens=asked.cap)
        return edit_patch(asked.tree, data.node_id, answer.data.get("node"), asked.pages)

    async def save(edit: tuple[list[dict[str, Any]], list[str]], spent: Spent) -> ProposalOut:
        operations, scrubbed = edit
        if not operations:  # the model changed nothing: nothing to accept, nothing to pay
            spent = dataclasses.replace(spent, credits=0)
        async with ctx.db.tenant_tx(tenant_id) as tx:
            await jobs.save_proposal(tx, job_id, operations, spent.credits, spent.model, spent.input_tokens,
                                     spent.output_tokens)
            await add_event(tx, PageGeneratedV1(tenant_id=tenant_id, page_id=page_id, generation_id=job_id,
                                                hold_id=spent.hold_id, model=spent.model,
                                                input_tokens=spent.input_tokens, output_tokens=spent.output_tokens,
                                                credits=spent.credits))
        return ProposalOut(id=job_id, page_id=page_id, node_id=data.node_id, action=data.action,
                           base_revision=revision, operations=readable(asked.tree, operations), credits=spent.credits,
                           model=spent.model, accepted=None, notes=links_note(scrubbed))

    async def fail(error: BaseException, spent: Spent) -> None:
        reason = failure_reason(error, "edit")
        async with ctx.db.tenant_tx(tenant_id) as tx:
            await jobs.fail_job(tx, job_id, reason[:500])
            await add_event(tx, PageGenerationFailedV1(tenant_id=tenant_id, generation_id=job_id,
                                                       hold_id=spent.hold_id, reason=reason[:300]))

    try:
        return await call.run(attempt, settle=save, release=fail)
    except Invalid as exc:
        raise Invalid(failure_reason(exc, "edit")) from None
    except AIError as exc:
        raise Unavailable(failure_reason(exc, "edit")) from None


def links_note(scrubbed: list[str]) -> list[str]:
    """What the editor is told when the link rule took links out of the model's answer."""
    if not scrubbed:
        return []
    shown = ", ".join(target[:200] for target in scrubbed[:10]) + (", …" if len(scrubbed) > 10 else "")
    return [f"links the model wrote were taken out ({shown}): AI links only to this site's pages and sections, "
            "mailto: and tel:; add links to other sites yourself, in the editor"]


async def decide_proposal(ctx: Ctx, caller: Caller, page_id: uuid.UUID, proposal_id: uuid.UUID, revision: int,
                          accepted: list[int] | None) -> PageOut:
    """Apply the accepted operations (all when None, none for []) to the draft the proposal
    was made on; a draft changed since then refuses it (ask again on the current draft)."""
    tenant_id = caller.require(Role.EDITOR)
    async with ctx.db.tenant_tx(tenant_id) as tx:
        job = await jobs.job(tx, proposal_id)
        if job is None or job["kind"] != "edit" or job["page_id"] != page_id or job["status"] != "proposed":
            raise NotFound("no such proposal on this page")
        if job["accepted"] is not None:
            raise Conflict("this proposal was already decided")
        page = await page_rows.page(tx, page_id)
        if page is None:
            raise NotFound("no such page")
        if revision != page["revision"] or job["base_revision"] != page["revision"]:
            raise PreconditionFailed(f"the draft changed since this proposal was made on revision "
                                     f"{job['base_revision']} (it is at {page['revision']}); ask for a new proposal",
                                     revision=page["revision"])
        operations = job["proposal"]
        chosen = list(range(len(operations))) if accepted is None else sorted(set(accepted))
        before = migrate(page["structure"], page["registry_version"])
        after = apply_selected(before, operations, chosen)
        present = nodes(after)
        ai_nodes = {node: generation for node, generation in page["ai_nodes"].items() if node in present}
        ai_nodes.update({node: str(proposal_id) for node in changed_node_ids(before, after)})
        row = await page_rows.update_draft(tx, page_id, revision, page["slug"], after, REGISTRY_VERSION,
                                           caller.account_id, ai_nodes) if chosen else page
        await jobs.set_accepted(tx, proposal_id, chosen)
    return page_out(row)


"""Editing with AI: rewrite, shorten, translate, change the tone of, or regenerate one node
of a draft. The model's edited node becomes a JSON Patch against the draft (services/cms/
ai_edits.py), returned as a proposal with a readable diff; the editor then accepts all,
some or none of its operations, and only those touch the draft.

Paid like a generation: the most it can cost is reserved first (402 when short), and the
outcome event settles the hold. A proposal is paid once made, whatever the editor then
accepts: the model ran. It answers in the request (one node is quick), so an editor sees
the proposal at once."""

from __future__ import annotations

import uuid
from typing import Any

import msgspec
from nats.aio.client import Client as NATS

from shared.ai import AIError, AIProvider
from shared.ai.output import estimate_tokens
from shared.auth import Caller, Role
from shared.contracts import PageGeneratedV1, PageGenerationFailedV1, ReserveCredits
from shared.db import Database
from shared.errors import AppError, Conflict, Invalid, NotFound, PaymentRequired, PreconditionFailed, Unavailable
from shared.messaging import add_event, request

from . import repo, sites
from .ai_edits import apply_selected, changed_node_ids, edit_patch, edit_prompt, edit_schema, locate, readable
from .generation import REPAIR_TOKENS, Cost, failure_reason, repair_problems
from .pages import page_at, page_out
from .prompts import repair_prompt, theme_notes
from .registry import REGISTRY_VERSION, migrate
from .repo import generations as jobs
from .schemas import EditIn, PageOut, ProposalOut
from .settings import Settings
from .tree import nodes

EDIT_OUTPUT_TOKENS = 4000  # one node and its children


async def propose_edit(db: Database, nc: NATS, provider: AIProvider, settings: Settings, caller: Caller,
                       page_id: uuid.UUID, revision: int, data: EditIn) -> ProposalOut:
    tenant_id = caller.require(Role.EDITOR)
    async with db.tenant_tx(tenant_id) as tx:
        page = await page_at(tx, page_id, revision)
        tree = migrate(page["structure"], page["registry_version"])
        node, _ = locate(tree, data.node_id)
        site = await sites.site(tx)
        pages = {row["slug"] for row in await tx.fetch(jobs.ALL_SLUGS)}  # where the model may link
        system, prompt = edit_prompt(data.action, node, instruction=data.instruction, language=data.language,
                                     tone=data.tone, theme_notes=theme_notes(site))
        schema = edit_schema(node["component"])
        cost = Cost(settings)
        one_input = estimate_tokens(system + prompt + msgspec.json.encode(schema).decode())
        max_credits = cost.credits(2 * one_input + REPAIR_TOKENS + 3 * EDIT_OUTPUT_TOKENS)
        job = await tx.fetchrow(jobs.INSERT_EDIT, tenant_id, uuid.uuid4(), page_id, msgspec.to_builtins(data),
                                max_credits, caller.account_id, revision)
    job_id = job["id"]
    try:
        hold = await request(nc, ReserveCredits(tenant_id=tenant_id, amount=max_credits, reference=f"edit:{job_id}",
                                                ledger_type="AI_GENERATION",
                                                ttl_seconds=settings.generation_hold_seconds), timeout=5)
    except AppError:
        await _settle_failure(db, tenant_id, job_id, None, "billing did not answer")
        raise Unavailable("billing did not answer; nothing was charged, try again shortly") from None
    if hold.hold_id is None or hold.status != "held":
        await _settle_failure(db, tenant_id, job_id, None, "not enough credits")
        raise PaymentRequired(f"this edit needs up to {max_credits} credits and {hold.available} are available",
                              price=max_credits, available=hold.available)

    used = {"input": 0, "output": 0}
    model = ""

    async def ask(user_prompt: str) -> tuple[list[dict[str, Any]], list[str]]:
        nonlocal model
        answer = await provider.generate_json(system=system, prompt=user_prompt, schema=schema,
                                              schema_name=f"page_node_{node['component']}",
                                              max_output_tokens=EDIT_OUTPUT_TOKENS)
        used["input"] += answer.usage.input_tokens
        used["output"] += answer.usage.output_tokens
        model = answer.model
        return edit_patch(tree, data.node_id, answer.data.get("node"), pages)

    try:
        try:
            operations, scrubbed = await ask(prompt)
        except (Invalid, AIError) as exc:  # one repair round, with what was wrong
            problems = repair_problems(exc)
            if problems is None:
                raise
            operations, scrubbed = await ask(repair_prompt(prompt, problems))
    except Invalid as exc:
        reason = f"the model's edit was still invalid after a repair round ({exc}); nothing was charged"
        await _settle_failure(db, tenant_id, job_id, hold.hold_id, reason)
        raise Invalid(reason) from None
    except AIError as exc:
        await _settle_failure(db, tenant_id, job_id, hold.hold_id, failure_reason(exc))
        raise Unavailable(failure_reason(exc)) from None

    credits = min(max_credits, cost.credits(used["input"] + used["output"]))
    async with db.tenant_tx(tenant_id) as tx:
        await tx.execute(jobs.SAVE_PROPOSAL, job_id, operations, credits, model, used["input"], used["output"])
        await add_event(tx, PageGeneratedV1(tenant_id=tenant_id, page_id=page_id, generation_id=job_id,
                                            hold_id=hold.hold_id, model=model, input_tokens=used["input"],
                                            output_tokens=used["output"], credits=credits))
    return ProposalOut(id=job_id, page_id=page_id, node_id=data.node_id, action=data.action, base_revision=revision,
                       operations=readable(tree, operations), credits=credits, model=model, accepted=None,
                       notes=links_note(scrubbed))


def links_note(scrubbed: list[str]) -> list[str]:
    """What the editor is told when the link rule took links out of the model's answer."""
    if not scrubbed:
        return []
    shown = ", ".join(target[:200] for target in scrubbed[:10]) + (", …" if len(scrubbed) > 10 else "")
    return [f"links the model wrote were taken out ({shown}): AI links only to this site's pages and sections, "
            "mailto: and tel:; add links to other sites yourself, in the editor"]


async def decide(db: Database, caller: Caller, page_id: uuid.UUID, proposal_id: uuid.UUID, revision: int,
                 accepted: list[int] | None) -> PageOut:
    """Apply the accepted operations (all when None, none for []) to the draft the proposal
    was made on; a draft changed since then refuses it (ask again on the current draft)."""
    tenant_id = caller.require(Role.EDITOR)
    async with db.tenant_tx(tenant_id) as tx:
        job = await tx.fetchrow(jobs.SELECT_JOB, proposal_id)
        if job is None or job["kind"] != "edit" or job["page_id"] != page_id or job["status"] != "proposed":
            raise NotFound("no such proposal on this page")
        if job["accepted"] is not None:
            raise Conflict("this proposal was already decided")
        page = await repo.page(tx, page_id)
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
        row = await repo.update_draft(tx, page_id, revision, page["slug"], after, REGISTRY_VERSION,
                                      caller.account_id, ai_nodes) if chosen else page
        await tx.execute(jobs.SET_ACCEPTED, proposal_id, chosen)
    return page_out(row)


async def _settle_failure(db: Database, tenant_id: uuid.UUID, job_id: uuid.UUID, hold_id: uuid.UUID | None,
                          reason: str) -> None:
    async with db.tenant_tx(tenant_id) as tx:
        await tx.execute(jobs.FAIL_JOB, job_id, reason[:500])
        if hold_id is not None:
            await add_event(tx, PageGenerationFailedV1(tenant_id=tenant_id, generation_id=job_id, hold_id=hold_id,
                                                       reason=reason[:300]))

"""Site plans: a brief becomes the pages a site needs and what each says, for the user to
accept or edit before anything is written. A plan is one small model call and is not
charged (the site job that writes it is); a tenant may ask for `site_plans_per_hour` of
them. The plan comes back held to the brief (plans.grounded_plan) with what writing it will
reserve, fitted to the wallet, and is expected to cost."""

from __future__ import annotations

import uuid

import msgspec

from shared.ai import AIError, Generated
from shared.auth import Caller, Role
from shared.errors import Invalid, TooManyRequests, Unavailable

from . import generation, pricing
from .context import Ctx
from .prompts import plan_prompt
from .repo import generations as repo
from .schemas import BriefIn, PlanOut, SitePlan


async def plan_site(ctx: Ctx, caller: Caller, brief: BriefIn) -> PlanOut:
    tenant_id = caller.require(Role.EDITOR)
    plan_id = uuid.uuid4()
    async with ctx.db.tenant_tx(tenant_id) as tx:  # the slot is taken before the model is asked
        if await repo.recent_plans(tx, tenant_id) >= ctx.settings.site_plans_per_hour:
            raise TooManyRequests(f"at most {ctx.settings.site_plans_per_hour} site plans an hour; edit the last "
                                  "one, or try again later", retry_after=600)
        await repo.start_plan(tx, tenant_id, plan_id, msgspec.to_builtins(brief), caller.account_id)
    try:
        images = await generation.library_of(ctx.nc, tenant_id, brief)  # no gallery page for an empty library
        answer, plan = await written_plan(ctx, brief, pictures=len(images))
        plan, images = await generation.held_to_site(ctx, tenant_id, plan, brief, images)
    except Exception as exc:  # the slot stays spent: the model was asked
        async with ctx.db.tenant_tx(tenant_id) as tx:
            await repo.fail_job(tx, plan_id, str(exc)[:500])
        raise
    usage = answer.usage
    async with ctx.db.tenant_tx(tenant_id) as tx:
        row = await repo.save_plan(tx, plan_id, msgspec.to_builtins(plan), answer.model, usage.input_tokens,
                                   usage.cached_input_tokens, usage.output_tokens)
    job = generation.site_job(brief, plan, images, strict=generation.strict_schemas(ctx))
    fit, available = await generation.fitted(ctx, tenant_id, job)
    return PlanOut(id=row["id"], plan=plan, estimate=generation.estimate_of(ctx, job, fit, available),
                   model=answer.model, input_tokens=usage.input_tokens, output_tokens=usage.output_tokens)


async def written_plan(ctx: Ctx, brief: BriefIn, *, pictures: int) -> tuple[Generated, SitePlan]:
    """The model's plan for the brief, or the 4xx/503 that says why there is none."""
    system, prompt = plan_prompt("site_plan", msgspec.to_builtins(brief), pictures=pictures)
    try:
        answer = await ctx.provider.generate_json(system=system, prompt=prompt, schema=generation.plan_schema(),
                                                  schema_name="site_plan",
                                                  max_output_tokens=pricing.PLAN_OUTPUT["site_plan"])
        return answer, msgspec.convert(answer.data, SitePlan)
    except AIError as exc:
        if exc.reason == "invalid-output":
            raise Invalid(f"the model's plan was not valid ({exc}); try again or shorten the brief") from None
        raise Unavailable(generation.failure_reason(exc, "plan")) from None
    except msgspec.ValidationError as exc:
        raise Invalid(f"the model's plan was not valid ({exc}); try again") from None

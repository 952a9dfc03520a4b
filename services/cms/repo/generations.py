"""SQL of AI generations and of the pages they write; row-level security scopes it to the
transaction's tenant."""

from __future__ import annotations

import uuid
from typing import Any

import asyncpg

Tx = asyncpg.Connection

JOB_COLUMNS = ("id, kind, status, page_id, max_credits, credits, model, input_tokens, cached_input_tokens, "
               "output_tokens, repaired, assets_used, reason, request, history, charged_credits, plan, pages, "
               "created_at, updated_at")


def step(status: str) -> str:
    """The SQL that moves a job to `status` ($-free: a literal), recording when."""
    return f"status = '{status}', history = history || jsonb_build_object('status', '{status}', 'at', now()), " \
           "updated_at = now()"

INSERT_JOB = f"""
INSERT INTO cms.generations (tenant_id, id, kind, page_id, request, max_credits, created_by, history)
VALUES ($1, $2, $3, $4, $5, $6, $7, jsonb_build_array(jsonb_build_object('status', 'queued', 'at', now())))
RETURNING {JOB_COLUMNS}
"""
INSERT_EDIT = f"""
INSERT INTO cms.generations (tenant_id, id, kind, page_id, request, max_credits, created_by, base_revision, history)
VALUES ($1, $2, 'edit', $3, $4, $5, $6, $7, jsonb_build_array(jsonb_build_object('status', 'queued', 'at', now())))
RETURNING {JOB_COLUMNS}
"""
SAVE_PROPOSAL = f"""
UPDATE cms.generations SET {step('proposed')}, proposal = $2, credits = $3, model = $4, input_tokens = $5,
       output_tokens = $6
WHERE id = $1
"""
SET_ACCEPTED = "UPDATE cms.generations SET accepted = $2, updated_at = now() WHERE id = $1"
SELECT_JOB = f"SELECT {JOB_COLUMNS}, hold_id, created_by, proposal, base_revision, accepted FROM cms.generations " \
             "WHERE id = $1"
SELECT_PAGE_JOBS = f"SELECT {JOB_COLUMNS} FROM cms.generations WHERE page_id = $1 ORDER BY created_at DESC LIMIT 100"
SET_RESERVED = f"""
UPDATE cms.generations SET {step('reserved')}, hold_id = $2 WHERE id = $1
RETURNING {JOB_COLUMNS}
"""
SET_STATUS = f"""
UPDATE cms.generations SET status = $2, history = history || jsonb_build_object('status', $2::text, 'at', now()),
       updated_at = now()
WHERE id = $1 RETURNING {JOB_COLUMNS}, hold_id, created_by
"""
FAIL_JOB = f"""
UPDATE cms.generations SET {step('failed')}, reason = $2
WHERE id = $1 AND status NOT IN ('saved', 'proposed', 'failed') RETURNING {JOB_COLUMNS}
"""
FAIL_WITH_USAGE = f"""
UPDATE cms.generations SET {step('failed')}, reason = $2, model = $3, input_tokens = $4, output_tokens = $5
WHERE id = $1
"""
# Untouched for longer than its hold lives: the process working on it is gone.
IS_ABANDONED = "SELECT updated_at < now() - make_interval(secs => $2) FROM cms.generations WHERE id = $1"
SAVE_JOB = f"""
UPDATE cms.generations SET {step('saved')}, page_id = $2, credits = $3, model = $4, input_tokens = $5,
       output_tokens = $6, repaired = $7, assets_used = $8
WHERE id = $1
"""
# Progress within a status (a section written, a page done): streamed, the status unchanged.
ADD_PROGRESS = """
UPDATE cms.generations SET history = history || ($2::jsonb || jsonb_build_object('status', status, 'at', now())),
       updated_at = now()
WHERE id = $1
"""
SAVE_SITE_JOB = f"""
UPDATE cms.generations SET {step('saved')}, pages = $2, credits = $3, model = $4, input_tokens = $5,
       cached_input_tokens = $6, output_tokens = $7, repaired = $8, assets_used = $9
WHERE id = $1
"""
# Plans are counted per tenant under this lock, from the check to the row that takes the slot.
LOCK_PLANS = "SELECT pg_advisory_xact_lock(hashtext('cms site plans'), hashtext($1::text))"
RECENT_PLANS = "SELECT count(*) FROM cms.generations WHERE kind = 'plan' AND created_at > now() - interval '1 hour'"
START_PLAN = """
INSERT INTO cms.generations (tenant_id, id, kind, status, request, max_credits, credits, created_by, history)
VALUES ($1, $2, 'plan', 'planning', $3, 0, 0, $4,
        jsonb_build_array(jsonb_build_object('status', 'planning', 'at', now())))
"""
SAVE_PLAN = f"""
UPDATE cms.generations SET {step('saved')}, plan = $2, model = $3, input_tokens = $4, cached_input_tokens = $5,
       output_tokens = $6
WHERE id = $1 RETURNING {JOB_COLUMNS}
"""
SET_PLAN = "UPDATE cms.generations SET plan = $2 WHERE id = $1"
PAGE_AT = "SELECT id, revision FROM cms.pages WHERE slug = $1"
ACTIVE_PRODUCTS = "SELECT product_id FROM cms.products WHERE active ORDER BY slug"
SLUGS_LIKE = "SELECT slug FROM cms.pages WHERE slug = $1 OR slug LIKE $1 || '-%'"
INSERT_PAGE = """
INSERT INTO cms.pages (tenant_id, id, slug, structure, registry_version, updated_by, ai_nodes)
VALUES ($1, $2, $3, $4, $5, $6, $7)
"""
REPLACE_DRAFT = """
UPDATE cms.pages SET structure = $3, registry_version = $4, updated_by = $5, ai_nodes = $6,
       revision = revision + 1, updated_at = now()
WHERE id = $1 AND revision = $2 RETURNING id
"""


async def job(tx: Tx, job_id: uuid.UUID) -> asyncpg.Record | None:
    return await tx.fetchrow(SELECT_JOB, job_id)


async def page_jobs(tx: Tx, page_id: uuid.UUID) -> list[asyncpg.Record]:
    """The latest hundred AI jobs on a page, newest first."""
    return await tx.fetch(SELECT_PAGE_JOBS, page_id)


async def insert_edit(tx: Tx, tenant_id: uuid.UUID, job_id: uuid.UUID, page_id: uuid.UUID, request: dict[str, Any],
                      max_credits: int, author: uuid.UUID | None, base_revision: int) -> asyncpg.Record:
    return await tx.fetchrow(INSERT_EDIT, tenant_id, job_id, page_id, request, max_credits, author, base_revision)


async def set_accepted(tx: Tx, job_id: uuid.UUID, accepted: list[int]) -> None:
    await tx.execute(SET_ACCEPTED, job_id, accepted)


async def insert_job(tx: Tx, tenant_id: uuid.UUID, job_id: uuid.UUID, kind: str, page_id: uuid.UUID | None,
                     request: dict[str, Any], max_credits: int, author: uuid.UUID | None) -> asyncpg.Record:
    return await tx.fetchrow(INSERT_JOB, tenant_id, job_id, kind, page_id, request, max_credits, author)


async def set_reserved(tx: Tx, job_id: uuid.UUID, hold_id: uuid.UUID) -> asyncpg.Record:
    return await tx.fetchrow(SET_RESERVED, job_id, hold_id)


async def set_status(tx: Tx, job_id: uuid.UUID, status: str) -> asyncpg.Record:
    return await tx.fetchrow(SET_STATUS, job_id, status)


async def is_abandoned(tx: Tx, job_id: uuid.UUID, hold_seconds: float) -> bool:
    return bool(await tx.fetchval(IS_ABANDONED, job_id, hold_seconds))


async def fail_job(tx: Tx, job_id: uuid.UUID, reason: str) -> asyncpg.Record | None:
    """The job failed before the model ran (nothing used); a job already over stays as it is."""
    return await tx.fetchrow(FAIL_JOB, job_id, reason)


async def fail_with_usage(tx: Tx, job_id: uuid.UUID, reason: str, model: str | None, input_tokens: int,
                          output_tokens: int) -> None:
    await tx.execute(FAIL_WITH_USAGE, job_id, reason, model, input_tokens, output_tokens)


async def save_job(tx: Tx, job_id: uuid.UUID, page_id: uuid.UUID, credits: int, model: str, input_tokens: int,
                   output_tokens: int, repaired: bool, assets: list[uuid.UUID]) -> None:
    await tx.execute(SAVE_JOB, job_id, page_id, credits, model, input_tokens, output_tokens, repaired, assets)


async def save_proposal(tx: Tx, job_id: uuid.UUID, operations: list[dict[str, Any]], credits: int, model: str,
                        input_tokens: int, output_tokens: int) -> None:
    await tx.execute(SAVE_PROPOSAL, job_id, operations, credits, model, input_tokens, output_tokens)


async def add_progress(tx: Tx, job_id: uuid.UUID, entry: dict[str, Any]) -> None:
    """Append a progress entry (`event` names it) to the job's history, at its current status."""
    await tx.execute(ADD_PROGRESS, job_id, entry)


async def set_plan(tx: Tx, job_id: uuid.UUID, plan: dict[str, Any]) -> None:
    await tx.execute(SET_PLAN, job_id, plan)


async def save_site_job(tx: Tx, job_id: uuid.UUID, pages: list[dict[str, Any]], credits: int, model: str,
                        input_tokens: int, cached_input_tokens: int, output_tokens: int, repaired: bool,
                        assets: list[uuid.UUID]) -> None:
    await tx.execute(SAVE_SITE_JOB, job_id, pages, credits, model, input_tokens, cached_input_tokens, output_tokens,
                     repaired, assets)


async def recent_plans(tx: Tx, tenant_id: uuid.UUID) -> int:
    """Site plans the tenant asked for in the last hour (they are not charged; this bounds
    them), written or being written; holds the count until the transaction ends."""
    await tx.execute(LOCK_PLANS, str(tenant_id))
    return int(await tx.fetchval(RECENT_PLANS))


async def start_plan(tx: Tx, tenant_id: uuid.UUID, job_id: uuid.UUID, brief: dict[str, Any],
                     author: uuid.UUID | None) -> None:
    """A plan being written: it takes its slot of the hour before the model is asked."""
    await tx.execute(START_PLAN, tenant_id, job_id, brief, author)


async def save_plan(tx: Tx, job_id: uuid.UUID, plan: dict[str, Any], model: str, input_tokens: int,
                    cached_input_tokens: int, output_tokens: int) -> asyncpg.Record:
    return await tx.fetchrow(SAVE_PLAN, job_id, plan, model, input_tokens, cached_input_tokens, output_tokens)


async def page_at(tx: Tx, slug: str) -> asyncpg.Record | None:
    """(id, revision) of the page at `slug`, if there is one."""
    return await tx.fetchrow(PAGE_AT, slug)


async def active_product_ids(tx: Tx) -> list[str]:
    """The catalogue a generated page may show, in a stable order."""
    return [str(row["product_id"]) for row in await tx.fetch(ACTIVE_PRODUCTS)]


async def slugs_like(tx: Tx, stem: str) -> set[str]:
    """`stem` and the slugs `stem-…` already taken."""
    return {row["slug"] for row in await tx.fetch(SLUGS_LIKE, stem)}


async def insert_page(tx: Tx, tenant_id: uuid.UUID, page_id: uuid.UUID, slug: str, structure: dict[str, Any],
                      registry_version: int, author: uuid.UUID | None, ai_nodes: dict[str, str]) -> None:
    await tx.execute(INSERT_PAGE, tenant_id, page_id, slug, structure, registry_version, author, ai_nodes)


async def replace_draft(tx: Tx, page_id: uuid.UUID, revision: int, structure: dict[str, Any], registry_version: int,
                        author: uuid.UUID | None, ai_nodes: dict[str, str]) -> bool:
    """Only if nobody wrote since `revision`."""
    return await tx.fetchrow(REPLACE_DRAFT, page_id, revision, structure, registry_version, author,
                             ai_nodes) is not None

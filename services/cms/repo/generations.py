"""SQL of AI generations and of the pages they write; row-level security scopes it to the
transaction's tenant."""

from __future__ import annotations

JOB_COLUMNS = ("id, kind, status, page_id, max_credits, credits, model, input_tokens, output_tokens, repaired, "
               "assets_used, reason, request, history, charged_credits, created_at, updated_at")


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
ACTIVE_PRODUCTS = "SELECT product_id FROM cms.products WHERE active ORDER BY slug"
ALL_SLUGS = "SELECT slug FROM cms.pages"
PAGE_EXISTS = "SELECT 1 FROM cms.pages WHERE id = $1"
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

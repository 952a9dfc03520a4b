"""A tenant's rows in cms, for the OWNER's export and for the purge after a deleted
tenant's grace period (shared/tenancy.py runs them in the tenant's transaction, so
row-level security scopes each statement to that tenant)."""

from __future__ import annotations

EXPORT_QUERIES = {
    "pages": "SELECT id, slug, structure, is_published, created_at, updated_at FROM cms.pages ORDER BY created_at",
    "page_versions": "SELECT page_id, version, slug, structure, created_by, created_at FROM cms.page_versions "
                     "ORDER BY page_id, version",
    "form_submissions": "SELECT id, page_id, form_id, fields, created_at FROM cms.form_submissions ORDER BY created_at",
    "site_layout": "SELECT header, footer, revision, live_header, live_footer, live_revision, profile, updated_at "
                   "FROM cms.site_layouts",
    "ai_generations": "SELECT id, kind, page_id, status, request, model, input_tokens, output_tokens, credits, "
                      "assets_used, reason, created_at FROM cms.generations ORDER BY created_at",
}
PURGE_TENANT = ["DELETE FROM cms.products", "DELETE FROM cms.shops", "DELETE FROM cms.generations",
                "DELETE FROM cms.form_submissions", "DELETE FROM cms.pages", "DELETE FROM cms.site_layouts",
                "DELETE FROM cms.sites"]

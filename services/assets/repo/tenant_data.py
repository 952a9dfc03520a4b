"""A tenant's rows as a whole: its export, and its purge once the tenant is deleted."""

from __future__ import annotations

# Both run in the tenant's transaction: row-level security scopes them to it.
EXPORT_QUERIES = {"assets": "SELECT id, url, filename, content_type, bytes, width, height, sha256, alt_text, "
                            "ai_description, tags, created_at FROM assets.assets ORDER BY created_at"}
PURGE_TENANT = ["DELETE FROM assets.reembed_jobs", "DELETE FROM assets.assets"]

"""assets's subscriptions: events and commands -> use cases."""

from __future__ import annotations

import uuid

from shared.storage import Storage
from shared.tenancy import serve_tenant_export, start_tenant_purge
from shared.web import Runtime

# Both run in the tenant's transaction: row-level security scopes them to it.
EXPORT_QUERIES = {"assets": "SELECT id, url, filename, content_type, bytes, width, height, sha256, alt_text, "
                            "ai_description, tags, created_at FROM assets.assets ORDER BY created_at"}
PURGE_TENANT = ["DELETE FROM assets.reembed_jobs", "DELETE FROM assets.assets"]


async def serve(runtime: Runtime) -> None:
    await serve_tenant_export(runtime, EXPORT_QUERIES)


async def start(runtime: Runtime, storage: Storage) -> None:
    async def remove_files(tenant_id: uuid.UUID) -> None:
        await storage.delete_prefix(str(tenant_id))  # every key of the tenant starts with its id

    start_tenant_purge(runtime, PURGE_TENANT, also=remove_files)

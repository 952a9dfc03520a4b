"""cms's subscriptions: events and commands -> use cases."""

from __future__ import annotations

from shared.tenancy import serve_tenant_export, start_tenant_purge
from shared.web import Runtime

# Both run in the tenant's transaction: row-level security scopes them to it.
EXPORT_QUERIES = {
    "pages": "SELECT id, slug, structure, is_published, created_at, updated_at FROM cms.pages ORDER BY created_at",
}
PURGE_TENANT = ["DELETE FROM cms.pages"]


async def serve(runtime: Runtime) -> None:
    await serve_tenant_export(runtime, EXPORT_QUERIES)


async def start(runtime: Runtime) -> None:
    start_tenant_purge(runtime, PURGE_TENANT)

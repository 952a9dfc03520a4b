"""cms's subscriptions: events and commands -> use cases."""

from __future__ import annotations

from shared.contracts import DomainRemovedV1, DomainVerifiedV1, TenantCreatedV1, TenantUpdatedV1
from shared.messaging import EventConsumer
from shared.tenancy import serve_tenant_export, start_tenant_purge
from shared.web import Runtime

from .sites import apply_identity_event

# Both run in the tenant's transaction: row-level security scopes them to it.
EXPORT_QUERIES = {
    "pages": "SELECT id, slug, structure, is_published, created_at, updated_at FROM cms.pages ORDER BY created_at",
    "page_versions": "SELECT page_id, version, slug, structure, created_by, created_at FROM cms.page_versions "
                     "ORDER BY page_id, version",
    "form_submissions": "SELECT id, page_id, form_id, fields, created_at FROM cms.form_submissions ORDER BY created_at",
}
PURGE_TENANT = ["DELETE FROM cms.form_submissions", "DELETE FROM cms.pages", "DELETE FROM cms.sites"]


async def serve(runtime: Runtime) -> None:
    await serve_tenant_export(runtime, EXPORT_QUERIES)


async def start(runtime: Runtime) -> None:
    start_tenant_purge(runtime, PURGE_TENANT)
    sites = EventConsumer(runtime.db, runtime.js, durable="cms-sites", handler=apply_identity_event,
                          events=[TenantCreatedV1, TenantUpdatedV1, DomainVerifiedV1, DomainRemovedV1])
    runtime.spawn(sites.run(), "cms-sites")

"""cms's subscriptions: events and commands -> use cases."""

from __future__ import annotations

import uuid

import asyncpg

from shared.contracts import CreditsDebitedV1, DomainRemovedV1, DomainVerifiedV1, TenantCreatedV1, TenantUpdatedV1
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
RECORD_CHARGE = "UPDATE cms.generations SET charged_credits = $2, charged_at = now() WHERE id = $1"
PURGE_TENANT = ["DELETE FROM cms.generations", "DELETE FROM cms.form_submissions", "DELETE FROM cms.pages",
                "DELETE FROM cms.sites"]


async def serve(runtime: Runtime) -> None:
    await serve_tenant_export(runtime, EXPORT_QUERIES)


async def start(runtime: Runtime) -> None:
    start_tenant_purge(runtime, PURGE_TENANT)
    sites = EventConsumer(runtime.db, runtime.js, durable="cms-sites", handler=apply_identity_event,
                          events=[TenantCreatedV1, TenantUpdatedV1, DomainVerifiedV1, DomainRemovedV1])
    runtime.spawn(sites.run(), "cms-sites")
    charges = EventConsumer(runtime.db, runtime.js, durable="cms-ai-charges", handler=record_charge,
                            events=[CreditsDebitedV1])
    runtime.spawn(charges.run(), "cms-ai-charges")


async def record_charge(tx: asyncpg.Connection, event: CreditsDebitedV1) -> None:
    """Billing captured a job's hold: the job records what was charged."""
    kind, _, job_id = event.reference_id.partition(":")
    if kind in ("generation", "edit"):
        await tx.execute(RECORD_CHARGE, uuid.UUID(job_id), event.amount)

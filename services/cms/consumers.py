"""cms's subscriptions: events and commands -> use cases."""

from __future__ import annotations

import uuid

import asyncpg

from shared.contracts import (
    CatalogueSyncedV1,
    CreditsDebitedV1,
    DomainRemovedV1,
    DomainVerifiedV1,
    ProductChangedV1,
    ProductCreatedV1,
    ProductDeletedV1,
    TenantCreatedV1,
    TenantUpdatedV1,
)
from shared.messaging import EventConsumer, add_event
from shared.tenancy import serve_tenant_export, start_tenant_purge
from shared.web import Runtime

from .sites import apply_identity_event

# Both run in the tenant's transaction: row-level security scopes them to it.
EXPORT_QUERIES = {
    "pages": "SELECT id, slug, structure, is_published, created_at, updated_at FROM cms.pages ORDER BY created_at",
    "page_versions": "SELECT page_id, version, slug, structure, created_by, created_at FROM cms.page_versions "
                     "ORDER BY page_id, version",
    "form_submissions": "SELECT id, page_id, form_id, fields, created_at FROM cms.form_submissions ORDER BY created_at",
    "ai_generations": "SELECT id, kind, page_id, status, request, model, input_tokens, output_tokens, credits, "
                      "assets_used, reason, created_at FROM cms.generations ORDER BY created_at",
}
RECORD_CHARGE = "UPDATE cms.generations SET charged_credits = $2, charged_at = now() WHERE id = $1"
PURGE_TENANT = ["DELETE FROM cms.products", "DELETE FROM cms.generations", "DELETE FROM cms.form_submissions",
                "DELETE FROM cms.pages", "DELETE FROM cms.sites"]


async def serve(runtime: Runtime) -> None:
    await serve_tenant_export(runtime, EXPORT_QUERIES)


async def start(runtime: Runtime) -> None:
    start_tenant_purge(runtime, PURGE_TENANT)
    sites = EventConsumer(runtime.db, runtime.js, durable="cms-sites", handler=apply_identity_event,
                          events=[TenantCreatedV1, TenantUpdatedV1, DomainVerifiedV1, DomainRemovedV1])
    runtime.spawn(sites.run(), "cms-sites")
    catalogue = EventConsumer(runtime.db, runtime.js, durable="cms-products", handler=apply_product_event,
                              events=[ProductCreatedV1, ProductChangedV1, ProductDeletedV1])
    runtime.spawn(catalogue.run(), "cms-products")
    charges = EventConsumer(runtime.db, runtime.js, durable="cms-ai-charges", handler=record_charge,
                            events=[CreditsDebitedV1])
    runtime.spawn(charges.run(), "cms-ai-charges")


# Events carry the product's whole state and may arrive out of order: older ones are ignored.
UPSERT_PRODUCT = """
INSERT INTO cms.products AS p (tenant_id, product_id, slug, name, description, price_amount, currency, images, active,
                               in_stock, synced_at)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)
ON CONFLICT (tenant_id, product_id) DO UPDATE SET slug = excluded.slug, name = excluded.name,
  description = excluded.description, price_amount = excluded.price_amount, currency = excluded.currency,
  images = excluded.images, active = excluded.active, in_stock = excluded.in_stock, synced_at = excluded.synced_at
WHERE p.synced_at <= excluded.synced_at
"""
DELETE_PRODUCT = "DELETE FROM cms.products WHERE product_id = $1"


async def apply_product_event(tx: asyncpg.Connection, event: ProductChangedV1 | ProductDeletedV1) -> None:
    """Keep cms's projection of the tenant's catalogue (what a ProductGrid shows)."""
    if isinstance(event, ProductDeletedV1):
        await tx.execute(DELETE_PRODUCT, event.product_id)
    else:
        await tx.execute(UPSERT_PRODUCT, event.tenant_id, event.product_id, event.slug, event.name,
                         event.description, event.price_amount, event.currency, event.images, event.active,
                         event.in_stock, event.occurred_at)
    # Only now do rendered grids change: the gateway's cached pages go on this, not on
    # billing's event (which can overtake the projection).
    await add_event(tx, CatalogueSyncedV1(tenant_id=event.tenant_id, product_id=event.product_id))


async def record_charge(tx: asyncpg.Connection, event: CreditsDebitedV1) -> None:
    """Billing captured a job's hold: the job records what was charged."""
    kind, _, job_id = event.reference_id.partition(":")
    if kind in ("generation", "edit"):
        await tx.execute(RECORD_CHARGE, uuid.UUID(job_id), event.amount)

"""The OWNER's export: all of the tenant's data in one zip archive, gathered from every
context by request-reply (each service answers for its own tables)."""

from __future__ import annotations

import asyncio
import io
import uuid
import zipfile
from datetime import UTC, datetime

import msgspec

from shared.auth import Caller, Role
from shared.contracts import ExportTenantData, TenantDataExport
from shared.errors import NotFound
from shared.messaging import request

from . import repo
from .context import Ctx

EXPORTING_SERVICES = ("cms", "assets", "billing")

async def export_tenant(ctx: Ctx, caller: Caller) -> tuple[str, bytes]:
    """(file name, zip bytes) of everything the tenant has, in every context."""
    tenant_id = caller.require(Role.OWNER)
    async with ctx.db.tenant_tx(tenant_id) as tx:
        identity = {table: [msgspec.to_builtins(dict(row)) for row in rows]
                    for table, rows in (await repo.export_tables(tx)).items()}
        if not identity["tenant"]:
            raise NotFound("no such tenant")
    others: list[TenantDataExport] = await asyncio.gather(*(
        request(ctx.nc, ExportTenantData(tenant_id=tenant_id), subject=ExportTenantData.subject_for(service),
                timeout=15)
        for service in EXPORTING_SERVICES))
    exported_at = datetime.now(UTC)
    manifest = {"tenant_id": str(tenant_id), "slug": identity["tenant"][0]["slug"],
                "exported_at": exported_at.isoformat(), "format": "sitebuilder-export-v1",
                "files": ["identity.json", *(f"{part.service}.json" for part in others)]}
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("manifest.json", msgspec.json.format(msgspec.json.encode(manifest)))
        archive.writestr("identity.json", msgspec.json.format(msgspec.json.encode(identity)))
        for part in others:
            archive.writestr(f"{part.service}.json", msgspec.json.format(msgspec.json.encode(part.tables)))
    async with ctx.db.tenant_tx(tenant_id) as tx:
        await repo.audit(tx, tenant_id, caller.account_id, "tenant.exported")
    name = f"{manifest['slug']}-export-{exported_at:%Y%m%dT%H%M%SZ}-{uuid.uuid4().hex[:6]}.zip"
    return name, buffer.getvalue()

"""assets's event subscriptions: subject -> use case."""

from __future__ import annotations

from shared.tenancy import start_tenant_purge
from shared.web import Runtime

# Run in the purged tenant's transaction: row-level security scopes them to it.
PURGE_TENANT = ["DELETE FROM assets.assets"]


async def start(runtime: Runtime) -> None:
    start_tenant_purge(runtime, PURGE_TENANT)

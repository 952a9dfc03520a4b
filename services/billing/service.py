"""Billing's use cases."""

from __future__ import annotations

import uuid

import asyncpg

from shared.contracts import AccountOpenedV1, TenantCreatedV1
from shared.db import Database
from shared.errors import NotFound
from shared.messaging import add_event

from . import repo
from .schemas import BalanceOut

SIGNUP_GRANT = "SIGNUP_GRANT"


async def open_account(tx: asyncpg.Connection, event: TenantCreatedV1, *, grant: int) -> None:
    """Open the new tenant's wallet with its sign-up grant, recorded in the ledger."""
    if not await repo.insert_account(tx, event.tenant_id):
        return
    await repo.insert_ledger_row(tx, event.tenant_id, grant, SIGNUP_GRANT, str(event.event_id),
                                 note="credits granted at sign-up")
    await add_event(tx, AccountOpenedV1(tenant_id=event.tenant_id, balance=grant))


async def get_balance(db: Database, tenant_id: uuid.UUID) -> BalanceOut:
    async with db.tenant_tx(tenant_id) as tx:
        row = await repo.balance(tx)
    if row is None:
        raise NotFound("this tenant has no billing account yet")
    return BalanceOut(tenant_id=tenant_id, balance=row["balance"], ledger_sum=row["ledger_sum"])


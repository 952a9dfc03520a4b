"""Billing's HTTP routes."""

from __future__ import annotations

from datetime import datetime

from litestar import Response, get

from shared.auth import Caller
from shared.web import Runtime

from . import service
from .schemas import BalanceOut, LedgerPage, UsageRow


@get("/balance", summary="Balance, credits held for running AI work, and what is available")
async def get_balance(caller: Caller, runtime: Runtime) -> BalanceOut:
    return await service.get_balance(runtime.db, caller)


@get("/ledger", summary="Ledger entries, newest first, with cursor pagination and filters (OWNER)")
async def get_ledger(caller: Caller, runtime: Runtime, cursor: str | None = None, type: str | None = None,
                     since: datetime | None = None, until: datetime | None = None, limit: int = 50) -> LedgerPage:
    return await service.ledger(runtime.db, caller, cursor=cursor, type_=type, since=since, until=until, limit=limit)


@get("/ledger.csv", summary="The whole ledger as CSV (OWNER)", media_type="text/csv")
async def get_ledger_csv(caller: Caller, runtime: Runtime) -> Response[str]:
    body = await service.ledger_csv(runtime.db, caller)
    return Response(body, media_type="text/csv", headers={"content-disposition": 'attachment; filename="ledger.csv"'})


@get("/usage", summary="Credits by type and day (OWNER)")
async def get_usage(caller: Caller, runtime: Runtime, days: int = 30) -> list[UsageRow]:
    return await service.usage(runtime.db, caller, days=days)


ROUTES = [get_balance, get_ledger, get_ledger_csv, get_usage]

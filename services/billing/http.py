"""Billing's HTTP routes."""

from __future__ import annotations

from litestar import get

from shared.auth import Caller, Role
from shared.web import Runtime

from . import service
from .schemas import BalanceOut


@get("/balance", summary="The tenant's credit balance")
async def get_balance(caller: Caller, runtime: Runtime) -> BalanceOut:
    return await service.get_balance(runtime.db, caller.require(Role.VIEWER))


ROUTES = [get_balance]

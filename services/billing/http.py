"""Billing's HTTP routes."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import msgspec
from litestar import Request, get, post
from litestar.datastructures import State
from litestar.params import JSONBody
from litestar.response import Stream

from shared import bodies
from shared.auth import Caller
from shared.errors import Unavailable
from shared.web import Runtime

from . import service, subscriptions, topups, webhooks
from .schemas import BalanceOut, LedgerPage, UsageRow


@get("/balance", summary="Balance, credits held for running AI work, and what is available")
async def get_balance(caller: Caller, runtime: Runtime) -> BalanceOut:
    return await service.get_balance(runtime.db, caller)


@get("/ledger", summary="Ledger entries, newest first, with cursor pagination and filters (OWNER)")
async def get_ledger(caller: Caller, runtime: Runtime, cursor: str | None = None, type: str | None = None,
                     since: datetime | None = None, until: datetime | None = None, limit: int = 50) -> LedgerPage:
    return await service.ledger(runtime.db, caller, cursor=cursor, type_=type, since=since, until=until, limit=limit)


@get("/ledger.csv", summary="The whole ledger as CSV (OWNER)", media_type="text/csv")
async def get_ledger_csv(caller: Caller, runtime: Runtime) -> Stream:
    chunks = await service.ledger_csv(runtime.db, caller)
    return Stream(chunks, media_type="text/csv", headers={"content-disposition": 'attachment; filename="ledger.csv"'})


@get("/usage", summary="Credits by type and day (OWNER)")
async def get_usage(caller: Caller, runtime: Runtime, days: int = 30) -> list[UsageRow]:
    return await service.usage(runtime.db, caller, days=days)


class TopUpIn(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    pack: str


@post("/top-ups", status_code=201, summary="A Stripe Checkout link for a credit pack (OWNER)")
async def start_top_up(data: JSONBody[TopUpIn], caller: Caller, runtime: Runtime, state: State) -> dict[str, Any]:
    return await topups.start_top_up(runtime.db, state.payments, runtime.settings, caller, data.pack)  # type: ignore[arg-type]


@post("/webhooks/stripe", status_code=200, summary="Stripe's webhook: signature-verified, applied once")
async def stripe_webhook(request: Request[Any, Any, Any], runtime: Runtime, state: State) -> dict[str, str]:
    if state.payments is None:
        raise Unavailable("payments are not configured on this platform")
    body = await bodies.read_body(request, bodies.MAX_JSON_BYTES)  # the body rule's limit, before any hashing
    event = state.payments.verify(body, request.headers.get("stripe-signature"))
    return {"outcome": await webhooks.handle(runtime.db, state.payments, runtime.settings, event)}  # type: ignore[arg-type]


class SubscribeIn(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    plan: str


@post("/subscription", status_code=201, summary="A Stripe Checkout link to subscribe to a plan (OWNER)")
async def subscribe(data: JSONBody[SubscribeIn], caller: Caller, runtime: Runtime, state: State) -> dict[str, Any]:
    return await subscriptions.start_subscription(runtime.db, state.payments, runtime.settings, caller,  # type: ignore[arg-type]
                                                  data.plan)


@post("/billing-portal", status_code=201, summary="A Stripe customer-portal link (OWNER)")
async def billing_portal(caller: Caller, runtime: Runtime, state: State) -> dict[str, str]:
    return await subscriptions.portal(runtime.db, state.payments, runtime.settings, caller)  # type: ignore[arg-type]


ROUTES = [get_balance, get_ledger, get_ledger_csv, get_usage, start_top_up, stripe_webhook, subscribe,
          billing_portal]

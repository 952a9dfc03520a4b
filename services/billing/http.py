"""Billing's HTTP routes: the wallet, top-ups, plans and Stripe's webhook."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import msgspec
from litestar import Request, get, post
from litestar.params import JSONBody
from litestar.response import Stream

from shared import bodies
from shared.auth import Caller

from . import service, subscriptions, topups, webhooks
from .context import Ctx
from .schemas import BalanceOut, LedgerPage, UsageRow


@get("/balance", summary="Balance, credits held for running AI work, and what is available")
async def get_balance(caller: Caller, ctx: Ctx) -> BalanceOut:
    return await service.get_balance(ctx, caller)


@get("/ledger", summary="Ledger entries, newest first, with cursor pagination and filters (OWNER)")
async def get_ledger(caller: Caller, ctx: Ctx, cursor: str | None = None, type: str | None = None,
                     since: datetime | None = None, until: datetime | None = None, limit: int = 50) -> LedgerPage:
    return await service.list_ledger(ctx, caller, cursor=cursor, type_=type, since=since, until=until, limit=limit)


@get("/ledger.csv", summary="The whole ledger as CSV (OWNER)", media_type="text/csv")
async def get_ledger_csv(caller: Caller, ctx: Ctx) -> Stream:
    chunks = await service.export_ledger_csv(ctx, caller)
    return Stream(chunks, media_type="text/csv", headers={"content-disposition": 'attachment; filename="ledger.csv"'})


@get("/usage", summary="Credits by type and day (OWNER)")
async def get_usage(caller: Caller, ctx: Ctx, days: int = 30) -> list[UsageRow]:
    return await service.get_usage(ctx, caller, days=days)


class TopUpIn(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    pack: str


@post("/top-ups", status_code=201, summary="A Stripe Checkout link for a credit pack (OWNER)")
async def start_top_up(data: JSONBody[TopUpIn], caller: Caller, ctx: Ctx) -> dict[str, Any]:
    return await topups.start_top_up(ctx, caller, data.pack)


@post("/webhooks/stripe", status_code=200, summary="Stripe's webhook: signature-verified, applied once")
async def stripe_webhook(request: Request[Any, Any, Any], ctx: Ctx) -> dict[str, str]:
    ctx.require_payments()  # 503 before reading a body nothing here could verify
    body = await bodies.read_body(request, bodies.MAX_JSON_BYTES)  # the body rule's limit, before any hashing
    return {"outcome": await webhooks.receive_webhook(ctx, body, request.headers.get("stripe-signature"))}


class SubscribeIn(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    plan: str


@post("/subscription", status_code=201, summary="A Stripe Checkout link to subscribe to a plan (OWNER)")
async def subscribe(data: JSONBody[SubscribeIn], caller: Caller, ctx: Ctx) -> dict[str, Any]:
    return await subscriptions.start_subscription(ctx, caller, data.plan)


@post("/billing-portal", status_code=201, summary="A Stripe customer-portal link (OWNER)")
async def billing_portal(caller: Caller, ctx: Ctx) -> dict[str, str]:
    return await subscriptions.open_portal(ctx, caller)


ROUTES = [get_balance, get_ledger, get_ledger_csv, get_usage, start_top_up, stripe_webhook, subscribe,
          billing_portal]

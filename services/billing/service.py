"""Billing's use cases for the wallet: accounts, holds for AI work and their settlement,
and reading the balance, the ledger and usage."""

from __future__ import annotations

import logging
import uuid
from collections.abc import AsyncIterator
from datetime import date, datetime

import asyncpg

from shared.auth import Caller, Role
from shared.contracts import (
    AccountOpenedV1,
    AssetDescribedV1,
    AssetDescriptionFailedV1,
    AvailableCredits,
    CountAvailableCredits,
    CreditsAddedV1,
    CreditsDebitedV1,
    CreditsLowV1,
    CreditsReservation,
    DescribeTenant,
    PageGeneratedV1,
    PageGenerationFailedV1,
    ReserveCredits,
    SiteGeneratedV1,
    TenantCreatedV1,
)
from shared.db import Database, savepoint
from shared.errors import AppError, Conflict, Invalid, NotFound
from shared.messaging import add_event, request
from shared.metrics import CREDITS_LOW, CREDITS_SPENT
from shared.pagination import decode_cursor, encode_cursor
from shared.spreadsheets import csv_stream

from . import domain
from .context import Ctx
from .repo import holds, ledger, wallets
from .schemas import BalanceOut, LedgerEntryOut, LedgerPage, UsageRow

log = logging.getLogger("billing")
SIGNUP_GRANT = "SIGNUP_GRANT"
LEDGER_ERRORS: dict[str, type[AppError]] = {"BL404": NotFound, "BL409": Conflict, "BL422": Invalid}


def ledger_error(exc: asyncpg.PostgresError) -> AppError:
    """The ledger functions' SQLSTATEs (and the balance constraints) as problems."""
    if isinstance(exc, asyncpg.CheckViolationError):
        return Conflict("not enough credits for this change", constraint=exc.constraint_name)
    return LEDGER_ERRORS.get(exc.sqlstate, Invalid)(exc.message)


async def apply_entry(tx: asyncpg.Connection, tenant_id: uuid.UUID, amount: int, type_: str, reference_id: str,
                      note: str | None = None, created_by: str | None = None) -> asyncpg.Record:
    """Apply a ledger entry once, in the caller's transaction; a new one that adds credits is
    announced, so work that waited for credits (an image to describe) can go on."""
    row = await ledger.apply_entry(tx, tenant_id, amount, type_, reference_id, note, created_by)
    if amount > 0 and not row["replayed"]:
        await add_event(tx, CreditsAddedV1(tenant_id=tenant_id, amount=amount, type=type_, reference_id=reference_id,
                                           balance=row["balance"]))
    return row


# events: the consumer's transaction holds the inbox entry, so these write in it ---------------


DESCRIBE_TIMEOUT = 2.0  # seconds identity has to say whether a tenant without a wallet exists


async def open_account(ctx: Ctx, tx: asyncpg.Connection, event: TenantCreatedV1) -> None:
    """Open the new tenant's wallet with its sign-up grant, recorded in the ledger."""
    await open_wallet(ctx, tx, event.tenant_id)


async def open_wallet(ctx: Ctx, tx: asyncpg.Connection, tenant_id: uuid.UUID) -> None:
    """The wallet and its sign-up grant, once: whichever comes first, identity's event or the
    tenant's first spending (`opened_on_demand`), opens it; the other finds it open."""
    if not await wallets.insert_account(tx, tenant_id):
        return
    grant = ctx.settings.signup_grant_credits
    await apply_entry(tx, tenant_id, grant, SIGNUP_GRANT, f"sign-up:{tenant_id}",
                      note="credits granted at sign-up", created_by="system")
    await add_event(tx, AccountOpenedV1(tenant_id=tenant_id, balance=grant))


async def opened_on_demand(ctx: Ctx, tenant_id: uuid.UUID) -> bool:
    """A tenant that spends before its sign-up event reached billing: its wallet opens now if
    identity says the tenant exists, so the first generation after sign-up is never refused."""
    try:
        described = await request(ctx.nc, DescribeTenant(tenant_id=tenant_id), timeout=DESCRIBE_TIMEOUT)
    except AppError:
        return False
    if described.tenant_id != tenant_id:
        return False
    async with ctx.db.tenant_tx(tenant_id) as tx:
        await open_wallet(ctx, tx, tenant_id)
    return True


async def settle_page_generation(ctx: Ctx, tx: asyncpg.Connection,
                                 event: PageGeneratedV1 | SiteGeneratedV1 | PageGenerationFailedV1) -> None:
    """A generated page or site pays what it cost from its hold; a failed one returns the hold."""
    if isinstance(event, PageGeneratedV1 | SiteGeneratedV1):
        await capture(tx, event.tenant_id, event.hold_id, event.credits)
    else:
        await release(tx, event.hold_id)


async def settle_asset_description(ctx: Ctx, tx: asyncpg.Connection,
                                   event: AssetDescribedV1 | AssetDescriptionFailedV1) -> None:
    """A described asset pays what it cost from its hold; a failed description returns it."""
    if event.hold_id is None:
        return  # described without a charge (e.g. re-embedding after an edit)
    if isinstance(event, AssetDescribedV1):
        await capture(tx, event.tenant_id, event.hold_id, event.credits)
    else:
        await release(tx, event.hold_id)


async def capture(tx: asyncpg.Connection, tenant_id: uuid.UUID, hold_id: uuid.UUID, amount: int) -> None:
    """Charge the actual cost from a hold (the rest returns); announce it once."""
    try:
        # No savepoint: the event consumer isolates a failing event itself, only when one fails.
        row = await holds.settle(tx, hold_id, amount)
    except asyncpg.PostgresError as exc:
        raise ledger_error(exc) from None
    if not row["settled_now"]:
        return
    if row["captured"]:
        CREDITS_SPENT.labels(row["ledger_type"]).inc(row["captured"])
        await add_event(tx, CreditsDebitedV1(tenant_id=tenant_id, amount=row["captured"], type=row["ledger_type"],
                                             reference_id=row["reference_id"], balance=row["balance"]))
    if row["crossed_low"]:
        CREDITS_LOW.inc()
        threshold = await wallets.low_balance_threshold(tx)
        if threshold is None:  # settle found the hold, so its account is there, locked by this transaction
            raise NotFound("this tenant has no billing account")
        await add_event(tx, CreditsLowV1(tenant_id=tenant_id, balance=row["balance"], threshold=threshold))


async def release(tx: asyncpg.Connection, hold_id: uuid.UUID, final: str = "released") -> None:
    try:
        async with savepoint(tx):
            await holds.settle(tx, hold_id, None, final)
    except asyncpg.PostgresError as exc:
        raise ledger_error(exc) from None


# commands and background work ------------------------------------------------------------------


async def reserve_credits(ctx: Ctx, command: ReserveCredits) -> CreditsReservation:
    """A hold if the available balance covers it, else a refusal saying what is available."""
    domain.check_hold(command.ledger_type, command.ttl_seconds)
    for first in (True, False):
        try:
            async with ctx.db.tenant_tx(command.tenant_id) as tx:
                row = await holds.reserve(tx, command.tenant_id, command.reference, command.amount,
                                          command.ttl_seconds, command.ledger_type)
        except asyncpg.PostgresError as exc:
            raise ledger_error(exc) from None
        if row is not None or not first or not await opened_on_demand(ctx, command.tenant_id):
            break
    if row is None:  # no account, and identity knows no such tenant
        return CreditsReservation(status="refused", amount=command.amount, available=0)
    return CreditsReservation(hold_id=row["hold_id"], status=row["status"], amount=row["amount"],
                              available=row["available"])


async def available_credits(ctx: Ctx, command: CountAvailableCredits) -> AvailableCredits:
    """What the tenant can reserve now: 0 before its account opens."""
    async with ctx.db.tenant_tx(command.tenant_id) as tx:
        row = await wallets.balance(tx)
    if row is None and await opened_on_demand(ctx, command.tenant_id):
        async with ctx.db.tenant_tx(command.tenant_id) as tx:
            row = await wallets.balance(tx)
    return AvailableCredits(available=row["available"] if row else 0)


async def expire_holds(ctx: Ctx, batch: int = 500) -> int:
    """Release holds whose work never reported back (a crashed caller)."""
    async with ctx.db.system_tx() as tx:
        due = await holds.expired_holds(tx, batch)
    for row in due:
        async with ctx.db.tenant_tx(row["tenant_id"]) as tx:
            try:
                await release(tx, row["id"], "expired")
            except Conflict:
                continue  # settled meanwhile
    return len(due)



async def apply_adjustment(db: Database, tenant_id: uuid.UUID, amount: int, reference: str, reason: str,
                           operator: str) -> asyncpg.Record:
    """A correction by an operator: a new ADJUSTMENT row saying who and why. (Given the
    database, not a Ctx: the operator's command opens only the database.)"""
    if not reason.strip() or not operator.strip():
        raise Invalid("an adjustment needs a reason and the operator's name")
    try:
        async with db.tenant_tx(tenant_id) as tx:
            return await apply_entry(tx, tenant_id, amount, "ADJUSTMENT", reference, reason, operator)
    except asyncpg.PostgresError as exc:
        raise ledger_error(exc) from None


# reading the wallet -------------------------------------------------------------------------


async def get_balance(ctx: Ctx, caller: Caller) -> BalanceOut:
    tenant_id = caller.require(Role.VIEWER)
    row = await ctx.db.one(tenant_id, wallets.balance, missing="this tenant has no billing account yet")
    return BalanceOut(tenant_id=tenant_id, balance=row["balance"], held=row["held"], available=row["available"],
                      ledger_sum=row["ledger_sum"], subscription_status=row["subscription_status"])


async def list_ledger(ctx: Ctx, caller: Caller, *, cursor: str | None, type_: str | None, since: datetime | None,
                      until: datetime | None, limit: int) -> LedgerPage:
    tenant_id = caller.require(Role.OWNER)
    limit = domain.page_size(limit, 500)
    async with ctx.db.tenant_tx(tenant_id) as tx:
        rows = await ledger.ledger_page(tx, before=decode_cursor(cursor) if cursor else None, type_=type_,
                                        since=since, until=until, limit=limit + 1)
    entries = [LedgerEntryOut(**dict(row)) for row in rows[:limit]]
    after = encode_cursor(entries[-1].created_at, entries[-1].id) if len(rows) > limit else None
    return LedgerPage(entries=entries, next_cursor=after)


LEDGER_CSV_COLUMNS = ("created_at", "type", "amount", "reference_id", "note", "created_by", "id")


async def export_ledger_csv(ctx: Ctx, caller: Caller) -> AsyncIterator[bytes]:
    """The whole ledger as streamed CSV, newest first, through the one writer that neutralises
    formulas (amounts stay numbers). The first page is read before the first byte is sent,
    so a refused role or an unreachable database is still a problem response, not a cut file."""
    page = await list_ledger(ctx, caller, cursor=None, type_=None, since=None, until=None, limit=500)

    async def batches(page: LedgerPage) -> AsyncIterator[list[list[object]]]:
        while True:
            yield [[entry.created_at, entry.type, entry.amount, entry.reference_id, entry.note, entry.created_by,
                    entry.id] for entry in page.entries]
            if page.next_cursor is None:
                return
            page = await list_ledger(ctx, caller, cursor=page.next_cursor, type_=None, since=None, until=None,
                                     limit=500)

    return csv_stream(LEDGER_CSV_COLUMNS, batches(page))


async def get_usage(ctx: Ctx, caller: Caller, *, days: int) -> list[UsageRow]:
    tenant_id = caller.require(Role.OWNER)
    since, until = domain.usage_window(date.today(), days)
    async with ctx.db.tenant_tx(tenant_id) as tx:
        rows = await ledger.usage(tx, since, until)
    return [UsageRow(**dict(row)) for row in rows]

"""Billing's request and response bodies."""

from __future__ import annotations

import uuid
from datetime import date, datetime

import msgspec


class BalanceOut(msgspec.Struct, frozen=True):
    tenant_id: uuid.UUID
    balance: int
    held: int
    available: int
    ledger_sum: int
    subscription_status: str


class LedgerEntryOut(msgspec.Struct, frozen=True):
    id: uuid.UUID
    amount: int
    type: str
    reference_id: str
    note: str | None
    created_by: str | None
    hold_id: uuid.UUID | None
    created_at: datetime


class LedgerPage(msgspec.Struct, frozen=True):
    entries: list[LedgerEntryOut]
    next_cursor: str | None


class UsageRow(msgspec.Struct, frozen=True):
    day: date
    type: str
    amount: int
    entries: int

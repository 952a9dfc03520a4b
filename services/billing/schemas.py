"""Billing's request and response bodies."""

from __future__ import annotations

import uuid

import msgspec


class BalanceOut(msgspec.Struct, frozen=True):
    tenant_id: uuid.UUID
    balance: int
    ledger_sum: int

"""Billing's SQL, the only place with any: one module per area (wallets, ledger, holds,
top_ups, subscriptions, connect, catalogue, orders, stripe_events, tenancy; operations for
the operator's commands); callers import the area they use (`from .repo import orders`).
Every change of credits is one call of a SQL function (see the migrations): one round
trip while the account row is locked. Row-level security scopes every statement to the
transaction's tenant."""

from __future__ import annotations

import asyncpg

Tx = asyncpg.Connection

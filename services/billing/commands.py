"""Billing's operator commands (run through `python -m services.admin`): a ledger
correction, Stripe reconciliation, and billing's invariants for `check`. Commands act as
billing, with its own database role and its own use cases.

Corrections are a platform operator's act, not a tenant's: an OWNER could otherwise grant
themselves credits. They are new ADJUSTMENT rows that say who and why, which the tenant's
OWNERs see in their ledger; the same reference applies once."""

from __future__ import annotations

import uuid
from typing import Annotated

import asyncpg
import typer

from shared.cli import fail, group, load, run, spinner
from shared.db import Database
from shared.invariants import Invariant, Scope, Violation, outbox_drained
from shared.migrate import MigrateSettings, role_url, service_environ
from shared.web import ServiceContext, opened_runtime

from . import service, webhooks
from .context import Ctx
from .payments import Payments
from .repo import operations
from .settings import Settings

app = typer.Typer()  # its commands join `admin`'s own
stripe_app = group("Stripe: re-run billing's reconciliation.")
app.add_typer(stripe_app, name="stripe")


# adjust -------------------------------------------------------------------------------------


@app.command("adjust", short_help="Add an ADJUSTMENT row to a tenant's ledger, once per reference.")
def adjust(
    tenant: Annotated[uuid.UUID, typer.Option(help="the tenant's id")],
    amount: Annotated[int, typer.Option(help="credits, negative to take back")],
    reference: Annotated[str, typer.Option(help="e.g. a support ticket; applies once")],
    reason: Annotated[str, typer.Option(help="why, as the tenant's OWNERs will read it in their ledger")],
    operator: Annotated[str, typer.Option(help="who makes the correction")],
) -> None:
    """Correct a tenant's credits: a new ADJUSTMENT row in its ledger saying who and why.
    The same --reference applies once; giving it again changes nothing."""
    config = load(MigrateSettings)
    row = run(apply_adjustment(config, tenant, amount, reference, reason, operator))
    state = "already applied" if row["replayed"] else "applied"
    typer.echo(f"{state}: {row['amount']:+d} credits to {tenant}; balance {row['balance']}")


async def apply_adjustment(config: MigrateSettings, tenant: uuid.UUID, amount: int, reference: str, reason: str,
                           operator: str) -> asyncpg.Record:
    db = await Database.connect(role_url(config, "billing"), name="admin-cli", max_size=1)
    try:
        return await service.apply_adjustment(db, tenant, amount, reference, reason, operator)
    finally:
        await db.close()


# stripe -------------------------------------------------------------------------------------


@stripe_app.command("reconcile", short_help="Apply Stripe events that never arrived, once.")
def stripe_reconcile() -> None:
    """Run billing's Stripe reconciliation once: apply the events of the last three days that
    Stripe could not deliver by webhook and billing has not seen. Uses billing's settings
    (STRIPE_SECRET_KEY, STRIPE_API_BASE, PLANS, ...); safe beside running billing replicas,
    since every Stripe event is applied once."""
    config = load(MigrateSettings)
    with spinner("reconciling with Stripe"):
        applied = run(reconcile_stripe(config))
    typer.echo(f"applied {applied} Stripe events that never arrived by webhook")


async def reconcile_stripe(config: MigrateSettings) -> int:
    settings = load(Settings, service_environ(config, "billing"))
    if not settings.stripe_secret_key:
        fail("payments are not configured: set STRIPE_SECRET_KEY (and STRIPE_API_BASE for a Stripe-compatible "
             "server) as for the billing service")
    payments = Payments(settings.stripe_secret_key, settings.stripe_webhook_secret, settings.stripe_api_base)
    try:
        async with opened_runtime("admin-cli", settings) as runtime:
            return await webhooks.reconcile(Ctx(**ServiceContext.parts(runtime), settings=settings, payments=payments))
    finally:
        # Payments has no close of its own; its HTTP client holds an aiohttp session.
        http = getattr(getattr(payments.client, "_requestor", None), "_client", None)
        if http is not None:
            await http.close_async()


# invariants (`check`) ------------------------------------------------------------------------


async def balances_match_ledgers(conn: asyncpg.Connection, scope: Scope) -> list[Violation]:
    return [Violation("balance", str(row["tenant_id"]), f"balance {row['balance']} but the ledger sums to "
                                                        f"{row['ledger']}")
            for row in await operations.balance_drift(conn, scope.tenant)]


async def held_matches_open_holds(conn: asyncpg.Connection, scope: Scope) -> list[Violation]:
    return [Violation("held", str(row["tenant_id"]), f"held {row['held']} but open holds sum to {row['open_holds']}")
            for row in await operations.held_drift(conn, scope.tenant)]


async def no_expired_holds(conn: asyncpg.Connection, scope: Scope) -> list[Violation]:
    return [Violation("expired-hold", str(row["tenant_id"]),
                      f"hold {row['id']} ({row['amount']} credits, {row['reference_id']}) still held "
                      f"{row['overdue']} s after it expired")
            for row in await operations.expired_holds(conn, scope.tenant, scope.hold_grace)]


async def every_tenant_has_a_wallet(conn: asyncpg.Connection, scope: Scope) -> list[Violation]:
    """Billing opens a wallet when identity.tenant.created arrives; past the lag it should be there."""
    due = [t for t in scope.tenants if t.age > scope.max_lag and scope.covers(t.id)]
    have = await operations.wallets_among(conn, [t.id for t in due])
    return [Violation("no-wallet", str(t.id), f"tenant {t.slug} has no billing account (tenant.created not applied?)")
            for t in due if t.id not in have]


INVARIANTS = [Invariant("balances", balances_match_ledgers), Invariant("held credits", held_matches_open_holds),
              Invariant("expired holds", no_expired_holds), Invariant("wallets", every_tenant_has_a_wallet),
              outbox_drained("billing")]

"""Wires the billing process."""

from __future__ import annotations

from datetime import UTC, datetime

from litestar import Litestar

from shared import settings as settings_loader
from shared.contracts import CountAvailableCredits, ReserveCredits
from shared.messaging import serve_command
from shared.tenancy import serve_tenant_export, start_tenant_purge
from shared.web import Runtime, ServiceContext, create_service_app

from . import consumers, service, subscriptions, webhooks
from .commerce_http import COMMERCE_ROUTES
from .context import Ctx
from .http import ROUTES
from .payments import Payments
from .repo.tenancy import EXPORT_QUERIES, PURGE_TENANT
from .settings import Settings


def create_app(settings: Settings) -> Litestar:
    payments = (Payments(settings.stripe_secret_key, settings.stripe_webhook_secret, settings.stripe_api_base)
                if settings.stripe_secret_key else None)

    def context(runtime: Runtime) -> Ctx:
        return Ctx(**ServiceContext.parts(runtime), settings=settings, payments=payments)

    async def serve(ctx: Ctx) -> None:
        await serve_tenant_export(ctx.runtime, EXPORT_QUERIES)
        await serve_command(ctx.nc, ReserveCredits, lambda command: service.reserve_credits(ctx, command))
        await serve_command(ctx.nc, CountAvailableCredits, lambda command: service.available_credits(ctx, command))

    async def workers(ctx: Ctx) -> None:
        consumers.subscribe(ctx)
        start_tenant_purge(ctx.runtime, PURGE_TENANT)
        ctx.repeat("billing-hold-expiry", settings.hold_sweep_interval, lambda: service.expire_holds(ctx))
        ctx.repeat("billing-monthly-grants", settings.grant_interval,
                   lambda: subscriptions.grant_monthly(ctx, datetime.now(UTC)), first_at_once=True)
        if payments is not None:
            ctx.repeat("billing-stripe-reconcile", settings.reconcile_interval, lambda: webhooks.reconcile_round(ctx))

    return create_service_app("billing", settings, route_handlers=[*ROUTES, *COMMERCE_ROUTES], context=context,
                              serve=serve, workers=workers,
                              description="Credit wallet and ledger, Stripe top-ups and plans, commerce.")


def create_app_from_env() -> Litestar:
    return create_app(settings_loader.load_or_exit(Settings))

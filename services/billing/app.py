"""Wires the billing process."""

from __future__ import annotations

from litestar import Litestar

from shared import settings as settings_loader
from shared.web import Runtime, create_service_app

from . import consumers
from .commerce_http import COMMERCE_ROUTES
from .http import ROUTES
from .payments import Payments
from .settings import Settings


def create_app(settings: Settings) -> Litestar:
    payments = (Payments(settings.stripe_secret_key, settings.stripe_webhook_secret, settings.stripe_api_base)
                if settings.stripe_secret_key else None)

    async def workers(runtime: Runtime) -> None:
        await consumers.start(runtime, payments)

    app = create_service_app("billing", settings, route_handlers=[*ROUTES, *COMMERCE_ROUTES], serve=consumers.serve,
                             workers=workers,
                             description="Credit wallet and ledger, Stripe top-ups and plans, commerce.")
    app.state.payments = payments
    return app


def create_app_from_env() -> Litestar:
    return create_app(settings_loader.load_or_exit(Settings))

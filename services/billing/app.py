"""Wires the billing process."""

from __future__ import annotations

from litestar import Litestar

from shared import settings as settings_loader
from shared.web import create_service_app

from . import consumers
from .http import ROUTES
from .settings import Settings


def create_app(settings: Settings) -> Litestar:
    return create_service_app("billing", settings, route_handlers=ROUTES, serve=consumers.serve,
                              workers=consumers.start,
                              description="Credit wallet and ledger, Stripe top-ups, commerce.")


def create_app_from_env() -> Litestar:
    return create_app(settings_loader.load_or_exit(Settings))

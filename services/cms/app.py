"""Wires the cms process."""

from __future__ import annotations

from litestar import Litestar

from shared import settings as settings_loader
from shared.web import create_service_app

from . import consumers
from .delivery import RenderCache
from .http import ROUTES
from .settings import Settings


def create_app(settings: Settings) -> Litestar:
    app = create_service_app("cms", settings, route_handlers=ROUTES, serve=consumers.serve, workers=consumers.start,
                             description="Pages as component trees, versions, rendering.")
    app.state.render_cache = RenderCache()
    return app


def create_app_from_env() -> Litestar:
    return create_app(settings_loader.load_or_exit(Settings))

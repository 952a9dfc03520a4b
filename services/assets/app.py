"""Wires the assets process."""

from __future__ import annotations

from litestar import Litestar

from shared import settings as settings_loader
from shared.storage import Storage
from shared.web import create_service_app

from . import consumers
from .http import ROUTES
from .settings import Settings


def create_app(settings: Settings) -> Litestar:
    app = create_service_app("assets", settings, route_handlers=ROUTES, serve=consumers.serve,
                             workers=consumers.start, vector=True, max_body_bytes=settings.max_upload_bytes + 65536,
                             description="Media library with AI descriptions and semantic search.")
    app.state.storage = Storage(settings.storage_url)
    return app


def create_app_from_env() -> Litestar:
    return create_app(settings_loader.load_or_exit(Settings))

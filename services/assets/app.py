"""Wires the assets process."""

from __future__ import annotations

from litestar import Litestar

from shared import settings as settings_loader
from shared.web import ServiceSettings, create_service_app

from . import consumers


def create_app(settings: ServiceSettings) -> Litestar:
    return create_service_app("assets", settings, route_handlers=[], serve=consumers.serve,
                              workers=consumers.start, vector=True,
                              description="Media library with AI descriptions and semantic search.")


def create_app_from_env() -> Litestar:
    return create_app(settings_loader.load_or_exit(ServiceSettings))

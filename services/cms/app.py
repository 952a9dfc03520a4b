"""Wires the cms process."""

from __future__ import annotations

from litestar import Litestar

from shared import settings as settings_loader
from shared.ai import AISettings, create_provider
from shared.web import Runtime, ServiceContext, create_service_app

from . import consumers, offline_writers
from .ai_http import AI_ROUTES
from .context import Ctx
from .generation import Generator
from .http import ROUTES
from .settings import Settings
from .site_fast_path import site_fast_path


def create_app(settings: Settings, ai: AISettings | None = None) -> Litestar:
    provider = create_provider(ai or AISettings(), offline_skills=offline_writers.skills())

    def context(runtime: Runtime) -> Ctx:
        # Jobs run where they were accepted, started by the request (not a background worker).
        generator = Generator(runtime.db, runtime.nc, provider, settings)
        return Ctx(**ServiceContext.parts(runtime), settings=settings, provider=provider, generator=generator)

    return create_service_app("cms", settings, route_handlers=[*ROUTES, *AI_ROUTES], context=context,
                              serve=consumers.serve, workers=consumers.start, front=site_fast_path,
                              description="Pages as component trees, versions, rendering, AI.")


def create_app_from_env() -> Litestar:
    return create_app(settings_loader.load_or_exit(Settings), settings_loader.load_or_exit(AISettings))

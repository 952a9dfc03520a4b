"""Wires the cms process."""

from __future__ import annotations

from litestar import Litestar

from shared import settings as settings_loader
from shared.ai import AISettings, create_provider
from shared.web import Runtime, create_service_app

from . import consumers
from .ai_http import AI_ROUTES
from .delivery import RenderCache
from .generation import Generator
from .http import ROUTES
from .settings import Settings


def create_app(settings: Settings, ai: AISettings | None = None) -> Litestar:
    provider = create_provider(ai or AISettings())

    async def serve(runtime: Runtime) -> None:
        await consumers.serve(runtime)
        # Jobs run where they were accepted, started by the request (not a background worker).
        app.state.generator = Generator(runtime.db, runtime.nc, provider, settings)

    app = create_service_app("cms", settings, route_handlers=[*ROUTES, *AI_ROUTES], serve=serve,
                             workers=consumers.start, description="Pages as component trees, versions, rendering, AI.")
    app.state.render_cache = RenderCache()
    app.state.provider = provider
    return app


def create_app_from_env() -> Litestar:
    return create_app(settings_loader.load_or_exit(Settings), settings_loader.load_or_exit(AISettings))

"""Wires the assets process."""

from __future__ import annotations

from litestar import Litestar

from shared import settings as settings_loader
from shared.ai import AISettings, create_provider
from shared.contracts import CreditsAddedV1, SearchAssets
from shared.messaging import EventConsumer, serve_command
from shared.storage import Storage
from shared.web import Runtime, create_service_app

from . import consumers
from .describe import Describer
from .http import ROUTES
from .reembed import Reembedder
from .search import QueryEmbeddings, answer_search
from .settings import Settings


def create_app(settings: Settings, ai: AISettings | None = None) -> Litestar:
    storage = Storage(settings.storage_url)
    provider = create_provider(ai or AISettings())

    async def workers(runtime: Runtime) -> None:
        await consumers.start(runtime, storage)
        app.state.describer = Describer(runtime.db, runtime.nc, storage, provider,
                                        credits=settings.description_credits)
        runtime.spawn(app.state.describer.run(), "assets-describer")
        requeue = EventConsumer(runtime.db, runtime.js, durable="assets-credits-added", events=[CreditsAddedV1],
                                handler=app.state.describer.credits_arrived)
        runtime.spawn(requeue.run(), "assets-credits-added")
        app.state.reembedder = Reembedder(runtime.db, provider)
        runtime.spawn(app.state.reembedder.run(), "assets-reembedder")

    async def serve(runtime: Runtime) -> None:
        await consumers.serve(runtime)
        await serve_command(runtime.nc, SearchAssets,
                            lambda command: answer_search(runtime.db, app.state.query_embeddings, command))

    app = create_service_app("assets", settings, route_handlers=ROUTES, serve=serve, workers=workers,
                             vector=True, max_body_bytes=2 * settings.max_upload_bytes,
                             description="Media library with AI descriptions and semantic search.")
    app.state.storage = storage
    app.state.provider = provider
    app.state.describer = None
    app.state.reembedder = None
    app.state.query_embeddings = QueryEmbeddings(provider)
    return app


def create_app_from_env() -> Litestar:
    return create_app(settings_loader.load_or_exit(Settings), settings_loader.load_or_exit(AISettings))

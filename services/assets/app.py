"""Wires the assets process."""

from __future__ import annotations

from litestar import Litestar

from shared import settings as settings_loader
from shared.ai import AISettings, create_provider
from shared.storage import Storage
from shared.web import Runtime, ServiceContext, create_service_app

from . import consumers
from .context import Ctx
from .describe import Describer
from .http import ROUTES
from .query_embeddings import QueryEmbeddings
from .reembed import Reembedder
from .settings import Settings
from .variant_jobs import VariantJobs


def create_app(settings: Settings, ai: AISettings | None = None) -> Litestar:
    storage = Storage(settings.storage_url)
    provider = create_provider(ai or AISettings())
    query_embeddings = QueryEmbeddings(provider)

    def context(runtime: Runtime) -> Ctx:
        return Ctx(**ServiceContext.parts(runtime), settings=settings, storage=storage, provider=provider,
                   query_embeddings=query_embeddings,
                   describer=Describer(runtime.db, runtime.nc, storage, provider,
                                       credits=settings.description_credits),
                   reembedder=Reembedder(runtime.db, provider),
                   variant_jobs=VariantJobs(settings.variant_jobs))

    async def workers(ctx: Ctx) -> None:
        consumers.start(ctx)
        ctx.spawn(ctx.describer.run(), "assets-describer")
        ctx.spawn(ctx.reembedder.run(), "assets-reembedder")

    return create_service_app("assets", settings, route_handlers=ROUTES, context=context, serve=consumers.serve,
                              workers=workers, vector=True, max_body_bytes=2 * settings.max_upload_bytes,
                              description="Media library with AI descriptions and semantic search.")


def create_app_from_env() -> Litestar:
    return create_app(settings_loader.load_or_exit(Settings), settings_loader.load_or_exit(AISettings))

"""Wires the identity process."""

from __future__ import annotations

from litestar import Litestar

from shared import settings as settings_loader
from shared.auth import SigningKey
from shared.contracts import ResolveHost
from shared.messaging import serve_command
from shared.web import Runtime, create_service_app

from . import service
from .http import ROUTES
from .settings import Settings


def create_app(settings: Settings) -> Litestar:
    async def serve(runtime: Runtime) -> None:
        await serve_command(runtime.nc, ResolveHost, lambda query: service.resolve_host(runtime.db, query))

    app = create_service_app("identity", settings, route_handlers=ROUTES, serve=serve,
                             description="Tenants, accounts, memberships and access tokens.")
    app.state.tokens = service.Tokens(SigningKey.from_pem(settings.jwt_private_key), settings.access_token_ttl)
    return app


def create_app_from_env() -> Litestar:
    return create_app(settings_loader.load_or_exit(Settings))

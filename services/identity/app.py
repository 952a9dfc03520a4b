"""Wires the identity process."""

from __future__ import annotations

from litestar import Litestar

from shared import settings as settings_loader
from shared.auth import SigningKey
from shared.contracts import ResolveHost, VerifyApiKey
from shared.messaging import serve_command
from shared.web import Runtime, create_service_app

from . import domains, keys, mail, tenants
from .context import Ctx
from .domain import Passwords
from .http import ROUTES
from .settings import Settings
from .tokens import Tokens


def create_app(settings: Settings) -> Litestar:
    previous = SigningKey.from_pem(settings.jwt_previous_private_key) if settings.jwt_previous_private_key else None
    tokens = Tokens(SigningKey.from_pem(settings.jwt_private_key), previous, settings.access_token_ttl)
    passwords = Passwords(time_cost=settings.password_time_cost, memory_kib=settings.password_memory_kib)
    checker = domains.TxtChecker(settings.dns_resolver)

    async def serve(runtime: Runtime) -> None:
        ctx = Ctx(db=runtime.db, settings=settings, tokens=tokens, passwords=passwords)
        app.state.ctx = ctx
        await serve_command(runtime.nc, ResolveHost, lambda query: tenants.resolve_host(ctx, query))
        await serve_command(runtime.nc, VerifyApiKey, lambda query: keys.verify_api_key(ctx, query))

    async def workers(runtime: Runtime) -> None:
        if settings.smtp_url:
            runtime.spawn(mail.deliver_forever(app.state.ctx), "identity-mail")
        runtime.spawn(domains.recheck_forever(app.state.ctx, checker), "identity-domain-recheck")
        runtime.spawn(tenants.purge_forever(app.state.ctx), "identity-tenant-purge")

    app = create_service_app("identity", settings, route_handlers=ROUTES, serve=serve, workers=workers,
                             description="Tenants, accounts, memberships, tokens, invitations, API keys, domains.")
    app.state.txt_checker = checker
    return app


def create_app_from_env() -> Litestar:
    return create_app(settings_loader.load_or_exit(Settings))

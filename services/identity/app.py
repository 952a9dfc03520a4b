"""Wires the identity process."""

from __future__ import annotations

from litestar import Litestar

from shared import settings as settings_loader
from shared.auth import SigningKey
from shared.contracts import DescribeTenant, ResolveHost, VerifyApiKey
from shared.messaging import serve_command
from shared.web import Runtime, ServiceContext, create_service_app

from . import accounts, domains, keys, mail, tenants
from .context import Ctx
from .domain import Passwords
from .http import ROUTES
from .settings import Settings
from .tokens import Tokens
from .txt_records import TxtChecker


def create_app(settings: Settings) -> Litestar:
    previous = SigningKey.from_pem(settings.jwt_previous_private_key) if settings.jwt_previous_private_key else None
    tokens = Tokens(SigningKey.from_pem(settings.jwt_private_key), previous, settings.access_token_ttl)
    passwords = Passwords(time_cost=settings.password_time_cost, memory_kib=settings.password_memory_kib)
    txt_checker = TxtChecker(settings.dns_resolver)

    def context(runtime: Runtime) -> Ctx:
        return Ctx(**ServiceContext.parts(runtime), settings=settings, tokens=tokens, passwords=passwords,
                   txt_checker=txt_checker)

    async def serve(ctx: Ctx) -> None:
        await serve_command(ctx.nc, ResolveHost, lambda query: tenants.resolve_host(ctx, query))
        await serve_command(ctx.nc, VerifyApiKey, lambda query: keys.verify_api_key(ctx, query))
        await serve_command(ctx.nc, DescribeTenant, lambda query: tenants.describe_tenant(ctx, query))

    async def workers(ctx: Ctx) -> None:
        if settings.smtp_url:
            ctx.spawn(mail.deliver_forever(ctx), "identity-mail")
        ctx.repeat("identity-domain-recheck", settings.domain_recheck_interval, lambda: domains.recheck_domains(ctx))
        ctx.repeat("identity-tenant-purge", settings.purge_check_interval, lambda: tenants.purge_due_tenants(ctx))
        ctx.repeat("identity-sweep", settings.sweep_interval, lambda: accounts.sweep_spent(ctx))

    return create_service_app("identity", settings, route_handlers=ROUTES, context=context, serve=serve,
                              workers=workers,
                              description="Tenants, accounts, memberships, tokens, invitations, API keys, domains.")


def create_app_from_env() -> Litestar:
    return create_app(settings_loader.load_or_exit(Settings))

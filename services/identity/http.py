"""Identity's HTTP routes."""

from __future__ import annotations

from litestar import get, post
from litestar.datastructures import State
from litestar.params import JSONBody

from shared.auth import Caller, NotTenantHost, Role
from shared.errors import Forbidden
from shared.web import Runtime

from . import service
from .schemas import LoginIn, MeOut, SignupIn, SignupOut, TokenOut


@post("/signup", status_code=201, summary="Create a tenant and its first owner")
async def sign_up(data: JSONBody[SignupIn], caller: Caller, runtime: Runtime, state: State) -> SignupOut:
    if caller.tenant_id is not None:
        raise Forbidden("sign up on the platform's own host, not a tenant's")
    return await service.sign_up(runtime.db, state.tokens, data)


@post("/login", status_code=200, summary="Exchange e-mail and password for an access token")
async def log_in(data: JSONBody[LoginIn], caller: Caller, runtime: Runtime, state: State) -> TokenOut:
    if caller.tenant_id is None:
        raise NotTenantHost("log in on your site's host")
    return await service.log_in(runtime.db, state.tokens, caller.tenant_id, data)


@get("/me", summary="The signed-in account in this tenant")
async def me(caller: Caller) -> MeOut:
    tenant_id = caller.require(Role.VIEWER)
    assert caller.account_id is not None and caller.role is not None
    return MeOut(tenant_id=tenant_id, account_id=caller.account_id, role=caller.role)


@get("/.well-known/jwks.json", summary="Public keys that verify access tokens", sync_to_thread=False)
def jwks(state: State) -> dict[str, list[dict[str, str]]]:
    return {"keys": [state.tokens.key.jwk()]}


ROUTES = [sign_up, log_in, me, jwks]

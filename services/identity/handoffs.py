"""Hand-offs: a person signed in on the platform's host opens one of their sites and arrives
signed in on that site's host. Each host is its own origin and its own cookies (the platform's
refresh cookie never leaves it), so the platform session makes a one-time code for one site,
and that site's host trades it for a session of its own."""

from __future__ import annotations

import uuid

from shared.errors import Forbidden, Unauthorized

from . import domain, repo
from .accounts import live, open_session, session_of
from .context import Ctx
from .schemas import HandoffOut, HandoffRedeemIn, TokenOut
from .tokens import digest, new_secret


async def create_handoff(ctx: Ctx, tenant_id: uuid.UUID, refresh_token: str, csrf: str | None) -> HandoffOut:
    """A code, good once for a minute, that signs this session's account in on `tenant_id`'s host."""
    code, code_hash = new_secret("sbh")
    async with ctx.db.tenant_tx(tenant_id) as tx:
        session = live(await session_of(ctx, tx, refresh_token, csrf))
        if session["expires_at"] <= await repo.now(tx):
            raise Unauthorized("this session has expired; log in again")
        # The same answer for a site that does not exist: nothing tells which ids are sites.
        if await repo.role_of(tx, session["account_id"]) is None:
            raise Forbidden("you are not a member of this site")
        tenant = await repo.tenant(tx, tenant_id)
        assert tenant is not None
        await repo.delete_stale_handoffs(tx)
        await repo.insert_handoff(tx, tenant_id, code_hash, session["account_id"], session["session_id"],
                                  ctx.settings.handoff_ttl)
    return HandoffOut(code=code, url=ctx.site_url(tenant["slug"], f"/studio/handoff#code={code}"),
                      expires_in=ctx.settings.handoff_ttl)


async def redeem_handoff(ctx: Ctx, tenant_id: uuid.UUID, data: HandoffRedeemIn) -> TokenOut:
    """Trade a code made for this host's tenant for a session here. A code that passed the
    checks is used up even when its account turns out to have left the site meanwhile."""
    code_hash = digest(data.code)
    async with ctx.db.tenant_tx(tenant_id) as tx:
        handoff = await repo.handoff_for_update(tx, code_hash)
        domain.check_handoff(handoff, await repo.now(tx))
        assert handoff is not None
        await repo.use_handoff(tx, code_hash)
        role = await repo.role_of(tx, handoff["account_id"])
        if role is not None:
            await repo.audit(tx, tenant_id, handoff["account_id"], "member.signed_in", via="handoff")
            session = await open_session(ctx, tx, handoff["account_id"])
    if role is None:  # raised after the commit, so the code stays used
        raise Forbidden("you are not a member of this site any more")
    return ctx.tokens.issue(handoff["account_id"], tenant_id, role, *session)

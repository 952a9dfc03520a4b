"""Stripe Connect onboarding: each tenant that sells gets an Express connected account,
created once (an idempotency key per tenant makes a retry return the same account) and
stored once: the id is written only where none is, and is unique across tenants, so no
tenant can take over another's account. Stripe's account.updated keeps what it may do
(charges, payouts, what Stripe still needs) current, and announces it (ShopChangedV1): the
tenant's site shows Buy buttons only while its shop can take charges."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from shared.auth import Caller, Role
from shared.contracts import ShopChangedV1
from shared.errors import Conflict, NotFound
from shared.messaging import add_event

from . import domain
from .context import Ctx
from .repo import connect
from .schemas import ConnectOut


async def get_connect_status(ctx: Ctx, caller: Caller) -> ConnectOut:
    async with ctx.db.tenant_tx(caller.require(Role.OWNER)) as tx:
        row = await connect.connect_account(tx)
    if row is None:
        raise NotFound("this tenant has no billing account yet")
    return ConnectOut(account_id=row["stripe_connect_id"], charges_enabled=row["connect_charges_enabled"],
                      payouts_enabled=row["connect_payouts_enabled"],
                      details_submitted=row["connect_details_submitted"],
                      requirements=list(row["connect_requirements"]),
                      fee_percent=domain.fee_percent(ctx.settings.commerce_fee_percent, row["plan"]))


async def start_onboarding(ctx: Ctx, caller: Caller) -> dict[str, Any]:
    """A fresh, single-use onboarding link (OWNER). Its refresh URL leads back to the
    editor, which asks for a new one: links are never handed to anyone but an OWNER."""
    payments = ctx.require_payments()
    tenant_id = caller.require(Role.OWNER)
    async with ctx.db.tenant_tx(tenant_id) as tx:
        row = await connect.connect_account(tx)
    if row is None:
        raise NotFound("this tenant has no billing account yet")
    account_id = row["stripe_connect_id"]
    if account_id is None:
        account = await payments.create_connected_account(str(tenant_id), None)
        async with ctx.db.tenant_tx(tenant_id) as tx:
            account_id = await connect.claim_connect_id(tx, account.id)
            if account_id is None:  # another request stored the tenant's account first
                stored = await connect.connect_account(tx)
                account_id = stored["stripe_connect_id"] if stored is not None else None
    base = ctx.settings.public_base_url.rstrip("/")
    link = await payments.account_link(account_id, refresh_url=f"{base}/settings/payments?refresh=1",
                                       return_url=ctx.settings.connect_return_url
                                       or f"{base}/settings/payments?done=1")
    return {"account_id": account_id, "url": link.url, "expires_at": link.expires_at}


async def create_dashboard_link(ctx: Ctx, caller: Caller) -> dict[str, str]:
    payments = ctx.require_payments()
    async with ctx.db.tenant_tx(caller.require(Role.OWNER)) as tx:
        row = await connect.connect_account(tx)
    if row is None or row["stripe_connect_id"] is None or not row["connect_details_submitted"]:
        raise Conflict("finish onboarding first: the Stripe dashboard opens once your details are in")
    return {"url": (await payments.login_link(row["stripe_connect_id"])).url}


async def apply_account_updated(ctx: Ctx, account: dict[str, Any], created: int) -> str:
    """Stripe's account.updated: what the tenant's connected account may do now."""
    tenant_id = domain.tenant_of(account)
    if tenant_id is None:
        return "not ours"
    requirements = (account.get("requirements") or {}).get("currently_due") or []
    async with ctx.db.tenant_tx(tenant_id) as tx:
        stored = await connect.apply_account(tx, account["id"], bool(account.get("charges_enabled")),
                                             bool(account.get("payouts_enabled")),
                                             bool(account.get("details_submitted")), list(requirements),
                                             datetime.fromtimestamp(created, UTC))
        if stored is not None:
            # The whole state as stored, written under the row's lock: of two racing updates,
            # the later event carries the later state (cms shows a Buy button by it).
            await add_event(tx, ShopChangedV1(tenant_id=tenant_id, charges_enabled=stored["connect_charges_enabled"],
                                              payouts_enabled=stored["connect_payouts_enabled"],
                                              details_submitted=stored["connect_details_submitted"]))
    return "account updated" if stored is not None else "stale or unknown account"

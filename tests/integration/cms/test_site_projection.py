"""cms's projection of a tenant's site against real PostgreSQL (services/cms/sites.py): a
state identity described on request and identity's events obey one ordering rule, so
whichever arrives last, the newest state stays. Identity's side of DescribeTenant runs in
tests/e2e/test_site_ready.py; here a stand-in answers, on a connection of the test's own."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any

import msgspec
import pytest

from services.cms import sites
from services.cms.repo import projections
from shared.contracts import (
    DescribedTenant,
    DescribeTenant,
    DomainVerifiedV1,
    TenantCreatedV1,
    TenantUpdatedV1,
)
from shared.db import Database
from shared.dev.stack import Stack
from tests.conftest import KERNEL_DATABASE

T0 = datetime(2030, 1, 1, 12, 0, tzinfo=UTC)
OWNER = uuid.uuid4()


@pytest.fixture(scope="module")
async def cms_db(stack: Stack) -> AsyncIterator[Database]:
    # The kernel tests' database: no running cms consumes events into it behind the test's back.
    db = await Database.connect(stack.database_url("cms", KERNEL_DATABASE), name="tests-cms-sites", max_size=3)
    yield db
    await db.close()


def described(tenant_id: uuid.UUID, name: str, at: datetime, domain: str | None = None) -> DescribedTenant:
    return DescribedTenant(tenant_id=tenant_id, slug="surf", name=name, theme={"preset": "harbour"},
                           custom_domain=domain, as_of=at)


def created(tenant_id: uuid.UUID, name: str, at: datetime) -> TenantCreatedV1:
    return TenantCreatedV1(tenant_id=tenant_id, slug="surf", name=name, owner_account_id=OWNER,
                           owner_email="owner@surf.example", theme={"preset": "harbour"}, occurred_at=at)


async def site_of(db: Database, tenant_id: uuid.UUID) -> dict[str, Any] | None:
    async with db.tenant_tx(tenant_id) as tx:
        row = await projections.site(tx)
    return dict(row) if row else None


async def test_an_older_event_after_the_described_state_changes_nothing(cms_db: Database,
                                                                         tenant_id: uuid.UUID) -> None:
    async with cms_db.tenant_tx(tenant_id) as tx:
        await sites.apply_described_tenant(tx, described(tenant_id, "Blue Ocean", T0, "surf.example"))
    async with cms_db.tenant_tx(tenant_id) as tx:  # sign-up's event, stamped before identity's reading
        await sites.apply_identity_event(tx, created(tenant_id, "Blue", T0 - timedelta(seconds=1)))
    async with cms_db.tenant_tx(tenant_id) as tx:
        await sites.apply_identity_event(tx, DomainVerifiedV1(tenant_id=tenant_id, domain="old.example",
                                                              occurred_at=T0 - timedelta(seconds=1)))
    site = await site_of(cms_db, tenant_id)
    assert site is not None
    assert (site["name"], site["custom_domain"], site["synced_at"]) == ("Blue Ocean", "surf.example", T0)


async def test_a_newer_event_after_the_described_state_applies(cms_db: Database, tenant_id: uuid.UUID) -> None:
    async with cms_db.tenant_tx(tenant_id) as tx:
        await sites.apply_described_tenant(tx, described(tenant_id, "Blue Ocean", T0, "surf.example"))
    later = T0 + timedelta(seconds=1)
    async with cms_db.tenant_tx(tenant_id) as tx:
        await sites.apply_identity_event(tx, TenantUpdatedV1(tenant_id=tenant_id, slug="surf2", name="Blue Ocean II",
                                                             theme={"preset": "harbour"}, occurred_at=later))
    site = await site_of(cms_db, tenant_id)
    assert site is not None
    assert (site["slug"], site["name"], site["custom_domain"], site["synced_at"]) == \
        ("surf2", "Blue Ocean II", "surf.example", later)


async def test_an_older_description_after_an_event_changes_nothing(cms_db: Database, tenant_id: uuid.UUID) -> None:
    async with cms_db.tenant_tx(tenant_id) as tx:
        await sites.apply_identity_event(tx, created(tenant_id, "Blue Ocean", T0))
    async with cms_db.tenant_tx(tenant_id) as tx:  # a slow answer, read before the event's change
        await sites.apply_described_tenant(tx, described(tenant_id, "Blue", T0 - timedelta(seconds=1), "x.example"))
    site = await site_of(cms_db, tenant_id)
    assert site is not None
    assert (site["name"], site["custom_domain"]) == ("Blue Ocean", None)


class Reply(msgspec.Struct):
    data: bytes


class Identity:
    """A stand-in for the NATS connection to identity: answers DescribeTenant with `answer`
    (None: nobody answers), and counts the questions."""

    def __init__(self, answer: DescribedTenant | None) -> None:
        self.answer, self.asked = answer, []  # type: list[uuid.UUID]

    async def request(self, subject: str, data: bytes, timeout: float, headers: Any = None) -> Reply:
        import nats.errors

        assert subject == DescribeTenant.SUBJECT
        self.asked.append(DescribeTenant.decode(data).tenant_id)
        if self.answer is None:
            raise nats.errors.NoRespondersError
        return Reply(data=msgspec.json.encode(self.answer))


async def test_a_tenant_the_projection_lacks_is_described_by_identity_and_kept(cms_db: Database,
                                                                               tenant_id: uuid.UUID) -> None:
    identity = Identity(described(tenant_id, "Blue Ocean Surf School", T0, "surf.example"))
    async with cms_db.tenant_tx(tenant_id) as tx:
        site = await sites.current_site(tx, identity, tenant_id)  # type: ignore[arg-type]
    assert site is not None and (site["name"], site["custom_domain"]) == ("Blue Ocean Surf School", "surf.example")
    async with cms_db.tenant_tx(tenant_id) as tx:  # known now: identity is not asked again
        again = await sites.current_site(tx, identity, tenant_id)  # type: ignore[arg-type]
    assert again is not None and again["name"] == "Blue Ocean Surf School"
    assert identity.asked == [tenant_id]
    async with cms_db.tenant_tx(tenant_id) as tx:  # sign-up's event, late and older: a no-op
        await sites.apply_identity_event(tx, created(tenant_id, "Blue", T0 - timedelta(seconds=1)))
    kept = await site_of(cms_db, tenant_id)
    assert kept is not None and kept["name"] == "Blue Ocean Surf School"


@pytest.mark.parametrize("answer", ["no such tenant", "no answer"])
async def test_a_tenant_identity_does_not_describe_has_no_site(cms_db: Database, tenant_id: uuid.UUID,
                                                               answer: str) -> None:
    identity = Identity(DescribedTenant(as_of=T0) if answer == "no such tenant" else None)
    async with cms_db.tenant_tx(tenant_id) as tx:
        site = await sites.current_site(tx, identity, tenant_id)  # type: ignore[arg-type]
    assert site is None
    assert identity.asked == [tenant_id]
    assert await site_of(cms_db, tenant_id) is None

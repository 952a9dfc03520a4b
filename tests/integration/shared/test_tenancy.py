"""Row-level security, schema privileges and the tenant transaction. Every refusal has its allowed twin, so a
set-up that refuses everything (or nothing) cannot pass."""

import asyncio
import uuid
from collections.abc import AsyncIterator

import asyncpg
import pytest

from shared.db import Database, TransactionAborted, savepoint, switch_tenant
from shared.dev.stack import Stack
from shared.telemetry import CURRENT_TENANT
from tests.conftest import KERNEL_DATABASE

INSERT_PAGE = "INSERT INTO cms.pages (tenant_id, id, slug, structure) VALUES ($1, $2, $3, $4)"
SELECT_PAGES = "SELECT tenant_id, slug FROM cms.pages"  # deliberately no WHERE tenant_id


@pytest.fixture(scope="module")
async def cms_db(stack: Stack) -> AsyncIterator[Database]:
    db = await Database.connect(stack.database_url("cms", KERNEL_DATABASE), name="tests-cms", max_size=1)
    yield db
    await db.close()


@pytest.fixture
async def two_tenants(cms_db: Database) -> tuple[uuid.UUID, uuid.UUID]:
    a, b = uuid.uuid4(), uuid.uuid4()
    for tenant, slug in ((a, "/a-home"), (a, "/a-about"), (b, "/b-home")):
        async with cms_db.tenant_tx(tenant) as tx:
            await tx.execute(INSERT_PAGE, tenant, uuid.uuid4(), slug, {"root": {}})
    return a, b


async def test_a_query_without_tenant_filter_sees_only_the_current_tenant(cms_db: Database, two_tenants) -> None:  # type: ignore[no-untyped-def]
    a, b = two_tenants
    async with cms_db.tenant_tx(a) as tx:
        seen_by_a = await tx.fetch(SELECT_PAGES)
    async with cms_db.tenant_tx(b) as tx:
        seen_by_b = await tx.fetch(SELECT_PAGES)
    assert sorted(row["slug"] for row in seen_by_a) == ["/a-about", "/a-home"]
    assert {row["tenant_id"] for row in seen_by_a} == {a}
    assert [row["slug"] for row in seen_by_b] == ["/b-home"]


async def test_without_a_tenant_nothing_is_visible(cms_db: Database, two_tenants) -> None:  # type: ignore[no-untyped-def]
    a, _ = two_tenants
    async with cms_db.system_tx() as tx:
        assert await tx.fetch(SELECT_PAGES) == []
    async with cms_db.tenant_tx(a) as tx:  # the allowed twin
        assert len(await tx.fetch(SELECT_PAGES)) == 2
    with pytest.raises(TypeError):
        async with cms_db.tenant_tx(None):  # type: ignore[arg-type]
            pass

    # Tenant ids whose text is SQL: each closes the quoted literal the tenant is inlined in
    # and sets another tenant, whichever form the setting statement takes.
    for text in ("y'; SET LOCAL app.tenant_id = 'y", "x', true); SELECT set_config('app.tenant_id', 'y",
                 "y'; COMMIT; SET app.tenant_id = 'y", "y' -- ", "y\\'; SET LOCAL app.tenant_id = 'y"):
        class Forged(uuid.UUID):
            def __str__(self, text: str = text) -> str:
                return text

        async with cms_db.tenant_tx(Forged(int=a.int)) as tx:  # the tenant is written from its number
            assert await tx.fetchval("SELECT current_setting('app.tenant_id')") == str(a)


async def test_a_transaction_switched_to_another_tenant_sees_only_that_tenant(  # type: ignore[no-untyped-def]
        cms_db: Database, two_tenants) -> None:
    """An event consumer's batch: one transaction, several tenants in turn."""
    a, b = two_tenants
    before = CURRENT_TENANT.get()
    async with cms_db.tenant_tx(a) as tx:
        await tx.execute(INSERT_PAGE, a, uuid.uuid4(), "/a-written-first", {"root": {}})
        await switch_tenant(tx, b)
        assert CURRENT_TENANT.get() == str(b)  # log lines and spans name the tenant now served
        assert [row["slug"] for row in await tx.fetch(SELECT_PAGES)] == ["/b-home"]
        with pytest.raises(asyncpg.InsufficientPrivilegeError):  # RLS: a's rows are out of reach now
            async with savepoint(tx):
                await tx.execute(INSERT_PAGE, a, uuid.uuid4(), "/a-written-as-b", {"root": {}})
        await switch_tenant(tx, a)
        assert "/a-written-first" in {row["slug"] for row in await tx.fetch(SELECT_PAGES)}
        with pytest.raises(TypeError):
            await switch_tenant(tx, str(b))  # type: ignore[arg-type]
        for text in ("y'; SET LOCAL app.tenant_id = 'y", "y'; COMMIT; SET app.tenant_id = 'y"):
            class Forged(uuid.UUID):
                def __str__(self, text: str = text) -> str:
                    return text

            await switch_tenant(tx, Forged(int=b.int))  # written from its number, as in tenant_tx
            assert await tx.fetchval("SELECT current_setting('app.tenant_id')") == str(b)
    assert CURRENT_TENANT.get() == before
    async with cms_db.tenant_tx(a) as tx:  # what was written before the switch committed with the rest
        slugs = {row["slug"] for row in await tx.fetch(SELECT_PAGES)}
    assert "/a-written-first" in slugs and "/a-written-as-b" not in slugs


async def test_the_tenant_setting_dies_with_its_transaction(cms_db: Database, two_tenants) -> None:  # type: ignore[no-untyped-def]
    a, _ = two_tenants
    # max_size=1: the next transaction gets the very connection that just served tenant A.
    async with cms_db.tenant_tx(a) as tx:
        assert await tx.fetchval("SELECT current_setting('app.tenant_id', true)") == str(a)
    async with cms_db.system_tx() as tx:
        assert await tx.fetchval("SELECT platform.current_tenant_id()") is None
        assert await tx.fetch(SELECT_PAGES) == []


async def test_a_tenant_transaction_commits_all_or_nothing(cms_db: Database, two_tenants) -> None:  # type: ignore[no-untyped-def]
    a, _ = two_tenants
    with pytest.raises(RuntimeError, match="after the insert"):
        async with cms_db.tenant_tx(a) as tx:
            await tx.execute(INSERT_PAGE, a, uuid.uuid4(), "/undone", {"root": {}})
            raise RuntimeError("after the insert")
    # A failure caught inside the block without a savepoint: PostgreSQL's COMMIT would
    # quietly roll back, which must not pass for a commit.
    with pytest.raises(TransactionAborted):
        async with cms_db.tenant_tx(a) as tx:
            await tx.execute(INSERT_PAGE, a, uuid.uuid4(), "/lost", {"root": {}})
            with pytest.raises(asyncpg.UndefinedTableError):
                await tx.execute("SELECT 1 FROM cms.no_such_table")
    async with cms_db.tenant_tx(a) as tx:  # the allowed twin: a failure undone by its savepoint
        await tx.execute(INSERT_PAGE, a, uuid.uuid4(), "/kept", {"root": {}})
        with pytest.raises(asyncpg.UniqueViolationError):
            async with savepoint(tx):
                await tx.execute(INSERT_PAGE, a, uuid.uuid4(), "/nested", {"root": {}})
                await tx.execute(INSERT_PAGE, a, uuid.uuid4(), "/kept", {"root": {}})
        async with savepoint(tx):
            await tx.execute(INSERT_PAGE, a, uuid.uuid4(), "/second", {"root": {}})
    async with cms_db.tenant_tx(a) as tx:
        slugs = {row["slug"] for row in await tx.fetch(SELECT_PAGES)}
    assert {"/kept", "/second"} <= slugs
    assert not slugs & {"/undone", "/lost", "/nested"}


async def test_a_transaction_cut_off_mid_statement_does_not_reach_the_next_caller(cms_db: Database,
                                                                                 two_tenants) -> None:  # type: ignore[no-untyped-def]
    a, _ = two_tenants

    async def slow_write() -> None:
        async with cms_db.tenant_tx(a) as tx:
            await tx.execute(INSERT_PAGE, a, uuid.uuid4(), "/cut-off", {"root": {}})
            await tx.execute("SELECT pg_sleep(5)")

    task = asyncio.create_task(slow_write())
    await asyncio.sleep(0.5)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    # max_size=1: this is the connection the cancelled block had, back in the pool.
    async with cms_db.tenant_tx(a) as tx:
        assert await tx.fetchval("SELECT count(*) FROM cms.pages WHERE slug = '/cut-off'") == 0
        await tx.execute(INSERT_PAGE, a, uuid.uuid4(), "/after-the-cut", {"root": {}})
    async with cms_db.tenant_tx(a) as tx:
        assert await tx.fetchval("SELECT count(*) FROM cms.pages WHERE slug = '/after-the-cut'") == 1


async def test_the_pool_never_hands_out_a_connection_inside_a_transaction(cms_db: Database, two_tenants) -> None:  # type: ignore[no-untyped-def]
    a, _ = two_tenants
    async with cms_db.pool.acquire() as conn:  # as a block whose ROLLBACK failed would leave it
        await conn.execute(f"BEGIN; SET LOCAL app.tenant_id = '{a}'")
        await conn.execute(INSERT_PAGE, a, uuid.uuid4(), "/left-open", {"root": {}})
    async with cms_db.system_tx() as tx:  # max_size=1: the same connection
        assert await tx.fetchval("SELECT platform.current_tenant_id()") is None
    async with cms_db.tenant_tx(a) as tx:
        assert await tx.fetchval("SELECT count(*) FROM cms.pages WHERE slug = '/left-open'") == 0


@pytest.mark.parametrize("door", ["tenant", "system", "session"])
async def test_a_connection_whose_protocol_fell_out_of_step_is_not_handed_out_again(
        cms_db: Database, two_tenants, door: str) -> None:  # type: ignore[no-untyped-def]
    a, _ = two_tenants

    def transaction():  # type: ignore[no-untyped-def]
        return {"tenant": lambda: cms_db.tenant_tx(a), "system": cms_db.system_tx, "session": cms_db.session}[door]()

    async def backend() -> int:
        async with transaction() as tx:
            return await tx.fetchval("SELECT pg_backend_pid()")

    first = await backend()
    with pytest.raises(RuntimeError):  # the twin: an ordinary failure keeps the connection
        async with transaction():
            raise RuntimeError("a rule said no")
    assert await backend() == first  # max_size=1: the same connection, reused
    with pytest.raises(asyncpg.InternalClientError):
        async with transaction():
            # What asyncpg raises when the server ends the session in the middle of a statement.
            raise asyncpg.InternalClientError("cannot switch to state 11; another operation (2) is in progress")
    assert await backend() != first  # that one was closed, not pooled


async def test_writes_into_another_tenant_are_refused(cms_db: Database, two_tenants) -> None:  # type: ignore[no-untyped-def]
    a, b = two_tenants
    with pytest.raises(asyncpg.InsufficientPrivilegeError, match="row-level security"):
        async with cms_db.tenant_tx(a) as tx:
            await tx.execute(INSERT_PAGE, b, uuid.uuid4(), "/sneaky", {"root": {}})
    async with cms_db.tenant_tx(a) as tx:
        await tx.execute(INSERT_PAGE, a, uuid.uuid4(), "/allowed", {"root": {}})
        assert await tx.execute("UPDATE cms.pages SET is_published = true WHERE slug = '/b-home'") == "UPDATE 0"
        assert await tx.execute("UPDATE cms.pages SET is_published = true WHERE slug = '/a-home'") == "UPDATE 1"
        assert await tx.execute("DELETE FROM cms.pages WHERE slug = '/b-home'") == "DELETE 0"
    with pytest.raises(asyncpg.InsufficientPrivilegeError, match="row-level security"):
        async with cms_db.tenant_tx(a) as tx:  # moving a row out of the tenant
            await tx.execute("UPDATE cms.pages SET tenant_id = $1 WHERE slug = '/a-home'", b)


async def test_a_service_role_cannot_read_another_services_schema(stack: Stack, cms_db: Database,
                                                                 billing_db: Database, two_tenants) -> None:  # type: ignore[no-untyped-def]
    a, _ = two_tenants
    with pytest.raises(asyncpg.InsufficientPrivilegeError):
        async with billing_db.tenant_tx(a) as tx:
            await tx.fetch(SELECT_PAGES)
    with pytest.raises(asyncpg.InsufficientPrivilegeError):
        async with cms_db.tenant_tx(a) as tx:
            await tx.fetch("SELECT tenant_id FROM billing.accounts")
    async with cms_db.tenant_tx(a) as tx:  # the allowed twin: cms reads its own schema
        assert len(await tx.fetch(SELECT_PAGES)) == 2


async def test_the_ledger_is_append_only_and_the_balance_follows_it(billing_db: Database, tenant_id: uuid.UUID) -> None:
    apply = "SELECT balance FROM billing.apply_entry($1, $2, $3, $4, $5, NULL, 'test')"
    async with billing_db.tenant_tx(tenant_id) as tx:
        await tx.execute("INSERT INTO billing.accounts (tenant_id) VALUES ($1)", tenant_id)
        assert await tx.fetchval(apply, tenant_id, uuid.uuid4(), 100, "SIGNUP_GRANT", "r1") == 100
    for statement in ("UPDATE billing.credit_transactions SET amount = 1000",
                      "DELETE FROM billing.credit_transactions",
                      "UPDATE billing.accounts SET balance = 1000",
                      "UPDATE billing.accounts SET held = 0",
                      "INSERT INTO billing.credit_transactions (tenant_id, id, amount, type, reference_id) "
                      "VALUES (platform.current_tenant_id(), gen_random_uuid(), 5, 'TOP_UP', 'sneaky')"):
        with pytest.raises(asyncpg.InsufficientPrivilegeError):
            async with billing_db.tenant_tx(tenant_id) as tx:
                await tx.execute(statement)
    with pytest.raises(asyncpg.CheckViolationError):
        async with billing_db.tenant_tx(tenant_id) as tx:  # overdraw: the whole transaction is refused
            await tx.fetchval(apply, tenant_id, uuid.uuid4(), -101, "ADJUSTMENT", "r2")
    async with billing_db.tenant_tx(tenant_id) as tx:  # the allowed twin: spending what is there
        await tx.fetchval(apply, tenant_id, uuid.uuid4(), -100, "ADJUSTMENT", "r3")
        row = await tx.fetchrow("SELECT a.balance, (SELECT sum(amount) FROM billing.credit_transactions) AS total "
                                "FROM billing.accounts a")
    assert row["balance"] == row["total"] == 0

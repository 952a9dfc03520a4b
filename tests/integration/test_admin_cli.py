"""The operator's command line against the session's PostgreSQL and NATS.

Commands run in a worker thread, so the session's event loop keeps serving the test servers
(and the services' calls to them) meanwhile. What needs the services (sign-up's events,
billing opening a wallet, log-in through the gateway) uses the running platform; the rest
uses a scratch database of its own that no service touches, so nothing else races it.
"""

from __future__ import annotations

import asyncio
import json
import re
import stat
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import asyncpg
import click
import httpx
import pytest
from nats.js.errors import NotFoundError
from typer.main import get_command
from typer.testing import CliRunner, Result

from services.admin import app
from services.identity.tokens import Tokens
from shared.auth import SigningKey, TokenVerifier
from shared.contracts import AccountOpenedV1, encode_event
from shared.dead_letters import DLQ_STREAM
from shared.dev.stack import Stack
from shared.errors import Unauthorized
from shared.migrate import drop_database, with_credentials
from tests.conftest import ROLE_PASSWORD
from tests.servers.stripe_compatible import FakeStripe

SCRATCH_DATABASE = "admin_cli_scratch"
runner = CliRunner()


def commands(command: click.Command, path: tuple[str, ...] = ()) -> Iterator[tuple[tuple[str, ...], click.Command]]:
    yield path, command
    for name, sub in getattr(command, "commands", {}).items():
        yield from commands(sub, (*path, name))


async def cli(stack: Stack, *args: str, database: str | None = None, input: str | None = None,
              **env: str | None) -> Result:
    environ = {"DATABASE_URL": stack.admin_url, "DATABASE_NAME": database or stack.config.database_name,
               "DB_ROLE_PASSWORD": ROLE_PASSWORD, "NATS_URL": stack.nats_url, "OPENAI_API_KEY": None,
               "STRIPE_SECRET_KEY": None, "JWT_PRIVATE_KEY": None, "JWT_PREVIOUS_PRIVATE_KEY": None, **env}
    return await asyncio.to_thread(runner.invoke, app, list(args), input=input, env=environ, catch_exceptions=False)


def admin_dsn(stack: Stack, database: str) -> str:
    return with_credentials(stack.admin_url, user=urlsplit(stack.admin_url).username or "postgres",
                            password=urlsplit(stack.admin_url).password, database=database)


@pytest.fixture(scope="module")
def scratch(stack: Stack) -> Iterator[str]:
    """A freshly migrated database of this module's own."""
    asyncio.run(drop_database(admin_dsn(stack, "postgres"), SCRATCH_DATABASE))
    stack.migrate(SCRATCH_DATABASE)
    yield SCRATCH_DATABASE
    asyncio.run(drop_database(admin_dsn(stack, "postgres"), SCRATCH_DATABASE))


@pytest.fixture
async def scratch_sql(stack: Stack, scratch: str) -> AsyncIterator[asyncpg.Connection]:
    conn = await asyncpg.connect(admin_dsn(stack, scratch))
    yield conn
    await conn.close()


@pytest.fixture
async def platform_sql(platform: Stack) -> AsyncIterator[asyncpg.Connection]:
    conn = await asyncpg.connect(admin_dsn(platform, platform.config.database_name))
    yield conn
    await conn.close()


async def add_tenant(conn: asyncpg.Connection, *, age: str = "1 hour", credits: int | None = 100) -> uuid.UUID:
    """A tenant written straight into the tables, with a wallet and a ledger when `credits` is given."""
    tenant_id = uuid.uuid4()
    async with conn.transaction():
        # The ledger trigger runs as the owner, whom row-level security binds: it needs the tenant set.
        await conn.execute("SELECT set_config('app.tenant_id', $1, true)", str(tenant_id))
        await conn.execute("INSERT INTO identity.tenants (id, slug, name, created_at) VALUES ($1, $2, 'T', "
                           "now() - $3::text::interval)", tenant_id, f"t-{tenant_id.hex[:12]}", age)
        if credits is not None:
            await conn.execute("INSERT INTO billing.accounts (tenant_id) VALUES ($1)", tenant_id)
            await conn.execute("INSERT INTO billing.credit_transactions (tenant_id, id, amount, type, reference_id) "
                               "VALUES ($1, $2, $3, 'SIGNUP_GRANT', 'signup')", tenant_id, uuid.uuid4(), credits)
    return tenant_id


# every command explains itself -----------------------------------------------------------


def test_every_command_and_option_has_help() -> None:
    found = list(commands(get_command(app)))
    assert {" ".join(path) for path, _ in found} >= {
        "migrate", "create-tenant", "dlq list", "dlq replay", "adjust", "stripe reconcile", "assets reembed",
        "keys rotate", "check"}
    for path, command in found:
        result = runner.invoke(app, [*path, "--help"])
        assert result.exit_code == 0, (path, result.output)
        assert result.output.startswith("Usage:") and (command.help or "").strip(), path
        for param in command.params:
            if isinstance(param, click.Option) and param.name != "help":
                assert (param.help or "").strip(), (path, param.name)


def test_bad_usage_and_missing_settings_exit_2_and_unreachable_servers_1() -> None:
    assert runner.invoke(app, ["dlq", "replay"], env={"NATS_URL": "nats://127.0.0.1:1"}).exit_code == 2
    missing = runner.invoke(app, ["check"], env={"DATABASE_URL": None})
    assert missing.exit_code == 2 and "DATABASE_URL is required" in missing.output
    no_nats = runner.invoke(app, ["dlq", "list"], env={"NATS_URL": "nats://127.0.0.1:1"})
    assert no_nats.exit_code == 1 and "cannot reach NATS at 127.0.0.1:1" in no_nats.output
    no_postgres = runner.invoke(app, ["check"], env={"DATABASE_URL": "postgresql://admin@127.0.0.1:1/postgres"})
    assert no_postgres.exit_code == 1 and "cannot connect" in no_postgres.output


async def test_migrate_brings_the_database_up_to_date(stack: Stack) -> None:
    result = await cli(stack, "migrate")
    assert result.exit_code == 0, result.output
    assert "migrations are up to date" in result.stdout


# tenants -----------------------------------------------------------------------------------


async def create_tenant(stack: Stack, slug: str, password: str = "a long owner password") -> Result:
    return await cli(stack, "create-tenant", "--slug", slug, "--name", f"Tenant {slug}", "--owner-email",
                     f"owner@{slug}.example", "--password", password)


async def test_create_tenant_then_its_owner_logs_in_through_the_gateway(platform: Stack) -> None:
    slug = f"cli-{uuid.uuid4().hex[:10]}"
    created = await create_tenant(platform, slug)
    assert created.exit_code == 0, created.output
    tenant_id = re.search(r"^tenant\s+(\S+)$", created.stdout, re.M).group(1)  # type: ignore[union-attr]

    host = {"host": f"{slug}.{platform.config.platform_domain}"}
    async with httpx.AsyncClient(base_url=platform.url("gateway"), timeout=10) as http:
        login = await http.post("/api/identity/login", headers=host,
                                json={"email": f"owner@{slug}.example", "password": "a long owner password"})
        assert login.status_code == 200, login.text
        assert login.json()["tenant_id"] == tenant_id and login.json()["role"] == "OWNER"
        wrong = await http.post("/api/identity/login", headers=host,
                                json={"email": f"owner@{slug}.example", "password": "not the password"})
        assert wrong.status_code == 401

    taken = await create_tenant(platform, slug)
    assert taken.exit_code == 1 and f"the slug '{slug}' is taken" in taken.output
    # Without --password it is asked for, twice and hidden; sign-up's own rules judge it.
    short = await cli(platform, "create-tenant", "--slug", f"cli-{uuid.uuid4().hex[:10]}", "--name", "Short",
                      "--owner-email", "short@example.com", input="short\nshort\n")
    assert short.exit_code == 1 and "at least 10 characters" in short.output and "short\n" not in short.output


# check -------------------------------------------------------------------------------------


async def test_check_passes_on_the_running_platform_and_names_a_drifted_balance(
        platform: Stack, platform_sql: asyncpg.Connection) -> None:
    slug = f"cli-{uuid.uuid4().hex[:10]}"
    created = await create_tenant(platform, slug)
    tenant_id = uuid.UUID(re.search(r"^tenant\s+(\S+)$", created.stdout, re.M).group(1))  # type: ignore[union-attr]
    for _ in range(100):  # billing opens the wallet when identity's relay publishes the sign-up
        if await platform_sql.fetchval("SELECT balance FROM billing.accounts WHERE tenant_id = $1", tenant_id):
            break
        await asyncio.sleep(0.1)
    else:
        pytest.fail("billing opened no wallet for the new tenant")

    healthy = await cli(platform, "check")
    assert healthy.exit_code == 0, healthy.output
    assert "all invariants hold" in healthy.stdout

    await platform_sql.execute("UPDATE billing.accounts SET balance = balance + 7 WHERE tenant_id = $1", tenant_id)
    try:
        drifted = await cli(platform, "check")
    finally:
        await platform_sql.execute("UPDATE billing.accounts SET balance = balance - 7 WHERE tenant_id = $1", tenant_id)
    assert drifted.exit_code == 1
    assert re.search(rf"^balance\s+{tenant_id}\s+balance 107 but the ledger sums to 100$", drifted.stdout, re.M)
    assert (await cli(platform, "check", "--tenant", str(tenant_id))).exit_code == 0


async def test_check_names_each_broken_invariant_and_its_tenant(
        stack: Stack, scratch: str, scratch_sql: asyncpg.Connection) -> None:
    healthy, drifted, expired, stuck = [await add_tenant(scratch_sql) for _ in range(4)]
    walletless = await add_tenant(scratch_sql, credits=None)
    assert (await cli(stack, "check", "--tenant", str(healthy), database=scratch)).exit_code == 0
    # As a role that row-level security binds, the check would see nothing and pass: it refuses.
    owner_url = with_credentials(stack.admin_url, user="platform_owner", password=ROLE_PASSWORD)
    bound = await cli(stack, "check", database=scratch, DATABASE_URL=owner_url)
    assert bound.exit_code == 2 and "BYPASSRLS" in bound.output

    await scratch_sql.execute("UPDATE billing.accounts SET balance = 93 WHERE tenant_id = $1", drifted)
    async with scratch_sql.transaction():
        await scratch_sql.execute("INSERT INTO billing.holds (tenant_id, id, reference_id, amount, ledger_type, "
                                  "expires_at) VALUES ($1, $2, 'gen-1', 5, 'AI_PAGE_GENERATION', now() - "
                                  "interval '10 minutes')", expired, uuid.uuid4())
        await scratch_sql.execute("UPDATE billing.accounts SET held = 5 WHERE tenant_id = $1", expired)
        await scratch_sql.execute("UPDATE billing.accounts SET held = 3 WHERE tenant_id = $1", drifted)
    event = AccountOpenedV1(tenant_id=stuck, balance=100)
    await scratch_sql.execute("INSERT INTO billing.outbox (event_id, subject, payload, created_at) VALUES "
                              "($1, $2, $3, now() - interval '5 minutes')", event.event_id, event.subject(),
                              encode_event(event))

    broken = await cli(stack, "check", database=scratch)
    assert broken.exit_code == 1
    lines = broken.stdout.splitlines()
    expected = {("balance", drifted, "balance 93 but the ledger sums to 100"),
                ("held", drifted, "held 3 but open holds sum to 0"),
                ("expired-hold", expired, "(5 credits, gen-1) still held"),
                ("no-wallet", walletless, "has no billing account"),
                ("outbox", stuck, "1 unpublished billing events, the oldest 30")}
    for check, tenant_id, detail in expected:
        assert any(line.startswith(check) and str(tenant_id) in line and detail in line for line in lines), check
    assert str(healthy) not in broken.stdout
    assert "violations in" in broken.stderr

    as_json = await cli(stack, "check", "--json", database=scratch)
    found = {(v["check"], v["tenant_id"]) for v in json.loads(as_json.stdout)}
    assert found >= {(check, str(tenant_id)) for check, tenant_id, _ in expected}
    # The hold is ten minutes late: a grace longer than that lets it pass.
    graced = await cli(stack, "check", "--tenant", str(expired), "--hold-grace", "3600", database=scratch)
    assert graced.exit_code == 0, graced.output


# dead letters ----------------------------------------------------------------------------------


async def test_dlq_lists_and_replays_to_the_original_subject(stack: Stack, nats_client: Any) -> None:
    js = nats_client.jetstream()
    # A subject of this test's own in a real stream: nobody consumes it, nobody else publishes on it.
    subject = f"billing.admin-cli-test.{uuid.uuid4().hex}.v1"
    events = [AccountOpenedV1(tenant_id=uuid.uuid4(), balance=n) for n in (1, 2)]
    seqs = []
    for event in events:
        # Published as the outbox relay does, then dead-lettered as EventConsumer does.
        await js.publish(subject, encode_event(event), headers={"Nats-Msg-Id": str(event.event_id)})
        ack = await js.publish("dlq.admin-cli-test", encode_event(event), headers={
            "traceparent": "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01", "Dlq-Subject": subject,
            "Dlq-Reason": f"ValueError: boom {event.event_id}", "Dlq-Consumer": "admin-cli-test"})
        seqs.append(ack.seq)

    listed = await cli(stack, "dlq", "list", "--subject", "billing.admin-cli-test.*.v1")
    assert listed.exit_code == 0, listed.output
    for seq, event in zip(seqs, events, strict=True):
        assert f"#{seq} " in listed.stdout and f"boom {event.event_id}" in listed.stdout
        assert f"tenant {event.tenant_id}  event {event.event_id}" in listed.stdout

    assert (await cli(stack, "dlq", "replay")).exit_code == 2  # neither --id nor --all: nothing happens
    assert (await cli(stack, "dlq", "replay", "--id", str(seqs[0]), "--all")).exit_code == 2
    assert (await js.get_msg(DLQ_STREAM, seqs[0])).seq == seqs[0]

    one = await cli(stack, "dlq", "replay", "--id", str(seqs[0]))
    assert one.exit_code == 0, one.output
    # The original went out moments ago with the event id as its message id; the replay was not
    # dropped as its duplicate, carries the trace context and says where it came from.
    replayed = await js.get_last_msg("BILLING", subject)
    assert replayed.data == encode_event(events[0])
    assert replayed.headers["Nats-Msg-Id"] == f"{events[0].event_id}:replay:{seqs[0]}"
    assert replayed.headers["Dlq-Replayed-From"] == str(seqs[0])
    assert replayed.headers["traceparent"].startswith("00-0af7")
    assert "Dlq-Reason" not in replayed.headers
    with pytest.raises(NotFoundError):
        await js.get_msg(DLQ_STREAM, seqs[0])

    kept = await cli(stack, "dlq", "replay", "--all", "--subject", subject, "--keep")
    assert kept.exit_code == 0 and "1 of 1 dead letters replayed" in kept.stdout
    second = await js.get_last_msg("BILLING", subject)
    assert second.data == encode_event(events[1])
    again = await cli(stack, "dlq", "replay", "--id", str(seqs[1]))  # the same replay within the window
    assert again.exit_code == 0 and "already replayed moments ago" in again.output
    assert (await js.get_last_msg("BILLING", subject)).seq == second.seq  # not stored twice

    assert "0 dead letters matching" in (await cli(stack, "dlq", "list", "--subject", subject)).stdout
    gone = await cli(stack, "dlq", "replay", "--id", str(seqs[0]))
    assert gone.exit_code == 1 and f"no dead letter #{seqs[0]}" in gone.output


async def test_dlq_replay_to_a_subject_no_stream_takes_fails_and_keeps_the_letter(
        stack: Stack, nats_client: Any) -> None:
    js = nats_client.jetstream()
    ack = await js.publish("dlq.admin-cli-test", b"{}", headers={"Dlq-Subject": "nowhere.admin-cli.v1",
                                                                "Dlq-Reason": "undecodable"})
    try:
        result = await cli(stack, "dlq", "replay", "--id", str(ack.seq))
        assert result.exit_code == 1 and "1 dead letters were not replayed" in result.output
        assert (await js.get_msg(DLQ_STREAM, ack.seq)).seq == ack.seq
    finally:
        await js.delete_msg(DLQ_STREAM, ack.seq)


# stripe ------------------------------------------------------------------------------------


@pytest.fixture
async def own_stripe() -> AsyncIterator[FakeStripe]:
    """A Stripe of this test's own: the session's holds other tests' events too."""
    fake = FakeStripe()
    await fake.start()
    yield fake
    await fake.stop()


async def test_stripe_reconcile_applies_undelivered_events_once(
        stack: Stack, scratch: str, scratch_sql: asyncpg.Connection, own_stripe: FakeStripe) -> None:
    stripe_env = {"STRIPE_SECRET_KEY": own_stripe.api_key, "STRIPE_API_BASE": own_stripe.base_url}
    customer = await own_stripe.client().v1.customers.create_async(params={"email": "ops@example.com"})
    first = await cli(stack, "stripe", "reconcile", database=scratch, **stripe_env)
    assert first.exit_code == 0, first.output
    assert "applied 1 Stripe events" in first.stdout
    assert await scratch_sql.fetchval("SELECT outcome FROM billing.stripe_events WHERE type = 'customer.created' "
                                      "AND id = $1", own_stripe.events[-1]["id"]) == "ignored"
    assert own_stripe.events[-1]["data"]["object"]["id"] == customer.id
    second = await cli(stack, "stripe", "reconcile", database=scratch, **stripe_env)
    assert "applied 0 Stripe events" in second.stdout

    unconfigured = await cli(stack, "stripe", "reconcile", database=scratch)
    assert unconfigured.exit_code == 1 and "payments are not configured" in unconfigured.output


# assets ------------------------------------------------------------------------------------


async def test_assets_reembed_follows_the_job_and_here_does_the_work(
        stack: Stack, scratch: str, scratch_sql: asyncpg.Connection) -> None:
    tenant_id = await add_tenant(scratch_sql, age="1 minute")
    for n in range(3):
        await scratch_sql.execute(
            "INSERT INTO assets.assets (tenant_id, id, url, filename, alt_text, ai_description, tags, status, "
            "embedding_model) VALUES ($1, $2, '/x', $3, 'a red bicycle', 'A red bicycle by a wall.', '{bike}', "
            "'described', 'retired-model')", tenant_id, uuid.uuid4(), f"bike-{n}.jpg")

    # No assets service works on this database: following alone gives up, and the job stays open.
    waiting = await cli(stack, "assets", "reembed", "--tenant", str(tenant_id), "--timeout", "0.5", database=scratch)
    assert waiting.exit_code == 1 and "still queued" in waiting.output and "opened" in waiting.output

    worked = await cli(stack, "assets", "reembed", "--tenant", str(tenant_id), "--here", database=scratch)
    assert worked.exit_code == 0, worked.output
    assert "joined the open" in worked.output
    assert re.search(r"re-embedded 3 of 3 assets of t-\w+ with \S+", worked.stdout)
    models = await scratch_sql.fetch("SELECT embedding_model, embedding IS NOT NULL AS has_vector FROM assets.assets "
                                     "WHERE tenant_id = $1", tenant_id)
    assert len(models) == 3 and all(r["embedding_model"] != "retired-model" and r["has_vector"] for r in models)

    nobody = await cli(stack, "assets", "reembed", "--tenant", str(uuid.uuid4()), "--here", database=scratch)
    assert nobody.exit_code == 1 and "no live tenant" in nobody.output


# keys --------------------------------------------------------------------------------------


def test_keys_rotate_keeps_the_current_key_published(tmp_path: Path) -> None:
    current, oldest = SigningKey.generate(), SigningKey.generate()
    env = {"JWT_PRIVATE_KEY": current.private_pem, "JWT_PREVIOUS_PRIVATE_KEY": oldest.private_pem}
    result = runner.invoke(app, ["keys", "rotate", "--json"], env=env)
    assert result.exit_code == 0, result.output
    rotated = json.loads(result.stdout)
    new = SigningKey.from_pem(rotated["JWT_PRIVATE_KEY"])
    assert rotated["kid"] == new.kid != current.kid
    assert SigningKey.from_pem(rotated["JWT_PREVIOUS_PRIVATE_KEY"]).kid == rotated["previous_kid"] == current.kid
    assert rotated["dropped_kid"] == oldest.kid

    # Identity started with these values signs with the new key and still publishes the old one.
    tokens = Tokens(new, SigningKey.from_pem(rotated["JWT_PREVIOUS_PRIVATE_KEY"]), 900)
    verifier = TokenVerifier(tokens.jwks())
    before = current.issue(account_id=uuid.uuid4(), tenant_id=uuid.uuid4(), role="OWNER")
    after = tokens.issue(uuid.uuid4(), uuid.uuid4(), "EDITOR").access_token
    assert verifier.verify(before).role == "OWNER" and verifier.verify(after).role == "EDITOR"
    with pytest.raises(Unauthorized, match="unknown key"):
        verifier.verify(oldest.issue(account_id=uuid.uuid4(), tenant_id=uuid.uuid4(), role="OWNER"))

    target = tmp_path / "identity-keys.env"
    written = runner.invoke(app, ["keys", "rotate", "--out", str(target)], env=env)
    assert written.exit_code == 0, written.output
    assert stat.S_IMODE(target.stat().st_mode) == 0o600 and "PRIVATE KEY" not in written.stdout
    assert target.read_text().startswith('JWT_PRIVATE_KEY="-----BEGIN PRIVATE KEY-----')
    assert f'JWT_PREVIOUS_PRIVATE_KEY="{current.private_pem.strip()}"' in target.read_text()
    assert runner.invoke(app, ["keys", "rotate", "--out", str(target)], env=env).exit_code == 1

    first = runner.invoke(app, ["keys", "rotate", "--json"], env={"JWT_PRIVATE_KEY": None,
                                                                   "JWT_PREVIOUS_PRIVATE_KEY": None})
    assert first.exit_code == 0 and json.loads(first.stdout)["JWT_PREVIOUS_PRIVATE_KEY"] == ""
    garbage = runner.invoke(app, ["keys", "rotate"], env={"JWT_PRIVATE_KEY": "not a key",
                                                            "JWT_PREVIOUS_PRIVATE_KEY": None})
    assert garbage.exit_code == 2 and "not an Ed25519 private key" in garbage.output

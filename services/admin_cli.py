"""The operator's command line: `python -m services.admin_cli --help` (`make admin ARGS="…"`).

What an engineer paged at night does by hand, in one place: apply migrations, create a
tenant, list and replay dead letters, re-run Stripe reconciliation, re-embed a tenant's
library, rotate token signing keys, and check the platform's invariants.

Settings come from the environment like every process's. DATABASE_URL is an
administrator's URL, as for `shared.migrate` (DATABASE_NAME, DB_ROLE_PASSWORD beside it).
A command that does a service's work connects as that service's role (`<service>_svc`,
derived as the dev stack does) and calls the service's own use case, so row-level
security, search paths and outbox writes are exactly the service's. Only `check`, which
reads across tenants, runs as the administrator. Exit codes: 0 done, 1 failed or
refused (or `check` found violations), 2 bad usage or configuration.
"""

from __future__ import annotations

import asyncio
import json
import os
import uuid
from collections.abc import Coroutine, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Annotated, Any, NoReturn, TypeVar
from urllib.parse import urlsplit

import asyncpg
import msgspec
import nats
import typer
from nats.aio.client import Client as NATS
from nats.js import JetStreamContext
from nats.js.api import RawStreamMsg
from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

from shared import settings as settings_loader
from shared.auth import SigningKey
from shared.contracts import DEAD_LETTER_STREAM
from shared.db import Database
from shared.errors import AppError
from shared.migrate import SERVICES_WITH_SCHEMA, MigrateSettings, MigrationError, migrate, service_url, with_credentials

T = TypeVar("T")
S = TypeVar("S", bound=msgspec.Struct)

# Plain help (no rich markup): paragraphs reflow to the terminal, and <…> or * stay as written.
app = typer.Typer(name="admin", no_args_is_help=True, add_completion=False, rich_markup_mode=None,
                  help="Operate the platform: migrations, tenants, dead letters, Stripe, re-embedding, keys, "
                       "invariants. Settings come from the environment (DATABASE_URL is an administrator's URL).")
dlq_app = typer.Typer(no_args_is_help=True, rich_markup_mode=None,
                      help="Dead-lettered events (stream DEAD_LETTERS): list, replay.")
stripe_app = typer.Typer(no_args_is_help=True, rich_markup_mode=None, help="Stripe: re-run billing's reconciliation.")
assets_app = typer.Typer(no_args_is_help=True, rich_markup_mode=None, help="Assets: re-embed a tenant's library.")
keys_app = typer.Typer(no_args_is_help=True, rich_markup_mode=None, help="Access-token signing keys (identity's JWKS).")
app.add_typer(dlq_app, name="dlq")
app.add_typer(stripe_app, name="stripe")
app.add_typer(assets_app, name="assets")
app.add_typer(keys_app, name="keys")


class NatsSettings(msgspec.Struct, frozen=True, kw_only=True):
    nats_url: str = "nats://127.0.0.1:4222"


# plumbing -----------------------------------------------------------------------------


def stderr() -> Console:
    # Made per use: a test runner swaps sys.stderr, and a Console keeps the file it was given.
    # soft_wrap: a long line stays one line, for grep; the terminal wraps it for the eye.
    return Console(stderr=True, highlight=False, soft_wrap=True)


def fail(message: str, code: int = 1) -> NoReturn:
    stderr().print(f"[bold red]error:[/] {escape(message)}")
    raise typer.Exit(code)


def load(cls: type[S], environ: dict[str, str] | None = None) -> S:
    try:
        return settings_loader.load(cls, environ)
    except settings_loader.ConfigError as exc:
        fail(str(exc), code=2)


def run(work: Coroutine[Any, Any, T]) -> T:
    """Run one command's coroutine; what can go wrong outside it becomes one clear line."""
    try:
        return asyncio.run(work)
    except MigrationError as exc:
        fail(str(exc))
    except AppError as exc:
        verdict = "refused" if exc.status < 500 else "failed"  # the request's fault, or the world's
        fail(f"{verdict}: {exc}" + "".join(f" ({k}: {v})" for k, v in (exc.extensions or {}).items()))
    except asyncpg.UndefinedTableError as exc:
        fail(f"the database is not migrated ({exc}); run `migrate` first")
    except asyncpg.InvalidPasswordError as exc:
        fail(f"PostgreSQL refused the credentials: {exc} (DATABASE_URL, DB_ROLE_PASSWORD)")
    except (asyncpg.PostgresError, asyncpg.InterfaceError) as exc:
        fail(f"PostgreSQL: {type(exc).__name__}: {exc}")
    except (nats.errors.Error, nats.js.errors.Error) as exc:
        fail(f"NATS: {type(exc).__name__}: {exc or 'no answer'}")
    except OSError as exc:  # refused connections, unknown hosts
        fail(f"cannot connect: {exc}")


@contextmanager
def spinner(what: str) -> Iterator[None]:
    with Progress(SpinnerColumn(), TextColumn("{task.description}"), TimeElapsedColumn(), console=stderr(),
                  transient=True) as progress:
        progress.add_task(what, total=None)
        yield


def bar() -> Progress:
    return Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                    console=stderr())


def admin_url(config: MigrateSettings) -> str:
    """The administrator's URL pointed at the platform's database (as `shared.migrate` does)."""
    parts = urlsplit(config.database_url)
    return with_credentials(config.database_url, user=parts.username or "postgres", password=parts.password,
                            database=config.database_name)


def role_url(config: MigrateSettings, service: str) -> str:
    return service_url(config.database_url, service, password=config.db_role_password,
                       database=config.database_name)


def service_environ(config: MigrateSettings, service: str, **extra: str) -> dict[str, str]:
    """The environment as `service` would read it: its own database role, not the admin's."""
    return {**os.environ, "INTERNAL_SECRET": os.environ.get("INTERNAL_SECRET") or "not-used-by-the-admin-cli",
            **extra, "DATABASE_URL": role_url(config, service)}


async def connect_nats(url: str) -> NATS:
    """Unlike a service, a command gives up soon when NATS is not there (two tries)."""
    errors: list[Exception] = []

    async def remember(exc: Exception) -> None:  # instead of nats-py logging each try's traceback
        errors.append(exc)

    try:
        return await nats.connect(url, name="admin-cli", connect_timeout=3, max_reconnect_attempts=1,
                                  reconnect_time_wait=0.2, allow_reconnect=False, error_cb=remember)
    except nats.errors.NoServersError:
        parts = urlsplit(url)
        fail(f"cannot reach NATS at {parts.hostname}:{parts.port or 4222} (NATS_URL): "
             f"{errors[-1] if errors else 'no answer'}")


# migrate --------------------------------------------------------------------------------


@app.command("migrate", short_help="Apply the migrations.")
def migrate_command() -> None:
    """Apply the platform's migrations to DATABASE_URL's database (what `make migrate` does)."""
    config = load(MigrateSettings)
    with spinner("applying migrations"):
        applied = run(migrate(config))
    for line in applied:
        typer.echo(line)
    typer.echo("migrations are up to date")


# tenants --------------------------------------------------------------------------------


@app.command("create-tenant", short_help="Create a tenant and its OWNER, as sign-up does.")
def create_tenant(
    slug: Annotated[str, typer.Option(help="the tenant's subdomain, e.g. acme for acme.<platform domain>")],
    name: Annotated[str, typer.Option(help="the tenant's display name")],
    owner_email: Annotated[str, typer.Option(help="the first OWNER's e-mail (an existing account keeps its "
                                                  "password, which must then be given)")],
    password: Annotated[str, typer.Option(prompt=True, hide_input=True, confirmation_prompt=True,
                                          help="the OWNER's password; asked for when not given")],
) -> None:
    """Create a tenant and its OWNER exactly as sign-up does (identity's own use case).

    The tenant exists at once; billing opens its wallet (with the sign-up grant) when the
    identity service's outbox relay publishes identity.tenant.created.v1."""
    config = load(MigrateSettings)
    with spinner("signing up"):
        created = run(sign_up_tenant(config, {"slug": slug, "name": name, "email": owner_email,
                                              "password": password}))
    typer.echo(f"tenant  {created.tenant_id}\nslug    {created.slug}\nname    {created.name}\n"
               f"owner   {owner_email.strip()} (OWNER)")


async def sign_up_tenant(config: MigrateSettings, body: dict[str, str]) -> Any:
    from services.identity import accounts
    from services.identity.context import Ctx
    from services.identity.domain import Passwords
    from services.identity.schemas import SignupIn
    from services.identity.settings import Settings as IdentitySettings
    from services.identity.tokens import Tokens
    from services.identity.txt_records import TxtChecker
    from shared.web import ServiceContext, opened_runtime

    try:
        data = msgspec.convert(body, SignupIn)  # the same checks as the HTTP body's
    except msgspec.ValidationError as exc:
        fail(f"refused: {exc}")
    # Sign-up returns an access token, which this command never shows: a throwaway key signs it,
    # so the command needs no access to identity's signing key.
    throwaway = SigningKey.generate()
    settings = load(IdentitySettings, service_environ(config, "identity", JWT_PRIVATE_KEY=throwaway.private_pem))
    async with opened_runtime("admin-cli", settings) as runtime:
        ctx = Ctx(**ServiceContext.parts(runtime), settings=settings,
                  tokens=Tokens(throwaway, None, settings.access_token_ttl), txt_checker=TxtChecker(),
                  passwords=Passwords(time_cost=settings.password_time_cost, memory_kib=settings.password_memory_kib))
        return await accounts.create_tenant_for_operator(ctx, data)


# dead letters -----------------------------------------------------------------------------

DLQ_STREAM, DLQ_SUBJECTS = DEAD_LETTER_STREAM


@dataclass(frozen=True)
class DeadLetter:
    seq: int
    time: datetime | None
    original_subject: str  # where the event was published; a replay goes back there
    consumer: str
    reason: str
    event_id: str | None
    tenant_id: str | None
    data: bytes
    headers: dict[str, str]

    @classmethod
    def of(cls, raw: RawStreamMsg) -> DeadLetter:
        headers = dict(raw.headers or {})
        data = raw.data or b""
        try:  # read loosely: an undecodable event is dead-lettered too
            body = msgspec.json.decode(data)
        except msgspec.DecodeError:
            body = None
        fields = body if isinstance(body, dict) else {}
        return cls(seq=raw.seq or 0, time=raw.time, original_subject=headers.get("Dlq-Subject", ""),
                   consumer=headers.get("Dlq-Consumer", (raw.subject or "").removeprefix("dlq.")),
                   reason=headers.get("Dlq-Reason", ""), event_id=_str_or_none(fields.get("event_id")),
                   tenant_id=_str_or_none(fields.get("tenant_id")), data=data, headers=headers)

    def replay_headers(self) -> dict[str, str]:
        """The original headers (trace context) without the dead-letter ones, and a message id
        of the replay's own: the event id alone would be dropped as a duplicate within the
        stream's window, while this one still drops a repeat of the same replay."""
        kept = {k: v for k, v in self.headers.items() if not k.lower().startswith(("dlq-", "nats-"))}
        return {**kept, "Nats-Msg-Id": f"{self.event_id or 'undecodable'}:replay:{self.seq}",
                "Dlq-Replayed-From": str(self.seq)}


def _str_or_none(value: object) -> str | None:
    return str(value) if value is not None else None


def subject_matches(pattern: str, subject: str) -> bool:
    """NATS wildcards: `*` is one token, `>` the rest."""
    want, have = pattern.split("."), subject.split(".")
    for i, token in enumerate(want):
        if token == ">":
            return len(have) > i
        if i >= len(have) or (token != "*" and token != have[i]):
            return False
    return len(want) == len(have)


async def dead_letters(js: JetStreamContext, subject: str | None = None) -> tuple[list[DeadLetter], int]:
    """The dead letters (oldest first) whose original subject matches, and how many the stream holds."""
    try:
        info = await js.stream_info(DLQ_STREAM)
    except nats.js.errors.NotFoundError:
        return [], 0
    found: list[DeadLetter] = []
    seq = max(info.state.first_seq, 1)
    while seq <= info.state.last_seq:
        try:  # the next message at or after `seq`: deleted sequences are skipped, not fetched
            raw = await js.get_msg(DLQ_STREAM, seq=seq, subject=DLQ_SUBJECTS, next=True)
        except nats.js.errors.NotFoundError:
            break
        letter = DeadLetter.of(raw)
        if subject is None or subject_matches(subject, letter.original_subject):
            found.append(letter)
        seq = letter.seq + 1
    return found, info.state.messages


async def dead_letter(js: JetStreamContext, seq: int) -> DeadLetter | None:
    try:
        return DeadLetter.of(await js.get_msg(DLQ_STREAM, seq=seq))
    except nats.js.errors.NotFoundError:
        return None


@dlq_app.command("list", short_help="List dead-lettered events.")
def dlq_list(
    limit: Annotated[int, typer.Option(min=1, help="show at most this many, oldest first")] = 50,
    subject: Annotated[str | None, typer.Option(help="only events first published on this subject "
                                                     "(NATS wildcards * and > work)")] = None,
) -> None:
    """List dead-lettered events: stream sequence (the id `replay` takes), consumer, subject,
    tenant, event id and why the consumer gave up."""
    config = load(NatsSettings)

    async def read() -> tuple[list[DeadLetter], int]:
        nc = await connect_nats(config.nats_url)
        try:
            return await dead_letters(nc.jetstream(), subject)
        finally:
            await nc.close()

    with spinner("reading the dead letters"):
        letters, total = run(read())
    for letter in letters[:limit]:
        when = letter.time.strftime("%Y-%m-%d %H:%M:%S UTC") if letter.time else "?"
        typer.echo(f"#{letter.seq}  {when}  {letter.original_subject or '(no Dlq-Subject)'}\n"
                   f"    consumer {letter.consumer}  tenant {letter.tenant_id or '?'}  event {letter.event_id or '?'}\n"
                   f"    reason   {letter.reason or '?'}")
    more = f" ({len(letters) - limit} more not shown: --limit)" if len(letters) > limit else ""
    scope = f" matching {subject}" if subject else ""
    typer.echo(f"{len(letters)} dead letters{scope}; {total} in {DLQ_STREAM}{more}")


@dlq_app.command("replay", short_help="Republish dead letters on their original subject.")
def dlq_replay(
    id_: Annotated[int | None, typer.Option("--id", help="replay the dead letter with this sequence "
                                                          "(from `dlq list`)")] = None,
    all_: Annotated[bool, typer.Option("--all", help="replay every dead letter (that matches --subject)")] = False,
    subject: Annotated[str | None, typer.Option(help="only events first published on this subject "
                                                     "(wildcards * and > work)")] = None,
    keep: Annotated[bool, typer.Option(help="leave replayed messages in the dead-letter stream")] = False,
) -> None:
    """Publish dead letters again on their original subject, then delete them from the stream.

    Every consumer of that subject receives the event again; those that applied it before
    skip it (their inbox remembers the event id), the one that gave up applies it. Each
    replay carries a message id of its own (<event id>:replay:<sequence>), so JetStream
    does not drop it as a copy of the original event, but does drop a repeat of the same
    replay within its two-minute window. A replay that fails again comes back as a new
    dead letter."""
    if (id_ is None) == (not all_):
        raise typer.BadParameter("give exactly one of --id N or --all", param_hint="--id / --all")
    config = load(NatsSettings)
    failed = run(replay(config, id_, subject, keep))
    if failed:
        fail(f"{failed} dead letters were not replayed")


async def replay(config: NatsSettings, seq: int | None, subject: str | None, keep: bool) -> int:
    nc = await connect_nats(config.nats_url)
    js = nc.jetstream()
    failed = 0
    try:
        if seq is not None:
            letter = await dead_letter(js, seq)
            if letter is None:
                fail(f"no dead letter #{seq} in {DLQ_STREAM} (see `dlq list`)")
            if subject is not None and not subject_matches(subject, letter.original_subject):
                fail(f"dead letter #{seq} was published on {letter.original_subject}, not {subject}")
            letters = [letter]
        else:
            letters, _ = await dead_letters(js, subject)
        with bar() as progress:
            task = progress.add_task("replaying", total=len(letters))
            for letter in letters:
                outcome = await replay_one(js, letter, keep)
                if outcome.startswith("failed"):
                    failed += 1
                progress.console.print(f"#{letter.seq} {letter.original_subject or '?'}: {outcome}", markup=False)
                progress.advance(task)
        typer.echo(f"{len(letters) - failed} of {len(letters)} dead letters replayed")
    finally:
        await nc.close()
    return failed


async def replay_one(js: JetStreamContext, letter: DeadLetter, keep: bool) -> str:
    if not letter.original_subject:
        return "failed: no Dlq-Subject header says where it came from"
    try:
        ack = await js.publish(letter.original_subject, letter.data, headers=letter.replay_headers())
    except (nats.errors.Error, nats.js.errors.Error) as exc:
        return f"failed: {type(exc).__name__}: {exc or 'no stream takes this subject'}"
    outcome = ("already replayed moments ago (JetStream dropped this repeat)" if ack.duplicate
               else f"replayed as {ack.stream} #{ack.seq}")
    if keep:
        return outcome + "; kept in the dead letters"
    await js.delete_msg(DLQ_STREAM, letter.seq)
    return outcome


# stripe -------------------------------------------------------------------------------------


@stripe_app.command("reconcile", short_help="Apply Stripe events that never arrived, once.")
def stripe_reconcile() -> None:
    """Run billing's Stripe reconciliation once: apply the events of the last three days that
    Stripe could not deliver by webhook and billing has not seen. Uses billing's settings
    (STRIPE_SECRET_KEY, STRIPE_API_BASE, PLANS, ...); safe beside running billing replicas,
    since every Stripe event is applied once."""
    config = load(MigrateSettings)
    with spinner("reconciling with Stripe"):
        applied = run(reconcile_stripe(config))
    typer.echo(f"applied {applied} Stripe events that never arrived by webhook")


async def reconcile_stripe(config: MigrateSettings) -> int:
    from services.billing import webhooks
    from services.billing.payments import Payments
    from services.billing.settings import Settings as BillingSettings

    settings = load(BillingSettings, service_environ(config, "billing"))
    if not settings.stripe_secret_key:
        fail("payments are not configured: set STRIPE_SECRET_KEY (and STRIPE_API_BASE for a Stripe-compatible "
             "server) as for the billing service")
    payments = Payments(settings.stripe_secret_key, settings.stripe_webhook_secret, settings.stripe_api_base)
    db = await Database.connect(settings.database_url, name="admin-cli", max_size=2)
    try:
        return await webhooks.reconcile(db, payments, settings)
    finally:
        await db.close()
        # Payments has no close of its own; its HTTP client holds an aiohttp session.
        http = getattr(getattr(payments.client, "_requestor", None), "_client", None)
        if http is not None:
            await http.close_async()


# assets -------------------------------------------------------------------------------------

SELECT_TENANT = "SELECT slug, deleted_at FROM identity.tenants WHERE id = $1"
JOB_FINISHED = ("done", "failed")


@assets_app.command("reembed", short_help="Re-embed a tenant's library, with progress.")
def assets_reembed(
    tenant: Annotated[uuid.UUID, typer.Option(help="the tenant's id")],
    here: Annotated[bool, typer.Option(help="do the work in this process, with the embedding provider this "
                                            "environment configures (OPENAI_API_KEY, AI_EMBEDDING_MODEL as for "
                                            "assets; it must match the service's)")] = False,
    timeout: Annotated[float, typer.Option(help="seconds to follow the job before giving up on watching "
                                                "(the job itself carries on)")] = 3600.0,
) -> None:
    """Open a re-embedding job for the tenant's library (or join the open one) and follow it
    with a progress bar until it is done. Without --here a running assets service takes the
    job within about ten seconds. Jobs are leased: --here never works on a job a replica
    holds, and a replica takes over one that --here left unfinished."""
    config = load(MigrateSettings)
    run(reembed(config, tenant, here=here, timeout=timeout))


async def reembed(config: MigrateSettings, tenant_id: uuid.UUID, *, here: bool, timeout: float) -> None:
    from services.assets import reembed as jobs
    from shared.ai import AISettings, create_provider

    conn = await asyncpg.connect(admin_url(config))
    try:
        tenant = await conn.fetchrow(SELECT_TENANT, tenant_id)
    finally:
        await conn.close()
    if tenant is None or tenant["deleted_at"] is not None:
        fail(f"no live tenant {tenant_id}")
    provider = create_provider(load(AISettings))
    db = await Database.connect(role_url(config, "assets"), name="admin-cli", max_size=3, vector=True)
    worker: asyncio.Task[str] | None = None
    try:
        # The same job the OWNER's request opens; no account asked, so requested_by stays empty
        # as for the jobs the service opens itself.
        async with db.tenant_tx(tenant_id) as tx:
            row = await tx.fetchrow(jobs.OPEN_JOB, tenant_id, uuid.uuid4(), provider.embedding_model, None)
            opened = row is not None
            row = row or await tx.fetchrow(jobs.SELECT_OPEN_JOB)
        stderr().print(f"{'opened' if opened else 'joined the open'} re-embedding job {row['id']} for "
                       f"{tenant['slug']}" + (f" (embedding with {provider.embedding_model} here)" if here else ""),
                       markup=False)
        if here:
            worker = asyncio.create_task(jobs.Reembedder(db, provider).work_on(tenant_id, row["id"]))
        job = await follow_job(db, tenant_id, row["id"], worker, timeout)
    finally:
        if worker is not None and not worker.done():
            worker.cancel()  # the lease runs out and a replica takes the job over
            await asyncio.gather(worker, return_exceptions=True)
        await db.close()
        await provider.aclose()
    if job["status"] == "failed":
        fail(f"re-embedding failed after {job['done']} of {job['total']}: {job['error']}")
    if job["status"] != "done":
        fail(f"the job is still {job['status']} ({job['done']} of {job['total']}) after {timeout:g} s; it stays "
             "open and the assets service carries on")
    typer.echo(f"re-embedded {job['done']} of {job['total']} assets of {tenant['slug']} with {job['model']}")


async def follow_job(db: Database, tenant_id: uuid.UUID, job_id: uuid.UUID, worker: asyncio.Task[str] | None,
                     timeout: float) -> asyncpg.Record:
    from services.assets.reembed import SELECT_JOB

    loop = asyncio.get_running_loop()
    started = loop.time()
    hinted = False
    with bar() as progress:
        task = progress.add_task("re-embedding", total=None)
        while True:
            job = await db.one(tenant_id, SELECT_JOB, job_id, missing="the job disappeared (tenant purged?)")
            if job["status"] != "queued":
                progress.update(task, total=job["total"], completed=job["done"])
            if job["status"] in JOB_FINISHED or loop.time() - started > timeout:
                return job
            if worker is not None and worker.done() and worker.result() == "taken" and not hinted:
                progress.console.print("an assets replica holds the job's lease: following its progress", markup=False)
                hinted = True
            if worker is None and job["status"] == "queued" and loop.time() - started > 30 and not hinted:
                progress.console.print("no assets worker has taken the job yet: is the assets service running "
                                       "(RUN_WORKERS on)? --here does the work in this process", markup=False)
                hinted = True
            await asyncio.sleep(0.2 if worker is not None else 1.0)


# keys -------------------------------------------------------------------------------------


@keys_app.command("rotate", short_help="New signing key; the current one stays published.")
def keys_rotate(
    current_file: Annotated[Path | None, typer.Option(exists=True, dir_okay=False,
                                                      help="PEM file of the key identity signs with now "
                                                           "(default: $JWT_PRIVATE_KEY)")] = None,
    out: Annotated[Path | None, typer.Option(help="write the new settings to this new file (mode 600) "
                                                  "instead of printing the keys")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="print the settings as JSON")] = False,
) -> None:
    """Make a new signing key and the settings that roll it out without logging anyone out.

    Identity signs with JWT_PRIVATE_KEY and publishes it and JWT_PREVIOUS_PRIVATE_KEY in
    /.well-known/jwks.json; the gateway refetches that when a token names a key it does not
    know. So: the new key becomes JWT_PRIVATE_KEY, the current one JWT_PREVIOUS_PRIVATE_KEY,
    and tokens signed before the rotation stay valid until they expire. The keys live in
    your secret store, so this command prints the new values; it changes nothing itself."""
    current_pem = current_file.read_text() if current_file else os.environ.get("JWT_PRIVATE_KEY", "")
    dropped_pem = os.environ.get("JWT_PREVIOUS_PRIVATE_KEY", "")
    try:
        current = SigningKey.from_pem(current_pem) if current_pem.strip() else None
        dropped = SigningKey.from_pem(dropped_pem).kid if dropped_pem.strip() else None
    except (ValueError, TypeError) as exc:
        fail(f"a key is not an Ed25519 private key in PEM: {exc}", code=2)
    new = SigningKey.generate()
    values = {"JWT_PRIVATE_KEY": new.private_pem, "JWT_PREVIOUS_PRIVATE_KEY": current.private_pem if current else ""}
    if as_json:
        text = json.dumps({**values, "kid": new.kid, "previous_kid": current.kid if current else None,
                           "dropped_kid": dropped}, indent=2) + "\n"
    else:
        text = "".join(f'{name}="{value.strip()}"\n' for name, value in values.items())
    if out is not None:
        try:
            fd = os.open(out, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            fail(f"{out} exists; name a new file")
        with os.fdopen(fd, "w") as file:
            file.write(text)
    else:
        typer.echo(text, nl=False)
    note = stderr()
    note.print(f"new key {new.kid} signs; " + (f"{current.kid} stays published as the previous key"
                                               if current else "there was no current key, so no previous one"),
               markup=False)
    if dropped:
        note.print(f"{dropped} (the previous key until now) is no longer published: tokens it signed are refused "
                   "and their clients refresh them; rotate at most once per ACCESS_TOKEN_TTL", markup=False)
    note.print("roll out: put both values where identity's secrets live and restart identity. With several "
               "identity replicas, roll out first with JWT_PREVIOUS_PRIVATE_KEY set to the new key "
               "(published, not yet signing), then these values. Keep the keys out of shell history and "
               f"logs{'' if out else '; --out writes them to a file instead'}.", markup=False)


# check --------------------------------------------------------------------------------------

BALANCE_DRIFT = """
SELECT a.tenant_id, a.balance, coalesce(l.total, 0) AS ledger
FROM billing.accounts a
LEFT JOIN (SELECT tenant_id, sum(amount) AS total FROM billing.credit_transactions GROUP BY tenant_id) l
  USING (tenant_id)
WHERE a.balance <> coalesce(l.total, 0) AND ($1::uuid IS NULL OR a.tenant_id = $1)
ORDER BY a.tenant_id
"""
HELD_DRIFT = """
SELECT a.tenant_id, a.held, coalesce(h.total, 0) AS open_holds
FROM billing.accounts a
LEFT JOIN (SELECT tenant_id, sum(amount) AS total FROM billing.holds WHERE status = 'held' GROUP BY tenant_id) h
  USING (tenant_id)
WHERE a.held <> coalesce(h.total, 0) AND ($1::uuid IS NULL OR a.tenant_id = $1)
ORDER BY a.tenant_id
"""
EXPIRED_HOLDS = """
SELECT tenant_id, id, reference_id, amount, expires_at, extract(epoch FROM now() - expires_at)::int AS overdue
FROM billing.holds
WHERE status = 'held' AND expires_at < now() - make_interval(secs => $2) AND ($1::uuid IS NULL OR tenant_id = $1)
ORDER BY expires_at
"""
TENANTS_WITHOUT_WALLET = """
SELECT t.id AS tenant_id, t.slug FROM identity.tenants t
WHERE t.deleted_at IS NULL AND t.created_at < now() - make_interval(secs => $2) AND ($1::uuid IS NULL OR t.id = $1)
  AND NOT EXISTS (SELECT 1 FROM billing.accounts a WHERE a.tenant_id = t.id)
ORDER BY t.created_at
"""
# Schema names come from SERVICES_WITH_SCHEMA, never from input.
STUCK_OUTBOX = """
SELECT event_id, subject, payload, extract(epoch FROM now() - created_at)::int AS age
FROM {schema}.outbox WHERE created_at < now() - make_interval(secs => $1) ORDER BY id LIMIT 1000
"""
STUCK_OUTBOX_LIMIT = 1000
COUNT_TENANTS = "SELECT count(*) FROM identity.tenants WHERE deleted_at IS NULL"
CAN_READ_ALL = "SELECT rolsuper OR rolbypassrls FROM pg_roles WHERE rolname = current_user"


class Violation(msgspec.Struct, frozen=True):
    check: str
    tenant_id: str | None
    detail: str


@app.command("check", short_help="Check invariants across tenants; exit 1 on violations.")
def check(
    max_lag: Annotated[float, typer.Option(min=0, help="seconds an outbox row may wait, and a new tenant may "
                                                       "lack its wallet, before it counts as stuck")] = 60.0,
    hold_grace: Annotated[float, typer.Option(min=0, help="seconds past expiry before an open hold counts "
                                                          "(billing's sweeper runs every HOLD_SWEEP_INTERVAL)")] = 60.0,
    tenant: Annotated[uuid.UUID | None, typer.Option(help="check one tenant only")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="print the violations as JSON")] = False,
) -> None:
    """Check the platform's invariants across all tenants; exit 1 naming the tenants if any fail.

    Every wallet's balance equals its ledger sum and its held credits equal its open holds;
    no hold is left open past its expiry; every live tenant has a wallet; every service's
    outbox is drained. Reads every tenant's rows, so DATABASE_URL must be a superuser or a
    role with BYPASSRLS (platform_owner obeys the forced row-level security)."""
    config = load(MigrateSettings)
    violations, summary = run(check_invariants(config, tenant, max_lag=max_lag, hold_grace=hold_grace))
    if as_json:
        typer.echo(msgspec.json.encode(violations).decode())
    else:
        for v in violations:
            typer.echo(f"{v.check:<16} {v.tenant_id or '-':<36}  {v.detail}")
    if violations:
        tenants = {v.tenant_id for v in violations if v.tenant_id}
        fail(f"{len(violations)} violations in {len(tenants)} tenants")
    if not as_json:
        typer.echo(f"all invariants hold: {summary}")


async def check_invariants(config: MigrateSettings, tenant: uuid.UUID | None, *, max_lag: float,
                           hold_grace: float) -> tuple[list[Violation], str]:
    conn = await asyncpg.connect(admin_url(config))
    try:
        if not await conn.fetchval(CAN_READ_ALL):
            fail("check reads every tenant's rows: DATABASE_URL must name a superuser or a role with BYPASSRLS "
                 "(row-level security would hide the rows and the check would pass on nothing)", code=2)
        found: list[Violation] = []
        steps = ["balances", "held credits", "expired holds", "wallets", *(f"{s} outbox" for s in SERVICES_WITH_SCHEMA)]
        with bar() as progress:
            task = progress.add_task("checking", total=len(steps))
            for row in await conn.fetch(BALANCE_DRIFT, tenant):
                found.append(Violation("balance", str(row["tenant_id"]),
                                       f"balance {row['balance']} but the ledger sums to {row['ledger']}"))
            progress.advance(task)
            for row in await conn.fetch(HELD_DRIFT, tenant):
                found.append(Violation("held", str(row["tenant_id"]),
                                       f"held {row['held']} but open holds sum to {row['open_holds']}"))
            progress.advance(task)
            for row in await conn.fetch(EXPIRED_HOLDS, tenant, hold_grace):
                found.append(Violation("expired-hold", str(row["tenant_id"]),
                                       f"hold {row['id']} ({row['amount']} credits, {row['reference_id']}) still "
                                       f"held {row['overdue']} s after it expired"))
            progress.advance(task)
            for row in await conn.fetch(TENANTS_WITHOUT_WALLET, tenant, max_lag):
                found.append(Violation("no-wallet", str(row["tenant_id"]),
                                       f"tenant {row['slug']} has no billing account (tenant.created not applied?)"))
            progress.advance(task)
            for schema in SERVICES_WITH_SCHEMA:
                rows = await conn.fetch(STUCK_OUTBOX.format(schema=schema), max_lag)
                found.extend(stuck_outbox(schema, rows, tenant))
                progress.advance(task)
        tenants = await conn.fetchval(COUNT_TENANTS)
    finally:
        await conn.close()
    summary = f"{tenants} live tenants; the outboxes of {', '.join(SERVICES_WITH_SCHEMA)} drained"
    return found, summary


def stuck_outbox(schema: str, rows: list[asyncpg.Record], tenant: uuid.UUID | None) -> list[Violation]:
    """One violation per tenant with rows older than the lag, naming the oldest."""
    by_tenant: dict[str | None, list[asyncpg.Record]] = {}
    for row in rows:
        try:
            owner = _str_or_none(msgspec.json.decode(row["payload"]).get("tenant_id"))
        except (msgspec.DecodeError, AttributeError):
            owner = None
        if tenant is None or owner == str(tenant):
            by_tenant.setdefault(owner, []).append(row)
    more = "+" if len(rows) == STUCK_OUTBOX_LIMIT else ""  # the query stops there
    return [Violation("outbox", owner, f"{len(stuck)}{more} unpublished {schema} events, the oldest "
                                       f"{stuck[0]['age']} s old ({stuck[0]['subject']}, {stuck[0]['event_id']}); "
                                       f"is {schema}'s relay running and NATS reachable?")
            for owner, stuck in by_tenant.items()]


if __name__ == "__main__":
    app()

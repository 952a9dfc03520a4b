"""Identity's operator commands (run through `python -m services.admin`): create a tenant
as sign-up does, rotate the token signing keys, and the tenant registry the other
services' commands ask (`Registry`). Commands act as identity, with its own database role
and its own use cases."""

from __future__ import annotations

import json
import os
import uuid
from pathlib import Path
from typing import Annotated

import asyncpg
import msgspec
import typer

from shared.auth import SigningKey
from shared.cli import LiveTenant, fail, group, load, run, spinner, stderr
from shared.invariants import outbox_drained
from shared.migrate import MigrateSettings, role_url, service_environ
from shared.web import ServiceContext, opened_runtime

from . import accounts, repo
from .context import Ctx
from .domain import Passwords
from .schemas import SignupIn, SignupOut
from .settings import Settings
from .tokens import Tokens
from .txt_records import TxtChecker

app = typer.Typer()  # its commands join `admin`'s own
keys_app = group("Access-token signing keys (identity's JWKS).")
app.add_typer(keys_app, name="keys")

INVARIANTS = [outbox_drained("identity")]


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


async def sign_up_tenant(config: MigrateSettings, body: dict[str, str]) -> SignupOut:
    try:
        data = msgspec.convert(body, SignupIn)  # the same checks as the HTTP body's
    except msgspec.ValidationError as exc:
        fail(f"refused: {exc}")
    # Sign-up returns an access token, which this command never shows: a throwaway key signs it,
    # so the command needs no access to identity's signing key.
    throwaway = SigningKey.generate()
    settings = load(Settings, service_environ(config, "identity", JWT_PRIVATE_KEY=throwaway.private_pem))
    async with opened_runtime("admin-cli", settings) as runtime:
        ctx = Ctx(**ServiceContext.parts(runtime), settings=settings,
                  tokens=Tokens(throwaway, None, settings.access_token_ttl), txt_checker=TxtChecker(),
                  passwords=Passwords(time_cost=settings.password_time_cost, memory_kib=settings.password_memory_kib))
        return await accounts.create_tenant_for_operator(ctx, data)


# keys ---------------------------------------------------------------------------------------


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


# the tenant registry ----------------------------------------------------------------------


class Registry:
    """Which tenants are live, read as identity (the `shared.cli.TenantRegistry` that
    `admin` hands to the other services' commands)."""

    async def find(self, config: MigrateSettings, tenant_id: uuid.UUID) -> LiveTenant | None:
        found = await self._live(config, tenant_id)
        return found[0] if found else None

    async def census(self, config: MigrateSettings) -> list[LiveTenant]:
        return await self._live(config, None)

    @staticmethod
    async def _live(config: MigrateSettings, only: uuid.UUID | None) -> list[LiveTenant]:
        conn = await asyncpg.connect(role_url(config, "identity"))
        try:
            rows = await repo.live_tenants(conn, only)
        finally:
            await conn.close()
        return [LiveTenant(id=row["id"], slug=row["slug"], age=row["age"]) for row in rows]

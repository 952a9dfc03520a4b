"""The operators' command line: `python -m services.admin --help` (`make admin ARGS="…"`).

What an engineer paged at night does by hand, in one place. This module only dispatches:
each service owns its commands (`services/<name>/commands.py`, acting as that service),
the kernel owns the platform-wide ones (`shared.migrate`, `shared.dead_letters`) and runs
every service's invariants (`shared.invariants`). Identity's registry of live tenants is
handed to every command as the command line's context object, so the other services'
commands never read identity's tables. Settings, exit codes: `shared.cli`.
"""

from __future__ import annotations

import typer

from services.assets import commands as assets
from services.billing import commands as billing
from services.cms import commands as cms
from services.identity import commands as identity
from shared import dead_letters, invariants, migrate

app = typer.Typer(name="admin", no_args_is_help=True, add_completion=False, rich_markup_mode=None,
                  help="Operate the platform: migrations, tenants, dead letters, credits, Stripe, re-embedding, "
                       "keys, invariants. Settings come from the environment (DATABASE_URL is an administrator's "
                       "URL).")


@app.callback()
def tenant_registry(ctx: typer.Context) -> None:
    ctx.obj = identity.Registry()


app.command("migrate", short_help="Apply the migrations.")(migrate.command)
app.add_typer(dead_letters.app, name="dlq")
app.add_typer(identity.app)
app.add_typer(billing.app)
app.add_typer(assets.app)
app.command("check", short_help="Check invariants across tenants; exit 1 on violations.")(
    invariants.command([*billing.INVARIANTS, *identity.INVARIANTS, *cms.INVARIANTS, *assets.INVARIANTS]))

if __name__ == "__main__":
    app()

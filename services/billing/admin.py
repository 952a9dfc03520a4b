"""Operator commands: `python -m services.billing.admin adjust --tenant ID --amount N
--reference TICKET --reason "…" --operator NAME` (`make adjust ARGS="…"`).

Corrections are a platform operator's act, not a tenant's: an OWNER could otherwise
grant themselves credits. They are new ADJUSTMENT rows that say who and why, which the
tenant's OWNERs see in their ledger; the same reference applies once."""

from __future__ import annotations

import argparse
import asyncio
import sys
import uuid

from shared import settings as settings_loader
from shared.db import Database
from shared.errors import AppError

from . import service
from .settings import Settings


async def adjust(settings: Settings, args: argparse.Namespace) -> str:
    db = await Database.connect(settings.database_url, name="billing-admin", max_size=1)
    try:
        row = await service.apply_adjustment(db, args.tenant, args.amount, args.reference, args.reason, args.operator)
    finally:
        await db.close()
    state = "already applied" if row["replayed"] else "applied"
    return f"{state}: {row['amount']:+d} credits to {args.tenant}; balance {row['balance']}"


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m services.billing.admin")
    commands = parser.add_subparsers(dest="command", required=True)
    adjust_parser = commands.add_parser("adjust", help="add an ADJUSTMENT row to a tenant's ledger")
    adjust_parser.add_argument("--tenant", type=uuid.UUID, required=True)
    adjust_parser.add_argument("--amount", type=int, required=True, help="credits, negative to take back")
    adjust_parser.add_argument("--reference", required=True, help="e.g. a support ticket; applies once")
    adjust_parser.add_argument("--reason", required=True)
    adjust_parser.add_argument("--operator", required=True, help="who makes the correction")
    args = parser.parse_args(argv)
    settings = settings_loader.load_or_exit(Settings)
    try:
        print(asyncio.run(adjust(settings, args)))
    except AppError as exc:
        print(f"refused: {exc}", file=sys.stderr)
        raise SystemExit(1) from None


if __name__ == "__main__":
    main()

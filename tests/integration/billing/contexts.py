"""Billing's context over a test's own database, for the use cases these tests drive."""

from __future__ import annotations

from nats.aio.client import Client as NATS

from services.billing.context import Ctx
from services.billing.settings import Settings
from shared.db import Database
from shared.web import Runtime


def context_over(db: Database, settings: Settings | None = None) -> Ctx:
    """The wallet's use cases touch only the database here: the NATS client never connects,
    so anything that tried to publish would fail loudly rather than pass unseen."""
    settings = settings or Settings(database_url="", internal_secret="")
    nc = NATS()
    return Ctx(db=db, nc=nc, js=nc.jetstream(), runtime=Runtime("billing", settings), settings=settings,
               payments=None)

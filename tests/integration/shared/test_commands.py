"""Request-reply commands: typed answers, failures as errors, silence as Unavailable."""

import uuid
from typing import ClassVar

import msgspec
import pytest

from shared.contracts import Command, ResolvedHost
from shared.errors import NotFound, Unavailable
from shared.messaging import request, serve_command


class ResolveTestHost(Command, frozen=True, kw_only=True):
    """A command of this test alone: the real one may be answered by a running identity."""

    SUBJECT: ClassVar[str] = f"cmd.test.host.resolve.{uuid.uuid4().hex}"
    Reply: ClassVar[type[msgspec.Struct]] = ResolvedHost
    slug: str


async def test_a_command_gets_its_typed_reply_or_a_clear_failure(nats_client) -> None:  # type: ignore[no-untyped-def]
    tenant = uuid.uuid4()

    async def answer(query: ResolveTestHost) -> ResolvedHost:
        if query.slug == "missing":
            raise NotFound("no such slug")
        if query.slug == "broken":
            raise RuntimeError("bug")
        return ResolvedHost(tenant_id=tenant, slug=query.slug)

    subscription = await serve_command(nats_client, ResolveTestHost, answer)
    try:
        reply = await request(nats_client, ResolveTestHost(slug="nike"))
        assert reply == ResolvedHost(tenant_id=tenant, slug="nike")
        for slug in ("missing", "broken"):
            with pytest.raises(Unavailable):
                await request(nats_client, ResolveTestHost(slug=slug))
    finally:
        await subscription.unsubscribe()
    with pytest.raises(Unavailable, match="did not answer"):
        await request(nats_client, ResolveTestHost(slug="nike"), timeout=0.3)

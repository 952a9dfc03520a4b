"""Request-reply commands: typed answers, failures as errors, silence as Unavailable."""

import uuid

import pytest

from shared.contracts import ResolvedHost, ResolveHost
from shared.errors import NotFound, Unavailable
from shared.messaging import request, serve_command


async def test_a_command_gets_its_typed_reply_or_a_clear_failure(nats_client) -> None:  # type: ignore[no-untyped-def]
    tenant = uuid.uuid4()

    async def answer(query: ResolveHost) -> ResolvedHost:
        if query.slug == "missing":
            raise NotFound("no such slug")
        if query.slug == "broken":
            raise RuntimeError("bug")
        return ResolvedHost(tenant_id=tenant, slug=query.slug)

    subscription = await serve_command(nats_client, ResolveHost, answer)
    try:
        reply = await request(nats_client, ResolveHost(slug="nike"))
        assert reply == ResolvedHost(tenant_id=tenant, slug="nike")
        for slug in ("missing", "broken"):
            with pytest.raises(Unavailable):
                await request(nats_client, ResolveHost(slug=slug))
    finally:
        await subscription.unsubscribe()
    with pytest.raises(Unavailable, match="did not answer"):
        await request(nats_client, ResolveHost(slug="nike"), timeout=0.3)

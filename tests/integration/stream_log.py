"""Reading back what JetStream holds, so tests count messages rather than trust logs."""

from __future__ import annotations

import uuid

from nats.js import JetStreamContext

from shared.contracts import decode_event
from shared.messaging import OutboxRelay


async def last_seq(js: JetStreamContext, stream: str) -> int:
    return (await js.stream_info(stream)).state.last_seq


async def event_ids_since(js: JetStreamContext, stream: str, after_seq: int) -> list[uuid.UUID]:
    """The event ids of every message stored after `after_seq`, in order."""
    ids = []
    for seq in range(after_seq + 1, await last_seq(js, stream) + 1):
        msg = await js.get_msg(stream, seq)
        ids.append(decode_event(msg.data).event_id)
    return ids


async def drain(relay: OutboxRelay) -> None:
    """Publish everything in the relay's outbox, batch by batch, without its listening loop."""
    while await relay.relay_batch():
        pass

"""A consumer continues the trace of the request that wrote the event."""

import asyncio
import uuid

from opentelemetry import trace
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

from shared.contracts import TenantUpdatedV1
from shared.db import Database
from shared.messaging import EventConsumer, OutboxRelay, add_event
from shared.telemetry import setup_tracing, tracer


async def test_trace_context_travels_from_the_writer_through_nats_to_the_consumer(
        billing_db: Database, nats_client, tenant_id: uuid.UUID) -> None:
    exporter = InMemorySpanExporter()
    provider = setup_tracing("tests", exporter=exporter)
    js = nats_client.jetstream()
    event = TenantUpdatedV1(tenant_id=tenant_id, slug="traced", name="Traced")
    with tracer("tests").start_as_current_span("user request") as request_span:
        async with billing_db.tenant_tx(tenant_id) as tx:
            await add_event(tx, event)
    seen: dict[uuid.UUID, trace.SpanContext] = {}

    async def handler(tx, received: TenantUpdatedV1) -> None:  # type: ignore[no-untyped-def]
        seen[received.event_id] = trace.get_current_span().get_span_context()

    relay = OutboxRelay(billing_db, js, channel="billing_outbox")
    while await relay.relay_batch():
        pass
    consumer = EventConsumer(billing_db, js, durable=f"test-trace-{uuid.uuid4().hex[:8]}",
                             events=[TenantUpdatedV1], handler=handler)
    task = asyncio.create_task(consumer.run())
    try:
        for _ in range(200):
            if event.event_id in seen:
                break
            await asyncio.sleep(0.05)
    finally:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
    provider.force_flush()

    consumer_context = seen[event.event_id]
    assert consumer_context.trace_id == request_span.get_span_context().trace_id
    spans = {span.context.span_id: span for span in exporter.get_finished_spans()}
    consume_span = spans[consumer_context.span_id]
    assert consume_span.kind == trace.SpanKind.CONSUMER
    publish_span = spans[consume_span.parent.span_id]  # the relay's publish, in the writer's trace
    assert publish_span.name == f"publish {event.subject()}" and publish_span.kind == trace.SpanKind.PRODUCER
    assert publish_span.parent.span_id == request_span.get_span_context().span_id
    assert consume_span.attributes["tenant.id"] == str(tenant_id)
    # The outbox write is a statement span under the request: its text, never its values.
    writes = [span for span in spans.values() if span.parent and span.parent.span_id == request_span.get_span_context()
              .span_id and span.name == "INSERT"]
    assert writes and "outbox" in writes[0].attributes["db.query.text"]
    assert str(event.event_id) not in writes[0].attributes["db.query.text"]
    assert writes[0].attributes["tenant.id"] == str(tenant_id)

"""One PostgreSQL and one NATS for the whole test session (embedded, or DATABASE_URL /
NATS_URL when set); tests isolate themselves by creating tenants, not databases.
The five services start once, lazily, for the tests that go through the gateway."""

from __future__ import annotations

import contextlib
import os
import shutil
import uuid
from collections.abc import AsyncIterator, Iterator
from typing import Any

import msgspec
import pytest

from services.cms.ai_edits import edit_schema, node_schema
from services.cms.offline_writers import skills
from services.cms.prompts import read_context
from services.cms.schemas import SitePlan
from shared.ai.offline_generation import generate_instance
from shared.db import Database
from shared.dev.embedded import free_port
from shared.dev.stack import ROOT, Stack, StackSettings
from shared.messaging import connect_nats, ensure_streams
from tests.servers.dns_responder import DnsResponder
from tests.servers.openai_compatible import FakeOpenAI, Reply
from tests.servers.otlp_receiver import OtlpReceiver
from tests.servers.smtp_sink import SmtpSink
from tests.servers.stripe_compatible import FakeStripe

ROLE_PASSWORD = "platform-test-password"
# Kernel tests drive relays and consumers by hand, so they get a database of their own:
# the services started for end-to-end tests run relays that would otherwise race them.
KERNEL_DATABASE = "kernel_test"


@pytest.fixture(scope="session")
def stack() -> Iterator[Stack]:
    data_dir = ROOT / ".data" / f"test-{os.getpid()}"
    config = StackSettings(
        data_dir=str(data_dir),
        database_url=os.environ.get("DATABASE_URL", ""),
        nats_url=os.environ.get("NATS_URL", ""),
        database_name=os.environ.get("TEST_DATABASE_NAME", "platform_test"),
        db_role_password=ROLE_PASSWORD,
        pg_port=free_port(), nats_port=free_port(), gateway_port=free_port(),
        service_base_port=_free_block(4),
    )
    stack = Stack(config)
    try:
        stack.start_infra()
        stack.migrate()
        stack.migrate(KERNEL_DATABASE)
        yield stack
    finally:
        stack.stop()
        if not os.environ.get("KEEP_TEST_DATA"):  # set it to read the services' logs afterwards
            shutil.rmtree(data_dir, ignore_errors=True)


def _free_block(size: int) -> int:
    """A base port with `size` consecutive free ports after it."""
    from shared.dev.embedded import port_is_free

    for _ in range(50):
        base = free_port()
        if base + size < 65535 and all(port_is_free(base + i) for i in range(size)):
            return base
    raise RuntimeError("no block of free ports")


@pytest.fixture(scope="session")
def dns_responder() -> Iterator[DnsResponder]:
    responder = DnsResponder()
    responder.start()
    yield responder
    responder.stop()


@pytest.fixture(scope="session")
def mailbox() -> Iterator[SmtpSink]:
    sink = SmtpSink()
    sink.start()
    yield sink
    sink.stop()


@pytest.fixture(scope="session")
async def stripe_server() -> AsyncIterator[FakeStripe]:
    fake = FakeStripe()
    await fake.start()
    fake.pro_price = fake.add_price(2900, currency="eur", interval="month", product_name="Pro")["id"]  # type: ignore[attr-defined]
    yield fake
    await fake.stop()


def uuids_allowed(schema: Any) -> Iterator[str]:
    """The ids a schema's enums allow (an edit schema limits image and product ids to the block's)."""
    if isinstance(schema, dict):
        for value in schema.get("enum", []) if schema.get("type") == "string" else []:
            with contextlib.suppress(ValueError, TypeError):
                yield str(uuid.UUID(value))
        for value in schema.values():
            yield from uuids_allowed(value)
    elif isinstance(schema, list):
        for item in schema:
            yield from uuids_allowed(item)


OFFLINE_WRITERS = skills()
# The schemas cms asks for by name, as cms builds them (a request carries their strict form).
CMS_SCHEMAS = {"site_plan": lambda: msgspec.json.schema(SitePlan), "page_plan": lambda: msgspec.json.schema(SitePlan)}


def schema_model(body: dict[str, Any]) -> Reply:
    """The stand-in model behind the platform's tests: cms's own offline writers for the
    outputs it asks for by name (plans, sections, node edits: the embedded default's copy),
    the offline generator for any other schema; valid against the platform's own schema
    for the request (the strict form a request carries leaves out formats and patterns,
    which a real model mostly follows anyway). Tests script what a model gets wrong."""
    response_format = body["response_format"]["json_schema"]
    name, schema = response_format["name"], response_format["schema"]
    system = next((m["content"] for m in body["messages"] if m["role"] == "system"), "")
    prompt = body["messages"][-1]["content"]
    text = prompt if isinstance(prompt, str) else " ".join(p.get("text", "") for p in prompt)
    if name == "node_edit":
        # The request's own schema pins the node's id and its known ids; the full one keeps every check.
        node = schema["properties"]["node"]
        component = node["properties"]["component"]["const"] if "const" in node["properties"]["component"] \
            else node["properties"]["component"]["enum"][0]
        schema = edit_schema(component, node["properties"]["id"]["const"], set(uuids_allowed(schema)))
    elif name == "page_section":
        component = read_context(text)["section"]["component"]
        schema = node_schema(component)
    elif name in CMS_SCHEMAS:
        schema = CMS_SCHEMAS[name]()
    writer = OFFLINE_WRITERS.get(name)
    return Reply(content=writer(system, text, schema) if writer else generate_instance(schema, text))


@pytest.fixture(scope="session")
async def ai_server() -> AsyncIterator[FakeOpenAI]:
    fake = FakeOpenAI(api_key="sk-platform-test")
    await fake.start()
    fake.default_reply = schema_model
    yield fake
    await fake.stop()


@pytest.fixture(scope="session")
async def otlp_receiver() -> AsyncIterator[OtlpReceiver]:
    receiver = OtlpReceiver()
    await receiver.start()
    yield receiver
    await receiver.stop()


@pytest.fixture(scope="session")
def platform(stack: Stack, dns_responder: DnsResponder, mailbox: SmtpSink, stripe_server: FakeStripe,
             ai_server: FakeOpenAI, otlp_receiver: OtlpReceiver) -> Stack:
    """The stack with all five services running (started on first use). Identity checks
    DNS with the test responder, mails to the test mailbox, and re-checks domains and
    looks for tenants to purge often; billing talks to the local Stripe-compatible server and
    releases expired holds every second; cms generates pages with the OpenAI-compatible one."""
    if not stack.processes:
        # Every process exports its spans to the test's OTLP receiver, in batches every 0.2 s.
        traced = {"OTEL_EXPORTER_OTLP_ENDPOINT": otlp_receiver.url, "OTEL_BSP_SCHEDULE_DELAY": "200"}
        extra_env: dict[str, dict[str, str]] = {
            "identity": {"DNS_RESOLVER": dns_responder.address, "SMTP_URL": mailbox.url,
                         "DOMAIN_RECHECK_INTERVAL": "1", "PURGE_CHECK_INTERVAL": "0.5"},
            "billing": {"STRIPE_SECRET_KEY": stripe_server.api_key, "STRIPE_API_BASE": stripe_server.base_url,
                        "STRIPE_WEBHOOK_SECRET": stripe_server.webhook_secret, "RECONCILE_INTERVAL": "1",
                        "PLANS": msgspec.json.encode({"free": {"monthly_credits": 0}, "pro": {
                            "monthly_credits": 1000, "stripe_price": stripe_server.pro_price}}).decode(),
                        "HOLD_SWEEP_INTERVAL": "1"},
            # Page generation talks to the OpenAI-compatible test server (assets keeps the
            # offline provider); holds are short so a job lost in a crash settles in seconds.
            # Every test client is 127.0.0.1: the per-address limit would throttle the suite.
            "gateway": {"RATE_LIMIT_PER_ADDRESS": "1000000/minute", "RATE_LIMIT_PER_TENANT": "400/10 seconds",
                        "EDITOR_ORIGINS": '["https://editor.example"]'},
            "cms": {"OPENAI_API_KEY": ai_server.api_key, "OPENAI_BASE_URL": ai_server.base_url, "AI_TIMEOUT": "3",
                    "GENERATION_HOLD_SECONDS": "15"},
        }
        stack.start_services(extra_env={name: {**traced, **extra_env.get(name, {})}
                                        for name in ("gateway", "identity", "cms", "assets", "billing")})
    return stack


@pytest.fixture(scope="session")
async def billing_db(stack: Stack) -> AsyncIterator[Database]:
    db = await Database.connect(stack.database_url("billing", KERNEL_DATABASE), name="tests-billing", max_size=5)
    yield db
    await db.close()


@pytest.fixture(scope="session")
async def nats_client(stack: Stack):  # type: ignore[no-untyped-def]
    nc = await connect_nats(stack.nats_url, name="tests")
    await ensure_streams(nc.jetstream())
    yield nc
    await nc.drain()


@pytest.fixture
def tenant_id() -> uuid.UUID:
    return uuid.uuid4()


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption("--run-long", action="store_true", help="also run tests marked long")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if config.getoption("--run-long"):
        return
    skip = pytest.mark.skip(reason="long test: use make test-long")
    for item in items:
        if "long" in item.keywords:
            item.add_marker(skip)

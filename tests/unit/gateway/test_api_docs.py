"""The public API's documents (shared/dev/api_docs.py, shared/dev/event_catalogue.py) and the
gateway's routes serving them (services/gateway/api_docs.py): the committed files are what
the code makes now, the OpenAPI document is valid 3.1 with every service's public operations
tagged and no operator route, the AsyncAPI catalogue has every event with its payload,
producer and the consumers the code really starts."""

from __future__ import annotations

import json
import re
import textwrap
import uuid
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import jsonschema
import pytest
from litestar import Litestar
from litestar.di import Provide
from litestar.testing import TestClient
from openapi_spec_validator import validate

from services.gateway import api_docs as gateway_docs
from services.gateway import hosts as hosts_module
from services.gateway.context import Ctx
from services.gateway.edge import Proxies, RateLimits
from services.gateway.hosts import HostResolver
from services.gateway.http import OPERATOR_ROUTES, proxy_api
from shared.contracts import ALL_EVENTS, ResolvedHost, ResolveHost
from shared.dev import api_docs, event_catalogue
from shared.errors import EXCEPTION_HANDLERS

ROOT = Path(__file__).resolve().parents[3]


@pytest.fixture(scope="module")
def made() -> dict[str, dict[str, Any]]:
    """The documents as the code makes them now (each service's app built, not run)."""
    return {name: json.loads(text) for name, text in api_docs.documents().items()}


@pytest.fixture(scope="module")
def own_documents() -> dict[str, dict[str, Any]]:
    return {service: api_docs.service_document(service) for service in api_docs.SERVICES}


def test_the_committed_documents_are_what_the_code_makes(made: dict[str, dict[str, Any]]) -> None:
    for name, document in made.items():
        committed = api_docs.DOCUMENTS / name
        assert committed.is_file(), f"{committed} is missing: run make api-docs"
        assert committed.read_text() == api_docs.rendered(document), \
            f"{committed.relative_to(ROOT)} is stale (an API or a contract changed): run make api-docs"


def test_a_stale_file_is_found(tmp_path: Path, made: dict[str, dict[str, Any]]) -> None:
    """The freshness check can fail: a document missing one operation is stale, its twin is not."""
    for name, document in made.items():
        (tmp_path / name).write_text(api_docs.rendered(document))
    assert api_docs.stale(tmp_path) == []
    edited = json.loads((tmp_path / "openapi.json").read_text())
    edited["paths"].pop("/api/billing/balance")
    (tmp_path / "openapi.json").write_text(api_docs.rendered(edited))
    assert api_docs.stale(tmp_path) == ["openapi.json"]


def test_the_merged_document_is_valid_openapi_3_1(made: dict[str, dict[str, Any]]) -> None:
    document = made["openapi.json"]
    assert document["openapi"] == "3.1.0"
    validate(document)  # raises on any departure from the 3.1 schema
    broken = {**document, "paths": {"/api/x": {"get": {"responses": "none"}}}}
    with pytest.raises(Exception, match=r"responses|not of type"):
        validate(broken)


def test_every_public_operation_of_every_service_is_there_tagged_by_service(
        made: dict[str, dict[str, Any]], own_documents: dict[str, dict[str, Any]]) -> None:
    merged = made["openapi.json"]
    tags = {tag["name"] for tag in merged["tags"]}
    for service, own in own_documents.items():
        assert service in tags
        public = [(path, method) for path, method, _ in api_docs.operations(own) if api_docs._public(service, path)]
        assert len(public) >= 5, service
        for path, method in public:
            operation = merged["paths"][f"/api/{service}{path}"][method]
            assert operation["tags"][0] == service, (service, path, method)
    ids = [operation["operationId"] for _, _, operation in api_docs.operations(merged)]
    assert len(ids) == len(set(ids)), "operation ids are unique"
    for path, item in gateway_docs.GATEWAY_PATHS.items():
        for method in item:
            assert merged["paths"][path][method]["tags"] == ["gateway"]


def test_no_operator_route_or_site_page_of_a_service_is_documented(made: dict[str, dict[str, Any]],
                                                                   own_documents: dict[str, dict[str, Any]]) -> None:
    paths = list(made["openapi.json"]["paths"])
    for path in paths:
        if path.startswith("/api/") and path.count("/") >= 3 and not path.startswith(("/api/docs", "/api/openapi")):
            first = path.split("/")[3]
            assert first not in OPERATOR_ROUTES, path
    assert not [p for p in paths if re.match(r"/api/cms/site(/|$)", p)], "cms's site pages are not its API"
    assert not [p for p in paths if "tls" in p or "metrics" in p]
    # the allowed twin: cms really documents site routes, which the merge left out
    assert any(p.startswith("/site") for p in own_documents["cms"]["paths"])
    assert "/api/cms/pages" in paths and "/api/identity/.well-known/jwks.json" in paths


def test_the_document_says_how_to_authenticate_and_where(made: dict[str, dict[str, Any]]) -> None:
    document = made["openapi.json"]
    schemes = document["components"]["securitySchemes"]
    assert schemes["accessToken"]["scheme"] == "bearer" and schemes["accessToken"]["bearerFormat"] == "JWT"
    assert schemes["apiKey"]["bearerFormat"].startswith(gateway_docs_api_key_prefix())
    assert {"accessToken": []} in document["security"] and {} in document["security"]
    assert any("{tenant}" in server["url"] for server in document["servers"])
    assert document["info"]["version"] == api_docs.version()


def gateway_docs_api_key_prefix() -> str:
    from services.gateway.edge_auth import API_KEY_PREFIX

    return API_KEY_PREFIX


def test_colliding_schema_names_get_the_service_prefix_only_when_they_differ() -> None:
    def service(shape: dict[str, Any]) -> dict[str, Any]:
        return {"info": {"description": "x"}, "components": {"schemas": {"Out": shape, "Same": {"type": "string"}}},
                "paths": {"/thing": {"get": {"operationId": "GetThing", "responses": {"200": {
                    "description": "ok", "content": {"application/json": {"schema": {
                        "$ref": "#/components/schemas/Out"}}}}}}}}}

    merged = api_docs.merge({"cms": service({"type": "object"}), "billing": service({"type": "integer"})}, {})
    schemas = merged["components"]["schemas"]
    assert set(schemas) == {"Out", "BillingOut", "Same"}
    ref = merged["paths"]["/api/billing/thing"]["get"]["responses"]["200"]["content"]["application/json"]["schema"]
    assert ref == {"$ref": "#/components/schemas/BillingOut"} and schemas["BillingOut"] == {"type": "integer"}
    cms_ref = merged["paths"]["/api/cms/thing"]["get"]["responses"]["200"]["content"]["application/json"]["schema"]
    assert cms_ref == {"$ref": "#/components/schemas/Out"}
    assert merged["paths"]["/api/billing/thing"]["get"]["operationId"] == "billingGetThing"


# the event catalogue ------------------------------------------------------------------


def test_every_event_has_its_channel_payload_and_producer(made: dict[str, dict[str, Any]]) -> None:
    catalogue = made["asyncapi.json"]
    assert catalogue["asyncapi"] == "3.0.0"
    schemas = catalogue["components"]["schemas"]
    for event in ALL_EVENTS:
        channel = catalogue["channels"][event.subject()]
        assert channel["address"] == event.subject() and channel["x-producer"] == event.context()
        (reference,) = channel["messages"].values()
        message = catalogue["components"]["messages"][reference["$ref"].rsplit("/", 1)[1]]
        schema = schemas[message["payload"]["$ref"].rsplit("/", 1)[1]]
        jsonschema.Draft202012Validator.check_schema(schema)
        assert schema["properties"]["subject"] == {"enum": [event.subject()]}
        sent = catalogue["operations"][f"{event.context()}-sends-{event.subject()}"]
        assert sent["action"] == "send" and sent["channel"] == {"$ref": f"#/channels/{event.subject()}"}


def test_every_reference_in_the_catalogue_resolves(made: dict[str, dict[str, Any]]) -> None:
    catalogue = made["asyncapi.json"]

    def refs(node: Any) -> list[str]:
        if isinstance(node, dict):
            return ([node["$ref"]] if "$ref" in node else []) + [r for v in node.values() for r in refs(v)]
        return [r for v in node for r in refs(v)] if isinstance(node, list) else []

    found = refs(catalogue)
    assert len(found) > 100
    for ref in found:
        node: Any = catalogue
        for part in ref.removeprefix("#/").split("/"):
            node = node[part.replace("~1", "/").replace("~0", "~")]


def test_the_consumers_are_the_ones_the_code_starts(made: dict[str, dict[str, Any]]) -> None:
    """Every `EventConsumer(` in a service's source is in the catalogue, at its line; a consumer
    added without regenerating fails the freshness test above."""
    operations = made["asyncapi.json"]["operations"].values()
    sources = {op["x-source"] for op in operations if "x-source" in op}
    for path in sorted((ROOT / "services").rglob("*.py")):
        for number, line in enumerate(path.read_text().splitlines(), 1):
            if "EventConsumer(" in line and "class EventConsumer" not in line:
                assert f"{path.relative_to(ROOT)}:{number}" in sources, f"{path}:{number} is not in the catalogue"
    received = {(op["x-service"], op["channel"]["$ref"].rsplit("/", 1)[1]) for op in operations
                if op["action"] == "receive" and "x-durable" in op}
    assert ("billing", "identity.tenant.created.v1") in received  # billing opens the wallet
    assert {s for s, subject in received if subject == "identity.tenant.purged.v1"} == {"cms", "assets", "billing"}
    gateway = {op["channel"]["$ref"].rsplit("/", 1)[1] for op in operations
               if op["x-service"] == "gateway" and op["action"] == "receive"}
    assert "cms.page.published.v1" in gateway and "identity.tenant.deleted.v1" in gateway
    assert "billing.order.paid.v1" not in gateway


def test_commands_are_request_reply_with_who_answers_and_who_asks(made: dict[str, dict[str, Any]]) -> None:
    catalogue = made["asyncapi.json"]
    key = re.compile(r"^[\w.\-]+$")  # AsyncAPI's pattern of channel and operation ids
    assert all(key.match(name) for name in [*catalogue["channels"], *catalogue["operations"]])
    for command in event_catalogue.commands():
        channel = catalogue["channels"][event_catalogue.channel_key(command.SUBJECT)]
        assert channel["address"] == command.SUBJECT and channel["x-answered-by"], command.SUBJECT
        for service in channel["x-answered-by"]:
            operation = catalogue["operations"][f"{service}-answers-{event_catalogue.channel_key(command.SUBJECT)}"]
            assert operation["reply"]["channel"] == {
                "$ref": f"#/channels/{event_catalogue.channel_key(command.SUBJECT)}.reply"}
    assert catalogue["channels"]["cmd.identity.host.resolve.v1"]["x-sent-by"] == ["gateway"]
    assert catalogue["channels"]["cmd.service.tenant.export.v1"]["parameters"]["service"]["enum"] == [
        "assets", "billing", "cms"]


def fake_module(tmp_path: Path, source: str) -> tuple[Path, Any]:
    path = tmp_path / "consumers.py"
    path.write_text(textwrap.dedent(source))
    namespace: dict[str, Any] = {}
    exec(compile(path.read_text(), str(path), "exec"), namespace)
    return path, SimpleNamespace(**namespace)


def test_the_scan_reads_a_new_consumer_and_refuses_one_it_cannot_read(tmp_path: Path) -> None:
    wrappers = event_catalogue.kernel_wrappers()
    path, module = fake_module(tmp_path, """
        from shared.contracts import OrderPaidV1, PagePublishedV1, ResolveHost, TenantCreatedV1
        from shared.messaging import EventConsumer, serve_command
        from shared.tenancy import start_tenant_purge

        def start(ctx):
            for durable, events in (("x-orders", [OrderPaidV1]), ("x-tenants", [TenantCreatedV1])):
                EventConsumer(ctx.db, ctx.js, durable=durable, events=events, handler=None)
            start_tenant_purge(ctx.runtime, [])
            ctx.nc.subscribe("cms.page.*.v1", cb=None)
            serve_command(ctx.nc, ResolveHost, None)
    """)
    found, names = event_catalogue.scan_file("x", path, lambda: module, wrappers)
    subscriptions = {(s.consumer, s.subjects, s.durable) for s in found if isinstance(s, event_catalogue.Subscription)}
    assert subscriptions == {("x-orders", ("billing.order.paid.v1",), True),
                             ("x-tenants", ("identity.tenant.created.v1",), True),
                             ("x-tenant-purge", ("identity.tenant.purged.v1",), True),
                             ("x-consumers", ("cms.page.*.v1",), False)}
    assert [a.command.__name__ for a in found if isinstance(a, event_catalogue.Answer)] == ["ResolveHost"]
    assert names == {"ResolveHost"}
    path, module = fake_module(tmp_path, """
        from shared.contracts import OrderPaidV1
        from shared.messaging import EventConsumer

        def start(ctx, wanted):
            EventConsumer(ctx.db, ctx.js, durable="x-any", events=wanted, handler=None)
    """)
    with pytest.raises(event_catalogue.Unreadable, match=r"consumers\.py:6"):
        event_catalogue.scan_file("x", path, lambda: module, wrappers)


@pytest.mark.parametrize(("pattern", "subject", "expected"), [
    ("identity.tenant.>", "identity.tenant.created.v1", True), ("identity.tenant.>", "identity.member.added.v1", False),
    ("cms.page.*.v1", "cms.page.published.v1", True), ("cms.page.*", "cms.page.published.v1", False),
    ("cms.page.published.>", "cms.page.published", False)])
def test_subject_patterns_match_as_nats_does(pattern: str, subject: str, expected: bool) -> None:
    assert event_catalogue.matches(pattern, subject) is expected


# the gateway's routes ------------------------------------------------------------------

SHOP = uuid.uuid4()


async def identity(nc: Any, query: ResolveHost) -> ResolvedHost:
    return ResolvedHost(tenant_id=SHOP, slug="shop") if query.slug == "shop" else ResolvedHost()


@pytest.fixture
def gateway(monkeypatch: pytest.MonkeyPatch) -> TestClient[Litestar]:
    monkeypatch.setattr(hosts_module, "request", identity)
    unused: Any = None  # what these routes never touch: no upstream, no NATS
    ctx = Ctx(settings=unused, http=unused, pages=unused, live=unused, edge_auth=unused, editor_origins=frozenset(),
              hosts=HostResolver(unused, platform_domain="localhost", public_base_url="http://localhost:8000",
                                 ttl=60, negative_ttl=5),
              proxies=Proxies([]), limits=RateLimits(per_address="1000/minute", per_tenant="1000/minute"), pools={})
    app = Litestar([*gateway_docs.API_DOC_ROUTES, proxy_api], dependencies={"ctx": Provide(lambda: ctx,
                                                                                            sync_to_thread=False)},
                   exception_handlers=EXCEPTION_HANDLERS, openapi_config=None)  # type: ignore[arg-type]
    return TestClient(app)


def test_the_documents_are_served_on_the_platform_host_and_a_tenants(gateway: TestClient[Litestar]) -> None:
    with gateway as client:
        for host in ("localhost:8000", "shop.localhost:8000"):
            for name in ("openapi.json", "asyncapi.json"):
                served = client.get(f"/api/{name}", headers={"host": host})
                assert served.status_code == 200, served.text
                assert served.headers["content-type"] == "application/json"
                assert served.content == (api_docs.DOCUMENTS / name).read_bytes()
                again = client.get(f"/api/{name}", headers={"host": host, "if-none-match": served.headers["etag"]})
                assert again.status_code == 304 and again.content == b""
        unknown = client.get("/api/openapi.json", headers={"host": "nobody.localhost:8000"})
        assert unknown.status_code == 404
        proxied = client.get("/api/identity/me", headers={"host": "localhost:8000"})  # still the proxy's
        assert proxied.status_code == 404 and "no such route: /api/identity/me" in proxied.text


def test_the_docs_page_loads_only_its_own_files(gateway: TestClient[Litestar], tmp_path: Path,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(gateway_docs, "FILES", gateway_docs.Files())
    monkeypatch.setattr(gateway_docs, "RENDERER", tmp_path)
    monkeypatch.setattr(gateway_docs, "PAGE_FILES", {**gateway_docs.PAGE_FILES, "swagger-ui-bundle.js": tmp_path,
                                                     "swagger-ui.css": tmp_path})
    with gateway as client:
        bare = client.get("/api/docs", headers={"host": "localhost:8000"})
        assert bare.status_code == 200 and "make setup" in bare.text and "<script" not in bare.text
        (tmp_path / "swagger-ui-bundle.js").write_text("window.SwaggerUIBundle = function () {};")
        (tmp_path / "swagger-ui.css").write_text("body {}")
        gateway_docs.FILES.kept.clear()
        page = client.get("/api/docs", headers={"host": "localhost:8000"})
        assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
        csp = page.headers["content-security-policy"]
        assert "script-src 'self'" in csp and "unsafe-eval" not in csp and "frame-ancestors 'none'" in csp
        scripts = re.findall(r'<script src="([^"]+)"', page.text)
        assert scripts and "<script>" not in page.text
        for source in [*scripts, *re.findall(r'<link rel="stylesheet" href="([^"]+)"', page.text)]:
            assert client.get(source, headers={"host": "localhost:8000"}).status_code == 200, source
        for name in ("..%2fapi_docs.py", "openapi.json", "secret.txt"):
            refused = client.get(f"/api/docs/{name}", headers={"host": "localhost:8000"})
            assert refused.status_code == 404, name

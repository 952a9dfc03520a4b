"""schemathesis against every service's OpenAPI document, sent through the gateway as a tenant's
OWNER would send it: no 5xx, every error problem+json, every documented response as documented.

Hypothesis runs in a worker thread: the test servers that cms and billing call (the AI and the
Stripe stand-ins) live on the test's event loop, which must keep turning meanwhile."""

from __future__ import annotations

import asyncio
import collections
import copy
import itertools
import re
import uuid
from dataclasses import dataclass, field
from typing import Any

import hypothesis
import pytest
import requests
import schemathesis
from hypothesis import HealthCheck, Phase
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.core.failures import FailureGroup
from schemathesis.specs.openapi.checks import content_type_conformance, response_schema_conformance

from tests.e2e.platform_client import PlatformClient, SignedUp
from tests.e2e.test_assets import png, upload

SERVICES = ("identity", "cms", "assets", "billing")
TENANTS = 6  # requests rotate over them: 6 x 400 per 10 s is more than one thread sends
QUICK, LONG = 5, 50  # cases per operation and generation mode

# Operations the fuzzer would disrupt the run with, as (method, path in the service's document).
# There is no logout-everywhere or signing-key rotation route; add them here when they exist.
EXCLUDED = {
    ("identity", "DELETE", "/tenant"),  # deletes the tenant being fuzzed (test_tenant_deletion.py)
    ("identity", "PATCH", "/tenant"),  # a new slug moves the tenant to another host mid-run
    ("billing", "POST", "/webhooks/stripe"),  # needs Stripe's signature (test_billing_top_ups.py signs)
}

PROBLEM_SCHEMA = {
    "type": "object", "required": ["type", "title", "status"],
    "properties": {"type": {"type": "string"}, "title": {"type": "string"}, "status": {"type": "integer"},
                   "detail": {"type": ["string", "null"]}, "instance": {"type": ["string", "null"]},
                   "errors": {"type": ["array", "null"]}, "extensions": {"type": ["object", "null"]}},
}


# Explicit cases besides what schemathesis generates (well-formed JSON, valid hosts): the
# bodies the body rule (shared/bodies.py) refuses, sent to every operation that takes a body,
# and hosts a strict parser refuses, each sent once. No 5xx, and every refusal problem+json.
HOSTILE_BODIES = {
    "nested 10,000 deep": b"[" * 10_000 + b"]" * 10_000,
    "objects nested 10,000 deep": b'{"a":' * 10_000 + b"1" + b"}" * 10_000,
    "not UTF-8": b'{"slug":"/\xff\xfe","name":"\xc0\xaf"}',
    "a lone surrogate": rb'{"name":"\ud800"}',
    "a top-level array": b'[{"name":"x"}]',
    "a bare string": b'"x"',
    "null": b"null",
}
HOST_PATHS = (("GET", "/api/cms/pages"), ("POST", "/api/identity/login"), ("GET", "/"))


def hostile_hosts(host: str) -> dict[str, str]:
    name, port = host.rsplit(":", 1)
    return {"userinfo": f"user:secret@{host}", "an IPv6 literal": f"[::1]:{port}",
            "an IPv6 literal with a zone": f"[fe80::1%25eth0]:{port}", "a port out of range": f"{name}:99999",
            "an empty port": f"{name}:", "two ports": f"{host}:{port}", "uppercase": host.upper(),
            "a trailing dot": f"{name}.:{port}", "empty": "", "not ASCII": f"{name}\xff:{port}",
            "a label of 300 characters": f"{'a' * 300}.{host}"}


BROWSER_ROUTES = ("/site", "/showcase")


@schemathesis.check
def problem_json(ctx: Any, response: schemathesis.Response, case: schemathesis.Case) -> bool | None:
    """Every 4xx and 5xx is an RFC 9457 problem whose status is the response's; a visitor's
    browser asking for a page (the site's routes, the showcase) without asking for JSON gets an
    HTML page in the site's design instead, with the same status."""
    if response.status_code < 400:
        return None
    content_type = (response.headers.get("content-type") or [""])[0]
    accept = str((case.headers or {}).get("accept", ""))
    if case.path.startswith(BROWSER_ROUTES) and "application/json" not in accept \
            and content_type.startswith("text/html"):
        assert response.text.lstrip().lower().startswith("<!doctype html>"), response.text[:300]
        return True
    assert content_type.split(";")[0].strip() == "application/problem+json", \
        f"{response.status_code} came as {content_type!r}: {response.text[:300]!r}"
    body = response.json()
    assert isinstance(body, dict) and body.get("status") == response.status_code and body.get("title"), \
        f"not a problem document for {response.status_code}: {response.text[:300]!r}"
    return True


CHECKS = [not_a_server_error, problem_json, response_schema_conformance, content_type_conformance]


def problems_as_documented(document: dict[str, Any]) -> dict[str, Any]:
    """The document with its error responses described as the services send them. Litestar
    documents its own `{status_code, detail}` for 400 as application/json, which no service
    returns (see test_documents_describe_errors_as_problem_json); fuzzing checks the real shape."""
    fixed = copy.deepcopy(document)
    for operations in fixed["paths"].values():
        for operation in operations.values():
            for status, response in operation.get("responses", {}).items():
                if isinstance(response, dict) and status[0] in "45":
                    response["content"] = {"application/problem+json": {"schema": PROBLEM_SCHEMA}}
    return fixed


@dataclass
class Seeded:
    """A tenant to fuzz as, with a real resource of each kind, so that some cases reach past a 404."""

    tenant: SignedUp
    host: str
    ids: dict[str, str] = field(default_factory=dict)


async def seeded_tenant(client: PlatformClient) -> Seeded:
    tenant = await client.sign_up("fuzz")
    seeded = Seeded(tenant, client.host(tenant.slug))
    page = await client.call("POST", "/api/cms/pages", slug=tenant.slug, token=tenant.token, json={"slug": "/fuzz"})
    asset = await upload(client, tenant, png(16, 16))
    product = await client.call("POST", "/api/billing/products", slug=tenant.slug, token=tenant.token,
                                json={"name": "Loaf", "slug": "loaf", "price_amount": 450, "currency": "eur"})
    for name, response in (("page_id", page), ("asset_id", asset), ("product_id", product)):
        assert response.status_code == 201, response.text
        seeded.ids[name] = response.json()["id"]
    return seeded


@dataclass
class Fuzzer:
    """Sends each generated case through the gateway and records what the checks refuse."""

    gateway: str
    tenants: list[Seeded]
    session: requests.Session = field(default_factory=requests.Session)
    failures: dict[tuple[str, ...], str] = field(default_factory=dict)
    counts: dict[str, int] = field(default_factory=lambda: {"cases": 0, "429": 0})
    explicit: collections.Counter[int] = field(default_factory=collections.Counter)  # status -> count

    def __post_init__(self) -> None:
        self.rotation = itertools.cycle(self.tenants)

    def run(self, service: str, operation: Any, mode: GenerationMode, examples: int) -> None:
        @hypothesis.settings(max_examples=examples, derandomize=True, database=None, deadline=None,
                             phases=[Phase.explicit, Phase.generate], suppress_health_check=list(HealthCheck),
                             print_blob=False)
        @hypothesis.given(case=operation.as_strategy(generation_mode=mode))
        def fuzz(case: schemathesis.Case) -> None:
            self.send(service, case, mode)

        fuzz()

    def send(self, service: str, case: schemathesis.Case, mode: GenerationMode) -> None:
        self.counts["cases"] += 1
        tenant = next(self.rotation)
        real = self.counts["cases"] % 2 == 0  # every other case names the tenant's own resources
        headers = {"host": tenant.host, "authorization": f"Bearer {tenant.tenant.token}"}
        if real and mode == GenerationMode.POSITIVE:
            for name in case.path_parameters:
                if name in tenant.ids:
                    case.path_parameters[name] = tenant.ids[name]
            if case.path_parameters.get("page_id") == tenant.ids["page_id"] and case.method.upper() != "GET":
                current = self.session.get(f"{self.gateway}/api/cms/pages/{tenant.ids['page_id']}",
                                           headers=headers, timeout=30)
                if "etag" in current.headers:
                    headers["if-match"] = current.headers["etag"]
        base_url = f"{self.gateway}/api/{service}"
        try:
            response = case.call(base_url=base_url, session=self.session, headers=headers, timeout=30)
        except requests.RequestException as error:  # a hang or a dropped connection is a finding too
            self.record(case, headers, f"{type(error).__name__}: {error}")
            return
        if response.status_code == 429:  # the tenant's rate limit: acceptable, but it hides the case
            self.counts["429"] += 1
            return
        try:
            case.validate_response(response, checks=CHECKS, headers=headers)
        except (AssertionError, FailureGroup) as failure:  # schemathesis raises one failure or a group
            self.record(case, headers, str(failure).strip() or type(failure).__name__)

    def send_hostile_bodies(self, service: str, operation: Any) -> None:
        """Each of HOSTILE_BODIES as the JSON body of `operation`, as the tenant's OWNER."""
        tenant = next(self.rotation)
        names = re.findall(r"\{([^}:]+)", operation.path)
        case = operation.Case(path_parameters={name: tenant.ids.get(name, str(uuid.uuid4())) for name in names})
        headers = {"host": tenant.host, "authorization": f"Bearer {tenant.tenant.token}",
                   "content-type": "application/json", "if-match": '"1"'}
        for what, body in HOSTILE_BODIES.items():
            self.counts["cases"] += 1
            url = f"{self.gateway}/api/{service}{case.formatted_path}"
            try:
                response = self.session.request(operation.method.upper(), url, data=body, headers=headers, timeout=30)
            except requests.RequestException as error:
                self.failures.setdefault((operation.label, what), f"{type(error).__name__}: {error}")
                continue
            self.explicit[response.status_code] += 1
            if response.status_code == 429:
                self.counts["429"] += 1
                continue
            try:
                case.validate_response(response, checks=[not_a_server_error, problem_json], headers=headers)
            except (AssertionError, FailureGroup) as failure:
                self.failures.setdefault((operation.label, what), f"a body {what}: {failure}")

    def send_hostile_hosts(self) -> None:
        """Each of hostile_hosts() on a few routes. The gateway answers 400 or 404 for the bad
        ones; the host parser is being made strict elsewhere, so only "never a 5xx" is asked."""
        tenant = next(self.rotation)
        for what, host in hostile_hosts(tenant.host).items():
            for method, path in HOST_PATHS:
                self.counts["cases"] += 1
                try:
                    response = self.session.request(method, f"{self.gateway}{path}", headers={"host": host},
                                                    json={} if method == "POST" else None, timeout=30)
                except requests.RequestException as error:
                    self.failures.setdefault((f"{method} {path}", f"host {what}"), f"{type(error).__name__}: {error}")
                    continue
                self.explicit[response.status_code] += 1
                if response.status_code >= 500:
                    self.failures.setdefault((f"{method} {path}", f"host {what}"),
                                             f"Host: {host!r} -> {response.status_code} {response.text[:300]!r}")

    def record(self, case: schemathesis.Case, headers: dict[str, str], message: str) -> None:
        """The first case of each kind of failure of an operation (schemathesis titles them `- ST101 ...`)."""
        kinds = tuple(line for line in message.splitlines() if line.startswith("- ")) or (message,)
        if "curl " not in message:
            message += f"\n    {case.as_curl_command(headers=headers)}"
        self.failures.setdefault((case.operation.label, *kinds), message)


def loaded(document: dict[str, Any], service: str) -> list[Any]:
    schema = schemathesis.openapi.from_dict(problems_as_documented(document))
    operations = [result.ok() for result in schema.get_all_operations()]
    return [op for op in operations if (service, op.method.upper(), op.path) not in EXCLUDED]


async def documents(client: PlatformClient) -> dict[str, dict[str, Any]]:
    found = {}
    for service in SERVICES:
        response = await client.http.get(client.stack.url(service) + "/schema/openapi.json")
        assert response.status_code == 200, (service, response.status_code)
        found[service] = response.json()
    return found


async def fuzz_everything(client: PlatformClient, examples: int) -> None:
    docs = await documents(client)
    tenants = [await seeded_tenant(client) for _ in range(TENANTS)]
    fuzzer = Fuzzer(client.stack.url("gateway"), tenants)

    def run_all() -> None:
        fuzzer.send_hostile_hosts()
        for service in SERVICES:
            for operation in loaded(docs[service], service):
                if "requestBody" in operation.definition.raw:
                    fuzzer.send_hostile_bodies(service, operation)
                for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
                    try:
                        fuzzer.run(service, operation, mode, examples)
                    except hypothesis.errors.Unsatisfiable:
                        pass  # nothing to vary: no parameters, or none a request can carry invalid
                    except Exception as error:  # an operation the generator cannot handle is a finding too
                        fuzzer.failures[(operation.label, f"generation ({mode.value})")] = repr(error)

    await asyncio.to_thread(run_all)
    print(f"\nfuzzed {fuzzer.counts['cases']} cases, {fuzzer.counts['429']} rate-limited; "
          f"explicit cases answered {dict(sorted(fuzzer.explicit.items()))}")
    # The explicit bodies reached the services' body rule (a 400 for malformed), not only the gateway.
    assert fuzzer.explicit[400] >= 2 * len(docs), dict(fuzzer.explicit)
    report = "\n\n".join(f"{label}: {detail}" for (label, *_), detail in sorted(fuzzer.failures.items()))
    assert not fuzzer.failures, f"{len(fuzzer.failures)} distinct failures:\n\n{report}"


async def test_every_operation_survives_fuzzing(client: PlatformClient) -> None:
    await fuzz_everything(client, QUICK)


@pytest.mark.long
async def test_every_operation_survives_longer_fuzzing(client: PlatformClient) -> None:
    await fuzz_everything(client, LONG)


async def test_excluded_operations_exist(client: PlatformClient) -> None:
    """An exclusion whose route was renamed would silently stop excluding anything."""
    docs = await documents(client)
    documented = {(service, method.upper(), path) for service, doc in docs.items()
                  for path, operations in doc["paths"].items() for method in operations}
    assert documented >= EXCLUDED


async def test_documents_describe_errors_as_problem_json(client: PlatformClient) -> None:
    """A client generated from the documents must expect the errors the services really send."""
    docs = await documents(client)
    wrong = sorted(f"{service} {method.upper()} {path} {status}: {sorted(response.get('content', {}))}"
                   for service, doc in docs.items() for path, operations in doc["paths"].items()
                   for method, operation in operations.items() if isinstance(operation, dict)
                   for status, response in operation.get("responses", {}).items()
                   if status[0] in "45" and set(response.get("content", {})) != {"application/problem+json"})
    assert not wrong, f"{len(wrong)} error responses not documented as problem+json, e.g.:\n" + "\n".join(wrong[:10])

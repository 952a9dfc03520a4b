"""The body rule (shared/bodies.py) at the edge of every service, through the gateway: every
operation that takes a JSON body, found in the services' OpenAPI documents (a route added
tomorrow is covered at once), and the routes that read their own body (the Stripe webhook,
contact forms, the Buy button), refuse a body nested 10,000 deep, one that is not UTF-8, an
oversized one and one of the wrong top-level type with a 4xx problem+json, never a 5xx; and
well-formed bodies still pass."""

from __future__ import annotations

import asyncio
import base64
import hashlib
import hmac
import json
import time
import uuid
from collections.abc import AsyncIterator
from typing import Any

import httpx
import msgspec
import pytest

from shared.bodies import MAX_DEPTH, MAX_FORM_FIELDS, MAX_JSON_BYTES, json_depth
from tests.e2e.platform_client import PASSWORD, PlatformClient, SignedUp, another_address, documented_operations
from tests.e2e.test_assets import png, upload
from tests.e2e.test_cms_forms import CONTACT
from tests.e2e.test_cms_site import publish
from tests.e2e.test_isolation_matrix import PUBLIC
from tests.servers.stripe_compatible import FakeStripe

SERVICES = ("identity", "cms", "assets", "billing")
WEBHOOK = "/api/billing/webhooks/stripe"
FORMS = "/api/cms/site/__forms?page=/contact&form=contact-form"
BUY = "/api/billing/storefront/checkout-form"
# The probe's findings: the derivation from the documents must include them, or it is broken.
PROBED = {("POST", "/api/cms/pages"), ("PUT", "/api/identity/tenant/theme"), ("POST", "/api/billing/products"),
          ("PATCH", "/api/assets/assets/{asset_id}"), ("POST", "/api/identity/signup"),
          ("POST", "/api/identity/login"), ("POST", "/api/identity/password-reset"),
          ("POST", "/api/identity/invitations/accept")}


class JsonOperation(msgspec.Struct, frozen=True):
    method: str
    path: str  # as the gateway serves it: /api/<service>/...
    top_level: str  # the JSON type of the documented body: "object", "array", or "" (any)

    @property
    def public(self) -> bool:
        return (self.method, self.path) in PUBLIC


def top_level_of(schema: dict[str, Any], document: dict[str, Any]) -> str:
    while "$ref" in schema:
        schema = document["components"]["schemas"][schema["$ref"].rsplit("/", 1)[-1]]
    if "type" in schema:
        return schema["type"] if isinstance(schema["type"], str) else ""
    kinds = {top_level_of(option, document) for option in schema.get("oneOf", schema.get("anyOf", []))} - {"null"}
    return kinds.pop() if len(kinds) == 1 else ""


@pytest.fixture(scope="module")
async def json_operations(client: PlatformClient) -> list[JsonOperation]:
    found = []
    for each in await documented_operations(client.stack):
        content = each.operation.get("requestBody", {}).get("content", {})
        if "application/json" in content:
            found.append(JsonOperation(each.method, each.path,
                                       top_level_of(content["application/json"]["schema"], each.document)))
    return found


@pytest.fixture(scope="module")
async def stranger(client: PlatformClient) -> AsyncIterator[httpx.AsyncClient]:
    """A client of its own address: these tests send a few hundred requests, which must not
    spend the rate limit of the address the rest of the suite shares."""
    transport = httpx.AsyncHTTPTransport(local_address=another_address())
    async with httpx.AsyncClient(base_url=str(client.http.base_url), transport=transport, timeout=60) as http:
        yield http


@pytest.fixture(scope="module")
async def owner(client: PlatformClient) -> SignedUp:
    return await client.sign_up("bodies")


@pytest.fixture(scope="module")
async def ids(client: PlatformClient, owner: SignedUp) -> dict[str, str]:
    page = await client.call("POST", "/api/cms/pages", slug=owner.slug, token=owner.token, json={"slug": "/bodies"})
    asset = await upload(client, owner, png(8, 8))
    assert page.status_code == 201 and asset.status_code in (200, 201), (page.text, asset.text)
    return {"page_id": page.json()["id"], "asset_id": asset.json()["id"]}


def url_of(op: JsonOperation, ids: dict[str, str]) -> str:
    path = op.path
    for name, value in ids.items():
        path = path.replace("{" + name + "}", value)
    while "{" in path:  # any other id: a random one, as the rule runs before the handler looks
        start = path.index("{")
        path = path[:start] + str(uuid.uuid4()) + path[path.index("}", start) + 1:]
    return path


def assert_problem(response: httpx.Response, status: int | tuple[int, ...], what: str) -> dict[str, Any]:
    statuses = (status,) if isinstance(status, int) else status
    assert response.status_code in statuses, f"{what}: {response.status_code} {response.text[:300]}"
    assert response.headers["content-type"].split(";")[0] == "application/problem+json", \
        f"{what}: {response.headers['content-type']} {response.text[:300]}"
    problem = response.json()
    assert problem["status"] == response.status_code and problem["title"], f"{what}: {problem}"
    return problem


DEEP = b"[" * 10_000 + b"]" * 10_000
NOT_UTF8 = b'{"slug":"/\xff\xfe","name":"\xc0\xaf"}'
OVERSIZED = b'{"slug":"' + b"a" * (MAX_JSON_BYTES + 1024) + b'"}'


async def test_the_documents_yield_every_json_route_the_probe_found(json_operations: list[JsonOperation]) -> None:
    found = {(op.method, op.path) for op in json_operations}
    assert found >= PROBED, sorted(PROBED - found)
    assert len(found) >= 25, sorted(found)  # every service's JSON routes, not a handful
    typed = [op for op in json_operations if op.top_level in ("object", "array")]
    assert len(typed) == len(json_operations), [op for op in json_operations if op not in typed]  # all get a wrong type


async def test_every_json_route_refuses_what_the_rule_refuses_with_a_problem(
        client: PlatformClient, stranger: httpx.AsyncClient, owner: SignedUp, ids: dict[str, str],
        json_operations: list[JsonOperation]) -> None:
    failures = []
    for op in json_operations:
        headers = {"host": client.host(owner.slug), "content-type": "application/json", "if-match": '"1"'}
        if not op.public:
            headers["authorization"] = f"Bearer {owner.token}"  # unauthenticated routes: no token at all
        wrong = b'"a string"' if op.top_level == "array" else b'["an", "array"]'
        cases = [("10,000 deep", DEEP, 400), ("not UTF-8", NOT_UTF8, 400), ("oversized", OVERSIZED, 413)]
        if op.top_level in ("object", "array"):
            cases.append(("wrong top-level type", wrong, 422))
        for what, body, status in cases:
            response = await stranger.request(op.method, url_of(op, ids), content=body, headers=headers)
            try:
                assert_problem(response, status, f"{op.method} {op.path} with a body {what}")
            except AssertionError as failure:
                failures.append(str(failure))
    assert not failures, f"{len(failures)} refusals not as the rule says:\n" + "\n".join(failures)


async def test_well_formed_bodies_still_pass(client: PlatformClient, stranger: httpx.AsyncClient, owner: SignedUp,
                                             ids: dict[str, str]) -> None:
    """The allowed twins: the probe's routes with good bodies; UTF-8 in any script; a page tree
    as deep as a page may be (12 levels), well inside the JSON depth limit, and one level
    deeper refused by the tree's own rule with its clearer 422."""
    def as_owner(**extra: str) -> dict[str, str]:
        return {"host": client.host(owner.slug), "authorization": f"Bearer {owner.token}", **extra}

    def tree(sections: int) -> dict[str, Any]:
        node = {"id": "leaf", "component": "RichText", "props": {"markdown": 'Café 日本 😀 [{"x"}]'}, "children": []}
        for level in range(sections):
            node = {"id": f"s{level}", "component": "Section", "props": {}, "children": [node]}
        return {"root": {"id": "page", "component": "Page", "props": {"title": "Deep"}, "children": [node]}}

    deepest = {"slug": f"/deep-{uuid.uuid4().hex[:6]}", "title": "Déjà vu", "structure": tree(10)}
    assert json_depth(json.dumps(deepest).encode()) == 26 < MAX_DEPTH  # the deepest page the tree allows
    page = await stranger.post("/api/cms/pages", headers=as_owner(), json=deepest)
    assert page.status_code == 201, page.text
    deeper = await stranger.post("/api/cms/pages", headers=as_owner(), json={**deepest, "structure": tree(11)})
    assert "deeper than 12 levels" in assert_problem(deeper, 422, "a page one level too deep")["detail"]
    plain = await stranger.post("/api/cms/pages", headers=as_owner(),
                                json={"slug": f"/plain-{uuid.uuid4().hex[:6]}", "title": "日本 Ünïcode"})
    assert plain.status_code == 201, plain.text
    theme = await stranger.put("/api/identity/tenant/theme", headers=as_owner(), json={"radius": 4})
    assert theme.status_code == 200, theme.text
    product = await stranger.post("/api/billing/products", headers=as_owner(), json={
        "name": "Pain de mie", "slug": f"pain-{uuid.uuid4().hex[:6]}", "price_amount": 450, "currency": "eur"})
    assert product.status_code == 201, product.text
    asset = await stranger.patch(f"/api/assets/assets/{ids['asset_id']}", headers=as_owner(),
                                 json={"alt_text": "Un pain doré"})
    assert asset.status_code == 200, asset.text
    login = await stranger.post("/api/identity/login", headers={"host": client.host(owner.slug)},
                                json={"email": owner.email, "password": PASSWORD})
    assert login.status_code == 200, login.text
    reset = await stranger.post("/api/identity/password-reset", headers={"host": client.host(owner.slug)},
                                json={"email": owner.email})
    assert reset.status_code in (202, 204), reset.text


def signed(stripe: FakeStripe, payload: bytes) -> dict[str, str]:
    """Stripe's scheme over any bytes (the fake's own `signed` takes only JSON values)."""
    timestamp = int(time.time())
    digest = hmac.new(stripe.webhook_secret.encode(), f"{timestamp}.".encode() + payload, hashlib.sha256)
    return {"stripe-signature": f"t={timestamp},v1={digest.hexdigest()}", "content-type": "application/json"}


def an_event(**changes: Any) -> dict[str, Any]:
    event = {"id": f"evt_{uuid.uuid4().hex}", "object": "event", "api_version": "2025-03-31.basil",
             "created": int(time.time()), "livemode": False, "pending_webhooks": 1,
             "request": {"id": None, "idempotency_key": None}, "type": "customer.created",
             "data": {"object": {"id": f"cus_{uuid.uuid4().hex[:14]}", "object": "customer", "metadata": {}}}}
    event.update(changes)
    return event


async def test_signed_webhook_events_of_the_wrong_shape_are_400_and_a_right_one_is_200(
        client: PlatformClient, stripe_server: FakeStripe) -> None:
    without_id = {k: v for k, v in an_event().items() if k != "id"}
    wrong = {
        "no id": json.dumps(without_id).encode(),
        "data a string": json.dumps(an_event(data="a string")).encode(),
        "a top-level array": json.dumps([an_event()]).encode(),
        "no data.object": json.dumps(an_event(data={"previous_attributes": {}})).encode(),
        "metadata not an object": json.dumps(an_event(data={"object": {"id": "x", "metadata": "kind"}})).encode(),
        "created not a time": json.dumps(an_event(created=10**30)).encode(),
        "10,000 deep": DEEP,
        "not UTF-8": NOT_UTF8,
        "empty": b"",
    }
    for what, payload in wrong.items():
        response = await client.call("POST", WEBHOOK, content=payload, headers=signed(stripe_server, payload))
        assert_problem(response, 400, f"a signed event with {what}")
    oversized = await client.call("POST", WEBHOOK, content=OVERSIZED, headers=signed(stripe_server, OVERSIZED))
    assert_problem(oversized, 413, "an oversized signed event")
    good = json.dumps(an_event(), indent=2).encode()  # Stripe sends pretty-printed JSON
    accepted = await client.call("POST", WEBHOOK, content=good, headers=signed(stripe_server, good))
    assert accepted.status_code == 200 and accepted.json() == {"outcome": "ignored"}, accepted.text
    forged = await client.call("POST", WEBHOOK, content=good, headers=signed(FakeStripe(), good))
    assert_problem(forged, 400, "a forged event")


async def test_signed_events_whose_object_is_malformed_are_4xx_and_apply_nothing(
        client: PlatformClient, stripe_server: FakeStripe) -> None:
    """The envelope is right, the object is not what its type always carries: ids that are not
    UUIDs, strings where objects belong. Each is refused (and not recorded, so Stripe's retry
    is refused again); the allowed twin, a well-formed object of the same type, is applied."""
    tenant = str(uuid.uuid4())
    order = {"id": "cs_x", "object": "checkout.session", "payment_status": "paid"}
    malformed = {
        "an order id that is not a UUID": an_event(type="checkout.session.completed", data={"object": {
            **order, "metadata": {"kind": "order", "tenant_id": tenant, "order_id": "not-a-uuid"}}}),
        "an invoice whose parent is a string": an_event(type="invoice.paid", data={"object": {
            "id": "in_x", "object": "invoice", "metadata": {}, "parent": "sub_x"}}),
        "an expired order id that is a number": an_event(type="checkout.session.expired", data={"object": {
            **order, "metadata": {"kind": "order", "tenant_id": tenant, "order_id": 12}}}),
    }
    for what, event in malformed.items():
        payload = json.dumps(event).encode()
        response = await client.call("POST", WEBHOOK, content=payload, headers=signed(stripe_server, payload))
        assert 400 <= response.status_code < 500, (what, response.status_code, response.text)
        assert response.headers["content-type"] == "application/problem+json", what
        again = await client.call("POST", WEBHOOK, content=payload, headers=signed(stripe_server, payload))
        assert again.status_code == response.status_code, f"{what}: a retry must not read as a duplicate"
    twin = an_event(type="checkout.session.expired", data={"object": {
        **order, "metadata": {"kind": "order", "tenant_id": tenant, "order_id": str(uuid.uuid4())}}})
    payload = json.dumps(twin).encode()
    applied = await client.call("POST", WEBHOOK, content=payload, headers=signed(stripe_server, payload))
    assert applied.status_code == 200 and applied.json() == {"outcome": "order expired"}, applied.text


async def test_contact_forms_and_buy_buttons_go_through_the_same_rule(client: PlatformClient,
                                                                      stranger: httpx.AsyncClient) -> None:
    site = await client.sign_up("bodyform")
    await publish(client, site, "/contact", CONTACT)
    host = client.host(site.slug)
    json_type = {"host": host, "content-type": "application/json", "accept": "application/json"}
    form_type = {"host": host, "content-type": "application/x-www-form-urlencoded", "accept": "application/json"}
    refused = [
        (json_type, b"[" * 20_000, 413), (json_type, b"[" * 10_000, 400),  # a form is at most 16 KiB
        (json_type, NOT_UTF8, 400), (json_type, b'["a"]', 422),
        (form_type, b"email=a%40example.com&message=%FF%FE", 400), (form_type, b"message=\xff", 400),
        (form_type, "&".join(f"f{i}=x" for i in range(MAX_FORM_FIELDS + 1)).encode(), 400),
    ]
    for headers, body, status in refused:
        assert_problem(await stranger.post(FORMS, content=body, headers=headers), status, f"a form {body[:40]!r}")
    boundary = "b0undary"
    multipart = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"message\"\r\n\r\n".encode()
                 + b"\xff\xfe\r\n" + f"--{boundary}--\r\n".encode())
    multipart_type = {"host": host, "content-type": f"multipart/form-data; boundary={boundary}",
                      "accept": "application/json"}
    assert_problem(await stranger.post(FORMS, content=multipart, headers=multipart_type), 400, "a multipart form")
    assert_problem(await stranger.post(BUY, content=multipart, headers=multipart_type), 400, "a multipart Buy")
    assert_problem(await stranger.post(BUY, content=b"product_id=\xff", headers=form_type), 400, "a Buy form")
    # The allowed twins: the same forms, in UTF-8.
    sent = await stranger.post(FORMS, content="email=zoé%40example.com&message=Bonjour+%C3%A0+vous".encode(),
                               headers=form_type)
    assert sent.status_code in (201, 422), sent.text  # 422: the e-mail check may refuse "zoé@"; never the rule
    sent = await stranger.post(FORMS, content=b"email=zoe%40example.com&message=Bonjour+%C3%A0+vous",
                               headers=form_type)
    assert sent.status_code == 201, sent.text
    as_json = await stranger.post(FORMS, headers=json_type,
                                  content=json.dumps({"email": "ana@example.com", "message": "日本"}).encode())
    assert as_json.status_code == 201, as_json.text
    buy = await stranger.post(BUY, content=f"product_id={uuid.uuid4()}&quantity=1".encode(), headers=form_type)
    assert buy.status_code < 500 and buy.status_code != 400, buy.text  # past the rule: the product is unknown


# A pagination cursor is JSON inside base64 (shared/pagination.py): decoded by the same rule.
DEEP_CURSOR = base64.urlsafe_b64encode(b"[" * 5_000).decode().rstrip("=")


@pytest.mark.parametrize("target", ["/api/assets/assets/search?q=%FF%FE", "/api/cms/pages?cursor=%C0%AF",
                                    "/api/billing/ledger?type=%ED%A0%80", "/api/identity/me?x=%00",
                                    f"/api/cms/pages?cursor={DEEP_CURSOR}", f"/api/billing/ledger?cursor={DEEP_CURSOR}",
                                    f"/api/assets/assets?cursor={DEEP_CURSOR}"])
async def test_query_strings_that_are_not_utf8_are_never_a_5xx(client: PlatformClient, stranger: httpx.AsyncClient,
                                                               owner: SignedUp, target: str) -> None:
    response = await stranger.get(target, headers={"host": client.host(owner.slug),
                                                   "authorization": f"Bearer {owner.token}"})
    assert response.status_code < 500, response.text
    if response.status_code >= 400:
        assert_problem(response, response.status_code, target)
    twin = await stranger.get(target.split("?")[0], headers={"host": client.host(owner.slug),
                                                             "authorization": f"Bearer {owner.token}"})
    assert twin.status_code < 500, twin.text


async def test_headers_that_are_not_utf8_are_never_a_5xx(client: PlatformClient, stranger: httpx.AsyncClient,
                                                         owner: SignedUp, ids: dict[str, str]) -> None:
    for name, value in (("if-match", b'"\xff\xfe"'), ("accept", b"application/\xc0\xaf"),
                        ("x-request-id", b"\xed\xa0\x80"), ("user-agent", b"\xff" * 200),
                        ("content-type", b"application/json; charset=\xff")):
        response = await stranger.patch(f"/api/cms/pages/{ids['page_id']}", content=b'{"title":"t"}', headers={
            "host": client.host(owner.slug), "authorization": f"Bearer {owner.token}", name: value})
        assert response.status_code < 500, (name, response.status_code, response.text)


@pytest.mark.parametrize("target", [b"/api/cms/pages?q=\xff\xfe", b"/api/cms/pages/\xff\xfe", b"/\xc0\xaf",
                                    b"/api/assets/assets/search?q=\xed\xa0\x80"])
async def test_raw_request_targets_that_are_not_utf8_are_never_a_5xx(client: PlatformClient, owner: SignedUp,
                                                                     target: bytes) -> None:
    """Bytes no HTTP client library would send unescaped, written to the socket as they are."""
    async def status_of(raw_target: bytes) -> int:
        reader, writer = await asyncio.open_connection("127.0.0.1", client.stack.ports["gateway"])
        writer.write(b"GET " + raw_target + b" HTTP/1.1\r\nhost: " + client.host(owner.slug).encode()
                     + b"\r\nauthorization: Bearer " + owner.token.encode() + b"\r\nconnection: close\r\n\r\n")
        await writer.drain()
        status_line = await asyncio.wait_for(reader.readline(), 30)
        writer.close()
        return int(status_line.split()[1])

    assert await status_of(target) < 500
    assert await status_of(b"/api/cms/pages") == 200  # the allowed twin: the same socket, a clean target


async def test_a_body_refused_for_its_kind_leaves_the_connection_usable(client: PlatformClient,
                                                                         owner: SignedUp) -> None:
    """A service refusing a body before reading it must close the connection; a proxy still
    sending that body on a kept-alive connection then sees a reset, not the answer (a 502 the
    fuzzer found under load). So the body rule reads what it refuses (up to its limit): asked
    directly, a service answers the refusal and the next request on the same connection."""
    from shared.auth import Caller, sign_caller  # what the gateway signs each hop with

    port = int(client.stack.url("assets").rsplit(":", 1)[1])
    caller = Caller(tenant_id=uuid.UUID(owner.tenant_id), request_id=uuid.uuid4().hex)
    signed = sign_caller(client.stack.secrets()["internal_secret"], caller, method="POST", path="/assets")
    for content_type, body, refused in (("application/json", b"[" * 10_000 + b"]" * 10_000, b"415"),
                                        ("multipart/form-data", b"x" * 50_000, b"400")):  # no boundary
        head = "".join(f"{name}: {value}\r\n" for name, value in signed.items())
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        writer.write(f"POST /assets HTTP/1.1\r\nhost: assets\r\n{head}content-type: {content_type}\r\n"
                     f"content-length: {len(body)}\r\n\r\n".encode() + body)
        writer.write(b"GET /health HTTP/1.1\r\nhost: assets\r\n\r\n")  # on the same connection
        await writer.drain()
        answers = b""
        while answers.count(b"HTTP/1.1 ") < 2:
            chunk = await asyncio.wait_for(reader.read(65536), 10)
            if not chunk:
                break  # closed: the second request was lost
            answers += chunk
        writer.close()
        statuses = [part.split(b" ", 1)[0] for part in answers.split(b"HTTP/1.1 ")[1:]]
        assert statuses == [refused, b"200"], answers[:400]

"""Every operation of every service's OpenAPI document x four kinds of stranger: tenant B's
token on tenant A's host, B's token with A's resource ids on B's own host, no token on A's
host, and A's VIEWER trying to write. None may succeed, and no byte of A's data may come
back. Routes come from the documents, so a route added tomorrow is in the matrix at once.
The services' operator routes and the gateway's /metrics are targets too, in every path
spelling: none is reachable through the public listener."""

from __future__ import annotations

import asyncio
import copy
import re
import uuid
from collections.abc import Iterable
from typing import Any

import httpx
import msgspec
import pytest

from tests.e2e.platform_client import PlatformClient, SignedUp, documented_operations, eventually
from tests.e2e.test_assets import png, upload
from tests.e2e.test_cms_pages import HOME
from tests.e2e.test_commerce import LOAF, product
from tests.e2e.test_identity_rbac import GATED, member
from tests.e2e.test_security_edge import OPERATOR_ROUTES, operator_content, path_variants
from tests.e2e.test_security_edge import get as raw_get
from tests.servers.smtp_sink import SmtpSink

SERVICES = ("identity", "cms", "assets", "billing")
WRITES = frozenset({"POST", "PUT", "PATCH", "DELETE"})
REFUSED = frozenset({401, 403, 404, 405})
# Requests in flight at once: the gateway allows a tenant's host 400 requests per 10 s in tests,
# and the whole matrix sends about 250 to A's host, so no pacing beyond this is needed.
CONCURRENCY = 24

# Operations anyone may call on a tenant's host: the ways in (they authenticate by what they
# carry: a password, a refresh, reset or invitation token, a Stripe signature), the public
# face of a site, and static documents. Without a token they may answer 2xx, but must still
# carry nothing of another tenant; with a stranger's token they are refused like the rest.
PUBLIC = frozenset({
    ("POST", "/api/identity/signup"),
    ("POST", "/api/identity/signup/confirm"),
    ("POST", "/api/identity/login"),
    ("POST", "/api/identity/sessions/tenants"),
    ("POST", "/api/identity/token"),
    ("POST", "/api/identity/logout"),
    ("POST", "/api/identity/password-reset"),
    ("POST", "/api/identity/password-reset/confirm"),
    ("POST", "/api/identity/invitations/accept"),
    ("POST", "/api/identity/handoffs"),  # the platform session's cookie (refused on a site's host)
    ("POST", "/api/identity/handoffs/redeem"),  # the hand-off code
    ("GET", "/api/identity/.well-known/jwks.json"),
    ("GET", "/api/cms/site"),  # the live site, sitemap.xml, robots.txt
    ("GET", "/api/cms/site/{path}"),
    ("POST", "/api/cms/site/__forms"),  # a visitor's contact form
    ("GET", "/api/cms/registry"),  # component schemas: the same for every tenant
    ("GET", "/api/cms/registry/tree-schema"),
    ("GET", "/api/cms/showcase"),  # every component in every preset: the same for everyone
    ("GET", "/api/cms/showcase/{preset}"),
    ("GET", "/api/cms/showcase/images/{name}"),
    ("GET", "/api/cms/showcase/icons/{file}"),
    ("GET", "/api/cms/site/__forms"),  # a visitor's thank-you page
    ("GET", "/api/assets/files/{asset_id}"),  # a site's images
    ("POST", "/api/billing/webhooks/stripe"),  # signature-verified
    ("GET", "/api/billing/storefront/products"),
    ("POST", "/api/billing/storefront/checkout"),
})
# Required query parameters, so that a refusal is about the caller, not a missing argument.
QUERY = {"base": "1", "q": "matrix"}
# Writes a VIEWER may call: they change nothing (the publish gates as a dry run).
# POSTs that write nothing: the gates' dry run, and the canvas's rendering of a draft (a viewer
# reads the draft in the editor).
READ_ONLY_WRITES = frozenset({("POST", "/api/cms/pages/{page_id}/check"), ("POST", "/api/cms/pages/{page_id}/render")})
# Operations whose body names one of A's resources (besides those with ids in the path):
# on B's host they must be refused too. Ids in a bulk filter (bulk-delete) only select among
# B's own rows, so that one answers like any other of B's own calls (and A's asset must survive).
REFERS_TO_A = frozenset({("POST", "/api/cms/generations")})
# B deleting its own tenant would be B's right, and would end the rest of the matrix early.
NOT_FOR_B = frozenset({("DELETE", "/api/identity/tenant")})


class Operation(msgspec.Struct, frozen=True):
    service: str
    method: str
    path: str  # as the gateway serves it: /api/<service>/...
    query: tuple[str, ...]  # required query parameters

    @property
    def key(self) -> tuple[str, str]:
        return (self.method, self.path)

    @property
    def public(self) -> bool:
        return self.key in PUBLIC


class Tenant(msgspec.Struct, kw_only=True):
    signed: SignedUp
    ids: dict[str, str]  # path-parameter values: real ids of this tenant's resources
    secrets: set[str]  # strings that belong to this tenant alone: none may reach a stranger
    etag: str


@pytest.fixture(scope="module")
async def operations(client: PlatformClient) -> list[Operation]:
    found = []
    for each in await documented_operations(client.stack):
        parameters = each.operation.get("parameters", [])
        query = tuple(p["name"] for p in parameters if p["in"] == "query" and p.get("required"))
        found.append(Operation(each.service, each.method, each.path, query))
    return found


async def tenant_with_data(client: PlatformClient, mailbox: SmtpSink, prefix: str, colour: tuple[int, int, int]
                           ) -> tuple[Tenant, str]:
    """A tenant with a published page, an image, a product, a finished generation, a
    re-embedding job, an open invitation and an API key; and a VIEWER's token."""
    owner = await client.sign_up(prefix)
    marker = uuid.uuid4().hex[:8]

    async def call(method: str, path: str, **kwargs: Any) -> httpx.Response:
        return await client.call(method, path, slug=owner.slug, token=owner.token, **kwargs)

    async def billing_open() -> int:
        return (await call("GET", "/api/billing/balance")).status_code

    assert await eventually(billing_open, 200, within=5) == 200  # the signup grant pays the generation
    page_slug, title = f"matrix-{marker}", f"Matrix title {marker}"
    tree = copy.deepcopy(HOME)
    tree["root"]["props"]["title"] = title
    tree["root"]["children"][0]["props"]["cta_href"] = f"/{page_slug}"  # a link the publish gate accepts
    page = await call("POST", "/api/cms/pages", json={"slug": f"/{page_slug}", "title": title, "structure": tree})
    assert page.status_code == 201, page.text
    page_id = page.json()["id"]
    published = await call("POST", f"/api/cms/pages/{page_id}/publish", headers={"if-match": page.headers["etag"]})
    assert published.status_code == 200, published.text
    etag = (await call("GET", f"/api/cms/pages/{page_id}")).headers["etag"]
    asset = await upload(client, owner, png(24, 24, colour), f"matrix-{marker}.png")
    assert asset.status_code in (200, 201), asset.text
    sold = await product(client, owner, name=f"Matrix loaf {marker}", slug=f"matrix-loaf-{marker}")
    started = await call("POST", "/api/cms/generations", json={"prompt": f"A bakery called {marker}",
                                                                 "slug": f"/generated-{marker}"})
    assert started.status_code == 202, started.text
    job_id = started.json()["id"]

    async def generation_ended() -> bool:
        status = (await call("GET", f"/api/cms/generations/{job_id}")).json()["status"]
        return status in ("saved", "proposed", "failed")

    assert await eventually(generation_ended, True, within=10)
    reembed = await call("POST", "/api/assets/reembed")
    assert reembed.status_code == 202, reembed.text
    invitation = await call("POST", "/api/identity/invitations", json={"email": f"open-{marker}@example.com",
                                                                       "role": "EDITOR"})
    assert invitation.status_code == 201, invitation.text
    key = await call("POST", "/api/identity/api-keys", json={"name": f"matrix-{marker}", "role": "VIEWER"})
    assert key.status_code == 201, key.text
    viewer = await member(client, mailbox, owner, "VIEWER")
    ids = {
        "page_id": page_id, "asset_id": asset.json()["id"], "product_id": sold["id"],
        "cms.job_id": job_id, "assets.job_id": reembed.json()["id"], "invitation_id": invitation.json()["id"],
        "key_id": key.json()["id"], "account_id": owner.account_id, "number": "1", "path": page_slug,
    }
    secrets = {owner.slug, owner.tenant_id, owner.account_id, owner.email, title, page_slug, sold["name"],
               sold["slug"], key.json()["key"], f"open-{marker}@example.com", marker,
               *(value for name, value in ids.items() if name not in ("number", "path"))}
    return Tenant(signed=owner, ids=ids, secrets=secrets, etag=etag), viewer


def request_for(op: Operation, ids: dict[str, str], etag: str) -> tuple[str, dict[str, Any]]:
    """The URL (path parameters filled with `ids` by name, by service first) and a body valid
    enough that only the caller decides the answer."""
    def value(match: re.Match[str]) -> str:
        name = match.group(1)
        return ids.get(f"{op.service}.{name}") or ids.get(name) or str(uuid.uuid4())

    url = re.sub(r"\{([^}:]+)(?::[^}]*)?\}", value, op.path)
    if op.query:
        url += "?" + "&".join(f"{name}={QUERY.get(name, 'x')}" for name in op.query)
    kwargs: dict[str, Any] = {"headers": {"if-match": etag}}
    if op.key in (("POST", "/api/assets/assets"), ("POST", "/api/assets/assets/raw")):
        image = png(16, 16, (1, 2, 3))
        if op.path.endswith("/raw"):
            url += "?filename=matrix.png"
            kwargs.update(content=image, headers={**kwargs["headers"], "content-type": "image/png"})
        else:
            kwargs["files"] = {"file": ("matrix.png", image, "application/octet-stream")}
    elif op.method in WRITES:
        kwargs["json"] = body_for(op, ids)
    return url, kwargs


SITE_BRIEF = {"name": "Matrix Bakery", "business": "A bakery in Lyon", "location": "Lyon"}
SITE_PLAN = {"language": "en", "facts": {"business_name": "Matrix Bakery"}, "pages": [{
    "slug": "/", "nav_label": "Home", "title": "Matrix Bakery", "description": "A bakery in Lyon, with bread and "
    "pastries baked every morning.", "sections": [{"component": "Hero", "anchor": "top"}]}]}


def body_for(op: Operation, ids: dict[str, str]) -> Any:
    if op.public:
        return {}  # the ways in, with nothing in hand
    fresh = uuid.uuid4().hex[:8]
    bodies: dict[tuple[str, str], Any] = {
        **{(method, "/api/identity" + path): body for (method, path), (_, body) in GATED.items()},
        ("PUT", "/api/identity/domain"): {"domain": f"matrix-{fresh}.example.org"},
        ("POST", "/api/cms/pages"): {"slug": f"/matrix-{fresh}"},
        ("PATCH", "/api/cms/pages/{page_id}"): {"slug": f"/moved-{fresh}"},
        ("POST", "/api/cms/pages/{page_id}/ai-edits"): {"node_id": "hero", "action": "shorten"},
        ("POST", "/api/cms/pages/{page_id}/ai-edits/estimate"): {"node_id": "hero", "action": "shorten"},
        ("POST", "/api/cms/pages/{page_id}/ai-edits/{proposal_id}/decision"): {"accept": [0]},
        ("POST", "/api/cms/generations/estimate"): {"prompt": "A bakery"},
        ("POST", "/api/cms/generations"): {"prompt": "A bakery", "page_id": ids["page_id"], "revision": 1},
        ("POST", "/api/cms/site-plans"): SITE_BRIEF,
        ("POST", "/api/cms/site-generations/estimate"): {"brief": SITE_BRIEF, "plan": SITE_PLAN},
        ("POST", "/api/cms/site-generations"): {"brief": SITE_BRIEF, "plan": SITE_PLAN},
        ("POST", "/api/cms/site-publications"): {"pages": [{"id": ids["page_id"], "revision": 1}]},
        ("PATCH", "/api/assets/assets/{asset_id}"): {"alt_text": "renamed"},
        ("POST", "/api/assets/assets/bulk-delete"): {"ids": [ids["asset_id"]]},
        ("POST", "/api/billing/top-ups"): {"pack": "100"},
        ("POST", "/api/billing/subscription"): {"plan": "pro"},
        ("POST", "/api/billing/products"): {**LOAF, "slug": f"matrix-{fresh}"},
        ("PATCH", "/api/billing/products/{product_id}"): {"name": "Renamed"},
        ("POST", "/api/billing/orders/{order_id}/refund"): {},
    }
    return bodies.get(op.key, {})


def leaked(response: httpx.Response, secrets: Iterable[str], sent: str) -> list[str]:
    """Which of `secrets` the answer (status line aside) carries, leaving out what the
    request itself sent (an id echoed in 'no page <id>' is the caller's own input)."""
    answer = response.content + str(response.headers).encode()
    return sorted(s for s in secrets if s not in sent and s.encode() in answer)


async def test_no_route_lets_a_stranger_reach_another_tenant(client: PlatformClient, mailbox: SmtpSink,
                                                            operations: list[Operation]) -> None:
    a, viewer = await tenant_with_data(client, mailbox, "iso-a", (10, 200, 30))
    b, _ = await tenant_with_data(client, mailbox, "iso-b", (200, 10, 30))
    assert len(operations) >= 85  # the documents list every route; a broken fetch must not pass vacuously

    # (case, operation, host slug, token, allowed statuses or None for "anything below 500", secrets)
    Case = tuple[str, Operation, str, str | None, frozenset[int] | None, set[str]]
    cases: list[Case] = []
    for op in operations:
        cases.append(("B's token on A's host", op, a.signed.slug, b.signed.token, REFUSED, a.secrets - {a.signed.slug}))
        if op.key not in NOT_FOR_B:
            carries_ids = "{" in op.path or op.key in REFERS_TO_A
            # An operation without A's ids is B acting on B: anything but a 5xx, and none of A's data.
            cases.append(("B's token, A's ids, B's host", op, b.signed.slug, b.signed.token,
                          REFUSED | {422} if carries_ids else None, a.secrets))
        if op.public:
            cases.append(("no token on A's host (public)", op, a.signed.slug, None, None, b.secrets))
        else:
            cases.append(("no token on A's host", op, a.signed.slug, None, REFUSED, a.secrets - {a.signed.slug}))
        if op.method in WRITES and not op.public and op.key not in READ_ONLY_WRITES:
            cases.append(("A's VIEWER writes", op, a.signed.slug, viewer, frozenset({401, 403, 404}), b.secrets))

    async def run(case: Case) -> str | None:
        name, op, slug, token, allowed, secrets = case
        url, kwargs = request_for(op, a.ids, a.etag)
        try:
            response = await client.call(op.method, url, slug=slug, token=token, **kwargs)
        except httpx.TransportError as exc:  # a reset connection is no clean refusal either
            return f"{name}: {op.method} {url} -> {type(exc).__name__}"
        sent = url + msgspec.json.encode(kwargs.get("json")).decode()
        status_ok = response.status_code < 500 and response.status_code != 429 and \
            (allowed is None or response.status_code in allowed)
        found = leaked(response, secrets, sent)
        if status_ok and not found:
            return None
        return f"{name}: {op.method} {url} -> {response.status_code} leaked={found} {response.text[:160]!r}"

    by_case = {name: sum(1 for case in cases if case[0].startswith(name)) for name in (
        "B's token on A's host", "B's token, A's ids", "no token on A's host", "A's VIEWER writes")}
    assert by_case["B's token on A's host"] == by_case["no token on A's host"] == len(operations)
    assert by_case["B's token, A's ids"] == len(operations) - len(NOT_FOR_B)
    assert by_case["A's VIEWER writes"] == sum(1 for op in operations if op.method in WRITES and not op.public
                                               and op.key not in READ_ONLY_WRITES)

    failures: list[str] = []
    for start in range(0, len(cases), CONCURRENCY):
        failures += [f for f in await asyncio.gather(*map(run, cases[start:start + CONCURRENCY])) if f]

    # Nothing of A's was changed or removed by the strangers' writes.
    for path in (f"/api/cms/pages/{a.ids['page_id']}", f"/api/assets/assets/{a.ids['asset_id']}",
                 f"/api/billing/products/{a.ids['product_id']}"):
        kept = await client.call("GET", path, slug=a.signed.slug, token=a.signed.token)
        assert kept.status_code == 200, (path, kept.text)
    assert (await client.call("GET", f"/api/cms/pages/{a.ids['page_id']}", slug=a.signed.slug,
                              token=a.signed.token)).headers["etag"] == a.etag
    assert failures == [], "\n".join(failures)


async def test_no_one_reaches_an_operator_route_through_the_public_listener(client: PlatformClient) -> None:
    """The services' operator routes (and the gateway's own /metrics) as targets too: in every
    spelling a path step could miss, with no token, a stranger's and the owner's, refused
    (400 or 404) and answering nothing an operator route would."""
    owner, stranger = await client.sign_up("iso-ops-a"), await client.sign_up("iso-ops-b")
    targets = [variant for service in SERVICES for route in OPERATOR_ROUTES
               for variant in path_variants(service, route)]
    targets += ["/metrics", "/metrics/", "/./metrics", "//metrics", "/x/../metrics", "/%2e/metrics"]
    cases = [(target, token) for target in targets for token in (None, stranger.token, owner.token)]

    async def run(target: str, token: str | None) -> str | None:
        answer = await raw_get(client, target, f"{owner.slug}.localhost", token)
        if answer.status in (400, 404) and not operator_content(answer):
            return None
        return f"{target} (token: {token is not None}) -> {answer.status} {answer.body[:100]!r}"

    failures: list[str] = []
    for start in range(0, len(cases), CONCURRENCY):
        failures += [f for f in await asyncio.gather(*(run(*case) for case in cases[start:start + CONCURRENCY])) if f]
    assert len(cases) >= 1000 and failures == [], "\n".join(failures)
    # The twin: the owner's ordinary call through the same listener, in a spelling the step tidies.
    allowed = await raw_get(client, "/api/cms/./pages", f"{owner.slug}.localhost", owner.token)
    assert allowed.status == 200 and b'"pages"' in allowed.body

"""Every identity route x every kind of caller -> the expected status, and no byte of
another tenant's data in any answer. Routes come from identity's OpenAPI document, so a
route added tomorrow fails this test until it is placed in the table below."""

import re
import time
import uuid

import httpx
import jwt
import pytest

from shared.auth import AUDIENCE, ISSUER, SigningKey
from tests.e2e.platform_client import PASSWORD, PlatformClient, SignedUp, eventually
from tests.e2e.test_identity_members import invitation_token
from tests.servers.smtp_sink import SmtpSink

RANK = {"anonymous": 0, "VIEWER": 1, "EDITOR": 2, "OWNER": 3}
SOME_ID = "00000000-0000-4000-8000-000000000000"

# Routes anyone may call (they authenticate by what they carry, or are the way in).
PUBLIC = {
    ("POST", "/signup"), ("POST", "/signup/confirm"), ("POST", "/login"), ("POST", "/sessions/tenants"),
    ("POST", "/token"), ("POST", "/logout"), ("POST", "/sessions/revoke-all"),
    ("POST", "/password-reset"), ("POST", "/password-reset/confirm"), ("POST", "/invitations/accept"),
    ("POST", "/handoffs"), ("POST", "/handoffs/redeem"),
    ("GET", "/.well-known/jwks.json"),
}
# The least role each other route needs, and a valid body, so that only the role decides.
GATED = {
    ("GET", "/me"): ("VIEWER", None),
    ("GET", "/tenant"): ("VIEWER", None),
    ("PATCH", "/tenant"): ("OWNER", {"name": "Renamed"}),
    ("PUT", "/tenant/theme"): ("OWNER", {"radius": 4}),
    ("GET", "/theme/options"): ("VIEWER", None),
    ("GET", "/tenant/audit"): ("OWNER", None),
    ("GET", "/tenant/export"): ("OWNER", None),
    ("GET", "/members"): ("VIEWER", None),
    ("PUT", "/members/{account_id}/role"): ("OWNER", {"role": "VIEWER"}),
    ("DELETE", "/members/{account_id}"): ("OWNER", None),
    ("POST", "/invitations"): ("OWNER", {"email": "someone@example.com", "role": "VIEWER"}),
    ("GET", "/invitations"): ("OWNER", None),
    ("DELETE", "/invitations/{invitation_id}"): ("OWNER", None),
    ("POST", "/api-keys"): ("OWNER", {"name": "matrix", "role": "VIEWER"}),
    ("GET", "/api-keys"): ("OWNER", None),
    ("DELETE", "/api-keys/{key_id}"): ("OWNER", None),
    ("PUT", "/domain"): ("OWNER", {"domain": "matrix.example.org"}),
    ("GET", "/domain"): ("VIEWER", None),
    ("POST", "/domain/verify"): ("OWNER", None),
    ("DELETE", "/domain"): ("OWNER", None),
    ("DELETE", "/tenant"): ("OWNER", None),  # last: the owner's allowed call deletes the tenant
}


@pytest.fixture(scope="module")
async def routes(client: PlatformClient) -> list[tuple[str, str]]:
    async with httpx.AsyncClient(base_url=client.stack.url("identity")) as direct:
        document = (await direct.get("/schema/openapi.json")).json()
    return [(method.upper(), path) for path, item in document["paths"].items() for method in item]


def test_every_route_is_placed_in_the_matrix(routes: list[tuple[str, str]]) -> None:
    unplaced = [route for route in routes if route not in PUBLIC and route not in GATED]
    assert unplaced == []
    assert len(routes) == len(PUBLIC) + len(GATED)


async def member(client: PlatformClient, mailbox: SmtpSink, owner: SignedUp, role: str) -> str:
    email = f"{role.lower()}-{uuid.uuid4().hex[:6]}@example.com"
    await client.call("POST", "/api/identity/invitations", slug=owner.slug, token=owner.token,
                      json={"email": email, "role": role})
    accepted = await client.call("POST", "/api/identity/invitations/accept", slug=owner.slug,
                                 json={"token": await invitation_token(mailbox, email), "password": PASSWORD})
    assert accepted.status_code == 200, accepted.text
    return accepted.json()["access_token"]


def forged_tokens(client: PlatformClient, owner: SignedUp) -> dict[str, str]:
    claims = {"sub": owner.account_id, "tid": owner.tenant_id, "role": "OWNER", "iss": ISSUER, "aud": AUDIENCE,
              "iat": int(time.time()), "exp": int(time.time()) + 600, "jti": uuid.uuid4().hex}
    real_key = SigningKey.from_pem(client.stack.secrets()["jwt_private_key"])
    return {
        "expired": real_key.issue(account_id=uuid.UUID(owner.account_id), tenant_id=uuid.UUID(owner.tenant_id),
                                  role="OWNER", ttl=60, now=time.time() - 3600),
        "wrong key": SigningKey.generate().issue(account_id=uuid.UUID(owner.account_id),
                                                 tenant_id=uuid.UUID(owner.tenant_id), role="OWNER"),
        "alg none": jwt.encode(claims, key=None, algorithm="none", headers={"kid": real_key.kid}),
    }


async def test_rbac_matrix(client: PlatformClient, mailbox: SmtpSink, routes: list[tuple[str, str]]) -> None:
    owner, outsider = await client.sign_up("rbac"), await client.sign_up("outsider")
    callers = {"anonymous": None, "VIEWER": await member(client, mailbox, owner, "VIEWER"),
               "EDITOR": await member(client, mailbox, owner, "EDITOR"), "OWNER": owner.token}
    bad = {"OWNER of another tenant": outsider.token, **forged_tokens(client, owner)}
    failures = []
    for method, path in [route for route in GATED if route in routes]:
        needed, body = GATED[(method, path)]
        url = "/api/identity" + re.sub(r"\{[^}]+\}", SOME_ID, path)
        for name, token in [*bad.items(), *callers.items()]:
            response = await client.call(method, url, slug=owner.slug, token=token, json=body)
            if name in bad:
                expected = {403} if name == "OWNER of another tenant" else {401}
            elif name == "anonymous":
                expected = {401}
            elif RANK[name] < RANK[needed]:
                expected = {403}
            else:
                expected = None  # allowed: anything but 401/403/5xx (404 for the made-up ids is fine)
            ok = response.status_code in expected if expected else response.status_code < 500 and \
                response.status_code not in (401, 403)
            if not ok:
                failures.append(f"{method} {path} as {name}: {response.status_code} {response.text[:120]}")
            if response.status_code >= 400:
                assert response.headers["content-type"] == "application/problem+json", (method, path, name)
            for secret in (outsider.slug, outsider.tenant_id, outsider.email):
                assert secret not in response.text, f"{method} {path} as {name} leaked {secret}"
    assert failures == []
    # The owner's DELETE /tenant ran last: the tenant no longer resolves.
    async def status() -> int:
        return (await client.call("GET", "/api/identity/tenant", slug=owner.slug, token=owner.token)).status_code

    assert await eventually(status, 404, within=1.0) == 404

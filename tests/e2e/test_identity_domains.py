"""Custom domains proved by DNS, through a real resolver on loopback, and resolved by the
gateway only once verified; a vanished proof unhooks the domain (takeover protection)."""

import asyncio
import uuid

from tests.e2e.platform_client import PlatformClient, SignedUp, eventually
from tests.servers.dns_responder import DnsResponder


async def set_domain(client: PlatformClient, owner: SignedUp, domain: str) -> dict:  # type: ignore[type-arg]
    response = await client.call("PUT", "/api/identity/domain", slug=owner.slug, token=owner.token,
                                 json={"domain": domain})
    assert response.status_code == 200, response.text
    return response.json()


async def resolves_to(client: PlatformClient, domain: str) -> int:
    return (await client.call("GET", "/api/identity/tenant", host=domain)).status_code


def fresh_domain() -> str:
    return f"shop-{uuid.uuid4().hex[:8]}.example.com"


async def test_a_domain_resolves_only_after_its_txt_record_proves_ownership(
        client: PlatformClient, dns_responder: DnsResponder) -> None:
    owner = await client.sign_up("domain")
    domain = fresh_domain()
    record = await set_domain(client, owner, domain.upper() + ".")  # normalised
    assert record["domain"] == domain and record["txt_name"] == f"_sitebuilder-verify.{domain}"

    missing = await client.call("POST", "/api/identity/domain/verify", slug=owner.slug, token=owner.token)
    assert missing.status_code == 422 and "TXT" in missing.json()["detail"]
    assert await resolves_to(client, domain) == 404

    dns_responder.txt[record["txt_name"]] = ["unrelated", record["txt_value"]]
    verified = await client.call("POST", "/api/identity/domain/verify", slug=owner.slug, token=owner.token)
    assert verified.status_code == 200 and verified.json()["verified_at"]
    # The host now serves the tenant (401: it resolved, and wants a token).
    assert await eventually(lambda: resolves_to(client, domain), 401) == 401
    as_owner = await client.call("GET", "/api/identity/tenant", host=domain, token=owner.token)
    assert as_owner.json()["slug"] == owner.slug

    removed = await client.call("DELETE", "/api/identity/domain", slug=owner.slug, token=owner.token)
    assert removed.status_code == 204
    # Within a second: identity's event evicts the gateway's cache entry.
    assert await eventually(lambda: resolves_to(client, domain), 404, within=1.0) == 404


async def test_a_domain_verified_by_another_tenant_is_a_conflict(client: PlatformClient,
                                                                 dns_responder: DnsResponder) -> None:
    first, second = await client.sign_up("dom-a"), await client.sign_up("dom-b")
    domain = fresh_domain()
    record = await set_domain(client, first, domain)
    dns_responder.txt[record["txt_name"]] = [record["txt_value"]]
    assert (await client.call("POST", "/api/identity/domain/verify", slug=first.slug,
                              token=first.token)).status_code == 200
    claim = await set_domain(client, second, domain)
    dns_responder.txt[claim["txt_name"]] = [record["txt_value"], claim["txt_value"]]
    clash = await client.call("POST", "/api/identity/domain/verify", slug=second.slug, token=second.token)
    assert clash.status_code == 409
    assert (await client.call("GET", "/api/identity/tenant", host=domain, token=first.token)).status_code == 200


async def test_a_vanished_txt_record_is_flagged_and_stops_resolving(client: PlatformClient,
                                                                   dns_responder: DnsResponder) -> None:
    owner = await client.sign_up("dangling")
    domain = fresh_domain()
    record = await set_domain(client, owner, domain)
    dns_responder.txt[record["txt_name"]] = [record["txt_value"]]
    assert (await client.call("POST", "/api/identity/domain/verify", slug=owner.slug,
                              token=owner.token)).status_code == 200
    assert await eventually(lambda: resolves_to(client, domain), 401) == 401

    del dns_responder.txt[record["txt_name"]]  # the domain changed hands
    for _ in range(100):  # identity re-checks every second in tests
        state = (await client.call("GET", "/api/identity/domain", slug=owner.slug, token=owner.token)).json()
        if state["flagged_at"]:
            break
        await asyncio.sleep(0.1)
    assert state["flagged_at"]
    assert await eventually(lambda: resolves_to(client, domain), 404, within=1.0) == 404
    audit = await client.call("GET", "/api/identity/tenant/audit", slug=owner.slug, token=owner.token)
    assert "domain.flagged" in [entry["action"] for entry in audit.json()]


async def test_platform_and_malformed_domains_are_refused(client: PlatformClient) -> None:
    owner = await client.sign_up("baddomain")
    for bad in ("localhost", f"evil.{client.stack.config.platform_domain}", "no_underscores.example.com",
                "-dash.example.com", "single"):
        response = await client.call("PUT", "/api/identity/domain", slug=owner.slug, token=owner.token,
                                     json={"domain": bad})
        assert response.status_code == 422, (bad, response.text)

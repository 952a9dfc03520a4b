"""The public API's documents through the real gateway: the merged OpenAPI document and the
event catalogue on the platform's host (and a tenant's), the reference page with its own
CSP, and a merged document that holds every operation the running services publish."""

from __future__ import annotations

import re

import pytest

from services.gateway.api_docs import RENDERER
from shared.dev.api_docs import DOCUMENTS, NOT_API
from tests.e2e.platform_client import PlatformClient, documented_operations


async def test_the_documents_are_served_on_the_platform_host(client: PlatformClient) -> None:
    for name, version_key, version in (("openapi.json", "openapi", "3.1.0"), ("asyncapi.json", "asyncapi", "3.0.0")):
        served = await client.call("GET", f"/api/{name}")
        assert served.status_code == 200 and served.headers["content-type"] == "application/json", name
        assert served.json()[version_key] == version
        assert served.content == (DOCUMENTS / name).read_bytes()
        assert served.headers["x-content-type-options"] == "nosniff"
    tenant = await client.sign_up("apidocs")
    on_tenant = await client.call("GET", "/api/openapi.json", slug=tenant.slug)
    assert on_tenant.status_code == 200 and on_tenant.content == (DOCUMENTS / "openapi.json").read_bytes()
    # the allowed twin's refusal: an unknown service name under /api/ is still the proxy's 404
    unknown = await client.call("GET", "/api/openapi/json")
    assert unknown.status_code == 404 and unknown.headers["content-type"] == "application/problem+json"


async def test_the_merged_document_holds_what_the_running_services_publish(client: PlatformClient) -> None:
    merged = (await client.call("GET", "/api/openapi.json")).json()
    published = await documented_operations(client.stack)
    assert published
    for found in published:
        local = found.path.removeprefix(f"/api/{found.service}")
        if any(local == p or local.startswith(p + "/") for p in NOT_API.get(found.service, ())):
            assert found.path not in merged["paths"]
            continue
        assert found.method.lower() in merged["paths"][found.path], (found.method, found.path)


async def test_the_reference_page_is_served_with_its_own_csp(client: PlatformClient) -> None:
    page = await client.call("GET", "/api/docs")
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    csp = page.headers["content-security-policy"]
    assert "script-src 'self'" in csp and "'unsafe-eval'" not in csp and "default-src 'none'" in csp
    assert 'href="/api/openapi.json"' in page.text and "<script>" not in page.text
    if not (RENDERER / "swagger-ui-bundle.js").is_file():
        pytest.skip("Swagger UI is not in build/api-docs/ (make setup fetches it): the page shows its fallback")
    for source in re.findall(r'(?:src|href)="(/api/docs/[^"]+)"', page.text):
        asset = await client.call("GET", source)
        assert asset.status_code == 200 and asset.content, source

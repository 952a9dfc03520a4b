"""The public API's documents, generated from the code and committed where the gateway serves
them (services/gateway/api/):

    python -m shared.dev.api_docs write      # `make api-docs`: openapi.json and asyncapi.json
    python -m shared.dev.api_docs check      # exit 1 when the committed files are stale
    python -m shared.dev.api_docs renderer   # `make setup`: Swagger UI into build/api-docs/

The OpenAPI document merges what each service's Litestar app documents, built without
running it (no database, no NATS: `create_app` only wires), under the path the gateway
proxies it at (`/api/<service>/…`), tagged by service, with the gateway's own routes
(services/gateway/api_docs.py), its two ways to authenticate and its servers. The AsyncAPI
document is shared/dev/event_catalogue.py's.

Services are imported by name (importlib), as `make run` starts them by name: the kernel's
contract "shared never imports services" keeps the running code apart, and this tool only
reads the services' wiring."""

from __future__ import annotations

import copy
import importlib
import json
import shutil
import subprocess
import sys
import tempfile
import tomllib
from pathlib import Path
from typing import Any

from shared.auth import SigningKey
from shared.dev import event_catalogue
from shared.web import document_problems

ROOT = Path(__file__).resolve().parents[2]
DOCUMENTS = ROOT / "services" / "gateway" / "api"
RENDERER = ROOT / "build" / "api-docs"
SWAGGER_UI = "swagger-ui-dist@5.36.0"
SERVICES = ("identity", "cms", "assets", "billing")
METHODS = ("get", "put", "post", "delete", "patch", "head", "options", "trace")
# Paths of a service that are not its API although the proxy would reach them: cms's public
# site (/site/…) is what the gateway serves on tenant hosts as the site's own pages.
NOT_API = {"cms": ("/site",)}
# The settings each service cannot default; values that open nothing, since nothing is opened.
REQUIRED_SETTINGS = {"database_url": "postgresql://api-docs@127.0.0.1/api-docs", "internal_secret": "api-docs"}


def version() -> str:
    return tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["version"]


def service_document(service: str) -> dict[str, Any]:
    """What `service`'s own app documents at /schema/openapi.json, built without running it."""
    app_module = importlib.import_module(f"services.{service}.app")
    settings_type = importlib.import_module(f"services.{service}.settings").Settings
    extra = {"identity": {"jwt_private_key": SigningKey.generate().private_pem},
             "assets": {"storage_url": "file:///nonexistent/api-docs"}}.get(service, {})
    app = app_module.create_app(settings_type(**REQUIRED_SETTINGS, **extra))
    document_problems(app)  # as the service's lifespan does: errors are problem+json
    return app.openapi_schema.to_schema()


def _public(service: str, path: str) -> bool:
    excluded = NOT_API.get(service, ())
    return not any(path == prefix or path.startswith(prefix + "/") for prefix in excluded)


def _rename_refs(node: Any, renames: dict[str, str]) -> Any:
    if isinstance(node, dict):
        if isinstance(node.get("$ref"), str):
            name = node["$ref"].rsplit("/", 1)[-1]
            if name in renames:
                node = {**node, "$ref": "#/components/schemas/" + renames[name]}
        return {key: _rename_refs(value, renames) for key, value in node.items()}
    if isinstance(node, list):
        return [_rename_refs(item, renames) for item in node]
    return node


def merge(documents: dict[str, dict[str, Any]], gateway_paths: dict[str, Any]) -> dict[str, Any]:
    """One OpenAPI 3.1 document of `documents` (service -> its own document) as the gateway
    serves them, with the gateway's own `gateway_paths`."""
    schemas: dict[str, Any] = {}
    paths: dict[str, Any] = {}
    operation_ids: set[str] = set()
    tags = []
    for service, original in documents.items():
        document = copy.deepcopy(original)
        own = document.get("components", {}).get("schemas", {})
        # A schema name another service already uses for a different shape gets the service's
        # prefix; the same shape is shared.
        renames = {name: f"{service.capitalize()}{name}" for name, schema in own.items()
                   if name in schemas and schemas[name] != _rename_refs(schema, {})}
        for name, schema in own.items():
            schemas[renames.get(name, name)] = _rename_refs(schema, renames)
        for path, item in document.get("paths", {}).items():
            if not _public(service, path):
                continue
            item = _rename_refs(item, renames)
            for method in METHODS:
                operation = item.get(method)
                if operation is None:
                    continue
                operation["tags"] = [service, *[t for t in operation.get("tags") or [] if t != service]]
                op_id = operation.get("operationId")
                if op_id in operation_ids:
                    operation["operationId"] = op_id = f"{service}{op_id}"
                operation_ids.add(op_id)
            paths[f"/api/{service}{path.rstrip('/') if path != '/' else ''}"] = item
        tags.append({"name": service, "description": document.get("info", {}).get("description", "")})
    paths.update(gateway_paths)
    tags.append({"name": "gateway", "description": "The gateway's own routes: sites, forms, checkout, fonts, "
                                                   "these documents."})
    return {
        "openapi": "3.1.0",
        "info": {"title": "Sitebuilder platform API", "version": version(), "description": DESCRIPTION},
        "servers": [
            {"url": "/", "description": "the host this document was read from"},
            {"url": "{scheme}://{tenant}.{platform}", "description": "a tenant's host: its API and its site",
             "variables": {"scheme": {"default": "https", "enum": ["https", "http"]},
                           "tenant": {"default": "demo", "description": "the tenant's slug (or use its custom "
                                                                         "domain as the whole host)"},
                           "platform": {"default": "localhost:8000", "description": "PLATFORM_DOMAIN[:port]"}}},
            {"url": "{scheme}://{platform}", "description": "the platform's host: sign-up, log-in, the showcase",
             "variables": {"scheme": {"default": "https", "enum": ["https", "http"]},
                           "platform": {"default": "localhost:8000"}}},
        ],
        # Which role an operation needs is the service's rule (its summary says it); the edge
        # only verifies what is sent: either credential, or none for public routes.
        "security": [{"accessToken": []}, {"apiKey": []}, {}],
        "tags": tags,
        "paths": paths,
        "components": {"schemas": dict(sorted(schemas.items())), "securitySchemes": SECURITY_SCHEMES},
    }


DESCRIPTION = """\
Every public route of the platform, as the gateway serves it. A tenant's API lives on its
own host (`<slug>.<platform>` or its verified custom domain) under `/api/<service>/`; the
platform's bare host serves sign-up, log-in and choosing a tenant. Errors are RFC 9457
problem+json. The events the services exchange are in the AsyncAPI document at
`/api/asyncapi.json`."""

SECURITY_SCHEMES = {
    "accessToken": {
        "type": "http", "scheme": "bearer", "bearerFormat": "JWT",
        "description": "An access token from identity (`POST /api/identity/login`, `/token`), signed with EdDSA; "
                       "the keys are at `/api/identity/.well-known/jwks.json`. Verified by the gateway; a token of "
                       "another tenant than the host's is refused with 403."},
    "apiKey": {
        "type": "http", "scheme": "bearer", "bearerFormat": "sbk_…",
        "description": "An API key (`sbk_…`, made at `/api/identity/api-keys`, shown once), sent as "
                       "`Authorization: Bearer sbk_…` (or `ApiKey sbk_…`), only on its tenant's host; checked "
                       "with identity, a revoked key stops working within 30 seconds."},
}


def openapi_document() -> dict[str, Any]:
    gateway = importlib.import_module("services.gateway.api_docs")
    return merge({service: service_document(service) for service in SERVICES}, gateway.GATEWAY_PATHS)


def rendered(document: dict[str, Any]) -> str:
    return json.dumps(document, indent=1, ensure_ascii=False) + "\n"


def documents() -> dict[str, str]:
    """The files' names and their contents as the code says they should be now."""
    return {"openapi.json": rendered(openapi_document()),
            "asyncapi.json": rendered(event_catalogue.asyncapi_document(version()))}


def stale(folder: Path = DOCUMENTS) -> list[str]:
    """The committed files whose contents differ from what the code makes now."""
    return [name for name, text in documents().items()
            if not (folder / name).is_file() or (folder / name).read_text() != text]


def fetch_renderer(target: Path = RENDERER) -> None:
    """Swagger UI's bundle, stylesheet and licence into `target` (kept when already there)."""
    from shared.dev.vendor import npm_install

    wanted = ("swagger-ui-bundle.js", "swagger-ui.css", "LICENSE")
    if all((target / name).is_file() for name in wanted):
        return
    with tempfile.TemporaryDirectory(prefix="api-docs-") as scratch:
        package = npm_install([SWAGGER_UI], Path(scratch)) / "swagger-ui-dist"
        staging = target.with_name(target.name + ".partial")
        shutil.rmtree(staging, ignore_errors=True)
        staging.mkdir(parents=True)
        for name in wanted:
            shutil.copyfile(package / name, staging / name)
    shutil.rmtree(target, ignore_errors=True)
    staging.rename(target)


def main(argv: list[str]) -> int:
    what = argv[1:] or ["write"]
    if what == ["write"]:
        DOCUMENTS.mkdir(parents=True, exist_ok=True)
        for name, text in documents().items():
            (DOCUMENTS / name).write_text(text)
            print(f"wrote {(DOCUMENTS / name).relative_to(ROOT)} ({len(text) // 1024} KiB)")
    elif what == ["check"]:
        names = stale()
        if names:
            print("stale:", ", ".join(names), "- run make api-docs", file=sys.stderr)
            return 1
        print("the API documents are up to date")
    elif what == ["renderer"]:
        try:
            fetch_renderer()
        except subprocess.CalledProcessError:
            print(f"npm could not fetch {SWAGGER_UI} (offline? a registry mirror?)", file=sys.stderr)
            return 1
        print(f"Swagger UI ({SWAGGER_UI}) in {RENDERER.relative_to(ROOT)}")
    else:
        print("usage: python -m shared.dev.api_docs write|check|renderer", file=sys.stderr)
        return 2
    return 0


def operations(document: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    """(path, method, operation) of every operation of an OpenAPI document."""
    return [(path, method, item[method]) for path, item in document["paths"].items()
            for method in METHODS if method in item]

if __name__ == "__main__":
    raise SystemExit(main(sys.argv))

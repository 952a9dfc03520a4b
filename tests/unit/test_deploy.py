"""The compose file stays in step with the code: every service it runs exists, gets
the settings its process requires, and the gateway is pointed at every upstream."""

import msgspec
import pytest
import yaml

from services.gateway.settings import Settings as GatewaySettings
from services.identity.settings import Settings as IdentitySettings
from shared.devstack import ROOT, SERVICES
from shared.settings import env_name
from shared.web import ServiceSettings

COMPOSE = yaml.safe_load((ROOT / "deploy" / "compose.yaml").read_text())["services"]


def required(struct: type[msgspec.Struct]) -> set[str]:
    return {env_name(field.name) for field in msgspec.structs.fields(struct) if field.required}


@pytest.mark.parametrize("service", SERVICES)
def test_each_service_runs_its_own_app_with_its_required_settings(service: str) -> None:
    spec = COMPOSE[service]
    assert f"services.{service}.app:create_app_from_env" in spec["command"]
    from services.assets.settings import Settings as AssetsSettings

    struct = {"identity": IdentitySettings, "assets": AssetsSettings}.get(service, ServiceSettings)
    needed = required(struct)
    assert needed <= set(spec["environment"])
    assert spec["environment"]["DATABASE_URL"].startswith(f"postgresql://{service}_svc:")


def test_the_gateway_reaches_every_upstream() -> None:
    environment = COMPOSE["gateway"]["environment"]
    assert required(GatewaySettings) <= set(environment)
    assert {f"{service.upper()}_URL" for service in SERVICES} <= set(environment)

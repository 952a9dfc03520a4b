"""The README's settings table names every setting a process reads, so it stays true."""

import re

import msgspec
import pytest

from services.assets.settings import Settings as AssetsSettings
from services.billing.settings import Settings as BillingSettings
from services.cms.settings import Settings as CmsSettings
from services.gateway.settings import Settings as GatewaySettings
from services.identity.settings import Settings as IdentitySettings
from shared.ai.base import AISettings
from shared.devstack import ROOT, StackSettings
from shared.migrate import MigrateSettings
from shared.settings import env_name
from shared.web import ServiceSettings

README = (ROOT / "README.md").read_text()
SETTINGS_SECTION = README.split("## Settings", 1)[1].split("\n## ", 1)[0]
DOCUMENTED = set(re.findall(r"`([A-Z][A-Z0-9_]+)`", SETTINGS_SECTION))


@pytest.mark.parametrize("struct", [StackSettings, MigrateSettings, ServiceSettings, IdentitySettings,
                                    BillingSettings, GatewaySettings, AISettings, AssetsSettings, CmsSettings],
                         ids=lambda s: s.__module__)
def test_every_setting_is_in_the_readme(struct: type[msgspec.Struct]) -> None:
    variables = {env_name(field.name) for field in msgspec.structs.fields(struct)}
    assert variables - DOCUMENTED == set()


def test_the_readme_starts_with_the_two_commands() -> None:
    first_block = README.split("```", 2)[1]
    assert "make run" in first_block and "make test" in first_block

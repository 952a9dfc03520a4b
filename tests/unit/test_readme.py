"""The guides stay true: every setting a process reads is in a settings table of the README or
of a service's or the kernel's guide, the README starts with the two commands and stays a
front door, every service has its guide, and every relative link in the Markdown resolves."""

import re
from pathlib import Path
from urllib.parse import unquote

import msgspec
import pytest

from services.assets.settings import Settings as AssetsSettings
from services.billing.settings import Settings as BillingSettings
from services.cms.settings import Settings as CmsSettings
from services.gateway.settings import Settings as GatewaySettings
from services.identity.settings import Settings as IdentitySettings
from shared.ai.base import AISettings
from shared.dev.stack import StackSettings
from shared.migrate import MigrateSettings
from shared.settings import env_name
from shared.web import ServiceSettings

ROOT = Path(__file__).resolve().parents[2]
README = (ROOT / "README.md").read_text()
SERVICES = ("gateway", "identity", "cms", "assets", "billing")
GUIDES = [ROOT / "README.md", ROOT / "shared" / "README.md", ROOT / "deploy" / "README.md",
          ROOT / "tests" / "README.md", *(ROOT / "services" / name / "README.md" for name in SERVICES)]


def documented_settings() -> set[str]:
    names: set[str] = set()
    for guide in GUIDES:
        text = guide.read_text()
        for section in text.split("## Settings")[1:]:
            names |= set(re.findall(r"`([A-Z][A-Z0-9_]+)`", section.split("\n## ", 1)[0]))
    return names


@pytest.mark.parametrize("struct", [StackSettings, MigrateSettings, ServiceSettings, IdentitySettings,
                                    BillingSettings, GatewaySettings, AISettings, AssetsSettings, CmsSettings],
                         ids=lambda s: s.__module__)
def test_every_setting_is_in_a_guide(struct: type[msgspec.Struct]) -> None:
    variables = {env_name(field.name) for field in msgspec.structs.fields(struct)}
    assert variables - documented_settings() == set()


def test_the_readme_is_a_front_door_that_starts_with_the_two_commands() -> None:
    first_block = README.split("```", 2)[1]
    assert "make run" in first_block and "make test" in first_block
    assert README.index("make run") < 1500  # on the first screen
    assert len(README.splitlines()) <= 300


def test_every_service_has_its_guide() -> None:
    for name in SERVICES:
        guide = ROOT / "services" / name / "README.md"
        assert guide.exists(), name
        assert f"services/{name}/README.md" in README or f"services/{name})" in README, name


MARKDOWN_LINK = re.compile(r"\[[^\]]*\]\(([^)\s]+)\)")


@pytest.mark.parametrize("guide", sorted(p for p in ROOT.rglob("*.md") if not {".venv", "node_modules", ".data",
                                                                                ".pytest_cache"} & set(p.parts)),
                         ids=lambda p: str(p.relative_to(ROOT)))
def test_relative_links_resolve(guide: Path) -> None:
    for target in MARKDOWN_LINK.findall(guide.read_text()):
        if re.match(r"^[a-z][a-z0-9+.-]*:", target) or target.startswith("#"):
            continue  # a web address, a mail address or an anchor of the same page
        path, _, anchor = target.partition("#")
        resolved = (guide.parent / unquote(path)).resolve()
        assert resolved.exists(), f"{guide.relative_to(ROOT)} links to {target}, which does not exist"
        if anchor and resolved.suffix == ".md":
            headings = {re.sub(r"[^a-z0-9 -]", "", h.lower()).strip().replace(" ", "-")
                        for h in re.findall(r"^#+ (.+)$", resolved.read_text(), flags=re.M)}
            assert anchor in headings, f"{guide.relative_to(ROOT)} links to #{anchor}, not a heading of {path}"

"""The import contracts (pyproject.toml, `make lint`) hold, and they bite: in a copy of the
tree, a repository that imports its service's handlers, or a service that imports another,
breaks them."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
LINT_IMPORTS = Path(sys.executable).parent / "lint-imports"


def lint_imports(tree: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(tree)}
    return subprocess.run([str(LINT_IMPORTS), "--no-cache"], cwd=tree, env=env, capture_output=True, text=True,
                          timeout=120)


@pytest.fixture(scope="module")
def tree(tmp_path_factory: pytest.TempPathFactory) -> Path:
    copy = tmp_path_factory.mktemp("tree")
    for name in ("services", "shared"):
        shutil.copytree(ROOT / name, copy / name, ignore=shutil.ignore_patterns("__pycache__", "node_modules"))
    shutil.copy(ROOT / "pyproject.toml", copy / "pyproject.toml")
    return copy


def test_the_contracts_hold(tree: Path) -> None:
    result = lint_imports(tree)
    assert result.returncode == 0, result.stdout[-3000:]
    assert "0 broken" in result.stdout and result.stdout.count(" KEPT") >= 8


@pytest.mark.parametrize(("module", "wrong_import", "contract"), [
    ("services/cms/repo/wrong.py", "from services.cms import http", "cms: entry points"),
    ("services/billing/domain_wrong.py", "import services.identity.repo", "services are independent"),
    ("services/identity/repo_wrong.py", "from services.identity import accounts", None),
    ("shared/wrong.py", "import services.billing.app", "shared never imports services"),
    ("services/assets/wrong.py", "import shared.dev.stack", "the kernel holds no dev tooling"),
])
def test_a_wrong_import_breaks_a_contract(tree: Path, module: str, wrong_import: str, contract: str | None) -> None:
    path = tree / module
    path.write_text(f"{wrong_import}\n")
    if contract is None:  # a module of a layer's package: identity's repo importing a use case
        path.unlink()
        path = tree / "services/identity/repo.py"
        original = path.read_text()
        path.write_text(original + f"\n{wrong_import}  # noqa\n")
        contract = "identity: entry points"
    try:
        result = lint_imports(tree)
    finally:
        if path.name == "repo.py":
            path.write_text(original)
        else:
            path.unlink()
    assert result.returncode != 0
    verdicts = [line for line in result.stdout.splitlines() if line.startswith(contract)]
    assert verdicts and verdicts[0].rstrip().endswith("BROKEN"), result.stdout[-2000:]


@pytest.mark.parametrize("service", ["gateway", "identity", "cms", "assets", "billing"])
def test_every_module_of_a_service_sits_in_one_of_its_layers(service: str) -> None:
    """A module no layer names escapes its service's contract: a new module must be placed."""
    import tomllib

    contracts = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["importlinter"]["contracts"]
    (layers,) = [c["layers"] for c in contracts if c["name"].startswith(f"{service}:")]
    placed = {name.strip() for layer in layers for name in layer.split(":")}
    package = ROOT / "services" / service
    modules = {f"services.{service}.{path.stem}" for path in package.glob("*.py") if path.stem != "__init__"}
    modules |= {f"services.{service}.{path.name}" for path in package.iterdir()
                if path.is_dir() and (path / "__init__.py").exists()}
    assert modules - placed == set(), f"modules of {service} in no layer of its contract"

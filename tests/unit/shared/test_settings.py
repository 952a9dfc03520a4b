import subprocess
import sys

import msgspec
import pytest

from shared.dev.stack import ROOT
from shared.settings import ConfigError, load


class Example(msgspec.Struct, frozen=True, kw_only=True):
    database_url: str
    pool_size: int = 10
    debug: bool = False
    origins: list[str] = []


def test_every_problem_is_reported_together() -> None:
    with pytest.raises(ConfigError) as caught:
        load(Example, {"POOL_SIZE": "many", "DEBUG": "perhaps"})
    problems = "\n".join(caught.value.problems)
    assert "DATABASE_URL is required" in problems
    assert "POOL_SIZE='many' is invalid" in problems
    assert "DEBUG='perhaps' is invalid" in problems
    assert len(caught.value.problems) == 3


def test_valid_environment_is_converted_and_defaults_fill_the_rest() -> None:
    config = load(Example, {"DATABASE_URL": "postgresql://x", "POOL_SIZE": "4", "DEBUG": "true",
                            "ORIGINS": "a.example, b.example"})
    assert config == Example(database_url="postgresql://x", pool_size=4, debug=True,
                             origins=["a.example", "b.example"])
    assert load(Example, {"DATABASE_URL": "postgresql://x"}).pool_size == 10


def test_lists_also_accept_json() -> None:
    assert load(Example, {"DATABASE_URL": "x", "ORIGINS": '["a", "b"]'}).origins == ["a", "b"]


@pytest.mark.parametrize("module", ["services.billing.app", "services.gateway.app"])
def test_a_service_started_with_bad_settings_says_which_variable(module: str) -> None:
    code = f"import {module} as m; m.create_app_from_env()"
    env = {"PATH": "/usr/bin:/bin", "DB_POOL_MAX": "lots"}
    result = subprocess.run([sys.executable, "-c", code], env=env, cwd=ROOT, capture_output=True,
                            text=True, timeout=60)
    assert result.returncode == 2
    assert "INTERNAL_SECRET is required" in result.stderr
    assert "Traceback" not in result.stderr
    if module == "services.billing.app":
        assert "DATABASE_URL is required" in result.stderr
        assert "DB_POOL_MAX='lots' is invalid" in result.stderr


def test_migrate_with_bad_settings_says_which_variable() -> None:
    result = subprocess.run([sys.executable, "-m", "shared.migrate"], env={"PATH": "/usr/bin:/bin"}, cwd=ROOT,
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 2
    assert "DATABASE_URL is required" in result.stderr
    assert "Traceback" not in result.stderr

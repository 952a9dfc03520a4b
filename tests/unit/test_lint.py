"""`make lint`'s style half runs in the suite too, so CI (which runs `make test`) catches what
it finds: an import out of order once sat in main for a session because only lint saw it."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
RUFF = Path(sys.executable).parent / "ruff"
LINTED = ("shared", "services", "tests", "bench")  # as the Makefile's lint target


def ruff(*paths: str | Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(RUFF), "check", "--config", str(ROOT / "pyproject.toml"), *map(str, paths)],
                          cwd=ROOT, capture_output=True, text=True, timeout=120)


def test_the_tree_passes_ruff() -> None:
    result = ruff(*LINTED)
    assert result.returncode == 0, result.stdout[-3000:]


def test_ruff_finds_an_import_out_of_order(tmp_path: Path) -> None:
    planted = tmp_path / "planted.py"
    planted.write_text("import sys\nimport os\n\nprint(os, sys)\n")
    result = ruff(planted)
    assert result.returncode == 1 and "I001" in result.stdout

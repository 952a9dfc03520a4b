"""Every service has the one shape (README, "One shape for every service"): SQL only in its
repositories, no `SELECT *`, no reaching into `app.state`, settings typed without casts.

Read from the sources, so a new module is held to the same rule the day it is written."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SERVICES = ROOT / "services"
# asyncpg's ways of running a statement: a call to one of these outside a repository is SQL
# in the wrong place, whatever the statement is.
RUNS_SQL = frozenset({"fetch", "fetchrow", "fetchval", "execute", "executemany", "cursor", "copy_records_to_table",
                      "copy_from_query", "copy_from_table", "copy_to_table", "prepare"})
SQL_TEXT = re.compile(r"^\s*(SELECT|INSERT|UPDATE|DELETE|WITH|CREATE|ALTER|DROP|LOCK)\s")  # as we write SQL


def modules() -> list[Path]:
    return sorted(p for p in SERVICES.rglob("*.py") if "__pycache__" not in p.parts)


def in_repository(path: Path) -> bool:
    relative = path.relative_to(SERVICES).parts
    return (len(relative) > 2 and relative[1] == "repo") or relative[-1] == "repo.py"


def sql_outside_repositories(path: Path) -> list[str]:
    tree = ast.parse(path.read_text(), filename=str(path))
    found = []
    for node in ast.walk(tree):
        runs_sql = isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr in RUNS_SQL
        if runs_sql and node.args:
            found.append(f"line {node.lineno}: .{node.func.attr}(…)")
        elif isinstance(node, ast.Constant) and isinstance(node.value, str) and SQL_TEXT.match(node.value) \
                and re.search(r"\b(FROM|INTO|SET|TABLE|INDEX)\b", node.value):
            found.append(f"line {node.lineno}: SQL text {node.value.strip()[:50]!r}")
    return found


@pytest.mark.parametrize("path", [p for p in modules() if not in_repository(p)],
                         ids=lambda p: str(p.relative_to(ROOT)))
def test_no_sql_outside_the_repositories(path: Path) -> None:
    assert sql_outside_repositories(path) == []


@pytest.mark.parametrize("path", modules(), ids=lambda p: str(p.relative_to(ROOT)))
def test_no_select_star_and_no_app_state(path: Path) -> None:
    text = path.read_text()
    assert not re.search(r"SELECT\s+(\w+\.)?\*", text, re.I), "name the columns"
    assert "app.state" not in text, "use cases get the service's context, not app.state"
    assert not re.search(r"settings.*# type: ignore", text), "the context carries the service's own Settings type"


def test_the_scan_sees_sql_where_it_is(tmp_path: Path) -> None:
    """The rule can fail: SQL written in a use-case module is found, the same in a repository is not."""
    stray = SERVICES / "cms" / "pages.py"
    assert not in_repository(stray) and in_repository(SERVICES / "cms" / "repo" / "pages.py")
    sample = tmp_path / "use_case.py"
    sample.write_text('async def f(tx):\n    return await tx.fetch("SELECT id FROM cms.pages")\n'
                      'Q = "UPDATE billing.accounts SET balance = 0"\n')
    assert len(sql_outside_repositories(sample)) == 3


def nested_transactions(path: Path) -> list[int]:
    """Lines calling asyncpg's `.transaction()`: inside a tenant transaction (begun by hand,
    with its tenant, in one round trip) asyncpg refuses it; `shared.db.savepoint` is the way."""
    tree = ast.parse(path.read_text(), filename=str(path))
    return [node.lineno for node in ast.walk(tree) if isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute) and node.func.attr == "transaction"]


def pools_reached_past_the_doors(path: Path) -> list[int]:
    """Lines reaching `Database.pool`: connections come only through its doors (tenant_tx,
    system_tx, session), which close a connection left broken instead of pooling it."""
    tree = ast.parse(path.read_text(), filename=str(path))
    return [node.lineno for node in ast.walk(tree) if isinstance(node, ast.Attribute) and node.attr == "pool"]


OUTSIDE_THE_DATABASE_MODULE = [p for p in (*modules(), *sorted((ROOT / "shared").rglob("*.py")))
                               if p != ROOT / "shared" / "db.py" and "__pycache__" not in p.parts]


@pytest.mark.parametrize("path", OUTSIDE_THE_DATABASE_MODULE, ids=lambda p: str(p.relative_to(ROOT)))
def test_savepoints_and_connections_go_through_the_kernel(path: Path) -> None:
    assert nested_transactions(path) == []
    assert pools_reached_past_the_doors(path) == []


def test_the_savepoint_scan_sees_a_nested_transaction(tmp_path: Path) -> None:
    assert nested_transactions(ROOT / "shared" / "db.py")  # system_tx's own, the one allowed
    sample = tmp_path / "use_case.py"
    sample.write_text("async def f(tx):\n    async with tx.transaction():\n        pass\n")
    assert nested_transactions(sample) == [2]


def test_the_door_scan_sees_a_pool_reached_directly(tmp_path: Path) -> None:
    assert pools_reached_past_the_doors(ROOT / "shared" / "db.py")  # the doors' own, the ones allowed
    sample = tmp_path / "ready.py"
    sample.write_text("async def f(db):\n    return await db.pool.fetchval('SELECT 1')\n")
    assert pools_reached_past_the_doors(sample) == [2]

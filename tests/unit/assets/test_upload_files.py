"""An upload stores the file before its row (a row never points at nothing); when the row's
transaction rolls back, the file goes too, so no file is left that nothing would ever delete."""

from __future__ import annotations

import asyncio
import contextlib
import io
import uuid
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import asyncpg
import pytest
from PIL import Image

from services.assets import service
from services.assets.repo import assets as repo
from shared.auth import Caller, Role
from shared.storage import Storage

TENANT = uuid.uuid4()
EDITOR = Caller(tenant_id=TENANT, account_id=uuid.uuid4(), role=Role.EDITOR.name)


def png() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (64, 48), (20, 120, 90)).save(buffer, "PNG")
    return buffer.getvalue()


class Db:
    """Tenant transactions that commit, or (`commit_fails`) whose second COMMIT, the new row's,
    fails with its outcome not known."""

    def __init__(self, *, commit_fails: bool = False) -> None:
        self.commit_fails = commit_fails
        self.begun = 0

    @contextlib.asynccontextmanager
    async def tenant_tx(self, tenant_id: uuid.UUID) -> AsyncIterator[object]:
        self.begun += 1
        yield object()
        if self.commit_fails and self.begun == 2:
            raise asyncpg.ConnectionDoesNotExistError("connection lost during COMMIT")


class Ctx:
    def __init__(self, folder: Path, db: Db) -> None:
        self.db = db
        self.storage = Storage(f"file://{folder}")
        self.woken = 0

    def describe_soon(self) -> None:
        self.woken += 1


def files_in(folder: Path) -> list[Path]:
    return [path for path in folder.rglob("*") if path.is_file()]


@pytest.fixture
def no_duplicate(monkeypatch: pytest.MonkeyPatch) -> None:
    async def by_sha(tx: Any, sha: str) -> None:
        return None

    monkeypatch.setattr(repo, "by_sha", by_sha)


@pytest.mark.parametrize("failure", [asyncpg.DataError("invalid byte sequence"), asyncpg.UniqueViolationError("x"),
                                     RuntimeError("a bug"), asyncio.CancelledError()])
def test_a_row_that_is_not_written_takes_its_file_with_it(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                          no_duplicate: None, failure: BaseException) -> None:
    async def insert_asset(tx: Any, *args: Any) -> None:
        assert len(files_in(tmp_path)) == 1  # the file is there before the row
        raise failure

    monkeypatch.setattr(repo, "insert_asset", insert_asset)
    ctx = Ctx(tmp_path, Db())
    with pytest.raises(type(failure)):
        asyncio.run(service.upload_asset(ctx, EDITOR, "a.png", png()))  # type: ignore[arg-type]
    assert files_in(tmp_path) == [] and ctx.woken == 0


def test_a_commit_whose_outcome_is_unknown_keeps_the_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                          no_duplicate: None) -> None:
    """The row may have been written: a file without a row is waste, a row without its file a broken image."""
    async def insert_asset(tx: Any, *args: Any) -> dict[str, Any]:
        return {"id": args[1]}

    async def add_event(tx: Any, event: Any) -> None:
        return None

    monkeypatch.setattr(repo, "insert_asset", insert_asset)
    monkeypatch.setattr(service, "add_event", add_event)
    ctx = Ctx(tmp_path, Db(commit_fails=True))
    with pytest.raises(asyncpg.ConnectionDoesNotExistError):
        asyncio.run(service.upload_asset(ctx, EDITOR, "a.png", png()))  # type: ignore[arg-type]
    assert len(files_in(tmp_path)) == 1

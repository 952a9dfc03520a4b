"""Object storage through obstore: a local folder by default (`file:///…`), any
S3-compatible store by URL in production (`s3://bucket/prefix`, credentials from the
usual AWS variables). Keys are always prefixed by the tenant id."""

from __future__ import annotations

import contextlib
import uuid
from pathlib import Path

import obstore
from obstore.store import from_url


class Storage:
    def __init__(self, url: str) -> None:
        if url.startswith("file://"):
            Path(url.removeprefix("file://")).mkdir(parents=True, exist_ok=True)
        self.store = from_url(url)

    @staticmethod
    def key(tenant_id: uuid.UUID, name: str) -> str:
        return f"{tenant_id}/{name}"

    async def put(self, key: str, data: bytes) -> None:
        await obstore.put_async(self.store, key, data)

    async def get(self, key: str) -> bytes | None:
        try:
            result = await obstore.get_async(self.store, key)
        except FileNotFoundError:
            return None
        return bytes(await result.bytes_async())

    async def delete_prefix(self, prefix: str) -> int:
        """Delete every object under `prefix` (a tenant's `<id>/`); the number deleted."""
        deleted = 0
        async for chunk in obstore.list(self.store, prefix, chunk_size=1000):
            paths = [meta["path"] for meta in chunk]
            await obstore.delete_async(self.store, paths)
            deleted += len(paths)
        return deleted

    async def delete(self, key: str) -> None:
        with contextlib.suppress(FileNotFoundError):  # already gone is gone
            await obstore.delete_async(self.store, key)

"""What the assets service's use cases need, built once per process in app.py."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import Any, Protocol

from shared.ai import AIProvider
from shared.contracts import CreditsAddedV1
from shared.storage import Storage
from shared.web import ServiceContext

from .query_embeddings import QueryEmbeddings
from .settings import Settings
from .variant_jobs import VariantJobs


class JobRunner(Protocol):
    """A background job runner (the describer, the re-embedder), as the use cases see it: one
    they can wake. Named by its shape, since the runners are use-case code that take this
    context (the import would run both ways)."""

    wake: asyncio.Event

    async def run(self) -> None: ...


class DescriptionRunner(JobRunner, Protocol):
    """The describer also hears that a wallet was topped up (images waiting for credits go on)."""

    async def credits_arrived(self, tx: Any, event: CreditsAddedV1) -> None: ...


@dataclass(frozen=True, kw_only=True)
class Ctx(ServiceContext):
    settings: Settings
    storage: Storage
    provider: AIProvider
    query_embeddings: QueryEmbeddings
    describer: DescriptionRunner  # runs only where workers run; waking it elsewhere does nothing
    reembedder: JobRunner
    variant_jobs: VariantJobs  # copies of images being made, one per copy at a time

    def describe_soon(self) -> None:
        """A new asset is described now rather than at the describer's next round."""
        self.describer.wake.set()

    def reembed_soon(self) -> None:
        """A new re-embedding job starts now rather than at the re-embedder's next round."""
        self.reembedder.wake.set()

"""What cms's use cases need, built once per process in app.py."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Protocol

from shared.ai import AIProvider
from shared.web import ServiceContext

from .settings import Settings


class JobRunner(Protocol):
    """Runs accepted generation jobs in this process, a few at a time (generation.Generator;
    typed by what cms asks of it: generation.py imports use cases that take this context)."""

    def submit(self, tenant_id: uuid.UUID, job_id: uuid.UUID) -> None: ...


@dataclass(frozen=True, kw_only=True)
class Ctx(ServiceContext):
    settings: Settings
    provider: AIProvider
    generator: JobRunner

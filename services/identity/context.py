"""What identity's use cases need, built once per process in app.py."""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlsplit, urlunsplit

from shared.db import Database

from .domain import Passwords
from .settings import Settings
from .tokens import Tokens


@dataclass(frozen=True)
class Ctx:
    db: Database
    settings: Settings
    tokens: Tokens
    passwords: Passwords

    def site_url(self, slug: str, path: str) -> str:
        """A link on the tenant's own host, e.g. for an invitation e-mail."""
        parts = urlsplit(self.settings.public_base_url)
        host = f"{slug}.{parts.hostname}" + (f":{parts.port}" if parts.port else "")
        return urlunsplit((parts.scheme, host, path, "", ""))

"""cms's settings."""

from __future__ import annotations

from shared.web import ServiceSettings


class Settings(ServiceSettings, frozen=True, kw_only=True):
    public_base_url: str = "http://localhost:8000"  # the platform's address; sites live at <slug>.<its host>

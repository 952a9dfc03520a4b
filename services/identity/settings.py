"""Identity's settings."""

from __future__ import annotations

from shared.web import ServiceSettings


class Settings(ServiceSettings, frozen=True, kw_only=True):
    jwt_private_key: str  # PEM of the Ed25519 key that signs access tokens
    access_token_ttl: int = 900
    platform_domain: str = "localhost"

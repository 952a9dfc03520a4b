"""Billing's settings."""

from __future__ import annotations

from shared.web import ServiceSettings


class Settings(ServiceSettings, frozen=True, kw_only=True):
    signup_grant_credits: int = 100
    hold_sweep_interval: float = 15.0  # seconds between releases of expired holds

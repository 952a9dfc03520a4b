"""cms's settings."""

from __future__ import annotations

from shared.web import ServiceSettings


class Settings(ServiceSettings, frozen=True, kw_only=True):
    public_base_url: str = "http://localhost:8000"  # the platform's address; sites live at <slug>.<its host>
    generation_credits_per_1k_tokens: float = 1.0  # what AI page work costs: tokens in and out, per thousand
    generation_cached_input_share: float = 0.5  # a cached input token's price, as a share of another's
    generation_max_sections: int = 6  # sections of a page generated from a prompt, at most
    site_plans_per_hour: int = 30  # site plans are not charged; this bounds them per tenant
    generation_hold_seconds: int = 300  # credits stay reserved this long; outlives a generation and its repair
    generation_concurrency: int = 4  # model calls at once per process (a site's sections share them)

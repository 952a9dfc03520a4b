"""cms's settings."""

from __future__ import annotations

from shared.web import ServiceSettings


class Settings(ServiceSettings, frozen=True, kw_only=True):
    public_base_url: str = "http://localhost:8000"  # the platform's address; sites live at <slug>.<its host>
    generation_credits_per_1k_tokens: float = 1.0  # what AI page work costs: tokens in and out, per thousand
    generation_max_output_tokens: int = 8000  # longest page the model may write
    generation_hold_seconds: int = 300  # credits stay reserved this long; outlives a generation and its repair
    generation_concurrency: int = 4  # model calls at once per process; more wait as `reserved`

"""The assets service's settings."""

from __future__ import annotations

from shared.web import ServiceSettings


class Settings(ServiceSettings, frozen=True, kw_only=True):
    storage_url: str  # file:///path for a local folder, s3://bucket/prefix for S3-compatible stores
    max_upload_bytes: int = 20 * 1024 * 1024
    description_credits: int = 1  # what describing and embedding one image costs the tenant
    variant_jobs: int = 2  # copies of images (?w=, ?fm=) made at once by one process; more requests wait

"""The gateway's settings."""

from __future__ import annotations

import msgspec


class Settings(msgspec.Struct, frozen=True, kw_only=True):
    internal_secret: str
    nats_url: str = "nats://127.0.0.1:4222"
    platform_domain: str = "localhost"
    # The platform's public address: its scheme and port are every site's (a site's origin is
    # <scheme>://<slug>.<platform domain or custom domain>[:<port>]).
    public_base_url: str = "http://localhost:8000"
    # Each service's address; several replicas as a comma-separated list (round robin).
    identity_url: str = "http://127.0.0.1:8101"
    cms_url: str = "http://127.0.0.1:8102"
    assets_url: str = "http://127.0.0.1:8103"
    billing_url: str = "http://127.0.0.1:8104"
    trusted_proxies: list[str] = []  # addresses or networks (10.0.0.0/8) whose X-Forwarded-* headers count
    upstream_timeout: float = 30.0
    max_body_bytes: int = 2 * 1024 * 1024  # JSON APIs (a page tree may be 1 MB)
    # The assets service's uploads: its 20 MiB file limit plus room for multipart framing.
    # The edge must refuse before the service does, or the client sees a reset, not a 413.
    max_upload_bytes: int = 20 * 1024 * 1024 + 64 * 1024
    host_cache_ttl: float = 60.0
    negative_cache_ttl: float = 5.0
    environment: str = "dev"
    page_cache_bytes: int = 64 * 1024 * 1024  # rendered pages kept in memory (and their gzip/brotli copies)
    page_cache_ttl: float = 300.0  # seconds a cached page lives at most; events evict sooner
    live_replica_timeout: float = 0.25  # seconds a lookup in cms's live replica may take before cms is asked
    rate_limit_per_address: str = "1200/minute"  # every request from one client address (`limits` notation)
    rate_limit_per_tenant: str = "6000/minute"  # every request to one tenant's host
    editor_origins: list[str] = []  # browser origins of editor apps allowed to call tenant APIs (CORS)
    health_check_interval: float = 3.0  # seconds between checks of each upstream replica
    # Prometheus's listener, apart from the public one (0: none); loopback unless a scraper
    # on another host needs it (the container network in deploy/).
    metrics_port: int = 0
    metrics_host: str = "127.0.0.1"

    def body_limit(self, service: str) -> int:
        return self.max_upload_bytes if service == "assets" else self.max_body_bytes

    def upstreams(self) -> dict[str, str]:
        return {"identity": self.identity_url, "cms": self.cms_url,
                "assets": self.assets_url, "billing": self.billing_url}

"""Identity's settings."""

from __future__ import annotations

from shared.web import ServiceSettings


class Settings(ServiceSettings, frozen=True, kw_only=True):
    jwt_private_key: str  # PEM of the Ed25519 key that signs access tokens
    jwt_previous_private_key: str = ""  # the key before the last rotation: still verifies, never signs
    access_token_ttl: int = 900
    refresh_token_ttl: int = 30 * 24 * 3600
    platform_domain: str = "localhost"
    public_base_url: str = "http://localhost:8000"  # the platform's own address, for links in e-mails
    password_time_cost: int = 2
    password_memory_kib: int = 19456
    invitation_ttl: int = 7 * 24 * 3600
    password_reset_ttl: int = 3600
    handoff_ttl: int = 60  # how long a code that carries a session to a site's host works (once)
    tenant_deletion_grace: int = 30 * 24 * 3600
    released_slug_hold: int = 90 * 24 * 3600  # a renamed tenant's old slug stays its own this long
    purge_check_interval: float = 60.0
    sweep_interval: float = 3600.0  # how often lapsed sign-ups, resets, refresh tokens and sent mail are swept
    spent_kept_for: int = 7 * 24 * 3600  # how long a lapsed link still says "expired" before its row goes
    login_max_failures: int = 5  # per e-mail (ten times that per client address), before a growing lock-out
    lock_floor_seconds: float = 30.0  # the first lock-out; each further attempt quadruples it (an hour at most)
    mails_per_email: int = 3  # sign-up and reset mails to one address, before the same growing lock-out
    mails_per_address: int = 20  # ... and asked for from one client address
    mails_per_tenant_hour: int = 50  # mails a tenant's members cause (invitations) in any hour
    mails_per_tenant_day: int = 200  # ... and in any day: a tenant cannot send its hourly allowance all day
    signup_ttl: int = 2 * 24 * 3600  # how long a sign-up's confirmation link works
    smtp_url: str = ""  # smtp://host:port; empty keeps mail queued (and listed by the dev mailbox)
    mail_from: str = "Sitebuilder <no-reply@sitebuilder.localhost>"
    domain_verify_label: str = "_sitebuilder-verify"
    dns_resolver: str = ""  # host:port of the resolver that checks TXT records; empty: the system's
    domain_recheck_interval: int = 3600

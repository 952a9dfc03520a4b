"""Identity's pure rules: slugs, e-mail addresses, password hashes and hand-off codes."""

from __future__ import annotations

import re
import secrets
import unicodedata
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from shared.errors import Invalid, Unauthorized

SLUG = re.compile(r"^[a-z0-9](?:[a-z0-9-]{1,61})[a-z0-9]\Z")
# Names a site may not take as its subdomain: the platform's own (its apps and paths), names
# that clients look up by themselves and may send credentials to (autodiscover, wpad, mta-sts,
# isatap), mail and DNS infrastructure, and words that would make a site pass for the
# platform's sign-in, payment or security pages.
RESERVED_SLUGS = frozenset({
    "www", "api", "app", "admin", "assets", "static", "mail", "smtp", "ftp", "cdn", "status",
    "docs", "help", "support", "billing", "login", "signup", "auth", "dashboard", "platform",
    "root", "system", "internal", "test", "demo-admin", "studio", "health", "metrics",
    "autodiscover", "autoconfig", "wpad", "isatap", "mta-sts", "_dmarc", "imap", "pop", "pop3", "webmail",
    "mx", "ns", "ns1", "ns2", "ns3", "ns4", "dns", "localhost", "postmaster", "hostmaster", "webmaster",
    "abuse", "security", "noc", "sso", "id", "identity", "oauth", "account", "accounts", "signin", "register",
    "pay", "payment", "payments", "checkout", "stripe", "secure", "verify", "password", "reset",
})
EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+\Z")

def check_slug(slug: str) -> str:
    """The slug as stored, or `Invalid` naming the rule it breaks."""
    if not SLUG.fullmatch(slug) or "--" in slug:
        raise Invalid("a slug is 3 to 63 lowercase letters, digits or single hyphens, "
                      "starting and ending with a letter or digit",
                      errors=[{"field": "slug", "value": slug}])
    if slug in RESERVED_SLUGS:
        raise Invalid(f"'{slug}' is reserved", errors=[{"field": "slug", "value": slug}])
    return slug


def normal_email(raw: str) -> str:
    """The one form of an e-mail address that identity stores, looks up and throttles by, so
    two spellings of one address can never count as two: NFKC (fullwidth letters and the
    Kelvin sign become plain ones), lower-cased by Unicode's full mapping (U+0130 `İ` becomes
    `i` + U+0307, in Python as in PostgreSQL's pg_unicode_fast, never a plain `i`), NFKC
    again (lower-casing can undo it), no white space around it. Lower-cased, not case-folded:
    folding turns `ß` into `ss`, and `straße.example` is another domain than
    `strasse.example`, so we would store and mail an address nobody gave. Idempotent;
    migration 0007 rewrote the stored rows with its SQL twin, identity.normal_email."""
    return unicodedata.normalize("NFKC", unicodedata.normalize("NFKC", raw).lower()).strip()


def check_email(email: str) -> str:
    """The address in its normal form, or `Invalid`. Checked after normalising: NFKC turns a
    fullwidth at sign (U+FF20) into a second `@`, and can make an address longer."""
    normal = normal_email(email)
    if not EMAIL.fullmatch(normal) or len(normal) > 254:
        raise Invalid("not an e-mail address", errors=[{"field": "email"}])
    return normal


def check_name(name: str) -> str:
    cleaned = " ".join(name.split())
    if not cleaned or not cleaned.isprintable():
        raise Invalid("a name needs visible characters", errors=[{"field": "name"}])
    return cleaned


def check_password(password: str) -> str:
    if len(password) < 10:
        raise Invalid("a password has at least 10 characters", errors=[{"field": "password"}])
    return password


class Passwords:
    """argon2id hashing. Defaults are OWASP's minimum (19 MiB, 2 passes, 1 lane): about
    30 ms a hash here, which keeps log-in fast and guessing expensive."""

    def __init__(self, *, time_cost: int = 2, memory_kib: int = 19456, parallelism: int = 1) -> None:
        self.hasher = PasswordHasher(time_cost=time_cost, memory_cost=memory_kib, parallelism=parallelism)
        self._decoy = self.hasher.hash(secrets.token_urlsafe(16))

    def hash(self, password: str) -> str:
        return self.hasher.hash(password)

    def matches(self, password: str, stored: str | None) -> bool:
        """Constant work whether or not the account exists (`stored` None hashes a decoy)."""
        try:
            return self.hasher.verify(stored or self._decoy, password) and stored is not None
        except (VerifyMismatchError, VerificationError, InvalidHashError):
            return False

    def needs_rehash(self, stored: str) -> bool:
        return self.hasher.check_needs_rehash(stored)


class HandoffRefused(Unauthorized):
    code, title = "handoff-refused", "This sign-in link does not work"


def check_handoff(handoff: Mapping[str, Any] | None, now: datetime) -> None:
    """A hand-off code signs in once, before it expires, while the platform session that made
    it lives; `handoff` is None when this host's tenant has no such code (another site's code
    is not visible here). The refusal's `reason` lets a page say what to do."""
    if handoff is None:
        raise HandoffRefused("this sign-in link is not for this site; log in", reason="unknown")
    if handoff["used_at"] is not None:
        raise HandoffRefused("this sign-in link was already used; log in", reason="used")
    if handoff["expires_at"] <= now:
        raise HandoffRefused("this sign-in link has expired; open the site again from your sites, or log in",
                             reason="expired")
    if handoff["session_revoked_at"] is not None:
        raise HandoffRefused("the session that opened this link has ended; log in", reason="session-ended")

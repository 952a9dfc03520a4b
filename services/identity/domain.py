"""Identity's pure rules: slugs, e-mail addresses and password hashes."""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
import secrets

from shared.errors import Invalid

SLUG = re.compile(r"^[a-z0-9](?:[a-z0-9-]{1,61})[a-z0-9]$")
RESERVED_SLUGS = frozenset({
    "www", "api", "app", "admin", "assets", "static", "mail", "smtp", "ftp", "cdn", "status",
    "docs", "help", "support", "billing", "login", "signup", "auth", "dashboard", "platform",
    "root", "system", "internal", "test", "demo-admin",
})
EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")

# scrypt at n=2**14, r=8: ~16 MiB and tens of milliseconds per hash, within OWASP's advice.
_SCRYPT_N, _SCRYPT_R, _SCRYPT_P = 2**14, 8, 1


def check_slug(slug: str) -> str:
    """The slug as stored, or `Invalid` naming the rule it breaks."""
    if not SLUG.match(slug) or "--" in slug:
        raise Invalid("a slug is 3 to 63 lowercase letters, digits or single hyphens, "
                      "starting and ending with a letter or digit",
                      errors=[{"field": "slug", "value": slug}])
    if slug in RESERVED_SLUGS:
        raise Invalid(f"'{slug}' is reserved", errors=[{"field": "slug", "value": slug}])
    return slug


def check_email(email: str) -> str:
    normalized = email.strip()
    if not EMAIL.match(normalized) or len(normalized) > 254:
        raise Invalid("not an e-mail address", errors=[{"field": "email"}])
    return normalized


def check_password(password: str) -> str:
    if len(password) < 10:
        raise Invalid("a password has at least 10 characters", errors=[{"field": "password"}])
    return password


def hash_password(password: str) -> str:
    salt = secrets.token_bytes(16)
    digest = hashlib.scrypt(password.encode(), salt=salt, n=_SCRYPT_N, r=_SCRYPT_R, p=_SCRYPT_P)
    encode = base64.b64encode
    return f"scrypt${_SCRYPT_N}${_SCRYPT_R}${_SCRYPT_P}${encode(salt).decode()}${encode(digest).decode()}"


def password_matches(password: str, stored: str) -> bool:
    try:
        _, n, r, p, salt, digest = stored.split("$")
        actual = hashlib.scrypt(password.encode(), salt=base64.b64decode(salt), n=int(n), r=int(r), p=int(p))
    except ValueError:
        return False
    return hmac.compare_digest(actual, base64.b64decode(digest))

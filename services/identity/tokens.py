"""Access tokens (EdDSA JWTs, 15 minutes) and opaque refresh tokens, API keys and other
one-time secrets, of which only SHA-256 hashes are stored."""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
import uuid

from shared.auth import SigningKey

from .schemas import TokenOut


def new_secret(prefix: str) -> tuple[str, bytes]:
    """A random token for a person to hold, and the hash we keep instead of it."""
    token = f"{prefix}_{secrets.token_urlsafe(32)}"
    return token, digest(token)


def digest(token: str) -> bytes:
    # A fast hash is right here: the tokens are 256 random bits, not guessable passwords.
    return hashlib.sha256(token.encode()).digest()


class Tokens:
    """Signs access tokens with the current key; publishes it and the previous one, so a
    key rotation does not log anyone out."""

    def __init__(self, current: SigningKey, previous: SigningKey | None, ttl: int) -> None:
        self.key = current
        self.previous = previous
        self.ttl = ttl

    def jwks(self) -> dict[str, list[dict[str, str]]]:
        return {"keys": [key.jwk() for key in (self.key, self.previous) if key is not None]}

    def issue(self, account_id: uuid.UUID, tenant_id: uuid.UUID, role: str,
              refresh_token: str | None = None, csrf_token: str | None = None) -> TokenOut:
        token = self.key.issue(account_id=account_id, tenant_id=tenant_id, role=role, ttl=self.ttl)
        return TokenOut(access_token=token, tenant_id=tenant_id, account_id=account_id, role=role,
                        expires_in=self.ttl, refresh_token=refresh_token, csrf_token=csrf_token)


def csrf_token(secret: str, session_id: uuid.UUID) -> str:
    """The CSRF token of one browser session: the same for its whole life (refresh tokens
    rotate, this does not, so tabs never race over it), useless for any other session, and
    unforgeable without identity's secret. A key of its own is derived from `secret`."""
    return _keyed_mac(secret, b"identity.csrf.v1", session_id.bytes)


def _keyed_mac(secret: str, purpose: bytes, data: bytes) -> str:
    """An HMAC of `data` under a key of its own derived from `secret` for `purpose`, so no mac
    made for one use is valid for another; URL-safe base64."""
    key = hmac.new(secret.encode(), purpose, hashlib.sha256).digest()
    mac = hmac.new(key, data, hashlib.sha256).digest()
    return base64.urlsafe_b64encode(mac).rstrip(b"=").decode()


def csrf_matches(secret: str, session_id: uuid.UUID, presented: str) -> bool:
    return hmac.compare_digest(csrf_token(secret, session_id).encode(), presented.encode())


# A browser where an account logged in before (OWASP's "device cookie"): its log-ins are held
# to their own count, not to the e-mail's lock-out, which anyone who knows the address can set
# off. "dv1.<nonce>.<mac>": the mac binds the nonce to the account's normal e-mail.
DEVICE_PREFIX = "dv1"


def _device_mac(secret: str, email: str, nonce: str) -> str:
    return _keyed_mac(secret, b"identity.device.v1", f"{email}\x00{nonce}".encode())


def device_token(secret: str, email: str) -> str:
    """A new device token for the account with normal e-mail `email`."""
    nonce = secrets.token_urlsafe(16)
    return f"{DEVICE_PREFIX}.{nonce}.{_device_mac(secret, email, nonce)}"


def device_of(secret: str, email: str, presented: str | None) -> str | None:
    """The device's nonce, when `presented` is a device token made for this e-mail; else None."""
    prefix, _, rest = (presented or "").partition(".")
    nonce, _, mac = rest.partition(".")
    if prefix != DEVICE_PREFIX or not nonce or len(nonce) > 64 or not mac:
        return None
    return nonce if hmac.compare_digest(_device_mac(secret, email, nonce).encode(), mac.encode()) else None

"""Authentication at the edge: access tokens verified against identity's JWKS (cached,
refetched when a token names a key id we have not seen, at most once per
`refetch_interval`), and API keys (`sbk_…`) checked with identity by request-reply and
cached briefly, so a revoked key stops working within `key_cache_ttl` seconds."""

from __future__ import annotations

import hashlib
import time
import uuid

import aiohttp
import msgspec
from nats.aio.client import Client as NATS

from shared.auth import AccessClaims, TokenVerifier
from shared.contracts import VerifiedApiKey, VerifyApiKey
from shared.errors import Forbidden, Unauthorized, Unavailable
from shared.messaging import request

API_KEY_PREFIX = "sbk_"


class Principal(msgspec.Struct, frozen=True):
    """Who a request acts as: an account (token) or an API key, with its role in `tenant_id`."""

    id: uuid.UUID
    tenant_id: uuid.UUID
    role: str


class EdgeAuth:
    def __init__(self, session: aiohttp.ClientSession, nc: NATS, jwks_url: str, *, refetch_interval: float = 5.0,
                 key_cache_ttl: float = 30.0) -> None:
        self.session = session
        self.nc = nc
        self.key_cache_ttl = key_cache_ttl
        self._keys: dict[tuple[uuid.UUID, bytes], tuple[float, VerifiedApiKey]] = {}
        self.jwks_url = jwks_url
        self.refetch_interval = refetch_interval
        self._verifier: TokenVerifier | None = None
        self._fetched_at = 0.0

    async def _refresh(self) -> None:
        try:
            async with self.session.get(self.jwks_url, timeout=aiohttp.ClientTimeout(total=5)) as resp:
                resp.raise_for_status()
                self._verifier = TokenVerifier(await resp.json())
        except (aiohttp.ClientError, TimeoutError) as exc:
            raise Unavailable(f"cannot fetch signing keys: {type(exc).__name__}") from None
        finally:
            self._fetched_at = time.monotonic()

    async def authenticate(self, authorization: str | None, tenant_id: uuid.UUID | None) -> Principal | None:
        """The principal of a `Bearer` token or API key; None when there is none. A token of
        another tenant than the host's is refused (403), a bad one is 401."""
        if not authorization:
            return None
        scheme, _, credential = authorization.partition(" ")
        credential = credential.strip()
        if scheme.lower() not in ("bearer", "apikey") or not credential:
            raise Unauthorized("use 'Authorization: Bearer <token or API key>'")
        if credential.startswith(API_KEY_PREFIX):
            if tenant_id is None:
                raise Unauthorized("API keys work on their tenant's host")
            return await self._api_key(credential, tenant_id)
        claims = await self._verify_token(credential)
        if tenant_id is not None and claims.tid != tenant_id:
            raise Forbidden("this token belongs to another tenant")
        return Principal(id=claims.sub, tenant_id=claims.tid, role=claims.role)

    async def _verify_token(self, token: str) -> AccessClaims:
        stale = time.monotonic() - self._fetched_at > self.refetch_interval
        if self._verifier is None or (stale and not self._verifier.knows(token)):  # `knows` decodes: ask last
            await self._refresh()
        assert self._verifier is not None
        return self._verifier.verify(token)

    async def _api_key(self, key: str, tenant_id: uuid.UUID) -> Principal:
        cache_key = (tenant_id, hashlib.sha256(key.encode()).digest())
        cached = self._keys.get(cache_key)
        if cached is not None and cached[0] > time.monotonic():
            verified = cached[1]
        else:
            verified = await request(self.nc, VerifyApiKey(tenant_id=tenant_id, key=key))
            self._keys[cache_key] = (time.monotonic() + self.key_cache_ttl, verified)
        if verified.key_id is None or verified.role is None:
            raise Unauthorized("this API key is not valid for this site")
        return Principal(id=verified.key_id, tenant_id=tenant_id, role=verified.role)

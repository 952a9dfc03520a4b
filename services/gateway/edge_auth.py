"""Access-token verification at the edge, against identity's JWKS (cached, refetched
when a token names a key id we have not seen, at most once per `refetch_interval`)."""

from __future__ import annotations

import time

import aiohttp

from shared.auth import AccessClaims, TokenVerifier
from shared.errors import Unauthorized, Unavailable


class EdgeAuth:
    def __init__(self, session: aiohttp.ClientSession, jwks_url: str, *, refetch_interval: float = 5.0) -> None:
        self.session = session
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

    async def verify(self, authorization: str | None) -> AccessClaims | None:
        """The claims of a `Bearer` token, None when there is none, `Unauthorized` if bad."""
        if not authorization:
            return None
        scheme, _, token = authorization.partition(" ")
        if scheme.lower() != "bearer" or not token:
            raise Unauthorized("use 'Authorization: Bearer <token>'")
        token = token.strip()
        stale = time.monotonic() - self._fetched_at > self.refetch_interval
        if self._verifier is None or (not self._verifier.knows(token) and stale):
            await self._refresh()
        assert self._verifier is not None
        return self._verifier.verify(token)

"""Talking to the platform through the gateway, as a frontend would."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

import httpx
import msgspec

from shared.devstack import Stack

PASSWORD = "a-long-enough-password"
T = TypeVar("T")


async def eventually(probe: Callable[[], Awaitable[T]], expected: T, *, within: float = 2.0) -> T:
    """`probe()` until it returns `expected` or `within` seconds pass; the last answer.
    For what travels by event (the gateway's host map), which is fast but not instant."""
    deadline = asyncio.get_running_loop().time() + within
    while True:
        answer = await probe()
        if answer == expected or asyncio.get_running_loop().time() > deadline:
            return answer
        await asyncio.sleep(0.05)


class SignedUp(msgspec.Struct, frozen=True):
    slug: str
    tenant_id: str
    account_id: str
    email: str
    token: str


def unique_slug(prefix: str = "t") -> str:
    return f"{prefix}-{uuid.uuid4().hex[:10]}"


class PlatformClient:
    def __init__(self, http: httpx.AsyncClient, stack: Stack) -> None:
        self.http = http
        self.stack = stack

    def host(self, slug: str | None = None) -> str:
        domain, port = self.stack.config.platform_domain, self.stack.ports["gateway"]
        return f"{slug}.{domain}:{port}" if slug else f"{domain}:{port}"

    async def call(self, method: str, path: str, *, slug: str | None = None, token: str | None = None,
                   host: str | None = None, **kwargs: Any) -> httpx.Response:
        headers = {"host": host or self.host(slug), **kwargs.pop("headers", {})}
        if token:
            headers["authorization"] = f"Bearer {token}"
        return await self.http.request(method, path, headers=headers, **kwargs)

    async def sign_up(self, prefix: str = "t", *, email: str | None = None) -> SignedUp:
        slug = unique_slug(prefix)
        email = email or f"owner@{slug}.example"
        response = await self.call("POST", "/api/identity/signup", json={
            "slug": slug, "name": slug.title(), "email": email, "password": PASSWORD})
        assert response.status_code == 201, response.text
        body = response.json()
        return SignedUp(slug=slug, tenant_id=body["tenant_id"], account_id=body["token"]["account_id"],
                        email=email, token=body["token"]["access_token"])

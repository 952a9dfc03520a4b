"""Talking to the platform through the gateway, as a frontend would."""

from __future__ import annotations

import asyncio
import random
import uuid
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

import httpx
import msgspec

from shared.dev.embedded import InfraError
from shared.dev.stack import Stack

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


async def home_replicated(client: PlatformClient, slug: str) -> bool:
    """Whether cms's live replica holds the site's home page in both representations: after a
    publish, once it does, no more of the replica's writes (each evicts the gateway's cached
    pages of the tenant) are to come. A query passes the gateway's cache, not the replica."""
    answers = [await client.call("GET", "/?probe", slug=slug, headers={"accept": accept})
               for accept in ("text/html", "application/json")]
    return all(answer.headers.get("x-cache") == "replica" for answer in answers)


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

    async def request_sign_up(self, prefix: str = "t", *, email: str | None = None,
                              within: float = 10) -> httpx.Response:
        """Sign up and open the mailed link, as a person does, from a loopback address of its
        own (a suite of people, not one address asking for hundreds of mails). The answer that
        decided: a refused sign-up, or the confirmation's."""
        slug = unique_slug(prefix)
        email = email or f"owner@{slug}.example"
        transport = httpx.AsyncHTTPTransport(local_address=another_address())
        async with httpx.AsyncClient(base_url=str(self.http.base_url), transport=transport, timeout=20) as person:
            headers = {"host": self.host()}
            asked = await person.post("/api/identity/signup", headers=headers, json={
                "slug": slug, "name": slug.title(), "email": email, "password": PASSWORD})
            if asked.status_code != 202:
                return asked
            try:
                token = await self.stack.mailed_token(email, within=within)
            except InfraError:  # our reading of the mail failed (a database restart): not the platform's answer
                return asked
            return await person.post("/api/identity/signup/confirm", headers=headers, json={"token": token})

    async def sign_up(self, prefix: str = "t", *, email: str | None = None) -> SignedUp:
        response = await self.request_sign_up(prefix, email=email)
        assert response.status_code == 201, response.text
        return signed_up(response)


def signed_up(response: httpx.Response) -> SignedUp:
    """The tenant a confirmed sign-up created."""
    body = response.json()
    return SignedUp(slug=body["slug"], tenant_id=body["tenant_id"], account_id=body["token"]["account_id"],
                    email=body["email"], token=body["token"]["access_token"])


class DocumentedOperation(msgspec.Struct, frozen=True):
    service: str
    method: str  # upper case
    path: str  # as the gateway serves it: /api/<service>/...
    operation: dict[str, Any]  # the OpenAPI operation object
    document: dict[str, Any]  # the whole document, for $refs


async def documented_operations(stack: Stack) -> list[DocumentedOperation]:
    """Every operation of every service's OpenAPI document: tests that must cover every route
    derive it from here, so a new route is covered without anyone listing it."""
    from shared.dev.stack import SERVICES

    found = []
    async with httpx.AsyncClient(timeout=10) as direct:
        for service in SERVICES:
            document = (await direct.get(stack.url(service) + "/schema/openapi.json")).json()
            for path, item in document["paths"].items():
                for method, operation in item.items():
                    if method.upper() in {"GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"}:
                        found.append(DocumentedOperation(service, method.upper(), f"/api/{service}{path}",
                                                         operation, document))
    return found


def another_address() -> str:
    """A loopback address other than 127.0.0.1 (all of 127/8 reaches the gateway)."""
    return "127.{}.{}.{}".format(*(random.randint(1, 254) for _ in range(3)))

"""The demo site made in a test tenant, exactly as `make run` makes it for the demo tenant
(shared/dev/demo_site.py), and what a browser test needs to reach it."""

from __future__ import annotations

import asyncio

from shared.dev.demo_site import Api, build_site
from shared.dev.photos import Photo
from tests.e2e.platform_client import PlatformClient, SignedUp, eventually


async def seed(client: PlatformClient, tenant: SignedUp, photos: list[Photo]) -> str:
    """The demo site built and published for `tenant`; its address for Chromium once served."""
    api = Api(client.stack.url("gateway"), client.host(tenant.slug), tenant.token)
    said = await asyncio.to_thread(build_site, api, photos)
    assert said.endswith("published"), said

    async def live() -> int:
        return (await client.call("GET", "/visit", slug=tenant.slug)).status_code

    assert await eventually(live, 200, within=15) == 200
    return f"http://{tenant.slug}.localhost:{client.stack.ports['gateway']}"  # Chromium resolves *.localhost itself

"""The logs of the whole run so far: JSON lines that name their trace, tenant and request, and
never a secret, a token or a password. The test makes the traffic that handles each secret
itself (sign-up and log-in, a wrong password, an API key, a Stripe top-up, a model call), so
it proves the same whether it runs first, last or in between."""

from __future__ import annotations

import json
import re

from tests.e2e.platform_client import PASSWORD, PlatformClient, eventually
from tests.servers.openai_compatible import FakeOpenAI
from tests.servers.stripe_compatible import FakeStripe

JWT = re.compile(r"eyJ[\w-]{10,}\.eyJ[\w-]{10,}\.[\w-]{10,}")  # a signed token, header.payload.signature
API_KEY = re.compile(r"\bsbk_[\w-]{16,}")


async def test_the_run_logged_json_lines_and_no_secret(client: PlatformClient, stripe_server: FakeStripe,
                                                       ai_server: FakeOpenAI) -> None:
    owner = await client.sign_up("logs")
    host = {"slug": owner.slug, "token": owner.token}
    wrong = await client.call("POST", "/api/identity/login", slug=owner.slug,
                              json={"email": owner.email, "password": PASSWORD + "-wrong"})
    assert wrong.status_code == 401
    login = await client.call("POST", "/api/identity/login", slug=owner.slug,
                              json={"email": owner.email, "password": PASSWORD})
    assert login.status_code == 200
    key = await client.call("POST", "/api/identity/api-keys", **host, json={"name": "logs", "role": "VIEWER"})
    assert key.status_code == 201
    assert (await client.call("GET", "/api/identity/me", slug=owner.slug, token=key.json()["key"])).status_code == 200

    async def wallet_open() -> int:
        return (await client.call("GET", "/api/billing/balance", **host)).status_code

    assert await eventually(wallet_open, 200, within=10) == 200
    top_up = await client.call("POST", "/api/billing/top-ups", **host, json={"pack": "500"})
    assert top_up.status_code == 201, top_up.text
    generation = await client.call("POST", "/api/cms/generations", **host,
                                   json={"prompt": "A home page for a bakery", "slug": "/logs"})
    assert generation.status_code == 202, generation.text
    job = generation.headers["location"]

    async def finished() -> bool:
        status = (await client.call("GET", job.removeprefix(str(client.http.base_url)), **host)).json()["status"]
        return status in ("saved", "failed")

    assert await eventually(finished, True, within=20)
    stack = client.stack
    made = stack.secrets()
    secrets = {"internal secret": made["internal_secret"], "signing key": made["jwt_private_key"].splitlines()[1],
               "Stripe key": stripe_server.api_key, "Stripe webhook secret": stripe_server.webhook_secret,
               "OpenAI key": ai_server.api_key, "a password": PASSWORD}
    lines = 0
    for path in sorted((stack.data_dir / "logs").glob("*.log")):
        text = path.read_text(errors="replace")
        for name, secret in secrets.items():
            assert secret not in text, f"{name} in {path.name}"
        assert not JWT.search(text), f"an access token in {path.name}"
        assert not API_KEY.search(text), f"an API key in {path.name}"
        for line in text.splitlines():
            if not line.startswith("{"):
                continue  # the server's own lines before the app configured logging
            record = json.loads(line)
            assert {"time", "level", "service", "logger", "message"} <= record.keys()
            lines += 1
    assert lines > 0

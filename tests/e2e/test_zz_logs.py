"""The logs of the whole run so far (this file runs last of the end-to-end tests): JSON lines
that name their trace, tenant and request, and never a secret, a token or a password."""

from __future__ import annotations

import json
import re

from tests.e2e.platform_client import PASSWORD, PlatformClient
from tests.servers.openai_compatible import FakeOpenAI
from tests.servers.stripe_compatible import FakeStripe

JWT = re.compile(r"eyJ[\w-]{10,}\.eyJ[\w-]{10,}\.[\w-]{10,}")  # a signed token, header.payload.signature
API_KEY = re.compile(r"\bsbk_[\w-]{16,}")


async def test_the_run_logged_json_lines_and_no_secret(client: PlatformClient, stripe_server: FakeStripe,
                                                       ai_server: FakeOpenAI) -> None:
    await client.sign_up("last-logs")  # at least one request, whichever tests ran before
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

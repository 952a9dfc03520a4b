"""Who the client is behind proxies, and CORS for editor apps."""

from services.gateway.edge import Proxies, client_address, cors_headers


def test_forwarded_for_counts_only_through_trusted_proxies() -> None:
    proxies = Proxies(["10.0.0.0/8", "127.0.0.1"])
    assert client_address("203.0.113.9", "1.2.3.4", proxies) == "203.0.113.9"  # not a proxy: its header is ignored
    # Caddy (10.0.0.2) appended the real client; what the client wrote before it is not believed.
    assert client_address("10.0.0.2", "6.6.6.6, 198.51.100.7", proxies) == "198.51.100.7"
    assert client_address("10.0.0.2", "198.51.100.7, 10.0.0.3", proxies) == "198.51.100.7"
    assert "10.1.2.3" in proxies and "11.0.0.1" not in proxies and "not-an-ip" not in proxies


def test_cors_answers_only_the_allowed_origins_and_never_with_credentials() -> None:
    allowed = {"https://editor.example"}
    assert cors_headers("https://evil.example", allowed, preflight=True) == {}
    granted = cors_headers("https://editor.example", allowed, preflight=True)
    assert granted["access-control-allow-origin"] == "https://editor.example" and granted["vary"] == "Origin"
    assert "access-control-allow-credentials" not in granted and "If-Match" in granted["access-control-allow-headers"]

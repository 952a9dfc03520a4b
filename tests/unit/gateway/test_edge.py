"""Who the client is behind proxies, request ids, and CORS for editor apps."""

import os

from services.gateway.edge import Proxies, client_address, cors_headers, request_id_of


def test_forwarded_for_counts_only_through_trusted_proxies() -> None:
    proxies = Proxies(["10.0.0.0/8", "127.0.0.1"])
    assert client_address("203.0.113.9", "1.2.3.4", proxies) == "203.0.113.9"  # not a proxy: its header is ignored
    # Caddy (10.0.0.2) appended the real client; what the client wrote before it is not believed.
    assert client_address("10.0.0.2", "6.6.6.6, 198.51.100.7", proxies) == "198.51.100.7"
    assert client_address("10.0.0.2", "198.51.100.7, 10.0.0.3", proxies) == "198.51.100.7"
    assert "10.1.2.3" in proxies and "11.0.0.1" not in proxies and "not-an-ip" not in proxies
    for _ in range(2):  # asked again, the remembered answer is the same
        assert "10.1.2.3" in proxies and "::ffff:10.1.2.3" not in proxies and "127.0.0.1" in proxies
    assert "127.0.0.1" not in Proxies([]) and "10.1.2.3" not in Proxies(["", " "])


def test_a_request_id_is_kept_when_well_formed_and_made_unique_otherwise() -> None:
    assert request_id_of(b"req-42") == "req-42"
    made = [request_id_of(incoming) for incoming in (b"", b"x" * 129, b"bad\nline") * 300]
    assert len(set(made)) == len(made) and all(len(id_) == 32 and int(id_, 16) >= 0 for id_ in made)
    # A forked worker does not repeat its parent's ids.
    read, write = os.pipe()
    child = os.fork()
    if child == 0:
        os.write(write, request_id_of(b"").encode())
        os._exit(0)
    os.waitpid(child, 0)
    childs_id = os.read(read, 64).decode()
    os.close(read)
    os.close(write)
    assert len(childs_id) == 32 and childs_id != request_id_of(b"")


def test_cors_answers_only_the_allowed_origins_and_never_with_credentials() -> None:
    allowed = {"https://editor.example"}
    assert cors_headers("https://evil.example", allowed, preflight=True) == {}
    granted = cors_headers("https://editor.example", allowed, preflight=True)
    assert granted["access-control-allow-origin"] == "https://editor.example" and granted["vary"] == "Origin"
    assert "access-control-allow-credentials" not in granted and "If-Match" in granted["access-control-allow-headers"]

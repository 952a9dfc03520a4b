import pytest

from services.gateway.hosts import normalize_host


@pytest.mark.parametrize(("raw", "expected"), [
    ("Demo.Localhost:8000", "demo.localhost"),
    ("demo.localhost.", "demo.localhost"),
    ("bücher.example", "xn--bcher-kva.example"),
    ("[::1]:8000", "[::1]"),
])
def test_hosts_are_normalized(raw: str, expected: str) -> None:
    assert normalize_host(raw) == expected

"""TXT look-ups that prove a custom domain's owner: the one client identity talks DNS with."""

from __future__ import annotations

import dns.asyncresolver
import dns.exception
import dns.resolver


class TxtChecker:
    """Looks up TXT records through a configurable resolver (tests run one on loopback)."""

    def __init__(self, resolver_address: str = "", timeout: float = 3.0) -> None:
        self.resolver = dns.asyncresolver.Resolver(configure=not resolver_address)
        if resolver_address:
            host, _, port = resolver_address.rpartition(":")
            self.resolver.nameservers = [host or resolver_address]
            self.resolver.port = int(port) if port and host else 53
        self.timeout = timeout

    async def has(self, name: str, value: str) -> bool:
        try:
            answer = await self.resolver.resolve(name, "TXT", lifetime=self.timeout)
        except (dns.resolver.NXDOMAIN, dns.resolver.NoAnswer, dns.resolver.NoNameservers, dns.exception.Timeout):
            return False
        return any(b"".join(record.strings).decode(errors="replace") == value for record in answer)

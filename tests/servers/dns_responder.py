"""A real DNS server on loopback (UDP) answering TXT queries from a dict tests edit, so
domain verification goes through dnspython's resolver exactly as in production."""

from __future__ import annotations

import socket
import threading

import dns.message
import dns.rcode
import dns.rdataclass
import dns.rdatatype
import dns.rrset


class DnsResponder:
    def __init__(self) -> None:
        self.txt: dict[str, list[str]] = {}  # fully qualified name without trailing dot -> values
        self._socket = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self._socket.bind(("127.0.0.1", 0))
        self._socket.settimeout(0.2)
        self._stopping = threading.Event()
        self._thread = threading.Thread(target=self._serve, name="dns-responder", daemon=True)

    @property
    def address(self) -> str:
        host, port = self._socket.getsockname()
        return f"{host}:{port}"

    def start(self) -> str:
        self._thread.start()
        return self.address

    def stop(self) -> None:
        self._stopping.set()
        self._thread.join(2)
        self._socket.close()

    def _serve(self) -> None:
        while not self._stopping.is_set():
            try:
                wire, client = self._socket.recvfrom(4096)
            except (TimeoutError, OSError):
                continue
            try:
                query = dns.message.from_wire(wire)
            except dns.exception.DNSException:
                continue
            self._socket.sendto(self._answer(query).to_wire(), client)

    def _answer(self, query: dns.message.Message) -> dns.message.Message:
        response = dns.message.make_response(query)
        response.flags |= dns.flags.AA
        for question in query.question:
            name = question.name.to_text().rstrip(".").lower()
            values = self.txt.get(name)
            if question.rdtype != dns.rdatatype.TXT or not values:
                response.set_rcode(dns.rcode.NXDOMAIN)
                continue
            quoted = [f'"{value}"' for value in values]
            response.answer.append(dns.rrset.from_text(question.name, 60, dns.rdataclass.IN, dns.rdatatype.TXT,
                                                       *quoted))
        return response

"""Embedded infrastructure fails with a sentence an operator can act on."""

import socket
from pathlib import Path

import pytest

from shared.dev.embedded import EmbeddedNats, EmbeddedPostgres, InfraError, free_port


def test_a_taken_port_is_reported_by_name(tmp_path: Path) -> None:
    with socket.socket() as blocker:
        blocker.bind(("127.0.0.1", 0))
        blocker.listen()
        port = blocker.getsockname()[1]
        with pytest.raises(InfraError, match=f"port {port} for NATS is taken.*NATS_PORT"):
            EmbeddedNats(tmp_path / "nats", port).start()
        with pytest.raises(InfraError, match=f"port {port} for PostgreSQL is taken.*PG_PORT"):
            EmbeddedPostgres(tmp_path / "pg", port).start()


def test_an_unusable_data_folder_is_reported(tmp_path: Path) -> None:
    not_a_folder = tmp_path / "file"
    not_a_folder.write_text("x")
    with pytest.raises(InfraError, match=r"data folder .* is not usable"):
        EmbeddedNats(not_a_folder / "nats", free_port()).start()


def test_nats_starts_on_a_free_port_and_stops(tmp_path: Path) -> None:
    nats = EmbeddedNats(tmp_path / "nats", free_port())
    nats.start()
    try:
        with socket.create_connection(("127.0.0.1", nats.port), timeout=2):
            pass
    finally:
        nats.stop()
    assert nats.process is not None and nats.process.poll() is not None

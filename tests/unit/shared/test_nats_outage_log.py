"""A NATS outage reads as three lines in a service's log, whatever its length; anything else
the client reports is still an error with its traceback."""

import logging

import nats.errors
import pytest

from shared.messaging import NatsOutageLog


async def test_an_outage_is_three_lines_however_many_attempts_fail(caplog: pytest.LogCaptureFixture) -> None:
    outage = NatsOutageLog()
    with caplog.at_level(logging.DEBUG, logger="messaging"):
        await outage.error(nats.errors.UnexpectedEOF())  # the server went: this comes first
        await outage.disconnected()
        for _ in range(20):  # ten seconds of attempts, twice a second
            await outage.error(ConnectionRefusedError(111, "Connect call failed"))
        await outage.reconnected()
    lines = [(record.levelno, record.getMessage()) for record in caplog.records]
    assert [level for level, _ in lines] == [logging.WARNING] * 3
    assert "unexpected EOF" in lines[0][1]
    assert lines[1][1] == "NATS connection lost; reconnecting"
    assert lines[2][1].startswith("NATS reconnected after ") and "(21 failed attempts)" in lines[2][1]
    assert not any(record.exc_info for record in caplog.records)


async def test_a_second_outage_is_told_again(caplog: pytest.LogCaptureFixture) -> None:
    outage = NatsOutageLog()
    with caplog.at_level(logging.WARNING, logger="messaging"):
        for _ in range(2):
            await outage.disconnected()
            await outage.error(nats.errors.NoServersError())
            await outage.error(nats.errors.NoServersError())
            await outage.reconnected()
    assert len(caplog.records) == 6
    assert all("(2 failed attempts)" in record.getMessage() for record in caplog.records[2::3])


async def test_other_client_errors_stay_errors_with_their_traceback(caplog: pytest.LogCaptureFixture) -> None:
    outage = NatsOutageLog()
    with caplog.at_level(logging.WARNING, logger="messaging"):
        slow = nats.errors.SlowConsumerError(subject="x", reply="", sid=1, sub=None)  # type: ignore[arg-type]
        await outage.error(slow)
    [record] = caplog.records
    assert record.levelno == logging.ERROR and record.exc_info is not None

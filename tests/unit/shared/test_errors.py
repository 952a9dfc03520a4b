import json
import logging

import asyncpg
import msgspec
import pytest
from litestar import Litestar, Request, get, post
from litestar.params import JSONBody
from litestar.testing import TestClient

from shared.errors import EXCEPTION_HANDLERS, Conflict, log_failed_round
from shared.telemetry import setup_logging


class Body(msgspec.Struct):
    count: int


@get("/conflict", sync_to_thread=False)
def conflict() -> None:
    raise Conflict("the slug 'x' is taken", suggestion="x-2")


@get("/boom", sync_to_thread=False)
def boom() -> None:
    raise RuntimeError("secret internals")


# What a database that is restarting or gone raises, from the socket up to asyncpg's protocol.
DATABASE_AWAY = [
    ConnectionRefusedError(111, "Connect call failed"),
    TimeoutError(),
    asyncpg.CannotConnectNowError("the database system is starting up"),
    asyncpg.AdminShutdownError("terminating connection due to administrator command"),
    asyncpg.ConnectionDoesNotExistError("connection was closed in the middle of operation"),
    asyncpg.InternalClientError("cannot switch to state 11; another operation (2) is in progress"),
    asyncpg.TooManyConnectionsError("sorry, too many clients already"),
]


@get("/database-away/{which:int}", sync_to_thread=False)
def database_away(request: Request) -> None:
    raise DATABASE_AWAY[request.path_params["which"]]


@post("/body", sync_to_thread=False)
def body(data: JSONBody[Body]) -> int:
    return data.count


app = Litestar([conflict, boom, database_away, body], exception_handlers=EXCEPTION_HANDLERS)  # type: ignore[arg-type]


def test_app_errors_become_problem_json_with_their_extensions() -> None:
    with TestClient(app) as client:
        response = client.get("/conflict")
    assert response.status_code == 409
    assert response.headers["content-type"] == "application/problem+json"
    problem = response.json()
    assert problem["status"] == 409 and problem["detail"] == "the slug 'x' is taken"
    assert problem["extensions"] == {"suggestion": "x-2"}
    assert problem["instance"] == "/conflict"


def test_unexpected_errors_are_500_without_internals() -> None:
    with TestClient(app, raise_server_exceptions=False) as client:
        response = client.get("/boom")
    assert response.status_code == 500
    assert response.headers["content-type"] == "application/problem+json"
    assert "secret" not in response.text


def test_framework_errors_are_problem_json_too() -> None:
    with TestClient(app) as client:
        missing = client.get("/nowhere")
        wrong_type = client.post("/body", json={"count": "three"})
        allowed = client.post("/body", json={"count": 3})
    assert missing.status_code == 404 and missing.headers["content-type"] == "application/problem+json"
    assert wrong_type.status_code in (400, 422)
    assert wrong_type.headers["content-type"] == "application/problem+json"
    assert allowed.status_code == 201 and allowed.json() == 3


@pytest.mark.parametrize("which", range(len(DATABASE_AWAY)), ids=lambda which: type(DATABASE_AWAY[which]).__name__)
def test_a_database_that_is_away_is_503_worth_a_retry(which: int) -> None:
    with TestClient(app, raise_server_exceptions=False) as client:
        response = client.get(f"/database-away/{which}")
    assert response.status_code == 503
    assert response.headers["content-type"] == "application/problem+json"
    assert response.headers["retry-after"] == "1"
    assert "another operation" not in response.text  # the cause is logged, not told


@pytest.mark.parametrize("which", range(len(DATABASE_AWAY)), ids=lambda which: type(DATABASE_AWAY[which]).__name__)
def test_a_round_failed_by_a_dependency_away_is_one_warning_line(which: int, caplog: pytest.LogCaptureFixture) -> None:
    logger = logging.getLogger("rounds")
    with caplog.at_level(logging.DEBUG, logger="rounds"):
        log_failed_round(logger, DATABASE_AWAY[which], "%s: a round failed", "sweep")
        log_failed_round(logger, RuntimeError("a bug"), "%s: a round failed", "sweep")  # the twin
    away, bug = caplog.records
    assert away.levelno == logging.WARNING and away.exc_info is None
    assert away.getMessage().startswith(f"sweep: a round failed ({type(DATABASE_AWAY[which]).__name__}")
    assert bug.levelno == logging.ERROR and bug.exc_info is not None


@pytest.mark.parametrize("which", range(len(DATABASE_AWAY)), ids=lambda which: type(DATABASE_AWAY[which]).__name__)
def test_a_library_warning_about_a_dependency_away_is_written_as_one_line(
        which: int, capsys: pytest.CaptureFixture[str]) -> None:
    """As asyncpg's pool logs each failed retry of its connection floor, through the handler
    every service's process writes with (setup_logging)."""
    root = logging.getLogger()
    handlers, root_level = root.handlers[:], root.level  # put back as they were: later tests log through them
    try:
        setup_logging("tests")
        library = logging.getLogger("asyncpg.pool")
        for level, exc in ((logging.WARNING, DATABASE_AWAY[which]), (logging.WARNING, RuntimeError("a bug")),
                           (logging.ERROR, DATABASE_AWAY[which])):
            try:
                raise exc
            except Exception:
                library.log(level, "Failed to restore the pool connection floor; retrying", exc_info=True)
    finally:
        root.handlers[:] = handlers
        root.setLevel(root_level)
    away, bug, error = (json.loads(line) for line in capsys.readouterr().err.splitlines())
    assert away["message"].startswith("Failed to restore the pool connection floor; retrying ("
                                      f"{type(DATABASE_AWAY[which]).__name__}") and "error" not in away
    assert "Traceback" in bug["error"] and "Traceback" in error["error"]  # a bug, and an error, keep theirs

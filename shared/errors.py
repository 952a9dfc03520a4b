"""Errors defined once, and the single mapping of every failure to problem+json (RFC 9457)."""

from __future__ import annotations

import logging
from typing import Any

import asyncpg
import msgspec
from litestar import Request, Response
from litestar.exceptions import HTTPException, ValidationException

log = logging.getLogger("errors")

PROBLEM_JSON = "application/problem+json"


class Problem(msgspec.Struct, omit_defaults=True):
    """The body of every 4xx/5xx response."""

    type: str
    title: str
    status: int
    detail: str | None = None
    instance: str | None = None
    errors: list[dict[str, Any]] | None = None
    extensions: dict[str, Any] | None = None


class AppError(Exception):
    """A failure a client can act on; subclasses fix the status and the problem type."""

    status = 500
    code = "internal"
    title = "Internal error"

    def __init__(self, detail: str | None = None, *, errors: list[dict[str, Any]] | None = None,
                 **extensions: Any) -> None:
        super().__init__(detail or self.title)
        self.detail = detail
        self.errors = errors
        self.extensions = extensions or None


class BadRequest(AppError):
    status, code, title = 400, "bad-request", "The request is malformed"


class Invalid(AppError):
    status, code, title = 422, "invalid", "The request is not valid"


class Unauthorized(AppError):
    status, code, title = 401, "unauthorized", "Authentication is required"


class PaymentRequired(AppError):
    status, code, title = 402, "payment-required", "Not enough credits"


class Forbidden(AppError):
    status, code, title = 403, "forbidden", "Not allowed"


class NotFound(AppError):
    status, code, title = 404, "not-found", "Not found"


class Conflict(AppError):
    status, code, title = 409, "conflict", "Conflict with the current state"


class PayloadTooLarge(AppError):
    status, code, title = 413, "too-large", "The request body is too large"


class UnsupportedMediaType(AppError):
    status, code, title = 415, "unsupported-media-type", "Unsupported media type"


class PreconditionFailed(AppError):
    status, code, title = 412, "precondition-failed", "The resource changed since you read it"


class PreconditionRequired(AppError):
    status, code, title = 428, "precondition-required", "Send If-Match with the version you read"


class TooManyRequests(AppError):
    status, code, title = 429, "too-many-requests", "Too many requests"

    def __init__(self, detail: str, *, retry_after: int) -> None:
        super().__init__(detail, retry_after=retry_after)
        self.headers = {"retry-after": str(retry_after)}


class Unavailable(AppError):
    status, code, title = 503, "unavailable", "A dependency is unavailable"


_TITLES = {
    400: ("bad-request", "The request is malformed"),
    401: ("unauthorized", "Authentication is required"),
    403: ("forbidden", "Not allowed"),
    404: ("not-found", "Not found"),
    405: ("method-not-allowed", "Method not allowed"),
    409: ("conflict", "Conflict with the current state"),
    412: ("precondition-failed", "The resource changed since you read it"),
    413: ("too-large", "The request body is too large"),
    415: ("unsupported-media-type", "Unsupported media type"),
    422: ("invalid", "The request is not valid"),
    429: ("rate-limited", "Too many requests"),
    502: ("bad-gateway", "The upstream service failed"),
    503: ("unavailable", "A dependency is unavailable"),
    504: ("gateway-timeout", "The upstream service did not answer in time"),
}


def problem_type(code: str) -> str:
    return f"https://errors.sitebuilder.dev/{code}"


def problem_response(problem: Problem, headers: dict[str, str] | None = None) -> Response[bytes]:
    return Response(msgspec.json.encode(problem), status_code=problem.status,
                    media_type=PROBLEM_JSON, headers=headers)


def problem_for_status(status: int, detail: str | None = None, **extra: Any) -> Problem:
    code, title = _TITLES.get(status, ("error", "Error"))
    return Problem(type=problem_type(code), title=title, status=status, detail=detail, **extra)


# The database (or the network to it) failing, not the request: 503, and consumers wait.
# asyncpg's InternalClientError is its protocol left out of step, which is what a session the
# server ends in the middle of a statement leaves behind (MagicStack/asyncpg#1069).
INFRASTRUCTURE_ERRORS = (OSError, TimeoutError, asyncpg.PostgresConnectionError, asyncpg.InterfaceError,
                         asyncpg.InternalClientError, asyncpg.TooManyConnectionsError,
                         asyncpg.exceptions.OperatorInterventionError)  # shutting down, restarting, not yet up


def log_failed_round(logger: logging.Logger, exc: Exception, message: str, *args: Any) -> None:
    """A background round (a sweep, a relay batch, a mail run) that failed and will be tried
    again: a dependency that is away is one warning line, since it is neither a bug nor
    news after the first time; anything else is an error with its traceback."""
    if isinstance(exc, INFRASTRUCTURE_ERRORS):
        logger.warning(message + " (%s: %s)", *args, *_named(exc))
    else:
        logger.error(message, *args, exc_info=exc)


class OutageInOneLine(logging.Filter):
    """The same rule for the libraries' own loggers: a warning that carries a dependency
    being away (asyncpg's pool, retrying its connection floor while PostgreSQL restarts)
    is one line naming the error, not a traceback on every retry. Errors keep theirs."""

    def filter(self, record: logging.LogRecord) -> bool:
        exc = record.exc_info[1] if record.exc_info else None
        if record.levelno < logging.ERROR and isinstance(exc, INFRASTRUCTURE_ERRORS):
            kind, said = _named(exc)
            record.msg, record.args = f"{record.getMessage()} ({kind}: {said})", None
            record.exc_info, record.exc_text = None, None
        return True


def _named(exc: BaseException) -> tuple[str, str]:
    """An error's type and the first line of what it says."""
    return type(exc).__name__, str(exc).split("\n")[0]


def handle_exception(request: Request[Any, Any, Any], exc: Exception) -> Response[bytes]:
    """The one exception handler every service registers."""
    instance = request.url.path
    if isinstance(exc, AppError):
        problem = Problem(type=problem_type(exc.code), title=exc.title, status=exc.status,
                          detail=exc.detail, instance=instance, errors=exc.errors,
                          extensions=exc.extensions)
        return problem_response(problem, headers=getattr(exc, "headers", None))
    if isinstance(exc, ValidationException):
        errors = exc.extra if isinstance(exc.extra, list) else None
        # Litestar reports body validation as 400; a well-formed body with bad values is 422.
        status = 400 if _is_malformed(exc) else 422
        return problem_response(problem_for_status(status, exc.detail, instance=instance, errors=errors))
    if isinstance(exc, HTTPException):
        return problem_response(problem_for_status(exc.status_code, exc.detail, instance=instance),
                                headers=exc.headers)
    if isinstance(exc, asyncpg.DataError):
        # A value PostgreSQL (or asyncpg's encoder) cannot take got past the input rules (a NUL
        # is refused by shared/bodies.py, large integers by `le=INT4_MAX` in the Structs): the
        # caller hears that much, the driver's words ("query argument $10", "int32") are logged.
        log.warning("%s %s: a value reached the database that it cannot store (%s: %s)", request.method,
                    instance, *_named(exc))
        return problem_response(problem_for_status(422, "a value in the request cannot be stored: check its text "
                                                   "and the size of its numbers", instance=instance))
    if isinstance(exc, INFRASTRUCTURE_ERRORS):  # the database went away: say so, and that it is worth a retry
        log.warning("%s %s: a dependency is unavailable (%s)", request.method, instance, type(exc).__name__)
        return problem_response(problem_for_status(503, "a dependency is unavailable; try again shortly",
                                                   instance=instance), headers={"retry-after": "1"})
    log.exception("unhandled error on %s %s", request.method, instance)
    return problem_response(Problem(type=problem_type("internal"), title="Internal error",
                                    status=500, instance=instance))


def _is_malformed(exc: ValidationException) -> bool:
    detail = (exc.detail or "").lower()
    return "malformed" in detail or "json is malformed" in detail or "decode" in detail


EXCEPTION_HANDLERS = {Exception: handle_exception}

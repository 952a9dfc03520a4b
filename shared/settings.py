"""Settings from the environment: a frozen msgspec Struct per process, validated at once.

Each field `foo_bar` is read from the variable `FOO_BAR`. Every missing or invalid
variable is reported in one `ConfigError`, so an operator fixes them all in one go.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Mapping
from typing import TypeVar

import msgspec

S = TypeVar("S", bound=msgspec.Struct)


class ConfigError(Exception):
    """The environment does not describe a runnable process; `problems` says why."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = problems
        super().__init__("invalid configuration:\n" + "\n".join(f"  - {p}" for p in problems))


def env_name(field: str) -> str:
    return field.upper()


def load(cls: type[S], environ: Mapping[str, str] | None = None) -> S:
    """Build `cls` from environment variables, reporting every problem together."""
    environ = os.environ if environ is None else environ
    values: dict[str, object] = {}
    problems: list[str] = []
    for field in msgspec.structs.fields(cls):
        name = env_name(field.name)
        raw = environ.get(name)
        if raw is None or raw == "":
            if field.required:
                problems.append(f"{name} is required but not set")
            continue
        try:
            values[field.name] = msgspec.convert(_parse(raw, field.type), field.type, strict=False)
        except msgspec.ValidationError as exc:
            problems.append(f"{name}={raw!r} is invalid: {exc}")
    if problems:
        raise ConfigError(problems)
    try:
        return cls(**values)
    except (TypeError, ValueError) as exc:  # cross-field checks in __post_init__
        raise ConfigError([str(exc)]) from None


def _parse(raw: str, annotation: object) -> object:
    """Lists and dicts come as JSON or comma-separated text; scalars stay strings."""
    origin = getattr(annotation, "__origin__", None)
    if origin in (list, tuple, frozenset, set):
        stripped = raw.strip()
        if stripped.startswith("["):
            return msgspec.json.decode(stripped)
        return [part.strip() for part in stripped.split(",") if part.strip()]
    if origin is dict:
        return msgspec.json.decode(raw)
    return raw


def load_or_exit(cls: type[S], environ: Mapping[str, str] | None = None) -> S:
    """`load` for process entry points: a bad environment ends the process with the
    list of problems on stderr and exit code 2, not a traceback."""
    try:
        return load(cls, environ)
    except ConfigError as exc:
        print(exc, file=sys.stderr, flush=True)
        raise SystemExit(2) from None

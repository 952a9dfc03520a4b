"""Model output is checked on our side, whatever the provider promised."""

from __future__ import annotations

from typing import Any

from jsonschema import Draft202012Validator

from shared.ai.base import AIInvalidOutput
from shared.bodies import decode_json
from shared.errors import AppError

MAX_OUTPUT_BYTES = 4 * 1024 * 1024  # far above any answer the output-token caps allow


def parse_json(text: str | None) -> Any:
    """The model's answer decoded by the same rule as every request body (shared/bodies.py:
    size, UTF-8, nesting depth), its refusal a repairable output error."""
    if not text:
        raise AIInvalidOutput("the model returned no content")
    try:
        return decode_json(text.encode("utf-8", "surrogatepass"), max_bytes=MAX_OUTPUT_BYTES)
    except AppError as exc:
        detail = exc.detail or exc.title
        raise AIInvalidOutput(f"the model returned malformed JSON: {detail}", problems=[detail]) from None


def validated(schema: dict[str, Any], data: Any, *, limit: int = 20) -> Any:
    """`data` if it is valid against `schema`; else `AIInvalidOutput` listing the problems
    with the JSON pointer of each, ready to send back to the model in a repair round."""
    validator = Draft202012Validator(schema, format_checker=Draft202012Validator.FORMAT_CHECKER)
    problems = []
    for error in sorted(validator.iter_errors(data), key=lambda e: list(e.absolute_path))[:limit]:
        pointer = "/" + "/".join(str(part) for part in error.absolute_path)
        problems.append(f"{pointer}: {error.message}")
    if problems:
        raise AIInvalidOutput(f"the output does not match the schema ({len(problems)} problems, first: {problems[0]})",
                              problems=problems)
    return data


def estimate_tokens(text: str) -> int:
    """A rough token count (about four characters a token in English) for offline usage
    figures and for keeping embedding batches inside the API's limits."""
    return max(1, (len(text) + 3) // 4)

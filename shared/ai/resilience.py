"""Retries with jittered backoff inside one time budget, and a circuit breaker that fails
fast while the upstream is down."""

from __future__ import annotations

import asyncio
import random
import time
from collections.abc import Awaitable, Callable
from typing import TypeVar

from shared.ai.base import AIError, AITimeout, AIUnavailable

T = TypeVar("T")


class CircuitBreaker:
    """Closed until `failures` consecutive failures; then open (calls fail at once) for
    `reset_after` seconds; then half-open: one trial call decides between the two."""

    def __init__(self, *, failures: int, reset_after: float, clock: Callable[[], float] = time.monotonic) -> None:
        self.threshold = failures
        self.reset_after = reset_after
        self.clock = clock
        self.consecutive_failures = 0
        self.opened_at: float | None = None
        self._trial_running = False

    @property
    def state(self) -> str:
        if self.opened_at is None:
            return "closed"
        return "half-open" if self.clock() - self.opened_at >= self.reset_after else "open"

    def before_call(self) -> None:
        state = self.state
        if state == "open" or (state == "half-open" and self._trial_running):
            remaining = self.reset_after - (self.clock() - (self.opened_at or 0))
            raise AIUnavailable(f"the AI provider is failing; circuit open for another {max(remaining, 0):.0f}s")
        if state == "half-open":
            self._trial_running = True

    def record_success(self) -> None:
        self.consecutive_failures = 0
        self.opened_at = None
        self._trial_running = False

    def record_failure(self) -> None:
        self.consecutive_failures += 1
        self._trial_running = False
        if self.opened_at is not None or self.consecutive_failures >= self.threshold:
            self.opened_at = self.clock()


class RetryPolicy:
    """Up to `max_retries` more attempts for retryable failures, all within `budget` seconds."""

    def __init__(self, *, max_retries: int, budget: float, base_delay: float = 0.5, max_delay: float = 8.0,
                 sleep: Callable[[float], Awaitable[None]] = asyncio.sleep) -> None:
        self.max_retries = max_retries
        self.budget = budget
        self.base_delay = base_delay
        self.max_delay = max_delay
        self.sleep = sleep

    def backoff(self, attempt: int, retry_after: float | None) -> float:
        if retry_after is not None:
            return retry_after
        # Full jitter: spreads the retries of many clients that failed together.
        return random.uniform(0, min(self.max_delay, self.base_delay * 2**attempt))

    async def run(self, call: Callable[[float], Awaitable[T]], *, breaker: CircuitBreaker,
                  retry_after_of: Callable[[AIError], float | None] = lambda _: None,
                  on_retry: Callable[[AIError, int], None] = lambda *_: None) -> T:
        """`call(remaining_seconds)` until it succeeds, fails finally, or the budget is spent."""
        deadline = time.monotonic() + self.budget
        attempt = 0
        while True:
            breaker.before_call()
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                breaker.record_failure()
                raise AITimeout(f"no answer within the {self.budget:.0f}s budget")
            try:
                result = await call(remaining)
            except AIError as error:
                if not error.retryable:
                    breaker.record_success()  # the upstream answered; the request was the problem
                    raise
                breaker.record_failure()
                if attempt >= self.max_retries:
                    raise
                delay = self.backoff(attempt, retry_after_of(error))
                if time.monotonic() + delay >= deadline:
                    if isinstance(error, AITimeout):
                        raise
                    raise AITimeout(f"gave up after {attempt + 1} attempts within the {self.budget:.0f}s budget: "
                                    f"{error}") from error
                on_retry(error, attempt)
                attempt += 1
                await self.sleep(delay)
                continue
            breaker.record_success()
            return result

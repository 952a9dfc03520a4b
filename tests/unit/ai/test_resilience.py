import pytest

from shared.ai.base import AIQuotaExceeded, AIRateLimited, AITimeout, AIUnavailable
from shared.ai.resilience import CircuitBreaker, RetryPolicy


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def test_the_breaker_opens_after_consecutive_failures_and_closes_after_a_good_trial() -> None:
    clock = Clock()
    breaker = CircuitBreaker(failures=3, reset_after=30, clock=clock)
    for _ in range(2):
        breaker.before_call()
        breaker.record_failure()
    assert breaker.state == "closed"
    breaker.before_call()
    breaker.record_failure()
    assert breaker.state == "open"
    with pytest.raises(AIUnavailable, match="circuit open"):
        breaker.before_call()
    clock.now = 31
    assert breaker.state == "half-open"
    breaker.before_call()  # the one trial call
    with pytest.raises(AIUnavailable):
        breaker.before_call()  # no second call while the trial runs
    breaker.record_success()
    assert breaker.state == "closed"
    breaker.before_call()


def test_a_failed_trial_reopens_the_circuit() -> None:
    clock = Clock()
    breaker = CircuitBreaker(failures=1, reset_after=10, clock=clock)
    breaker.before_call()
    breaker.record_failure()
    clock.now = 11
    breaker.before_call()
    breaker.record_failure()
    assert breaker.state == "open"


async def test_retries_honour_retry_after_and_stop_on_final_errors() -> None:
    slept: list[float] = []

    async def sleep(seconds: float) -> None:
        slept.append(seconds)

    policy = RetryPolicy(max_retries=3, budget=60, sleep=sleep)
    breaker = CircuitBreaker(failures=10, reset_after=30)
    outcomes = [AIRateLimited("slow down", retry_after=1.5), "ok"]

    async def call(remaining: float) -> str:
        outcome = outcomes.pop(0)
        if isinstance(outcome, Exception):
            raise outcome
        return outcome

    assert await policy.run(call, breaker=breaker, retry_after_of=lambda e: e.retry_after) == "ok"
    assert slept == [1.5]

    async def out_of_quota(remaining: float) -> str:
        raise AIQuotaExceeded("no money")

    with pytest.raises(AIQuotaExceeded):
        await policy.run(out_of_quota, breaker=breaker)
    assert slept == [1.5]  # final errors are not retried


async def test_a_retry_that_would_overrun_the_budget_ends_in_a_timeout() -> None:
    async def sleep(seconds: float) -> None:
        raise AssertionError("must not sleep past the budget")

    policy = RetryPolicy(max_retries=5, budget=1, sleep=sleep)

    async def call(remaining: float) -> str:
        raise AIRateLimited("busy", retry_after=30)

    with pytest.raises(AITimeout, match="budget"):
        await policy.run(call, breaker=CircuitBreaker(failures=10, reset_after=1),
                         retry_after_of=lambda e: e.retry_after)

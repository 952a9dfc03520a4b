"""The credit sequence of AI work (shared/ai/metered.py) with a fake billing and a fake
model: a hold settles or releases exactly once, on success, failure and cancellation, and
an invalid answer gets one repair round."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Sequence
from typing import Any

import msgspec
import nats.errors
import pytest

from shared.ai.base import AIInvalidOutput, AITimeout, Embeddings, Generated, ImageDescription, Usage
from shared.ai.metered import (
    REPAIR_TOKENS,
    Hold,
    MeteredCall,
    NotReserved,
    Spent,
    most_tokens,
    repair_problems,
    reserve,
)
from shared.contracts import CommandFailed, CreditsReservation, ReserveCredits
from shared.errors import Invalid, PaymentRequired, Unavailable

TENANT = uuid.uuid4()
HOLD = Hold(tenant_id=TENANT, hold_id=uuid.uuid4(), max_credits=10)


class Reply:
    def __init__(self, data: bytes) -> None:
        self.data = data


class Billing:
    """Answers reservations as billing's NATS responder would (or not at all)."""

    def __init__(self, answer: msgspec.Struct | None) -> None:
        self.answer = answer
        self.asked: list[tuple[str, dict[str, Any]]] = []

    async def request(self, subject: str, data: bytes, timeout: float, headers: dict[str, str]) -> Reply:
        self.asked.append((subject, msgspec.json.decode(data)))
        if self.answer is None:
            raise nats.errors.TimeoutError
        return Reply(msgspec.json.encode(self.answer))


class Model:
    """Answers generate_json from a script: a value, or an exception to raise."""

    def __init__(self, *script: Any, tokens: tuple[int, int] = (1000, 200)) -> None:
        self.script = list(script)
        self.prompts: list[str] = []
        self.tokens = tokens

    async def generate_json(self, *, system: str, prompt: str, schema: dict[str, Any], schema_name: str,
                            max_output_tokens: int = 4096) -> Generated:
        self.prompts.append(prompt)
        step = self.script.pop(0)
        if isinstance(step, BaseException):
            raise step
        if isinstance(step, asyncio.Event):  # a model that never answers until cancelled
            await step.wait()
        return Generated(data=step, usage=Usage(input_tokens=self.tokens[0], output_tokens=self.tokens[1]),
                         model="model-1", provider="offline")

    async def describe_image(self, image: bytes, *, filename: str | None = None) -> ImageDescription:
        return ImageDescription(alt_text="a cat", description="A cat on a mat.", tags=["cat"],
                                usage=Usage(input_tokens=300, output_tokens=40), model="vision-1", provider="offline")

    async def embed(self, texts: Sequence[str]) -> Embeddings:
        return Embeddings(vectors=[[0.0] for _ in texts], usage=Usage(input_tokens=5), model="embed-1",
                          provider="offline")


class Outcome:
    """The caller's two outcome writers, recording what each wrote."""

    def __init__(self, *, settle_fails: BaseException | None = None, settle_takes: float = 0.0,
                 release_fails: BaseException | None = None) -> None:
        self.settled: list[tuple[Any, Spent]] = []
        self.released: list[tuple[BaseException, Spent]] = []
        self.settle_fails, self.settle_takes, self.release_fails = settle_fails, settle_takes, release_fails
        self.settling = asyncio.Event()

    async def settle(self, result: Any, spent: Spent) -> str:
        self.settling.set()
        await asyncio.sleep(self.settle_takes)  # the transaction commits
        if self.settle_fails is not None:
            raise self.settle_fails  # rolled back
        self.settled.append((result, spent))
        return f"saved {result}"

    async def release(self, error: BaseException, spent: Spent) -> None:
        if self.release_fails is not None:
            raise self.release_fails
        self.released.append((error, spent))


def checked_by(model: Model, call: MeteredCall, rule: Any = None) -> Any:
    """An attempt as a use case writes it: ask (the problems appended on a repair), then validate."""
    async def attempt(problems: list[str]) -> Any:
        prompt = "write it" + (f"\nfix: {problems}" if problems else "")
        answer = (await call.generate_json(system="s", prompt=prompt, schema={}, schema_name="x")).data
        if rule is not None:
            rule(answer)
        return answer
    return attempt


def no_html(answer: Any) -> None:
    if "<" in answer:
        raise Invalid("raw HTML is not allowed")


def credits_of(usage: Usage) -> int:
    return (usage.input_tokens + usage.output_tokens + 999) // 1000


# Reserving


async def test_a_hold_is_the_most_the_work_may_cost() -> None:
    billing = Billing(CreditsReservation(hold_id=HOLD.hold_id, status="held", amount=10, available=90))
    command = ReserveCredits(tenant_id=TENANT, amount=10, reference="edit:1", ledger_type="AI_GENERATION",
                             ttl_seconds=60)
    assert await reserve(billing, command) == HOLD
    subject, sent = billing.asked[0]
    assert subject == ReserveCredits.SUBJECT and sent["amount"] == 10 and sent["ttl_seconds"] == 60


async def test_short_of_credits_nothing_is_held_and_the_price_is_said() -> None:
    billing = Billing(CreditsReservation(status="refused", amount=10, available=3))
    with pytest.raises(NotReserved) as refused:
        await reserve(billing, ReserveCredits(tenant_id=TENANT, amount=10, reference="r",
                                              ledger_type="AI_GENERATION"))
    assert refused.value.short and refused.value.reason == "not enough credits (3 available, 10 needed)"
    problem = refused.value.problem("this edit", "top up")
    assert isinstance(problem, PaymentRequired) and problem.extensions == {"price": 10, "available": 3}
    assert problem.detail == "this edit needs up to 10 credits and 3 are available; top up"


@pytest.mark.parametrize("answer", [None, CommandFailed(error="ledger locked")])
async def test_silent_or_failing_billing_holds_nothing_and_answers_503(answer: Any) -> None:
    with pytest.raises(NotReserved) as refused:
        await reserve(Billing(answer), ReserveCredits(tenant_id=TENANT, amount=10,
                                                      reference="r", ledger_type="AI_GENERATION"))
    assert not refused.value.short and refused.value.reason.startswith("billing did not answer")
    assert isinstance(refused.value.problem("this edit"), Unavailable)


def test_the_bound_covers_a_call_and_its_repair_round() -> None:
    assert most_tokens(1000, 500) == 2 * 1000 + REPAIR_TOKENS + 3 * 500


# Settling once


async def test_a_valid_answer_is_settled_once_with_what_it_used() -> None:
    model, outcome = Model("fine"), Outcome()
    call = MeteredCall(model, HOLD, price=credits_of)
    assert await call.run(checked_by(model, call, no_html), settle=outcome.settle,
                          release=outcome.release) == "saved fine"
    assert outcome.released == [] and len(outcome.settled) == 1
    assert outcome.settled[0] == ("fine", Spent(hold_id=HOLD.hold_id, model="model-1", input_tokens=1000,
                                                output_tokens=200, credits=2, repaired=False))
    with pytest.raises(RuntimeError):  # one call, one hold, one outcome
        await call.run(checked_by(model, call), settle=outcome.settle, release=outcome.release)


async def test_an_invalid_answer_gets_one_repair_round_with_its_problems() -> None:
    model, outcome = Model("<b>bold</b>", "plain"), Outcome()
    call = MeteredCall(model, HOLD, price=credits_of)
    await call.run(checked_by(model, call, no_html), settle=outcome.settle, release=outcome.release)
    assert "raw HTML is not allowed" in model.prompts[1] and "fix" not in model.prompts[0]
    (result, spent), = outcome.settled
    assert result == "plain" and spent.repaired and (spent.input_tokens, spent.output_tokens) == (2000, 400)
    assert spent.credits == 3 and outcome.released == []


async def test_the_schema_problems_of_the_provider_go_back_to_the_model() -> None:
    wrong = AIInvalidOutput("no", problems=["/title: required", "/root: not an object"])
    model, outcome = Model(wrong, "ok"), Outcome()
    call = MeteredCall(model, HOLD, price=credits_of)
    await call.run(checked_by(model, call), settle=outcome.settle, release=outcome.release)
    assert "/title: required" in model.prompts[1] and "/root: not an object" in model.prompts[1]
    assert repair_problems(AITimeout("slow")) is None and repair_problems(Invalid("bad")) == ["bad"]


async def test_still_invalid_after_the_repair_round_releases_once_with_the_usage() -> None:
    model, outcome = Model("<i>a</i>", "<i>b</i>", "never asked"), Outcome()
    call = MeteredCall(model, HOLD, price=credits_of)
    with pytest.raises(Invalid, match="raw HTML"):
        await call.run(checked_by(model, call, no_html), settle=outcome.settle, release=outcome.release)
    assert len(model.prompts) == 2 and outcome.settled == []
    (error, spent), = outcome.released
    assert isinstance(error, Invalid) and spent.credits == 0 and spent.repaired and spent.input_tokens == 2000


async def test_a_failure_repair_cannot_help_is_released_without_a_second_call() -> None:
    model, outcome = Model(AITimeout("no answer"), "never asked"), Outcome()
    call = MeteredCall(model, HOLD, price=credits_of)
    with pytest.raises(AITimeout):
        await call.run(checked_by(model, call, no_html), settle=outcome.settle, release=outcome.release)
    assert len(model.prompts) == 1 and outcome.settled == []
    (error, spent), = outcome.released
    assert isinstance(error, AITimeout) and spent.hold_id == HOLD.hold_id and spent.input_tokens == 0


async def test_without_repair_an_invalid_answer_is_released_at_once() -> None:
    model, outcome = Model("<b>x</b>", "fine"), Outcome()
    call = MeteredCall(model, HOLD, price=credits_of)
    with pytest.raises(Invalid):
        await call.run(checked_by(model, call, no_html), settle=outcome.settle, release=outcome.release,
                       repair=False)
    assert len(model.prompts) == 1 and len(outcome.released) == 1 and outcome.settled == []


async def test_the_charge_never_exceeds_the_hold_and_the_writer_keeps_provenance() -> None:
    model, outcome = Model(tokens=(40_000, 9_000)), Outcome()
    call = MeteredCall(model, HOLD, price=credits_of)

    async def describe(_: list[str]) -> str:
        described = await call.describe_image(b"...")
        await call.embed([described.alt_text])
        return described.alt_text

    await call.run(describe, settle=outcome.settle, release=outcome.release, repair=False)
    (_, spent), = outcome.settled
    assert spent.model == "vision-1" and spent.input_tokens == 305  # the embedding counts, the writer is named
    call = MeteredCall(Model("x", tokens=(40_000, 9_000)), HOLD, price=credits_of)
    await call.run(checked_by(call.provider, call), settle=outcome.settle,
                   release=outcome.release)
    assert outcome.settled[-1][1].credits == HOLD.max_credits  # 49 by usage, capped at the 10 held


async def test_an_outcome_that_does_not_commit_is_released_instead() -> None:
    model, outcome = Model("fine"), Outcome(settle_fails=ConnectionError("database gone"))
    call = MeteredCall(model, HOLD, price=credits_of)
    with pytest.raises(ConnectionError):
        await call.run(checked_by(model, call), settle=outcome.settle, release=outcome.release)
    (error, spent), = outcome.released
    assert isinstance(error, ConnectionError) and spent.credits == 0 and outcome.settled == []


async def test_a_release_that_fails_is_logged_and_the_first_error_stands(caplog: pytest.LogCaptureFixture) -> None:
    model, outcome = Model(AITimeout("slow")), Outcome(release_fails=ConnectionError("database gone"))
    call = MeteredCall(model, HOLD, price=credits_of)
    with pytest.raises(AITimeout):
        await call.run(checked_by(model, call), settle=outcome.settle, release=outcome.release)
    assert "could not release hold" in caplog.text and "expires" in caplog.text


# Cancellation


async def test_cancelled_while_the_model_thinks_the_hold_is_released_once() -> None:
    model, outcome = Model(asyncio.Event()), Outcome()
    call = MeteredCall(model, HOLD, price=credits_of)
    task = asyncio.create_task(call.run(checked_by(model, call), settle=outcome.settle, release=outcome.release))
    while not model.prompts:
        await asyncio.sleep(0)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    (error, _), = outcome.released
    assert isinstance(error, asyncio.CancelledError) and outcome.settled == []


async def cancelled_while_settling(outcome: Outcome) -> None:
    """Runs a call whose outcome takes a moment to commit, and cancels it meanwhile."""
    model = Model("fine")
    call = MeteredCall(model, HOLD, price=credits_of)
    task = asyncio.create_task(call.run(checked_by(model, call), settle=outcome.settle, release=outcome.release))
    await outcome.settling.wait()
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task


async def test_cancelled_while_the_outcome_commits_it_stays_captured_and_is_not_released() -> None:
    outcome = Outcome(settle_takes=0.05)
    await cancelled_while_settling(outcome)
    assert len(outcome.settled) == 1 and outcome.released == []  # the commit finished; nothing else was written


async def test_cancelled_while_an_outcome_rolls_back_the_hold_is_released() -> None:
    outcome = Outcome(settle_takes=0.05, settle_fails=ConnectionError("gone"))
    await cancelled_while_settling(outcome)
    (error, _), = outcome.released
    assert isinstance(error, ConnectionError) and outcome.settled == []

"""Metered AI work: the one place the credit sequence is written.

Every AI use case pays the same way. The most the work can cost is reserved from billing
first (`reserve`: a hold, or `NotReserved` when billing is short or silent); the model runs
with one repair round (the caller's validation problems go back to it once); then the hold
is settled exactly once, whatever happens: the caller's `settle` writes its rows and the
success event (billing captures `credits`) in one transaction, or, on any error or
cancellation, its `release` writes the failure and the failure event (billing releases the
hold). A hold nobody settles (the process died) expires in billing.

The module knows nothing of services: what is asked, how it is checked, what is stored and
which event says so stay with the caller."""

from __future__ import annotations

import asyncio
import logging
import uuid
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

from nats.aio.client import Client as NATS
from opentelemetry import trace

from shared.ai.base import AIError, AIProvider, Embeddings, Generated, ImageDescription, Usage
from shared.contracts import ReserveCredits
from shared.errors import AppError, Invalid, PaymentRequired, Unavailable
from shared.messaging import request

log = logging.getLogger("ai.metered")

T = TypeVar("T")
R = TypeVar("R")
C = TypeVar("C", Generated, ImageDescription)

RESERVE_TIMEOUT = 5.0  # seconds billing has to answer a reservation
REPAIR_TOKENS = 1500  # the problems list and instructions of a repair round, at most


def most_tokens(one_input: int, max_output: int) -> int:
    """The most tokens a call and its repair round can use: the repair call carries the
    first call's input, its output and the problems, and answers again."""
    return 2 * one_input + REPAIR_TOKENS + 3 * max_output


@dataclass(frozen=True, kw_only=True)
class Hold:
    """Credits billing set aside for one piece of AI work: the most it may cost."""

    tenant_id: uuid.UUID
    hold_id: uuid.UUID
    max_credits: int


class NotReserved(Exception):
    """Billing set nothing aside: it did not answer (`available` is None), or the tenant has
    fewer than `amount` credits available. Nothing is held, so nothing is to settle."""

    def __init__(self, reason: str, *, amount: int, available: int | None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.amount = amount
        self.available = available

    @property
    def short(self) -> bool:
        return self.available is not None

    def problem(self, what: str, advice: str = "") -> AppError:
        """What a request that asked for this work answers: 402 with the price, or 503."""
        if not self.short:
            return Unavailable("billing did not answer; nothing was charged, try again shortly")
        return PaymentRequired(f"{what} needs up to {self.amount} credits and {self.available} are available"
                               + (f"; {advice}" if advice else ""), price=self.amount, available=self.available)


async def reserve(nc: NATS, command: ReserveCredits) -> Hold:
    """Ask billing to hold `command.amount` credits (request-reply); `NotReserved` when it does not."""
    try:
        answer = await request(nc, command, timeout=RESERVE_TIMEOUT)
    except AppError as exc:
        raise NotReserved(f"billing did not answer: {exc}", amount=command.amount, available=None) from None
    if answer.hold_id is None or answer.status != "held":
        raise NotReserved(f"not enough credits ({answer.available} available, {command.amount} needed)",
                          amount=command.amount, available=answer.available)
    return Hold(tenant_id=command.tenant_id, hold_id=answer.hold_id, max_credits=command.amount)


@dataclass(frozen=True, kw_only=True)
class Spent:
    """What the work used, to store beside its result: the provenance of what the model wrote."""

    hold_id: uuid.UUID
    model: str
    input_tokens: int
    output_tokens: int
    credits: int  # what billing captures from the hold; 0 when it is released
    repaired: bool
    cached_input_tokens: int = 0  # of input_tokens, those the provider had cached


def repair_problems(exc: BaseException) -> list[str] | None:
    """What to send back to the model in a repair round, or None when repair cannot help."""
    if isinstance(exc, Invalid):  # the caller's validation refused the answer
        return [str(exc)]
    if isinstance(exc, AIError) and exc.reason == "invalid-output":
        return exc.problems or [str(exc)]
    return None


Attempt = Callable[[list[str]], Awaitable[T]]  # the problems of the previous try, none the first time
Settle = Callable[[T, Spent], Awaitable[R]]  # writes the caller's rows and the success event, in one transaction
Release = Callable[[BaseException, Spent], Awaitable[None]]  # writes the failure and the failure event, likewise


class MeteredCall:
    """AI work paid from one hold. The model calls go through it (`generate_json`,
    `describe_image`, `embed`), so what they used is counted; `run` tries, repairs once and
    settles or releases the hold exactly once."""

    def __init__(self, provider: AIProvider, hold: Hold, *, price: Callable[[Usage], int]) -> None:
        self.provider = provider
        self.hold = hold
        self.price = price  # credits for a usage; capped at the hold
        self.usage = Usage()
        self.model = ""
        self.repaired = False
        self._ran = False

    async def generate_json(self, *, system: str, prompt: str, schema: dict[str, Any], schema_name: str,
                            max_output_tokens: int = 4096) -> Generated:
        try:
            return self._count(await self.provider.generate_json(system=system, prompt=prompt, schema=schema,
                                                                 schema_name=schema_name,
                                                                 max_output_tokens=max_output_tokens))
        except AIError as error:  # an answer that was invalid still used what it used
            self.usage = self.usage + error.usage
            raise

    async def describe_image(self, image: bytes, *, filename: str | None = None) -> ImageDescription:
        return self._count(await self.provider.describe_image(image, filename=filename))

    async def embed(self, texts: Sequence[str]) -> Embeddings:
        """Counted, but the model that wrote the result stays its provenance, not the embedding model."""
        embeddings = await self.provider.embed(texts)
        self.usage = self.usage + embeddings.usage
        return embeddings

    def spent(self, credits: int = 0) -> Spent:
        return Spent(hold_id=self.hold.hold_id, model=self.model, input_tokens=self.usage.input_tokens,
                     output_tokens=self.usage.output_tokens, credits=credits, repaired=self.repaired,
                     cached_input_tokens=self.usage.cached_input_tokens)

    async def run(self, attempt: Attempt[T], *, settle: Settle[T, R], release: Release, repair: bool = True) -> R:
        """`attempt([])`, and once more with its problems if the model's answer was invalid
        (`repair`); then `settle` with the credits to capture, or `release` on any error or
        cancellation, which is raised again afterwards. Runs once."""
        if self._ran:
            raise RuntimeError("a metered call settles its hold once; make a new one")
        self._ran = True
        try:
            result = await self._attempts(attempt, repair)
            spent = self.spent(min(self.hold.max_credits, self.price(self.usage)))
        except BaseException as error:
            await self._release(release, error)
            raise
        # A cancellation while the outcome commits must not release a hold that was just captured.
        written, cancelled = await _to_the_end(settle(result, spent))
        if (error := _error_of(written)) is not None:  # rolled back: nothing was captured
            await self._release(release, error)
            raise asyncio.CancelledError() if cancelled else error
        trace.get_current_span().set_attributes({"gen_ai.usage.input_tokens": spent.input_tokens,
                                                 "gen_ai.usage.output_tokens": spent.output_tokens,
                                                 "credits": spent.credits})
        if cancelled:
            raise asyncio.CancelledError()
        return written.result()

    async def _attempts(self, attempt: Attempt[T], repair: bool) -> T:
        try:
            return await attempt([])
        except Exception as exc:
            problems = repair_problems(exc) if repair else None
            if problems is None:
                raise
        self.repaired = True
        return await attempt(problems)

    async def _release(self, release: Release, error: BaseException) -> None:
        written, cancelled = await _to_the_end(release(error, self.spent()))
        if (failed := _error_of(written)) is not None:
            log.error("could not release hold %s; billing releases it when it expires", self.hold.hold_id,
                      exc_info=failed)
        if cancelled and not isinstance(error, asyncio.CancelledError):
            raise asyncio.CancelledError()

    def _count(self, result: C) -> C:
        self.usage = self.usage + result.usage
        self.model = result.model
        return result


async def _to_the_end(write: Awaitable[R]) -> tuple[asyncio.Future[R], bool]:
    """Runs `write` to its end even if this task is cancelled meanwhile (a transaction either
    commits or rolls back, and the caller must know which): (its future, whether a
    cancellation came)."""
    task = asyncio.ensure_future(write)
    cancelled = False
    while not task.done():
        try:
            await asyncio.wait({task})
        except asyncio.CancelledError:
            cancelled = True
    return task, cancelled


def _error_of(done: asyncio.Future[R]) -> BaseException | None:
    """What a finished future raised (a cancellation included), or None."""
    return asyncio.CancelledError() if done.cancelled() else done.exception()

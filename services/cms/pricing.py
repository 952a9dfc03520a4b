"""What AI page work costs, before and after: the credits a job reserves are a tight upper
bound computed from the calls it will make (each call's input, counted from the very text
and schema it sends, and the output cap it sends with it, plus the repair calls it may
make), and what it is charged is what the calls used, cached input tokens at their own rate.

A job that does not fit the wallet is made smaller rather than refused: fewer sections,
shorter caps, then no repair round, down to the smallest useful job (a page's opening
section); only a wallet that cannot pay even that is refused, with that price."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Any

from shared.ai import Usage

# The most a section's answer may take, by component: about two and a half times the longest
# the offline writers give for two dozen briefs (bench/briefs), so a full answer is never cut
# while the bound stays within twice the charge. Measured again when the writers change.
SECTION_OUTPUT = {"Hero": 400, "FeatureGrid": 750, "MediaText": 700, "CallToAction": 260, "PricingTable": 450,
                  "PriceList": 600,  # grows with the brief's prices: room for about twenty, a line on each
                  "FAQ": 700, "ContactBlock": 280, "ContactForm": 340, "Gallery": 500, "RichText": 340,
                  "ProductGrid": 160}
DEFAULT_OUTPUT = 800
PLAN_OUTPUT = {"site_plan": 2400, "page_plan": 700}
SMALLEST_CAP_SHARE = 0.6  # a cap is never cut below this share of its default: below, answers get cut
REPAIR_PROBLEMS = 400  # tokens of the problems list a repair call adds
REPAIR_SHARE = 10  # one repair call may be made for every this many section calls (offline needs none)
EXPECTED_OUTPUT_SHARE = 0.6  # of a cap, what an answer typically takes


@dataclass(frozen=True)
class Call:
    """One model call a job will make: what it sends, and the output cap it sends with it."""

    input_tokens: int
    max_output: int
    essential: bool = False  # the job is no use without it (a plan, a page's opening section)
    key: tuple[Any, ...] = ()  # what the call writes, for the caller


@dataclass(frozen=True)
class Job:
    calls: tuple[Call, ...]
    repairs: int

    def tokens(self) -> int:
        """The most tokens the job can use: every call, and its repair calls on the largest
        calls (a repair resends the call's input with its answer and the problems)."""
        repair = sorted((c.input_tokens + 2 * c.max_output + REPAIR_PROBLEMS for c in self.calls), reverse=True)
        return sum(c.input_tokens + c.max_output for c in self.calls) + sum(repair[:self.repairs])

    def expected_tokens(self) -> int:
        return sum(c.input_tokens + math.ceil(c.max_output * EXPECTED_OUTPUT_SHARE) for c in self.calls)


def repairs_for(calls: int) -> int:
    return math.ceil(calls / REPAIR_SHARE)


@dataclass(frozen=True)
class Prices:
    per_1k_tokens: float  # credits per thousand tokens, input or output
    cached_input_share: float  # what a cached input token costs, as a share of an uncached one

    def credits(self, tokens: float) -> int:
        return max(1, math.ceil(round(tokens * self.per_1k_tokens / 1000, 6)))

    def of(self, usage: Usage) -> int:
        """What calls that used `usage` cost: cached input tokens at their share."""
        cached = min(usage.cached_input_tokens, usage.input_tokens)
        return self.credits(usage.input_tokens - cached + cached * self.cached_input_share + usage.output_tokens)

    def bound(self, job: Job) -> int:
        return self.credits(job.tokens())

    def expected(self, job: Job) -> int:
        return self.credits(job.expected_tokens())

    def fit(self, job: Job, available: int) -> Job | None:
        """`job`, or the largest smaller job the wallet can pay: fewer optional calls, then
        shorter caps, then no repair round; None when not even the essential calls fit."""
        calls = list(job.calls)
        while self.bound(Job(tuple(calls), min(job.repairs, repairs_for(len(calls))))) > available:
            optional = [i for i, call in enumerate(calls) if not call.essential]
            if not optional:
                break
            del calls[optional[-1]]
        repairs = min(job.repairs, repairs_for(len(calls)))
        for share, with_repairs in ((1.0, repairs), (0.8, repairs), (SMALLEST_CAP_SHARE, repairs),
                                    (SMALLEST_CAP_SHARE, 0)):
            smaller = Job(tuple(replace(c, max_output=math.ceil(c.max_output * share)) for c in calls), with_repairs)
            if self.bound(smaller) <= available:
                return smaller
        return None

    def smallest(self, job: Job) -> int:
        """The price of the smallest job `job` can shrink to: what a wallet must at least hold."""
        essential = tuple(replace(c, max_output=math.ceil(c.max_output * SMALLEST_CAP_SHARE))
                          for c in job.calls if c.essential)
        return self.bound(Job(essential, 0))


def caps(components: Sequence[str]) -> list[int]:
    return [SECTION_OUTPUT.get(component, DEFAULT_OUTPUT) for component in components]

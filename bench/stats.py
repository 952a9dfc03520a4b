"""Latency percentiles and rates, in the units the tables print."""

from __future__ import annotations

import statistics
from collections.abc import Sequence

import msgspec


class LatencySummary(msgspec.Struct, kw_only=True):
    sent: int
    handled: int  # how many of `sent` arrived, and so have a latency
    p50_ms: float | None
    p99_ms: float | None
    mean_ms: float | None
    max_ms: float | None


def percentile(values: Sequence[float], fraction: float) -> float | None:
    """Linear interpolation between the closest ranks; None for no values."""
    if not values:
        return None
    if len(values) == 1:
        return values[0]
    cuts = statistics.quantiles(values, n=1000, method="inclusive")
    return cuts[round(fraction * 1000) - 1]


def summarize_latencies(seconds: Sequence[float], *, sent: int) -> LatencySummary:
    millis = sorted(value * 1000 for value in seconds)
    return LatencySummary(sent=sent, handled=len(millis),
                          p50_ms=percentile(millis, 0.50), p99_ms=percentile(millis, 0.99),
                          mean_ms=statistics.fmean(millis) if millis else None,
                          max_ms=millis[-1] if millis else None)


class Throughput(msgspec.Struct, kw_only=True):
    """`handled` of `sent` messages arrived within `seconds` of the first send; sending
    alone (commits, or publishes acknowledged) took `send_seconds`."""

    sent: int
    handled: int
    seconds: float
    send_seconds: float

    @property
    def per_second(self) -> float | None:
        return _rate(self.handled, self.seconds)

    @property
    def sent_per_second(self) -> float | None:
        return _rate(self.sent, self.send_seconds)

    def as_dict(self) -> dict[str, float | int | None]:
        return {**msgspec.structs.asdict(self), "per_second": self.per_second,
                "sent_per_second": self.sent_per_second}


def _rate(count: int, seconds: float) -> float | None:
    return count / seconds if count and seconds > 0 else None

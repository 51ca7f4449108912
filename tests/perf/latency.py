"""Latency recording for the journey slot: an HDR histogram in microseconds, 1 us .. 60 s."""

from __future__ import annotations

from hdrh.histogram import HdrHistogram

from tests.perf.core import Metric, Target

PERCENTILES = (50, 90, 99)


def histogram() -> HdrHistogram:
    return HdrHistogram(1, 60_000_000, 3)


def record_seconds(h: HdrHistogram, seconds: float) -> None:
    h.record_value(max(1, int(seconds * 1_000_000)))


def percentile_metrics(name: str, h: HdrHistogram, p99_target_ms: float | None = None,
                       **detail) -> list[Metric]:
    """`<name>.p50` / `.p90` / `.p99` in milliseconds; the target, if any, applies to p99."""
    out = []
    for p in PERCENTILES:
        target = Target("<=", p99_target_ms) if p == 99 and p99_target_ms is not None else None
        out.append(Metric(f"{name}.p{p}", h.get_value_at_percentile(p) / 1000, "ms",
                          target=target, detail={"samples": h.get_total_count(), **detail}))
    return out

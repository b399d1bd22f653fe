"""Small helpers shared by the benchmark sections."""

from __future__ import annotations

import statistics


def percentile(samples: list[float], q: float) -> float:
    """The q-th percentile (0-100) of `samples`, nearest-rank on the sorted list."""
    ordered = sorted(samples)
    index = min(len(ordered) - 1, max(0, round(q / 100 * (len(ordered) - 1))))
    return ordered[index]


def summary_ms(samples_s: list[float]) -> tuple[float, float, float]:
    """(median, p99, mean) in milliseconds."""
    ms = [s * 1000 for s in samples_s]
    return statistics.median(ms), percentile(ms, 99), statistics.fmean(ms)

"""The statistics every benchmark reports, computed one way: the median and the nearest-rank
percentile (the smallest value that at least that share of the samples do not exceed)."""

from __future__ import annotations

import math
import statistics
from collections.abc import Sequence


def median(values: Sequence[float]) -> float:
    """The median of `values` (the mean of the middle two for an even count)."""
    if not values:
        raise ValueError("no samples")
    return statistics.median(values)


def percentile(values: Sequence[float], share: float) -> float:
    """The nearest-rank percentile: the ⌈share·n⌉-th smallest of the n `values` (0 < share ≤ 1)."""
    if not values:
        raise ValueError("no samples")
    if not 0 < share <= 1:
        raise ValueError(f"share {share} is not in (0, 1]")
    ordered = sorted(values)
    rank = math.ceil(round(share * len(ordered), 9))  # 0.07 × 100 is 7.000000000000001
    return ordered[max(0, rank - 1)]


def p99(values: Sequence[float]) -> float:
    """The 99th percentile (nearest rank) of `values`."""
    return percentile(values, 0.99)

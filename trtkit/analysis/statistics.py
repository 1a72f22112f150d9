"""Statistics of timing samples: the figures trtexec reports, plus a confidence interval of the median."""

from __future__ import annotations

import math
from collections.abc import Sequence

from trtkit.plan.model import Statistic

DEFAULT_PERCENTILES = (90.0, 95.0, 99.0)


def percentile(sorted_values: Sequence[float], percent: float) -> float:
    """The percent-th percentile by linear interpolation between closest ranks (numpy's default method)."""
    if not sorted_values:
        raise ValueError("no values")
    position = (len(sorted_values) - 1) * percent / 100.0
    lower = math.floor(position)
    upper = min(lower + 1, len(sorted_values) - 1)
    fraction = position - lower
    return sorted_values[lower] + (sorted_values[upper] - sorted_values[lower]) * fraction


def describe(values: Sequence[float], percentiles: Sequence[float] = DEFAULT_PERCENTILES) -> Statistic:
    """min/max/mean/median/percentiles and coefficient of variation (population std / mean, in %)."""
    if not values:
        raise ValueError("no values to describe")
    ordered = sorted(values)
    count = len(ordered)
    mean = math.fsum(ordered) / count
    variance = math.fsum((value - mean) ** 2 for value in ordered) / count
    return Statistic(
        min=ordered[0], max=ordered[-1], mean=mean, median=percentile(ordered, 50.0),
        percentiles={float(p): percentile(ordered, p) for p in percentiles},
        cv_percent=100.0 * math.sqrt(variance) / mean if mean else None,
    )


def median_confidence_interval(values: Sequence[float], confidence: float = 0.95) -> tuple[float, float]:
    """Distribution-free interval of the median from order statistics (binomial, normal approximation)."""
    ordered = sorted(values)
    count = len(ordered)
    if count < 3:
        return ordered[0], ordered[-1]
    z = _z_score(confidence)
    half_width = z * math.sqrt(count) / 2.0
    low = max(0, math.floor(count / 2.0 - half_width) - 1)
    high = min(count - 1, math.ceil(count / 2.0 + half_width))
    return ordered[low], ordered[high]


def _z_score(confidence: float) -> float:
    # the two-sided normal quantile, by bisection on erf (no SciPy needed)
    target = confidence
    low, high = 0.0, 10.0
    for _ in range(80):
        middle = (low + high) / 2.0
        if math.erf(middle / math.sqrt(2.0)) < target:
            low = middle
        else:
            high = middle
    return (low + high) / 2.0

"""Statistics of timing samples: the figures trtexec reports, plus a confidence interval of the median."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from trtkit.plan.model import Statistic

DEFAULT_PERCENTILES = (90.0, 95.0, 99.0)


@dataclass(slots=True)
class MeasuredStatistic(Statistic):
    """A figure trtkit measured itself: the statistic, in ms, and the confidence interval of its median."""

    median_ci_ms: tuple[float, float] | None = None


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


def timing_warnings(figures: dict[str, Statistic], transfers: bool, cuda_graph: bool) -> list[str]:
    """trtexec's warnings about a measurement, each with the figure that triggered it. `figures` holds
    `compute`, `enqueue` and, with transfers, `h2d` and `d2h` statistics in ms."""
    warnings = []
    compute, enqueue = figures["compute"], figures.get("enqueue")
    if compute.cv_percent is not None and compute.cv_percent > 1.0:
        warnings.append(f"GPU compute time varies: coefficient of variation {compute.cv_percent:.2f}% (above 1%); "
                        "lock the GPU clocks (nvidia-smi -lgc) and keep other work off the GPU")
    if enqueue is not None and enqueue.median is not None and compute.median is not None \
            and enqueue.median > compute.median:
        remedy = "use more streams" if cuda_graph else "turn on CUDA graphs (profile.cuda_graph) or use more streams"
        warnings.append(f"throughput is bound by the host: median enqueue time {enqueue.median:.4f} ms exceeds median "
                        f"GPU compute time {compute.median:.4f} ms; {remedy}")
    h2d, d2h = figures.get("h2d"), figures.get("d2h")
    if transfers and h2d is not None and d2h is not None and h2d.median is not None and d2h.median is not None:
        copies = h2d.median + d2h.median
        if compute.median is not None and copies > compute.median:
            warnings.append(f"the copies dominate: median host-to-device plus device-to-host {copies:.4f} ms exceeds "
                            f"median GPU compute time {compute.median:.4f} ms; measure without transfers "
                            "(profile.transfers: false) to see the engine alone")
    return warnings

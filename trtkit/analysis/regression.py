"""The regression gate: is the current engine slower than the baseline beyond a threshold, and beyond the noise?

With per-iteration timings on both sides, the relative change of a statistic (median, p99, mean) gets a
bootstrap confidence interval, and a change is a regression only when it exceeds the threshold and its
interval excludes zero. With summary figures only, there is no noise estimate: the threshold alone decides,
and the verdict says so.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from trtkit.analysis.summary import engine_throughput_qps
from trtkit.plan.model import EnginePlan

NO_DATA = "no data"
NOT_COMPARABLE = "not comparable"  # the engines were measured on different workloads (batch, shapes, profile)
BOOTSTRAP_SAMPLES = 1000


@dataclass
class MetricVerdict:
    metric: str
    baseline: float | None
    current: float | None
    change_percent: float | None  # current against baseline, signed: +100 a doubled latency, -50 a halved throughput
    interval_percent: tuple[float, float] | None  # confidence interval of the change, when there is one
    verdict: str  # regression | improvement | no significant change | within tolerance | no data
    evidence: str


@dataclass
class GateResult:
    max_regression_percent: float
    confidence: float
    metrics: list[MetricVerdict] = field(default_factory=list)
    layers: list[dict] = field(default_factory=list)  # per-layer regressions when asked for
    allow_missing_data: bool = False  # a gated metric without figures passes instead of failing
    layers_without_data: bool = False  # the per-layer gate was asked for and no aligned layer has times on both sides
    # the per-layer gate judges aligned layers only: the current engine's timed layers it could not judge (no
    # baseline layer aligned with them, or no time on the aligned one), and their summed latency
    layers_not_gated: list[str] = field(default_factory=list)
    layers_not_gated_ms: float | None = None
    # why the two measurements' figures do not compare ("measured on different workloads: batch 32 (baseline), 1
    # (current)"): the gate fails, whatever the figures say
    not_comparable: list[str] = field(default_factory=list)

    @property
    def regressed(self) -> bool:
        return any(metric.verdict == "regression" for metric in self.metrics) or bool(self.layers)

    @property
    def missing_data(self) -> list[str]:
        """The gated metrics (and "per-layer") that had nothing to compare."""
        missing = [metric.metric for metric in self.metrics if metric.verdict == NO_DATA]
        return missing + (["per-layer"] if self.layers_without_data else [])

    @property
    def verdict(self) -> str:
        """not comparable (measured on different workloads), regression, no data (a gate with nothing to compare
        fails unless allowed), or no regression."""
        if self.not_comparable:
            return NOT_COMPARABLE
        if self.regressed:
            return "regression"
        if self.missing_data and not self.allow_missing_data:
            return NO_DATA
        return "no regression"

    @property
    def failed(self) -> bool:
        return self.verdict != "no regression"


def _statistic(values, metric: str, axis=None):
    import numpy as np

    if metric == "median":
        return np.median(values, axis=axis)
    if metric in ("mean", "throughput"):
        return np.mean(values, axis=axis)
    return np.percentile(values, float(metric[1:]), axis=axis)


def bootstrap_change(baseline: list[float], current: list[float], metric: str, confidence: float,
                     samples: int = BOOTSTRAP_SAMPLES, seed: int = 0) -> tuple[float, float, float]:
    """Relative change in percent of `metric` of the latencies (positive = slower), with its bootstrap
    confidence interval; "throughput" is computed on the mean latency (see `_as_throughput`)."""
    import numpy as np

    rng = np.random.default_rng(seed)
    base, cur = np.asarray(baseline, dtype=np.float64), np.asarray(current, dtype=np.float64)

    def resampled(values):
        out = np.empty(samples)
        for start in range(0, samples, 100):  # chunks keep memory at 100 x n
            count = min(100, samples - start)
            picks = values[rng.integers(0, len(values), size=(count, len(values)))]
            out[start:start + count] = _statistic(picks, metric, axis=1)
        return out

    def change(base_value, cur_value):
        return 100.0 * (cur_value / base_value - 1.0)

    estimate = float(change(_statistic(base, metric), _statistic(cur, metric)))
    distribution = change(resampled(base), resampled(cur))
    tail = (1.0 - confidence) / 2.0
    low, high = np.quantile(distribution, [tail, 1.0 - tail])
    return estimate, float(low), float(high)


def _verdict(metric: str, change: float, interval: tuple[float, float] | None, threshold: float) -> str:
    """The verdict of a signed change: worse is a higher latency, a lower throughput."""
    if metric == "throughput":  # judged as the loss it is
        change = -change
        interval = None if interval is None else (-interval[1], -interval[0])
    if interval is None:
        if change > threshold:
            return "regression"
        return "improvement" if change < -threshold else "within tolerance"
    low, high = interval
    if low <= 0.0 <= high:
        return "no significant change"
    if high < 0.0:
        return "improvement"
    return "regression" if change > threshold else "within tolerance"


def _summary_value(plan: EnginePlan, metric: str) -> float | None:
    if metric == "throughput":
        return engine_throughput_qps(plan)
    performance = plan.performance
    if performance is None:
        return None
    statistic = performance.latency or performance.gpu_compute_time
    if statistic is None:
        return None
    if metric in ("median", "mean"):
        return getattr(statistic, metric)
    return statistic.percentiles.get(float(metric[1:]))


# "data transfers" is what the latency holds: host-to-device and back copies, or the GPU's compute alone
_WORKLOAD_KEYS = {"batch": "batch", "input inference shape": "input shapes", "input inference shapes": "input shapes",
                  "optimization profile index": "optimization profile", "optimization profile": "optimization profile",
                  "data transfers": "data transfers"}


def measured_workload(plan: EnginePlan) -> dict[str, str]:
    """What the engine's latency was measured on, as its profile records it (trtexec's or trtkit's inference
    options): batch (implicit-batch engines), input shapes, optimization profile, whether the latency includes
    data transfers; only what is recorded."""
    workload: dict[str, str] = {}
    for key, value in plan.inference_options.items():
        name = _WORKLOAD_KEYS.get(" ".join(key.lower().split()))
        text = " ".join(str(value).split())
        # "Explicit" batch and the model's own shapes say nothing about the figure measured
        if name is not None and text and text.lower() not in ("explicit", "model"):
            workload[name] = text
    return workload


def _shape_dims(text: str) -> list[str]:
    """The dims of an "input=1x3x224x224, mask=1x128" list, in order: two exports of one model name inputs
    differently (tensor-0, x) and still measure the same shapes."""
    return [part.split("=", 1)[-1].strip() for part in text.split(",") if part.strip()]


def workload_mismatch(baseline: EnginePlan, current: EnginePlan) -> list[str]:
    """How the two measurements' workloads differ, where both record it: a batch of 32 against a batch of 1 is
    no regression and no improvement."""
    base, cur = measured_workload(baseline), measured_workload(current)
    differences = []
    for name in sorted(base.keys() & cur.keys()):
        same = _shape_dims(base[name]) == _shape_dims(cur[name]) if name == "input shapes" else base[name] == cur[name]
        if not same:
            differences.append(f"{name} {base[name]} (baseline), {cur[name]} (current)")
    return differences


def not_comparable(baseline: EnginePlan, current: EnginePlan) -> list[str]:
    """Why the gate cannot judge `current` against `baseline`: the two were measured on different workloads."""
    mismatch = workload_mismatch(baseline, current)
    return ["measured on different workloads: " + "; ".join(mismatch)] if mismatch else []


def gate(baseline: EnginePlan, current: EnginePlan, metrics: list[str], max_regression: float,
         confidence: float = 0.95, allow_missing_data: bool = False) -> GateResult:
    """A verdict per metric; `max_regression` in percent. A metric with no figure on either side is "no data",
    which fails the gate unless `allow_missing_data`; engines measured on different workloads (batch, input
    shapes, optimization profile) are "not comparable", which fails it."""
    result = _gate(baseline, current, metrics, max_regression, confidence, allow_missing_data)
    result.not_comparable = not_comparable(baseline, current)
    if result.not_comparable:
        evidence = "; ".join(result.not_comparable)
        for metric in result.metrics:
            if metric.verdict != NO_DATA:
                metric.verdict, metric.evidence = NOT_COMPARABLE, evidence
    return result


def _gate(baseline: EnginePlan, current: EnginePlan, metrics: list[str], max_regression: float,
          confidence: float, allow_missing_data: bool) -> GateResult:
    result = GateResult(max_regression, confidence, allow_missing_data=allow_missing_data)
    base_value: float | None  # always known from per-iteration times; maybe missing from a performance summary
    cur_value: float | None
    base_times, cur_times = baseline.iteration_times, current.iteration_times
    for metric in metrics:
        if base_times is not None and cur_times is not None and len(base_times) > 1 and len(cur_times) > 1:
            zero = next((side for side, times in (("baseline", base_times), ("current", cur_times))
                         if min(times.latency_ms) <= 0), None)
            if zero is not None:  # a latency of 0 ms is no measurement; every change against it is infinite
                result.metrics.append(MetricVerdict(metric, None, None, None, None, NO_DATA,
                                                    f"the {zero} engine's per-iteration times hold a latency of 0"))
                continue
            change, low, high = bootstrap_change(base_times.latency_ms, cur_times.latency_ms, metric, confidence)
            base_value = _point(base_times.latency_ms, metric)
            cur_value = _point(cur_times.latency_ms, metric)
            if metric == "throughput":
                # the engines' own figures (as their tables show them), with the spread the bootstrap of the mean
                # latency gives their ratio: throughput ~ 1 / mean latency
                base_value, cur_value = engine_throughput_qps(baseline), engine_throughput_qps(current)
                assert base_value and cur_value  # known from the per-iteration times at least
                ratio, sampled = cur_value / base_value, _throughput_ratio(change)
                low, high = sorted(100.0 * (ratio * _throughput_ratio(value) / sampled - 1.0) for value in (low, high))
                change = 100.0 * (ratio - 1.0)
            evidence = (f"per-iteration times ({len(base_times)} and {len(cur_times)} iterations), "
                        f"bootstrap {confidence:.0%} interval")
            result.metrics.append(MetricVerdict(metric, base_value, cur_value, change, (low, high),
                                                _verdict(metric, change, (low, high), max_regression), evidence))
            continue
        base_value, cur_value = _summary_value(baseline, metric), _summary_value(current, metric)
        if base_value is None or cur_value is None or base_value <= 0 or cur_value <= 0:
            missing = "baseline" if base_value is None else "current"
            side = "baseline" if base_value is not None and base_value <= 0 else "current"
            reason = (f"the {missing} engine has no {metric} figure" if base_value is None or cur_value is None
                      else f"the {side}'s {metric} is not positive (a corrupt or edited profile)")
            result.metrics.append(MetricVerdict(metric, base_value, cur_value, None, None, NO_DATA, reason))
            continue
        change = 100.0 * (cur_value / base_value - 1.0)
        result.metrics.append(MetricVerdict(metric, base_value, cur_value, change, None,
                                            _verdict(metric, change, None, max_regression),
                                            "performance summary only: no per-iteration times, no noise estimate"))
    return result


def _point(values: list[float], metric: str) -> float:
    return float(_statistic(values, "mean" if metric == "throughput" else metric))


def _throughput_ratio(latency_change: float) -> float:
    # the bootstrap ran on mean latency; throughput ~ 1/mean: a latency change of c% is a throughput ratio 1/(1 + c%)
    return 1.0 / (1.0 + latency_change / 100.0)

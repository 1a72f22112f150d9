"""Output accuracy between a reference and a candidate: error metrics per output and a pass/fail verdict
with tolerances that fit the candidate's precision (an FP16 engine is not judged at FP32 tolerances)."""

from __future__ import annotations

import math
from dataclasses import dataclass, field

# Defaults per candidate precision: element-wise |c - r| <= atol + rtol * |r| (numpy's allclose), and a
# minimum cosine similarity. FP32 across backends differs by accumulation order, not by 1e-8. 8- and 4-bit
# quantization is judged mostly by cosine similarity: its per-element bound only catches gross errors (an
# INT8 PTQ of the example encoder, LayerNorm outputs around +-2, has max errors near 0.3 at cosine 0.997).
DEFAULT_TOLERANCES = {
    "fp32": {"atol": 1e-4, "rtol": 1e-3, "min_cosine": 0.99999},
    "tf32": {"atol": 1e-3, "rtol": 1e-2, "min_cosine": 0.9999},
    "fp16": {"atol": 1e-2, "rtol": 1e-2, "min_cosine": 0.999},
    "bf16": {"atol": 5e-2, "rtol": 5e-2, "min_cosine": 0.995},
    "int8": {"atol": 0.5, "rtol": 0.1, "min_cosine": 0.99},
    "fp8": {"atol": 0.5, "rtol": 0.1, "min_cosine": 0.99},
    "int4": {"atol": 1.0, "rtol": 0.2, "min_cosine": 0.98},
}
HISTOGRAM_EDGES = (0.0, 1e-6, 1e-5, 1e-4, 1e-3, 1e-2, 1e-1, 1.0)


@dataclass
class Tolerance:
    atol: float
    rtol: float
    min_cosine: float | None
    source: str  # where it came from: a default for the precision, or the config key


@dataclass
class OutputMetrics:
    name: str
    shape: tuple[int, ...]
    dtype: str
    max_abs: float
    mean_abs: float
    median_abs: float
    p99_abs: float
    max_rel: float
    mean_rel: float
    median_rel: float
    p99_rel: float
    cosine: float
    snr_db: float
    psnr_db: float
    nan_reference: int
    nan_candidate: int
    inf_reference: int
    inf_candidate: int
    outside_tolerance: int
    histogram: dict[str, int] = field(default_factory=dict)
    tolerance: Tolerance | None = None
    passed: bool = False
    reasons: list[str] = field(default_factory=list)


def resolve_tolerance(output: str, dtype: str, precision: str, configured: dict) -> Tolerance:
    """The tolerance of one output: the config's entry for the output name, else for its data type or the
    candidate precision, else '*', layered over the precision's defaults."""
    base = dict(DEFAULT_TOLERANCES.get(precision, DEFAULT_TOLERANCES["fp32"]))
    source = f"default for {precision}"
    for key in ("*", precision, dtype, output):
        entry = configured.get(key)
        if entry is None:
            continue
        for name in ("atol", "rtol", "min_cosine"):
            value = getattr(entry, name)
            if value is not None:
                base[name] = value
        source = f"compare.tolerances[{key!r}]"
    return Tolerance(base["atol"], base["rtol"], base["min_cosine"], source)


def compare_arrays(name: str, reference, candidate, tolerance: Tolerance) -> OutputMetrics:
    import numpy as np

    reference, candidate = np.asarray(reference), np.asarray(candidate)
    if reference.shape != candidate.shape:
        metrics = _empty(name, reference)
        metrics.reasons.append(f"shape {candidate.shape} differs from the reference's {reference.shape}")
        return metrics
    ref = reference.astype(np.float64).ravel()
    cand = candidate.astype(np.float64).ravel()
    finite = np.isfinite(ref) & np.isfinite(cand)
    all_finite = bool(finite.all())
    if not all_finite:  # the copies and NaN/Inf counts only where needed: layer-wise comparison calls this a lot
        ref_finite, cand_finite = ref[finite], cand[finite]
    else:
        ref_finite, cand_finite = ref, cand
    difference = cand_finite - ref_finite
    abs_error = np.abs(difference)
    magnitude = np.abs(ref_finite)
    with np.errstate(over="ignore"):  # an error where the reference is 0 is relatively infinite
        rel_error = abs_error / np.maximum(magnitude, np.finfo(np.float64).tiny)
    noise = float(np.dot(difference, difference))
    signal = float(np.dot(ref_finite, ref_finite))
    norms = math.sqrt(signal * float(np.dot(cand_finite, cand_finite)))
    rmse = math.sqrt(noise / abs_error.size) if abs_error.size else 0.0
    peak = float(np.max(magnitude)) if abs_error.size else 0.0
    outside = int(np.count_nonzero(abs_error > tolerance.atol + tolerance.rtol * magnitude))
    # bins [edge_i, edge_i+1) as np.histogram counts them, without its sort of the whole array
    counts = np.bincount(np.searchsorted(HISTOGRAM_EDGES, abs_error, side="right") - 1,
                         minlength=len(HISTOGRAM_EDGES))
    labels = [f"<{edge:g}" for edge in HISTOGRAM_EDGES[1:]] + [f">={HISTOGRAM_EDGES[-1]:g}"]

    def stat(values, function):
        with np.errstate(over="ignore"):  # the mean of relative errors that are infinite
            return float(function(values)) if values.size else 0.0

    def quantiles(values):  # median and p99 from one partition
        if not values.size:
            return [0.0, 0.0]
        with np.errstate(invalid="ignore"):  # inf - inf interpolating between infinite relative errors
            return [float(value) for value in np.percentile(values, [50, 99])]

    (median_abs, p99_abs), (median_rel, p99_rel) = quantiles(abs_error), quantiles(rel_error)
    metrics = OutputMetrics(
        name=name, shape=tuple(reference.shape), dtype=str(candidate.dtype),
        max_abs=stat(abs_error, np.max), mean_abs=stat(abs_error, np.mean), median_abs=median_abs, p99_abs=p99_abs,
        max_rel=stat(rel_error, np.max), mean_rel=stat(rel_error, np.mean), median_rel=median_rel, p99_rel=p99_rel,
        cosine=float(np.dot(ref_finite, cand_finite) / norms) if norms else (1.0 if noise == 0 else 0.0),
        snr_db=10 * math.log10(signal / noise) if noise else math.inf,
        psnr_db=20 * math.log10(peak / rmse) if rmse and peak else math.inf,
        nan_reference=0 if all_finite else int(np.isnan(ref).sum()),
        nan_candidate=0 if all_finite else int(np.isnan(cand).sum()),
        inf_reference=0 if all_finite else int(np.isinf(ref).sum()),
        inf_candidate=0 if all_finite else int(np.isinf(cand).sum()),
        outside_tolerance=outside, histogram=dict(zip(labels, (int(count) for count in counts), strict=True)),
        tolerance=tolerance,
    )
    if outside:
        metrics.reasons.append(f"{outside} of {abs_error.size} elements exceed atol {tolerance.atol:g} + rtol "
                               f"{tolerance.rtol:g} x |reference| (max abs error {metrics.max_abs:.3g})")
    if tolerance.min_cosine is not None and metrics.cosine < tolerance.min_cosine:
        metrics.reasons.append(f"cosine similarity {metrics.cosine:.6f} below {tolerance.min_cosine:g}")
    new_nan = 0 if all_finite else int(np.sum(np.isnan(cand) & ~np.isnan(ref)))
    new_inf = 0 if all_finite else int(np.sum(np.isinf(cand) & ~np.isinf(ref)))
    if new_nan or new_inf:
        metrics.reasons.append(f"{new_nan} NaN and {new_inf} Inf values where the reference is finite")
    # the metrics above skip non-finite elements: a reference NaN or Inf the candidate does not reproduce (a finite
    # value, the other infinity) would otherwise pass on the elements left
    with np.errstate(invalid="ignore"):
        unmatched = 0 if all_finite else int(np.sum(~np.isfinite(ref) & ~np.isnan(cand) & (ref != cand)))
    if unmatched:
        metrics.reasons.append(f"{unmatched} elements where the reference is NaN or Inf and the candidate differs")
    metrics.passed = not metrics.reasons
    return metrics


def _empty(name: str, reference) -> OutputMetrics:
    nan = math.nan
    return OutputMetrics(name, tuple(reference.shape), str(reference.dtype), nan, nan, nan, nan, nan, nan, nan, nan,
                         nan, nan, nan, 0, 0, 0, 0, 0)

"""Output accuracy between a reference and a candidate: error metrics per output and a pass/fail verdict
with tolerances that fit the candidate's precision (an FP16 engine is not judged at FP32 tolerances)."""

from __future__ import annotations

import math
from dataclasses import dataclass, field

# Defaults per candidate precision. An element passes when |c - r| <= atol + rtol * |r| + range_tol * span(r), span
# being the reference output's range (max - min, or its peak |r| when larger: an output around an offset): numpy's
# allclose plus a bound relative to the output's scale. FP32 across backends differs by accumulation order, not by
# 1e-8. FP16/BF16 are judged against the output's range, not element by element: a rounding step is relative to each
# value, so logits near 84 carry 0.03 of FP16 output rounding alone, which no fixed atol separates from a broken
# conversion; with it the cosine similarity and the SNR must hold too. Measured in the faithful reference runner:
# healthy FP16 conversions of the full example ResNet-18 and encoder stay within 0.0005 of the range at SNR 61 dB and
# more, a planted `+ 300 - 300` in the ResNet reaches 0.0059 at 39 dB; BF16 (8x FP16's rounding step, 18 dB less) is
# bounded 8x wider (healthy: 0.0034, 44 dB; planted: 0.031, 23 dB). 8- and 4-bit quantization is judged mostly by
# cosine similarity: its per-element bound only catches gross errors (an INT8 PTQ of the example encoder, LayerNorm
# outputs around +-2, has max errors near 0.3 at cosine 0.997).
DEFAULT_TOLERANCES: dict[str, dict[str, float | None]] = {
    "fp32": {"atol": 1e-4, "rtol": 1e-3, "range_tol": 0.0, "min_cosine": 0.99999, "min_snr_db": None},
    "tf32": {"atol": 1e-3, "rtol": 1e-2, "range_tol": 0.0, "min_cosine": 0.9999, "min_snr_db": None},
    "fp16": {"atol": 0.0, "rtol": 0.0, "range_tol": 0.002, "min_cosine": 0.9999, "min_snr_db": 45.0},
    "bf16": {"atol": 0.0, "rtol": 0.0, "range_tol": 0.016, "min_cosine": 0.999, "min_snr_db": 27.0},
    "int8": {"atol": 0.5, "rtol": 0.1, "range_tol": 0.0, "min_cosine": 0.99, "min_snr_db": None},
    "fp8": {"atol": 0.5, "rtol": 0.1, "range_tol": 0.0, "min_cosine": 0.99, "min_snr_db": None},
    "int4": {"atol": 1.0, "rtol": 0.2, "range_tol": 0.0, "min_cosine": 0.98, "min_snr_db": None},
}
ELEMENT_BOUND = ("atol", "rtol", "range_tol")
HISTOGRAM_EDGES = (0.0, 1e-6, 1e-5, 1e-4, 1e-3, 1e-2, 1e-1, 1.0)


@dataclass
class Tolerance:
    atol: float
    rtol: float
    min_cosine: float | None
    source: str  # where it came from: a default for the precision, or the config key
    range_tol: float = 0.0  # a fraction of the reference output's range added to each element's bound
    min_snr_db: float | None = None

    def describe(self) -> str:
        """The limits that apply, as a user reads them: `atol 0.0001, rtol 0.001, min cosine 0.99999`."""
        parts = [f"{name} {value:g}" for name, value in (("atol", self.atol), ("rtol", self.rtol),
                                                         ("range tol", self.range_tol)) if value]
        parts += [f"{name} {value:g}" for name, value in (("min cosine", self.min_cosine),
                                                          ("min SNR dB", self.min_snr_db)) if value is not None]
        return ", ".join(parts) or "exact"


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
    range_error: float  # max abs error as a fraction of the reference's range
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
    # elements NaN or Inf on one side only (or opposite infinities): their error is not a number, so every error
    # figure above (max abs, cosine, SNR, ...) is unknown (NaN, null in JSON, — in tables), never the finite rest's
    unknown_errors: int = 0
    tolerance: Tolerance | None = None
    passed: bool = False
    reasons: list[str] = field(default_factory=list)


def resolve_tolerance(output: str, dtype: str, precision: str, configured: dict) -> Tolerance:
    """The tolerance of one output: the config's entry for the output name, else for its data type or the
    candidate precision, else '*', layered over the precision's defaults (the element-wise bound as a whole)."""
    base = dict(DEFAULT_TOLERANCES.get(precision, DEFAULT_TOLERANCES["fp32"]))
    source = f"default for {precision}"
    for key in ("*", precision, dtype, output):
        entry = configured.get(key)
        if entry is None:
            continue
        if any(getattr(entry, name) is not None for name in ELEMENT_BOUND):
            # atol, rtol and range_tol make one bound: an entry setting any replaces it (`atol: 0` is exact)
            base.update(dict.fromkeys(ELEMENT_BOUND, 0.0))
        for name in ("atol", "rtol", "range_tol", "min_cosine", "min_snr_db"):
            value = getattr(entry, name)
            if value is not None:
                base[name] = value
        source = f"compare.tolerances[{key!r}]"
    return Tolerance(float(base["atol"] or 0.0), float(base["rtol"] or 0.0), base["min_cosine"], source,
                     range_tol=float(base["range_tol"] or 0.0), min_snr_db=base["min_snr_db"])


def compare_arrays(name: str, reference, candidate, tolerance: Tolerance) -> OutputMetrics:
    import numpy as np

    reference, candidate = np.asarray(reference), np.asarray(candidate)
    if reference.shape != candidate.shape:
        metrics = _empty(name, reference)
        metrics.reasons.append(f"shape {candidate.shape} differs from the reference's {reference.shape}")
        return metrics
    kinds = {_kind(reference.dtype), _kind(candidate.dtype)}
    if len(kinds) > 1:  # an int64 index or a bool mask that became float is another interface, whatever its values
        metrics = compare_arrays(name, reference.astype(np.float64), candidate.astype(np.float64), tolerance)
        metrics.reasons.insert(0, f"dtype {candidate.dtype} differs from the reference's {reference.dtype} "
                                  f"({_kind(candidate.dtype)} against {_kind(reference.dtype)})")
        metrics.passed = False
        return metrics
    if kinds != {"float"} and tolerance.source.startswith("default"):
        # indices, token ids, counts and masks have no rounding to tolerate: rtol 0.001 let token id 150000 pass
        # for 149900, and cosine says nothing about them; the config may still set a tolerance for them
        tolerance = Tolerance(0.0, 0.0, None, f"{kinds.pop()} outputs are compared exactly")
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
    # the range, or the peak magnitude when larger (an output around an offset: FP16 rounds relative to it)
    span = max(float(np.max(ref_finite) - np.min(ref_finite)), peak) if abs_error.size else 0.0
    bound = tolerance.atol + tolerance.range_tol * span
    outside = int(np.count_nonzero(abs_error > (bound + tolerance.rtol * magnitude if tolerance.rtol else bound)))
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
        max_rel=stat(rel_error, np.max),
        range_error=(stat(abs_error, np.max) / span if span else (0.0 if not noise else math.inf)),
        mean_rel=stat(rel_error, np.mean), median_rel=median_rel, p99_rel=p99_rel,
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
        terms = [f"atol {tolerance.atol:g}"] if tolerance.atol or not (tolerance.rtol or tolerance.range_tol) else []
        terms += [f"rtol {tolerance.rtol:g} x |reference|"] if tolerance.rtol else []
        terms += [f"range tol {tolerance.range_tol:g} x range {span:.3g}"] if tolerance.range_tol else []
        compared = "elements" if all_finite else "elements finite in both"
        metrics.reasons.append(f"{outside} of {abs_error.size} {compared} exceed {' + '.join(terms)} "
                               f"(max abs error {metrics.max_abs:.3g})")
    if tolerance.min_cosine is not None and metrics.cosine < tolerance.min_cosine:
        metrics.reasons.append(f"cosine similarity {metrics.cosine:.6f} below {tolerance.min_cosine:g}")
    if tolerance.min_snr_db is not None and metrics.snr_db < tolerance.min_snr_db:
        metrics.reasons.append(f"SNR {metrics.snr_db:.1f} dB below {tolerance.min_snr_db:g} dB")
    if not all_finite:
        with np.errstate(invalid="ignore"):  # NaN in both, or the same infinity in both, is an agreement
            agreeing = (np.isnan(ref) & np.isnan(cand)) | (ref == cand)
        metrics.unknown_errors = int(np.count_nonzero(~finite & ~agreeing))
        new_nan = int(np.count_nonzero(np.isnan(cand) & np.isfinite(ref)))
        new_inf = int(np.count_nonzero(np.isinf(cand) & np.isfinite(ref)))
        if new_nan or new_inf:
            metrics.reasons.append(f"{new_nan} NaN and {new_inf} Inf values where the reference is finite")
        # the figures above skip non-finite elements: a reference NaN or Inf the candidate does not reproduce (a
        # finite value, NaN for Inf, the other infinity) would otherwise pass on the elements left
        unmatched = int(np.count_nonzero(~np.isfinite(ref) & ~agreeing))
        if unmatched:
            metrics.reasons.append(f"{unmatched} elements where the reference is NaN or Inf and the candidate "
                                   "differs")
    if metrics.unknown_errors or not abs_error.size:  # nothing finite in both compared: no figure is known
        _unknown_figures(metrics)
    metrics.passed = not metrics.reasons
    return metrics


def _kind(dtype) -> str:
    """float, integer or bool: the kinds of values an output's consumer reads differently."""
    import numpy as np

    if np.issubdtype(dtype, np.bool_):
        return "bool"
    return "integer" if np.issubdtype(dtype, np.integer) else "float"


ERROR_FIGURES = ("max_abs", "mean_abs", "median_abs", "p99_abs", "max_rel", "range_error", "mean_rel", "median_rel",
                 "p99_rel", "cosine", "snr_db", "psnr_db")


def _unknown_figures(metrics: OutputMetrics) -> None:
    for name in ERROR_FIGURES:
        setattr(metrics, name, math.nan)


def worst_figures(outputs: list[OutputMetrics]) -> tuple[float | None, float | None]:
    """The largest max abs error and the smallest cosine over `outputs`; None where any output's figure is
    unknown (NaN: NaN or Inf on one side only, or shapes that differ) or there is no output."""
    max_abs = [output.max_abs for output in outputs]
    cosine = [output.cosine for output in outputs]
    return (None if not max_abs or any(math.isnan(value) for value in max_abs) else max(max_abs),
            None if not cosine or any(math.isnan(value) for value in cosine) else min(cosine))


def _empty(name: str, reference) -> OutputMetrics:
    nan = math.nan
    return OutputMetrics(name, tuple(reference.shape), str(reference.dtype), nan, nan, nan, nan, nan, nan, nan, nan,
                         nan, nan, nan, nan, 0, 0, 0, 0, 0)

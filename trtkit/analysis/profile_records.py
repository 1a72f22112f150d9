"""What `profile` writes, in the formats trtexec exports and TREx reads (so TREx notebooks, and trtkit's own
loader, read them): `.timing.json` (per iteration, like --exportTimes), `.profile.json` (per layer, like
--exportProfile) and `.profile.metadata.json` (TREx's performance summary, inference options and device)."""

from __future__ import annotations

import statistics as _statistics
from collections.abc import Sequence

from trtkit.analysis.statistics import describe

PERCENTILES = (90.0, 95.0, 99.0)


def timing_records(samples) -> list[dict]:
    """--exportTimes records from the harness's samples (ms since the run's start; host and GPU clocks)."""
    records = []
    for index, latency in enumerate(samples.latency):
        start, h2d, compute, d2h = samples.start[index], samples.h2d[index], samples.compute[index], samples.d2h[index]
        enqueue_start = samples.enqueue_start[index]
        records.append({
            "startEnqMs": enqueue_start, "endEnqMs": enqueue_start + samples.enqueue[index],
            "startH2dMs": start, "endH2dMs": start + h2d,
            "startComputeMs": start + h2d, "endComputeMs": start + h2d + compute,
            "startD2hMs": start + h2d + compute, "endD2hMs": start + h2d + compute + d2h,
            "h2dMs": h2d, "computeMs": compute, "d2hMs": d2h, "latencyMs": latency})
    return records


def layer_profile_records(times: dict[str, list[float]], iterations: int) -> list[dict]:
    """--exportProfile records: per layer (in engine order) total, average and median ms over `iterations`
    profiled runs, and its share of the total."""
    total = sum(sum(values) for values in times.values())
    records: list[dict] = [{"count": iterations}]
    for name, values in times.items():
        records.append({"name": name, "timeMs": sum(values), "averageMs": sum(values) / max(iterations, 1),
                        "medianMs": _statistics.median(values) if values else 0.0,
                        "percentage": 100.0 * sum(values) / total if total else 0.0})
    return records


def _figure(values: Sequence[float]) -> list[float | None]:
    statistic = describe(values, PERCENTILES)
    return [statistic.min, statistic.max, statistic.mean, statistic.median,
            *(statistic.percentiles[percent] for percent in PERCENTILES)]


def profile_metadata(samples, wall_s: float, mode, shapes: dict[str, tuple[int, ...]],
                     device: dict | None = None) -> dict:
    """TREx's `.profile.metadata.json`: the performance summary ([min, max, mean, median, p90, p95, p99] per
    figure, ms), trtexec's inference options (so the mode measured is named the way trtexec names it) and
    the device."""
    summary = {
        "Throughput": len(samples.latency) / wall_s if wall_s else 0.0,
        "Latency": _figure(samples.latency), "Enqueue Time": _figure(samples.enqueue),
        "H2D Latency": _figure(samples.h2d), "GPU Compute Time": _figure(samples.compute),
        "D2H Latency": _figure(samples.d2h),
        "Total Host Walltime": wall_s, "Total GPU Compute Time": sum(samples.compute) / 1e3,
    }
    enabled = {True: "Enabled", False: "Disabled"}
    options = {
        "Batch": "Explicit",
        "Input inference shape": ", ".join(f"{name}={'x'.join(map(str, shape))}" for name, shape in shapes.items()),
        "Iterations": str(mode.min_iterations),
        "Duration": f"{mode.min_duration_s:g}s (+ {1e3 * mode.warmup_s:g}ms warm up)",
        "Streams": str(mode.streams), "Data transfers": enabled[mode.transfers],
        "Spin-wait": enabled[mode.spin_wait], "CUDA Graph": enabled[mode.cuda_graph],
        "Separate profiling": "Enabled", "Enqueue ahead": enabled[mode.enqueue_ahead],
    }
    return {"performance_summary": summary, "inference_options": options, "device_information": device or {}}

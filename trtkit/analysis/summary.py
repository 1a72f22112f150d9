"""Derived figures of a plan: per-type and per-precision counts and latency, reformats, memory, MACs."""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field

from trtkit.analysis.statistics import describe, median_confidence_interval
from trtkit.plan.model import EnginePlan, Layer, Statistic


def engine_throughput_qps(plan: EnginePlan) -> float | None:
    """The engine's throughput, the one figure every table and the gate show: the queries per second its
    profile recorded (trtexec's count over the run's wall time), else 1000 / the mean per-iteration latency;
    None when neither was measured."""
    if plan.performance is not None and plan.performance.throughput_qps:
        return plan.performance.throughput_qps
    times = plan.iteration_times
    if times is not None and times.latency_ms:
        mean = sum(times.latency_ms) / len(times.latency_ms)
        return 1000.0 / mean if mean > 0 else None
    return None


@dataclass
class Group:
    """Layers sharing a key (a type, a precision, an ONNX node) and their share of the latency."""

    key: str
    count: int = 0
    latency_ms: float | None = None  # None: none of its layers was profiled (unknown, not 0)
    percent: float | None = None


@dataclass
class ReformatInfo:
    name: str
    origin: str | None
    source: str  # "FP32 LINEAR"
    target: str
    latency_ms: float | None  # None: not profiled
    converts_type: bool


@dataclass
class ComputeFigures:
    """Multiply-accumulates and arithmetic intensity of a convolution or matrix multiply."""

    layer: str
    macs: int
    bytes_moved: float
    arithmetic_intensity: float  # FLOPs (2 x MACs) per byte moved


@dataclass
class PlanSummary:
    name: str
    layer_count: int
    profile: int
    detailed: bool
    has_profile: bool
    total_layer_latency_ms: float | None  # None without a per-layer profile: unknown is not 0
    end_to_end: Statistic | None  # per-inference latency from iteration times or the performance summary
    end_to_end_source: str | None
    median_ci_ms: tuple[float, float] | None
    throughput_qps: float | None
    by_type: list[Group] = field(default_factory=list)
    by_precision: list[Group] = field(default_factory=list)
    reformats: list[ReformatInfo] = field(default_factory=list)
    # None where the artifacts do not say (no profile, no weight counts, no static shapes): unknown is not 0
    reformat_latency_ms: float | None = None
    weights_bytes: float | None = None
    bias_bytes: float | None = None
    io_bytes: float | None = None
    activation_bytes: float | None = None
    compute: list[ComputeFigures] = field(default_factory=list)
    total_macs: int | None = None


def group_layers(layers: list[Layer], key_of, total_ms: float | None) -> list[Group]:
    """Groups by `key_of(layer)`, slowest first (count order when there are no times); a group none of whose
    layers was profiled has no latency (None)."""
    groups: dict[str, Group] = {}
    for layer in layers:
        keys = _keys(key_of(layer))
        share = layer.timing.average_ms / len(keys) if layer.timing else None
        for key in keys:
            group = groups.get(key)
            if group is None:
                group = groups[key] = Group(key)
            group.count += 1
            if share is not None:
                group.latency_ms = (group.latency_ms or 0.0) + share
    for group in groups.values():
        if group.latency_ms is not None and total_ms:
            group.percent = 100.0 * group.latency_ms / total_ms
    return sorted(groups.values(), key=lambda group: (-(group.latency_ms or 0.0), -group.count, group.key))


def _keys(value) -> list[str]:
    if type(value) is list:
        return value or ["(none)"]
    return [value or "(unknown)"]


def by_onnx_node(layer: Layer) -> list[str]:
    """ONNX nodes of a layer; a layer's time is split evenly among them."""
    return layer.onnx_nodes


def _describe_tensor(layer: Layer, outputs: bool) -> str:
    tensors = layer.outputs if outputs else layer.inputs
    if not tensors:
        return "?"
    tensor = tensors[0]
    return " ".join(part for part in (tensor.dtype, tensor.layout) if part) or "?"


def reformat_info(layer: Layer) -> ReformatInfo:
    source_type, target_type = layer.input_precision, layer.output_precision
    return ReformatInfo(name=layer.name, origin=layer.origin, source=_describe_tensor(layer, False),
                        target=_describe_tensor(layer, True),
                        latency_ms=layer.timing.average_ms if layer.timing else None,
                        converts_type=bool(source_type and target_type and source_type != target_type))


def compute_figures(layer: Layer) -> ComputeFigures | None:
    """MACs of convolutions (from kernel, groups, channels, output volume) and of matrix multiplies."""
    macs = _convolution_macs(layer) if layer.parameter_type == "Convolution" else None
    if macs is None and (layer.parameter_type == "MatrixMultiply" or layer.type in ("MatrixMultiply", "gemm")):
        macs = _matmul_macs(layer)
    if not macs:
        return None
    moved = sum(tensor.size_bytes or 0 for tensor in layer.inputs + layer.outputs)
    moved += layer.weights.size_bytes if layer.weights else 0
    return ComputeFigures(layer.name, macs, moved, 2.0 * macs / moved if moved else math.inf)


def _convolution_macs(layer: Layer) -> int | None:
    kernel = layer.attributes.get("Kernel")
    if not layer.outputs or not layer.inputs or not isinstance(kernel, list):
        return None
    output_volume = layer.outputs[0].volume
    dims = layer.inputs[0].dimensions
    if output_volume is None or not dims or len(dims) < 2:
        return None
    groups = layer.attributes.get("Groups") or 1
    return output_volume * (dims[1] // groups) * math.prod(int(k) for k in kernel)


def _matmul_macs(layer: Layer) -> int | None:
    if len(layer.inputs) < 2 or not layer.outputs:
        return None
    first, output = layer.inputs[0].dimensions, layer.outputs[0].volume
    if not first or output is None or any(dim < 0 for dim in first):
        return None
    return output * first[-1]


def summarize(plan: EnginePlan, profile: int | None = None) -> PlanSummary:
    """Every derived figure `inspect`, `lint` and `report` show, for one optimization profile."""
    chosen = profile if profile is not None else plan.optimization_profiles[0]
    layers = plan.layers_of_profile(chosen)
    timed = [layer.timing.average_ms for layer in layers if layer.timing]
    total = sum(timed) if timed else None
    end_to_end, source, interval = _end_to_end(plan)
    summary = PlanSummary(
        name=plan.name, layer_count=len(layers), profile=chosen, detailed=plan.detailed,
        has_profile=plan.has_profile, total_layer_latency_ms=total, end_to_end=end_to_end,
        end_to_end_source=source, median_ci_ms=interval,
        throughput_qps=engine_throughput_qps(plan),
        by_type=group_layers(layers, lambda layer: layer.kind, total),
        by_precision=group_layers(layers, lambda layer: layer.compute_precision, total),
    )
    summary.reformats = [reformat_info(layer) for layer in layers if layer.is_reformat]
    if total is not None:
        summary.reformat_latency_ms = sum(info.latency_ms or 0.0 for info in summary.reformats)
    weights = [layer.weights.size_bytes for layer in layers if layer.weights]
    biases = [layer.bias.size_bytes for layer in layers if layer.bias]
    summary.weights_bytes = sum(weights) if weights else None
    # layers with weights and no bias record have no bias; with no weight counts at all, biases are unknown too
    summary.bias_bytes = sum(biases) if biases or weights else None
    io_sizes = _engine_io_bytes(plan, layers)
    summary.io_bytes = sum(io_sizes) if io_sizes else None
    outputs = [size for layer in layers for tensor in layer.outputs if (size := tensor.size_bytes) is not None]
    summary.activation_bytes = sum(outputs) if outputs else None
    summary.compute = [figures for layer in layers if (figures := compute_figures(layer))]
    summary.total_macs = sum(figures.macs for figures in summary.compute) if summary.compute else None
    return summary


def _engine_io_bytes(plan: EnginePlan, layers: list[Layer]) -> list[float]:
    names = {tensor.name for tensor in plan.io_tensors}
    seen: dict[str, float] = {}
    for layer in layers:
        for tensor in layer.inputs + layer.outputs:
            if tensor.name in names and tensor.size_bytes is not None:
                seen[tensor.name] = tensor.size_bytes
    return list(seen.values())


def _end_to_end(plan: EnginePlan) -> tuple[Statistic | None, str | None, tuple[float, float] | None]:
    """Per-inference latency: from per-iteration times when there are some (GPU compute, as trtexec's
    --exportTimes record it), else the performance summary's GPU compute time, else its latency."""
    times = plan.iteration_times
    if times is not None and len(times) > 0:
        values = times.compute_ms
        return describe(values), "iteration times (GPU compute)", median_confidence_interval(values)
    performance = plan.performance
    if performance is not None:
        if performance.gpu_compute_time is not None:
            return performance.gpu_compute_time, "performance summary (GPU compute time)", None
        if performance.latency is not None:
            return performance.latency, "performance summary (latency)", None
    return None, None, None


def filter_layers(layers: list[Layer], pattern: str | None) -> list[Layer]:
    if not pattern:
        return layers
    regex = re.compile(pattern)
    return [layer for layer in layers if regex.search(layer.name) or regex.search(layer.kind)
            or any(regex.search(node) for node in layer.onnx_nodes)]

"""The `trtkit/plan/v1` document: the whole plan model with its derived summary, for machines."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from trtkit.analysis.summary import PlanSummary
from trtkit.plan.inspector import CONSUMED_KEYS
from trtkit.plan.model import EnginePlan, Layer, Statistic, TensorInfo


def _tensor(tensor: TensorInfo) -> dict[str, Any]:
    return {"name": tensor.name, "dimensions": list(tensor.dimensions) if tensor.dimensions is not None else None,
            "dtype": tensor.dtype, "layout": tensor.layout, "location": tensor.location, "format": tensor.format_text}


def _statistic(statistic: Statistic | None) -> dict[str, Any] | None:
    if statistic is None:
        return None
    return {"min": statistic.min, "max": statistic.max, "mean": statistic.mean, "median": statistic.median,
            "percentiles": {f"p{percent:g}": value for percent, value in statistic.percentiles.items()},
            "cv_percent": statistic.cv_percent}


def layer_to_dict(layer: Layer) -> dict[str, Any]:
    timing = layer.timing
    return {
        "index": layer.index, "name": layer.name, "type": layer.type, "parameter_type": layer.parameter_type,
        "profile": layer.profile,
        "compute_precision": layer.compute_precision, "output_precision": layer.output_precision,
        "inputs": [_tensor(tensor) for tensor in layer.inputs],
        "outputs": [_tensor(tensor) for tensor in layer.outputs],
        "tactic_name": layer.tactic_name, "tactic_value": layer.tactic_value, "onnx_nodes": layer.onnx_nodes,
        "stream_id": layer.stream_id,
        "weights": {"dtype": layer.weights.dtype, "count": layer.weights.count,
                    "bytes": layer.weights.size_bytes} if layer.weights else None,
        "bias": {"dtype": layer.bias.dtype, "count": layer.bias.count,
                 "bytes": layer.bias.size_bytes} if layer.bias else None,
        "origin": layer.origin, "is_reformat": layer.is_reformat,
        "timing": {"total_ms": timing.total_ms, "average_ms": timing.average_ms, "median_ms": timing.median_ms,
                   "percentage": timing.percentage, "iterations": timing.iterations} if timing else None,
        "attributes": {key: value for key, value in layer.attributes.items() if key not in CONSUMED_KEYS},
    }


def summary_to_dict(summary: PlanSummary) -> dict[str, Any]:
    return {
        "layer_count": summary.layer_count, "optimization_profile": summary.profile, "detailed": summary.detailed,
        "has_profile": summary.has_profile, "total_layer_latency_ms": summary.total_layer_latency_ms,
        "end_to_end": _statistic(summary.end_to_end), "end_to_end_source": summary.end_to_end_source,
        "median_confidence_interval_ms": list(summary.median_ci_ms) if summary.median_ci_ms else None,
        "throughput_qps": summary.throughput_qps,
        "by_type": [vars(group) for group in summary.by_type],
        "by_precision": [vars(group) for group in summary.by_precision],
        "reformats": [vars(info) for info in summary.reformats],
        "reformat_latency_ms": summary.reformat_latency_ms,
        "memory": {"weights_bytes": summary.weights_bytes, "bias_bytes": summary.bias_bytes,
                   "engine_io_bytes": summary.io_bytes, "activation_bytes": summary.activation_bytes},
        "total_macs": summary.total_macs,
        "compute": [vars(figures) for figures in summary.compute],
    }


def plan_to_dict(plan: EnginePlan, summary: PlanSummary) -> dict[str, Any]:
    performance = plan.performance
    return {
        "name": plan.name,
        "tensorrt_version": plan.tensorrt_version,
        "detailed": plan.detailed,
        "sources": [asdict(source) for source in plan.sources],
        "device": asdict(plan.device) if plan.device else None,
        "model_options": plan.model_options, "build_options": plan.build_options,
        "inference_options": plan.inference_options, "system_options": plan.system_options,
        "performance": None if performance is None else {
            "throughput_qps": performance.throughput_qps,
            **{name: _statistic(getattr(performance, name)) for name in (
                "latency", "enqueue_time", "h2d_latency", "gpu_compute_time", "d2h_latency", "end_to_end")},
            "total_host_walltime_s": performance.total_host_walltime_s,
            "total_gpu_compute_time_s": performance.total_gpu_compute_time_s,
            "warnings": performance.warnings,
        },
        "iterations": len(plan.iteration_times) if plan.iteration_times else None,
        "profile_iterations": plan.profile_iterations,
        "io_tensors": [asdict(tensor) for tensor in plan.io_tensors],
        "summary": summary_to_dict(summary),
        "layers": [layer_to_dict(layer) for layer in plan.layers],
        "notes": plan.notes,
    }

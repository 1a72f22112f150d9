"""TREx's metadata files: `.profile.metadata.json` and `.build.metadata.json` (parsed from trtexec logs by
TREx's process_engine.py) and the device-properties list of `.metadata.json`."""

from __future__ import annotations

from typing import Any

from trtkit.plan.model import DeviceInfo, PerformanceSummary, Statistic
from trtkit.plan.shape import expect_dict, optional_dict, optional_number, optional_text, wrong

_FIGURES = {"Latency": "latency", "Enqueue Time": "enqueue_time", "H2D Latency": "h2d_latency",
            "GPU Compute Time": "gpu_compute_time", "D2H Latency": "d2h_latency"}


def _statistic(values: list[float]) -> Statistic:
    # TREx stores [min, max, mean, median, percentiles...]: one percentile (99%) from TensorRT < 8.4,
    # three (90, 95, 99%) after.
    statistic = Statistic(min=values[0], max=values[1], mean=values[2], median=values[3])
    percents = {1: (99.0,), 3: (90.0, 95.0, 99.0)}.get(len(values) - 4, ())
    statistic.percentiles = dict(zip(percents, values[4:], strict=False))
    return statistic


def parse_performance_summary(raw: dict[str, Any]) -> PerformanceSummary:
    summary = PerformanceSummary(
        throughput_qps=raw.get("Throughput"),
        total_host_walltime_s=raw.get("Total Host Walltime"),
        total_gpu_compute_time_s=raw.get("Total GPU Compute Time"),
    )
    for key, attribute in _FIGURES.items():
        values = raw.get(key)
        if isinstance(values, list) and len(values) >= 4:
            setattr(summary, attribute, _statistic([float(value) for value in values]))
    return summary


def device_from_trex(raw: dict[str, Any]) -> DeviceInfo:
    """`device_information` of a profile metadata file (trtexec's Device Information block)."""
    capability = raw.get("Compute Capability")
    memory = str(raw.get("Device Global Memory", ""))
    sm_count = raw.get("SMs")
    return DeviceInfo(
        name=raw.get("Selected Device"),
        compute_capability=f"{capability:.1f}" if isinstance(capability, float) else (
            str(capability) if capability is not None else None),
        sm_count=int(sm_count) if isinstance(sm_count, (int, float)) else None,
        memory_bytes=int(memory.split()[0]) * 2**20 if memory.split() and memory.split()[0].isdigit() else None,
        properties=dict(raw),
    )


def device_from_properties(records: list[dict[str, Any]]) -> DeviceInfo | None:
    """The first entry of a `.metadata.json` device-properties list (cudaDeviceProp names)."""
    if not records:
        return None
    raw = records[0]
    capability = raw.get("ComputeCapability")
    return DeviceInfo(
        name=raw.get("Name"),
        compute_capability=".".join(str(part) for part in capability) if isinstance(capability, list) else None,
        sm_count=raw.get("MULTIPROCESSOR_COUNT"),
        memory_bytes=raw.get("TotalMemory"),
        properties=dict(raw),
    )


def check_profile_metadata(document: dict[str, Any]) -> None:
    """The shape `parse_performance_summary` and `device_from_trex` rely on; MalformedArtifactError otherwise."""
    summary = expect_dict(document.get("performance_summary"), "performance_summary")
    for key in ("Throughput", "Total Host Walltime", "Total GPU Compute Time"):
        optional_number(summary.get(key), f"performance_summary.{key}")
    for key in _FIGURES:
        values = summary.get(key)
        if values is None:
            continue
        if type(values) is not list:
            raise wrong(f"performance_summary.{key}", values, "a list of numbers")
        for position, value in enumerate(values):
            optional_number(value, f"performance_summary.{key}[{position}]")
            if value is None:
                raise wrong(f"performance_summary.{key}[{position}]", value, "a number")
    optional_dict(document.get("inference_options"), "inference_options")
    device = optional_dict(document.get("device_information"), "device_information")
    optional_text(device.get("Selected Device"), "device_information.Selected Device")


def check_build_metadata(document: dict[str, Any]) -> None:
    """The shape the loader relies on: options are objects (or null)."""
    for key in ("model_options", "build_options"):
        optional_dict(document.get(key), key)
    if "versions" in document:
        versions = optional_dict(document.get("versions"), "versions")
        for key in ("tensorrt", "backend"):
            optional_text(versions.get(key), f"versions.{key}")


def check_device_properties(records: list[Any]) -> None:
    for position, record in enumerate(records):
        expect_dict(record, f"[{position}]")
    optional_text(records[0].get("Name"), "[0].Name")
    for key in ("MULTIPROCESSOR_COUNT", "TotalMemory"):
        value = records[0].get(key)
        if value is not None and type(value) is not int:
            raise wrong(f"[0].{key}", value, "an integer")


def is_profile_metadata(document: Any) -> bool:
    return isinstance(document, dict) and "performance_summary" in document


def is_build_metadata(document: Any) -> bool:
    return isinstance(document, dict) and ("build_options" in document or "model_options" in document) and (
        "Layers" not in document)


def is_device_properties(document: Any) -> bool:
    return isinstance(document, list) and bool(document) and isinstance(document[0], dict) and (
        "ComputeCapability" in document[0] or "COMPUTE_CAPABILITY_MAJOR" in document[0])

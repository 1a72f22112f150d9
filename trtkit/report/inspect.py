"""Rendering of `inspect`: Rich tables for engines, ONNX models and other artifacts; the JSON document."""

from __future__ import annotations

from dataclasses import asdict
from typing import TYPE_CHECKING, Any

from trtkit.io.jsonout import document
from trtkit.report import console
from trtkit.report.console import format_ms
from trtkit.report.plan_json import plan_to_dict
from trtkit.results.inspect import InspectResult, PlanView

if TYPE_CHECKING:
    from trtkit.plan.model import Layer
    from trtkit.report.table_fit import FittingTable

MEASUREMENT_KEYS = ("CUDA Graph", "Spin-wait", "Data transfers", "Separate profiling", "Streams",
                    "Inference Streams", "Multithreading")


def inspect_document(result: InspectResult) -> dict[str, Any]:
    return document("plan", {
        "plans": [plan_to_dict(view.plan, view.summary) for view in result.plans],
        "models": [asdict(model) for model in result.models],
        "artifacts": [_artifact_dict(artifact) for artifact in result.others],
    })


def _artifact_dict(artifact) -> dict[str, Any]:
    data = artifact.data
    payload = asdict(data) if hasattr(data, "__dataclass_fields__") else data
    return {"path": str(artifact.path), "kind": artifact.kind, "content": payload}


def escape(text: str) -> str:
    """Rich markup escaping, imported only when tables are rendered (JSON output never needs Rich)."""
    from rich.markup import escape as rich_escape

    return rich_escape(text)


def render_inspect(result: InspectResult, by: str, top: int = 10, all_layers: bool = False) -> None:
    """Print what `inspect` found; `all_layers` lists every layer (after the filters) instead of the top ones."""
    for view in result.plans:
        _render_plan(view, by, top, all_layers)
    for model in result.models:
        _render_model(model)
    for artifact in result.others:
        _render_other(artifact)


def _render_plan(view: PlanView, by: str, top: int, all_layers: bool) -> None:
    out, plan, summary = console.out(), view.plan, view.summary
    device = plan.device
    header = f"[bold]{escape(plan.name)}[/bold]"
    version = plan.tensorrt_version or ""
    if version.endswith(" (TensorRT-RTX)"):
        version = "TensorRT-RTX " + version.removesuffix(" (TensorRT-RTX)")
    elif version:
        version = f"TensorRT {version}"
    details = [version or None,
               f"{device.name} (compute capability {device.compute_capability})" if device and device.name else None,
               None if plan.detailed else "names only"]
    out.print(header + "".join(f"  ·  {escape(item)}" for item in details if item))
    rows = [("layers", str(summary.layer_count) + (f" (optimization profile {summary.profile} of "
                                                   f"{len(plan.optimization_profiles)})"
                                                   if len(plan.optimization_profiles) > 1 else ""))]
    if plan.build is not None:  # trtkit's build metadata: known without a GPU
        rows += console.build_figures(plan.build)
    if summary.has_profile:
        rows.append(("sum of per-layer latencies", f"{format_ms(summary.total_layer_latency_ms)} ms"
                     + (f" over {plan.profile_iterations} iteration{'s' if plan.profile_iterations != 1 else ''}"
                        if plan.profile_iterations else "")))
    if summary.end_to_end is not None:
        e2e = summary.end_to_end
        interval = (f", 95% CI of median [{summary.median_ci_ms[0]:.4f}, {summary.median_ci_ms[1]:.4f}]"
                    if summary.median_ci_ms else "")
        p99 = e2e.percentiles.get(99.0)
        rows.append(("end-to-end latency", f"median {format_ms(e2e.median)} ms, mean {format_ms(e2e.mean)} ms"
                     + (f", p99 {format_ms(p99)} ms" if p99 is not None else "") + interval))
        rows.append(("  measured from", summary.end_to_end_source or ""))
    if summary.throughput_qps is not None:
        rows.append(("throughput", f"{summary.throughput_qps:.1f} qps"))
    mode = ", ".join(f"{key}: {plan.inference_options[key]}" for key in MEASUREMENT_KEYS
                     if key in plan.inference_options)
    if mode:
        rows.append(("measurement mode", mode))
    if plan.performance and plan.performance.warnings:
        for warning in plan.performance.warnings:
            rows.append(("trtexec warning", warning))
    rows.append(("sources", ", ".join(f"{source.path.rsplit('/', 1)[-1]} ({source.kind})"
                                      for source in plan.sources)))
    out.print(console.table("Summary", ["", ""], [(escape(key), escape(value)) for key, value in rows]))
    timed = summary.has_profile
    title = {"type": "By layer type", "precision": "By precision", "onnx-node": "By ONNX node"}[by]
    out.print(_group_table(title, by, view.groups, timed))
    if by != "precision":
        out.print(_group_table("By precision", "precision", summary.by_precision, timed))
    if all_layers:
        out.print(layer_table(f"Layers ({len(view.layers)} of {summary.layer_count}, execution order)",
                              view.layers, summary.total_layer_latency_ms if timed else None))
    elif view.top_layers and timed:
        out.print(console.table(f"Top {len(view.top_layers)} slowest layers",
                                ["#", "layer", "type", "precision", "ms", "%"],
                                [(layer.index, escape(layer.name), escape(layer.kind),
                                  layer.compute_precision or "", format_ms(_ms(layer)),
                                  console.format_percent(_share(layer, summary.total_layer_latency_ms)))
                                 for layer in view.top_layers],
                                right_align=("#", "ms", "%")))
    elif view.top_layers:
        more = "; --layers lists all" if len(view.top_layers) < len(view.layers) else ""
        out.print(layer_table(f"First {len(view.top_layers)} of {len(view.layers)} layers (execution order; no "
                              f"profile to rank them{more})", view.top_layers, None))
    if plan.io_tensors:
        out.print(console.table("I/O tensors", ["name", "mode", "dtype", "dimensions"],
                                [(escape(tensor.name), tensor.mode or "", tensor.dtype or "",
                                  "x".join(map(str, tensor.dimensions)) if tensor.dimensions else "")
                                 for tensor in plan.io_tensors]))
    if summary.reformats:
        reformat_ms = summary.reformat_latency_ms
        share = (f" — {reformat_ms:.4f} ms, {100 * reformat_ms / summary.total_layer_latency_ms:.1f}% of the latency"
                 if timed and summary.total_layer_latency_ms and reformat_ms is not None else "")
        shown = sorted(summary.reformats, key=lambda info: -(info.latency_ms or 0.0))[:top] if timed \
            else summary.reformats[:top]
        # Without a profile nothing ranks them: "slowest" would claim a measurement that was not made.
        order = "slowest" if timed else "first (execution order; no profile to rank them)"
        more = f"; the {len(shown)} {order} shown" if len(shown) < len(summary.reformats) else ""
        out.print(console.table(f"Reformat layers ({len(summary.reformats)}){share}{more}",
                                ["layer", "origin", "from", "to", "ms"],
                                [(escape(info.name), info.origin or "", info.source, info.target,
                                  format_ms(info.latency_ms) if timed else console.UNKNOWN) for info in shown],
                                right_align=("ms",)))
    sizes = (summary.weights_bytes, summary.bias_bytes, summary.io_bytes, summary.activation_bytes)
    if plan.detailed and any(size is not None for size in sizes):
        memory = [(key, console.format_bytes(value)) for key, value in
                  zip(("weights", "bias", "engine I/O", "layer outputs (sum)"), sizes, strict=True)]
        memory.append(("convolution/GEMM MACs", console.UNKNOWN if summary.total_macs is None
                       else f"{summary.total_macs / 1e9:.2f} G"))
        out.print(console.table("Memory and compute", ["", ""], memory))
    elif plan.detailed:
        console.info("memory and compute: this source has no weight counts or static shapes to size them from")
    for note in plan.notes:
        console.warn(escape(f"{plan.name}: {note}"))


LAYER_COLUMNS = ["#", "layer", "type", "precision", "tactic", "ONNX nodes", "shapes", "ms", "%"]


def layer_table(title: str, layers: list[Layer], total_ms: float | None) -> FittingTable:
    """A layer listing: name, type, precision, tactic, ONNX nodes, input -> output shapes, and latency and share
    when `total_ms` (a joined profile) is given. Columns no layer has a value in (a names-only plan) are left
    out; when narrow, tactics go first (a layer name says more)."""
    rows = [(layer.index, escape(layer.name), escape(layer.kind), layer.compute_precision or "",
             escape(layer.tactic_name or layer.tactic_value or ""), escape(", ".join(layer.onnx_nodes)),
             _shapes(layer), "" if total_ms is None else format_ms(_ms(layer)),
             "" if total_ms is None else console.format_percent(_share(layer, total_ms))) for layer in layers]
    keep = [index for index, _ in enumerate(LAYER_COLUMNS) if index < 2 or any(row[index] != "" for row in rows)]
    return console.table(title, [LAYER_COLUMNS[index] for index in keep], [[row[index] for index in keep]
                                                                           for row in rows],
                         right_align=("#", "ms", "%"), optional=("tactic", "%", "shapes", "ONNX nodes", "type"))


def _shapes(layer: Layer) -> str:
    """Input shapes -> output shapes, `?` for a tensor whose shape the source does not give."""
    def shape(tensors) -> str:
        return ", ".join("?" if tensor.dimensions is None else "x".join(map(str, tensor.dimensions)) or "scalar"
                         for tensor in tensors)

    if not layer.inputs and not layer.outputs:
        return ""
    return f"{shape(layer.inputs)} -> {shape(layer.outputs)}"


def _ms(layer: Layer) -> float | None:
    """A layer's profiled time; None (shown as —) when it was not profiled."""
    return layer.timing.average_ms if layer.timing else None


def _share(layer: Layer, total_ms: float | None) -> float | None:
    """A layer's share of the summed layer latencies in percent; None when either is unknown."""
    return 100 * layer.timing.average_ms / total_ms if layer.timing and total_ms else None


def _group_table(title: str, key: str, groups, timed: bool):
    """Layers per group, with their latency and share only when a profile is joined."""
    if not timed:
        return console.table(title, [key, "layers"], [(escape(group.key), group.count) for group in groups],
                             right_align=("layers",))
    return console.table(title, [key, "layers", "ms", "%"],
                         [(escape(group.key), group.count, format_ms(group.latency_ms),
                           console.format_percent(group.percent))
                          for group in groups], right_align=("layers", "ms", "%"))


def _render_model(model) -> None:
    out = console.out()
    out.print(f"[bold]{escape(model.path)}[/bold]  ·  ONNX IR {model.ir_version}  ·  "
              f"{escape(model.producer or 'unknown producer')}")
    rows = [("opsets", ", ".join(f"{domain} {version}" for domain, version in model.opsets.items())),
            ("nodes", str(model.node_count)
             + (f" (+{model.subgraph_nodes} in subgraphs)" if model.subgraph_nodes else "")),
            ("parameters", f"{model.parameter_count:,}"), ("file size", console.format_bytes(model.file_bytes))]
    if model.external_data_files:
        external = console.format_bytes(model.external_data_bytes)
        rows.append(("external data", f"{', '.join(model.external_data_files)} ({external})"))
    out.print(console.table("Model", ["", ""], [(key, escape(value)) for key, value in rows]))
    io_rows = []
    for kind, tensors in (("input", model.inputs), ("output", model.outputs)):
        for tensor in tensors:
            dims = "?" if tensor.dims is None else (
                "[" + ", ".join("?" if dim is None else str(dim) for dim in tensor.dims) + "]")
            dynamic = ", ".join(str(tensor.dims[axis] or f"axis {axis}") for axis in tensor.dynamic_axes)
            io_rows.append((kind, escape(tensor.name), tensor.dtype, escape(dims), escape(dynamic)))
    out.print(console.table("Inputs and outputs", ["", "name", "dtype", "shape", "dynamic"], io_rows))
    out.print(console.table("Operators", ["op", "count"], model.op_histogram, right_align=("count",)))
    out.print(console.table("Parameters by data type", ["dtype", "tensors", "elements", "bytes"],
                            [(group.dtype, group.tensors, f"{group.elements:,}", console.format_bytes(group.bytes))
                             for group in model.parameters], right_align=("tensors", "elements", "bytes")))


def _render_other(artifact) -> None:
    out, data = console.out(), artifact.data
    out.print(f"[bold]{escape(str(artifact.path))}[/bold]  ·  {artifact.kind}")
    if artifact.kind == "calibration-cache":
        ranges = [scale * 127.0 for scale in data.scales.values()]
        rows = [("TensorRT version", data.tensorrt_version), ("algorithm", data.algorithm),
                ("tensors", str(len(data.scales)))]
        if ranges:
            rows.append(("dynamic range", f"min {min(ranges):.6g}, max {max(ranges):.6g}"))
        out.print(console.table("Calibration cache", ["", ""], [(key, escape(value)) for key, value in rows]))
    elif artifact.kind == "polygraphy":
        if data.tensors:
            out.print(console.table(f"Polygraphy {data.kind}", ["runner", "iteration", "tensor", "shape", "dtype",
                                                                "min", "max", "mean", "std"],
                                    [(escape(t.runner or ""), t.iteration, escape(t.name), "x".join(map(str, t.shape)),
                                      t.dtype, f"{t.min:.6g}" if t.min is not None else "",
                                      f"{t.max:.6g}" if t.max is not None else "",
                                      f"{t.mean:.6g}" if t.mean is not None else "",
                                      f"{t.std:.6g}" if t.std is not None else "") for t in data.tensors]))
        else:
            out.print(console.table(f"Polygraphy {data.kind}", ["", ""],
                                    [(escape(key), escape(str(value))[:200]) for key, value in data.details.items()]))
    elif artifact.kind in ("trtkit", "sarif") and isinstance(data, dict):
        from trtkit.report.documents import document_rows, sarif_rows

        title, rows = (document_rows if artifact.kind == "trtkit" else sarif_rows)(data)
        out.print(console.table(escape(title), ["", ""], [(escape(key), escape(value)) for key, value in rows]))
    else:
        out.print(f"  {escape(str(data))[:300]}")

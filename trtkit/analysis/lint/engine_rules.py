"""Engine-plan rules: what a performance engineer checks in a built engine, as TREx's linters did for INT8,
generalized to FP8/FP4/INT4 and to the latency profile."""

from __future__ import annotations

import re

from trtkit.analysis.lint import LintContext, Location, rule
from trtkit.plan.formats import FLOAT_TYPES, QUANTIZED_TYPES, REDUCED_PRECISIONS
from trtkit.plan.model import EnginePlan, Layer

# Tensor-core kernels name their instruction family: HMMA/IMMA/GMMA, XMMA wrappers, CUTLASS tensorop...
_TENSOR_CORE_TACTIC = re.compile(r"xmma|hmma|imma|gmma|tensorop|tensor\d|i8816|h1688|s1688|i16832|h16816|s16816",
                                 re.IGNORECASE)
_GEMM_NAME = re.compile(r"gemm|matmul|fc\b|fully|linear", re.IGNORECASE)
_PASSIVE_KINDS = {"NoOp", "Reformat", "Constant", "Shuffle", "Shape", "shape_call", "signal", "wait", "Identity",
                  "Slice", "Concatenation", "Gather", "MyelinReformat"}
_FLOATS = set(FLOAT_TYPES) - set(QUANTIZED_TYPES)


def _location(plan: EnginePlan, layer: Layer | None = None) -> Location:
    source = plan.sources[0].path if plan.sources else None
    return Location("layer", layer.name, source) if layer else Location("file", plan.name, source)


def _ms(layer: Layer) -> str:
    return f", {layer.latency_ms:.4f} ms" if layer.timing else ""


def _is_convolution(layer: Layer) -> bool:
    return layer.parameter_type == "Convolution" or "Convolution" in (layer.type or "")


def _is_gemm(layer: Layer) -> bool:
    if layer.parameter_type == "MatrixMultiply" or layer.type in ("MatrixMultiply", "gemm"):
        return True
    return _is_convolution(layer) and bool(_GEMM_NAME.search(" ".join([layer.name, *layer.onnx_nodes])))


def _graph(plan: EnginePlan) -> tuple[dict[str, Layer], dict[str, list[Layer]], set[str]]:
    producers = {tensor.name: layer for layer in plan.layers for tensor in layer.outputs}
    consumers: dict[str, list[Layer]] = {}
    for layer in plan.layers:
        for tensor in layer.inputs:
            consumers.setdefault(tensor.name, []).append(layer)
    return producers, consumers, {tensor.name for tensor in plan.io_tensors}


def _reaches_output(name: str, consumers: dict[str, list[Layer]], outputs: set[str]) -> bool:
    """The tensor is an engine output, or only passes through NoOp/Shuffle layers on its way to one."""
    seen = set()
    pending = [name]
    while pending:
        current = pending.pop()
        if current in outputs:
            return True
        if current in seen:
            continue
        seen.add(current)
        following = consumers.get(current, [])
        if not following or any(layer.kind not in ("NoOp", "Shuffle") for layer in following):
            return False
        pending.extend(tensor.name for layer in following for tensor in layer.outputs)
    return False


def _has_quantized_layers(plan: EnginePlan) -> bool:
    return any(layer.compute_precision in QUANTIZED_TYPES for layer in plan.layers)


@rule("engine-names-only", "engine", "warning",
      "The plan has layer names only: precision, tensor-core, alignment and reformat checks cannot run",
      "rebuild with profiling verbosity detailed (build.profiling_verbosity: detailed; trtexec "
      "--profilingVerbosity=detailed) and export the layer information again")
def names_only(context: LintContext):
    plan = context.plan
    if not plan.detailed and plan.layers:
        yield (f"{plan.name} lists {len(plan.layers)} layers by name only: the rules on types, precisions, formats "
               "and tactics were skipped", _location(plan), {"layers": len(plan.layers)})


@rule("engine-conv-not-tensor-core", "engine", "warning",
      "A reduced-precision convolution runs a kernel that does not use tensor cores",
      "check the channel counts are aligned (multiples of 8 for FP16, 16 for INT8) and that the layer's "
      "precision and format allow a tensor-core tactic", needs=("layer details",))
def conv_not_tensor_core(context: LintContext):
    for layer in context.plan.layers:
        if _is_convolution(layer) and layer.compute_precision in REDUCED_PRECISIONS and layer.tactic_name and \
                not _TENSOR_CORE_TACTIC.search(layer.tactic_name):
            yield (f"{layer.compute_precision} convolution {layer.name} runs {layer.tactic_name}, not a tensor-core "
                   f"kernel{_ms(layer)}", _location(context.plan, layer), {"tactic": layer.tactic_name})


@rule("engine-qconv-float-output", "engine", "warning",
      "A quantized convolution writes a floating-point output that does not go to an engine output",
      "quantize the output (a Q/DQ pair after the layer, or on the consumer's inputs) so the next layer reads "
      "quantized data", needs=("layer details",))
def quantized_conv_float_output(context: LintContext):
    _, consumers, io_names = _graph(context.plan)
    for layer in context.plan.layers:
        if not _is_convolution(layer) or layer.compute_precision not in QUANTIZED_TYPES or not layer.outputs:
            continue
        output = layer.outputs[0]
        if output.dtype in _FLOATS and not _reaches_output(output.name, consumers, io_names):
            yield (f"{layer.compute_precision} convolution {layer.name} outputs {output.dtype}{_ms(layer)}",
                   _location(context.plan, layer), {"output_dtype": output.dtype})


@rule("engine-channels-not-aligned", "engine", "info",
      "A reduced-precision convolution's channel counts are not multiples of 8 (FP16/BF16) or 16 (INT8/FP8)",
      "pad the channels to the multiple (TensorRT pads internally, at a cost), or accept it for a first layer "
      "with 3 image channels", needs=("layer details",))
def channels_not_aligned(context: LintContext):
    for layer in context.plan.layers:
        precision = layer.compute_precision
        if not _is_convolution(layer) or _is_gemm(layer) or precision not in REDUCED_PRECISIONS or not layer.inputs:
            continue
        multiple = 8 if precision in ("FP16", "BF16") else 16
        dims = layer.inputs[0].dimensions
        channels = dims[1] if dims and len(dims) > 1 and dims[1] > 0 else None
        outputs = layer.attributes.get("OutMaps")
        bad = [f"{name} {value}" for name, value in (("input channels", channels), ("output channels", outputs))
               if isinstance(value, int) and value % multiple]
        if bad:
            yield (f"{precision} convolution {layer.name}: {' and '.join(bad)} not a multiple of {multiple}",
                   _location(context.plan, layer), {"input_channels": channels, "output_channels": outputs})


@rule("engine-reformat-converts-type", "engine", "info",
      "A reformat layer converts the data type (not a Q/DQ): precisions meet at a layer boundary",
      "make neighbouring layers agree on a precision (convert the model's precision consistently, or keep the "
      "boundary where it costs least)", needs=("layer details",))
def reformat_converts_type(context: LintContext):
    for layer in context.plan.layers:
        if layer.is_reformat and layer.origin != "QDQ":
            source, target = layer.input_precision, layer.output_precision
            if source and target and source != target:
                yield (f"{layer.name} converts {source} to {target}{_ms(layer)}", _location(context.plan, layer),
                       {"from": source, "to": target, "latency_ms": layer.timing.average_ms if layer.timing else None})


@rule("engine-slice-converts-type", "engine", "warning",
      "A slice layer converts the data type", "move the type conversion out of the slice, or slice in one precision",
      needs=("layer details",))
def slice_converts_type(context: LintContext):
    for layer in context.plan.layers:
        if layer.kind == "Slice" and layer.input_precision and layer.output_precision and \
                layer.input_precision != layer.output_precision:
            yield (f"slice {layer.name} converts {layer.input_precision} to {layer.output_precision}{_ms(layer)}",
                   _location(context.plan, layer), {})


@rule("engine-unfused-qdq", "engine", "warning",
      "A quantize or dequantize runs as its own layer instead of being fused into its neighbours",
      "quantize every input of the consumer (for example both sides of a residual Add) so TensorRT can fuse "
      "the Q/DQ into the producing and consuming layers", needs=("layer details",))
def unfused_qdq(context: LintContext):
    producers, _, _ = _graph(context.plan)
    for layer in context.plan.layers:
        standalone = (layer.is_reformat and layer.origin == "QDQ") or (
            layer.kind == "Scale" and re.search(r"(De)?[Qq]uantize", layer.name))
        if standalone and layer.inputs and layer.inputs[0].name in producers:
            yield (f"{layer.name} runs on its own ({layer.input_precision} to {layer.output_precision}){_ms(layer)}",
                   _location(context.plan, layer),
                   {"latency_ms": layer.timing.average_ms if layer.timing else None})


@rule("engine-residual-add-unquantized", "engine", "warning",
      "A quantized layer adds a floating-point input (an unquantized residual connection)",
      "add a Q/DQ pair on the residual branch of the Add, as the TREx ResNet QAT walk-through does, so the Add "
      "fuses into the convolution in INT8", needs=("layer details",))
def residual_add_unquantized(context: LintContext):
    for layer in context.plan.layers:
        if len(layer.inputs) < 2 or layer.compute_precision not in QUANTIZED_TYPES:
            continue
        floats = [tensor for tensor in layer.inputs[1:] if tensor.dtype in _FLOATS]
        if layer.inputs[0].dtype in QUANTIZED_TYPES and floats:
            yield (f"{layer.name} computes in {layer.compute_precision} but reads {floats[0].name} in "
                   f"{floats[0].dtype}{_ms(layer)}", _location(context.plan, layer), {"residual": floats[0].name})


@rule("engine-pooling-unquantized", "engine", "warning",
      "A pooling layer runs in floating point inside a quantized network",
      "quantize the pooling's input (a Q/DQ pair before MaxPool/AveragePool/GlobalAveragePool) so it runs in INT8 "
      "and no quantize/reformat surrounds it", needs=("layer details",))
def pooling_unquantized(context: LintContext):
    if not _has_quantized_layers(context.plan):
        return
    for layer in context.plan.layers:
        if layer.kind == "Pooling" or "Pooling" in (layer.type or ""):
            if layer.compute_precision in _FLOATS:
                yield (f"{layer.name} pools in {layer.compute_precision}{_ms(layer)}",
                       _location(context.plan, layer), {"precision": layer.compute_precision})


@rule("engine-reformat-share", "engine", "warning",
      "Reformat layers take more than a threshold share of the latency", "see the listed origins: make the "
      "neighbouring layers agree on formats and precisions", max_percent=10.0, needs=("per-layer times",))
def reformat_share(context: LintContext, max_percent: float):
    summary = context.summary
    if not summary.has_profile or not summary.total_layer_latency_ms:
        return
    share = 100.0 * summary.reformat_latency_ms / summary.total_layer_latency_ms
    if share > max_percent:
        slowest = sorted((info for info in summary.reformats if info.latency_ms is not None),
                         key=lambda info: -(info.latency_ms or 0.0))[:3]
        origins = "; ".join(f"{info.name} ({info.source} -> {info.target}, {info.latency_ms:.4f} ms)"
                            for info in slowest)
        yield (f"{len(summary.reformats)} reformat layers take {share:.1f}% of the latency "
               f"({summary.reformat_latency_ms:.4f} ms, above {max_percent:g}%): {origins}",
               _location(context.plan), {"percent": share, "latency_ms": summary.reformat_latency_ms})


@rule("engine-precision-island", "engine", "warning",
      "An FP32 layer sits inside a reduced-precision engine", "allow the layer a reduced precision (convert "
      "the model with it included), or accept its latency cost where accuracy needs FP32",
      needs=("layer details",))
def precision_island(context: LintContext):
    layers = context.plan.layers
    reduced = [layer for layer in layers if layer.compute_precision in REDUCED_PRECISIONS]
    if not reduced:
        return
    for layer in layers:
        if layer.compute_precision == "FP32" and layer.kind not in _PASSIVE_KINDS and not layer.is_reformat:
            yield (f"{layer.name} ({layer.kind}) computes in FP32 in an engine whose other layers use reduced "
                   f"precision{_ms(layer)}", _location(context.plan, layer),
                   {"latency_ms": layer.timing.average_ms if layer.timing else None})


@rule("engine-gemm-alignment", "engine", "info",
      "A reduced-precision GEMM/MatMul/fully-connected layer has dimensions that are not multiples of 8 (FP16/BF16) "
      "or 16 (INT8/FP8)", "pad the hidden sizes (K and N) to the multiple", needs=("layer details",))
def gemm_alignment(context: LintContext):
    for layer in context.plan.layers:
        precision = layer.compute_precision
        if not _is_gemm(layer) or precision not in REDUCED_PRECISIONS or not layer.inputs:
            continue
        multiple = 8 if precision in ("FP16", "BF16") else 16
        if _is_convolution(layer):
            dims = layer.inputs[0].dimensions
            sizes = {"K": dims[1] if dims and len(dims) > 1 else None, "N": layer.attributes.get("OutMaps")}
        else:
            first = layer.inputs[0].dimensions
            second = layer.inputs[1].dimensions if len(layer.inputs) > 1 else None
            output = layer.outputs[0].dimensions if layer.outputs else None
            sizes = {"K": first[-1] if first else None,
                     "N": (second or output or (None,))[-1]}
        bad = {name: value for name, value in sizes.items() if isinstance(value, int) and value > 0
               and value % multiple}
        if bad:
            yield (f"{precision} GEMM {layer.name}: " + ", ".join(f"{name}={value}" for name, value in bad.items())
                   + f" not a multiple of {multiple}", _location(context.plan, layer), dict(bad))


@rule("engine-myelin-share", "engine", "info",
      "Opaque Myelin (ForeignNode) layers take more than a threshold share of the latency",
      "their inside is not in the layer profile: profile with TensorRT 10+ detailed verbosity to see their "
      "sub-layers, or check the fused ONNX nodes in their metadata", max_percent=50.0,
      needs=("per-layer times",))
def myelin_share(context: LintContext, max_percent: float):
    summary = context.summary
    if not summary.has_profile or not summary.total_layer_latency_ms:
        return
    opaque = [layer for layer in context.plan.layers if layer.type == "Myelin" or layer.name.startswith("{ForeignNode")]
    share = 100.0 * sum(layer.latency_ms for layer in opaque) / summary.total_layer_latency_ms
    if opaque and share > max_percent:
        yield (f"{len(opaque)} Myelin ForeignNode layers take {share:.1f}% of the latency (above {max_percent:g}%)",
               _location(context.plan), {"percent": share})


@rule("engine-dominant-layer", "engine", "info",
      "One layer takes more than a threshold share of the latency", "look at this layer first: its tactic, "
      "precision and shapes", max_percent=25.0, needs=("per-layer times",))
def dominant_layer(context: LintContext, max_percent: float):
    total = context.summary.total_layer_latency_ms
    if not total:
        return
    for layer in context.plan.layers:
        share = 100.0 * layer.latency_ms / total
        if share > max_percent:
            yield (f"{layer.name} takes {share:.1f}% of the latency ({layer.latency_ms:.4f} ms)",
                   _location(context.plan, layer), {"percent": share})


@rule("engine-profiler-overhead", "engine", "info",
      "Per-layer latencies add up to far more than the end-to-end latency: per-layer profiling overhead",
      "do not trust the times of small layers; compare engines on end-to-end latency", max_ratio=1.25,
      needs=("per-layer times", "end-to-end latency"))
def profiler_overhead(context: LintContext, max_ratio: float):
    summary = context.summary
    end_to_end = summary.end_to_end.median if summary.end_to_end else None
    total = summary.total_layer_latency_ms
    if total is not None and end_to_end and total > max_ratio * end_to_end:
        ratio = summary.total_layer_latency_ms / end_to_end
        yield (f"per-layer latencies sum to {summary.total_layer_latency_ms:.4f} ms, {ratio:.2f}x the end-to-end "
               f"median of {end_to_end:.4f} ms ({summary.end_to_end_source})", _location(context.plan),
               {"ratio": ratio})

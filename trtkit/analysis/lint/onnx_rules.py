"""ONNX rules: what the TensorRT ONNX parser of the target version will refuse or handle badly, and Q/DQ
placement smells (the cases of the TREx ResNet-18 QAT walk-through)."""

from __future__ import annotations

from collections import defaultdict

from trtkit.analysis.lint import LintContext, Location, rule
from trtkit.analysis.onnx_operators import parser_support

_POOLING = {"MaxPool", "AveragePool", "GlobalAveragePool", "GlobalMaxPool", "LpPool"}
_QUANTIZED_COMPUTE = {"Conv", "ConvTranspose", "MatMul", "Gemm"}
_DEFAULT_DOMAINS = ("", "ai.onnx")


def _node_location(context: LintContext, node, index: int) -> Location:
    return Location("onnx-node", node.name or f"{node.op_type}#{index}", context.model_path)


def _graph_maps(graph):
    producers = {output: node for node in graph.node for output in node.output}
    consumers: dict[str, list] = defaultdict(list)
    for node in graph.node:
        for name in node.input:
            consumers[name].append(node)
    constants = {init.name for init in graph.initializer}
    constants.update(output for node in graph.node if node.op_type == "Constant" for output in node.output)
    return producers, consumers, constants


def _has_qdq(graph) -> bool:
    return any(node.op_type in ("QuantizeLinear", "DequantizeLinear") for node in graph.node)


@rule("onnx-unsupported-op", "onnx", "error",
      "An operator the TensorRT ONNX parser of the target version does not support (or a custom-domain operator "
      "that needs a plugin)", "replace it with supported operators (or fold it away in `trtkit convert`), or "
      "provide a TensorRT plugin and load it with build.plugins")
def unsupported_op(context: LintContext):
    support = parser_support(context.target)
    by_op: dict[tuple[str, str], list[int]] = defaultdict(list)
    for index, node in enumerate(context.model.graph.node):
        if node.domain not in _DEFAULT_DOMAINS:
            by_op[(node.domain, node.op_type)].append(index)
        elif node.op_type not in support.supported:
            by_op[("", node.op_type)].append(index)
    for (domain, op_type), indices in sorted(by_op.items()):
        node = context.model.graph.node[indices[0]]
        if domain:
            reason = f"custom-domain operator {domain}::{op_type} needs a TensorRT plugin"
        elif op_type in support.unsupported:
            reason = f"{op_type} is not supported by the TensorRT {context.target} ONNX parser ({support.source})"
        else:
            reason = f"{op_type} is not in the TensorRT {context.target} parser's operator table ({support.source})"
        yield (f"{reason}: {len(indices)} node(s), first {node.name or op_type}", _node_location(context, node,
                                                                                               indices[0]),
               {"op_type": op_type, "count": len(indices)})


@rule("onnx-broken-graph", "onnx", "error", "The main graph is not a runnable model: a node reads a tensor nothing "
      "produces, or the graph has no outputs", "re-export the model; check the exporter's warnings")
def broken_graph(context: LintContext):
    # without this rule lint passed models that no parser or runtime can load (every other rule found nothing)
    graph = context.model.graph
    if not graph.output:
        yield "the graph has no outputs", Location("file", "graph.output", context.model_path), {}
    known = {value.name for value in graph.input} | {init.name for init in graph.initializer}
    known |= {output for node in graph.node for output in node.output}
    for index, node in enumerate(graph.node):
        missing = [name for name in node.input if name and name not in known]  # "" is an omitted optional input
        if missing:
            yield (f"node {node.name or node.op_type} reads {', '.join(missing)}, which no node, input or initializer "
                   "produces", _node_location(context, node, index), {"tensors": missing})


@rule("onnx-opset-range", "onnx", "error", "The model's opset is outside what the target TensorRT parser supports",
      "convert the model to a supported opset (`trtkit convert` with convert.opset)")
def opset_range(context: LintContext):
    support = parser_support(context.target)
    for opset in context.model.opset_import:
        if opset.domain in _DEFAULT_DOMAINS and not support.min_opset <= opset.version <= support.max_opset:
            yield (f"opset {opset.version} is outside {support.min_opset}-{support.max_opset}, the range of the "
                   f"TensorRT {context.target} parser ({support.source})",
                   Location("file", "opset_import", context.model_path), {"opset": opset.version})


@rule("onnx-int64", "onnx", "info", "INT64 tensors or initializers: TensorRT 8 casts them to INT32, and INT64 "
      "inputs must be bound as INT64", "export with INT32 where values fit (indices, shapes), or check the casts")
def int64_tensors(context: LintContext):
    import onnx

    graph = context.model.graph
    inputs = [value for value in graph.input if value.type.tensor_type.elem_type == onnx.TensorProto.INT64
              and value.name not in {init.name for init in graph.initializer}]
    for value in inputs:
        yield (f"input {value.name} is INT64", Location("onnx-tensor", value.name, context.model_path), {})
    initializers = [init for init in graph.initializer if init.data_type == onnx.TensorProto.INT64]
    if initializers:
        yield (f"{len(initializers)} INT64 initializers (first {initializers[0].name})",
               Location("onnx-tensor", initializers[0].name, context.model_path), {"count": len(initializers)})


@rule("onnx-dynamic-without-profile", "onnx", "warning",
      "A dynamic input dimension has no optimization profile in the config",
      "add build.profiles with min/opt/max for it (`trtkit config init MODEL.onnx` writes a starting point)")
def dynamic_without_profile(context: LintContext):
    from trtkit.io.onnx_model import graph_inputs

    profiles: dict[str, set[str]] = {}
    if context.config is not None:
        profiles = {name: set(profile.min) for name, profile in context.config.build.profiles.items()}
    if not profiles and context.built_profiles:  # no config: the profiles its engine was built with
        profiles = context.built_profiles
    for spec in graph_inputs(context.model):
        if not spec.dims or not spec.dynamic_axes:
            continue
        missing = [name for name, inputs in profiles.items() if spec.name not in inputs]
        if not profiles or missing:
            dynamic = ", ".join(str(spec.dims[axis] or f"axis {axis}") for axis in spec.dynamic_axes)
            where = "no optimization profile is configured" if not profiles else f"profile(s) {', '.join(missing)} " \
                                                                                 "do not set it"
            yield (f"input {spec.name} has dynamic {dynamic}; {where}",
                   Location("onnx-tensor", spec.name, context.model_path), {"input": spec.name})


@rule("onnx-input-without-shape", "onnx", "error",
      "A graph input has no shape (unknown rank): the TensorRT ONNX parser takes it as a scalar",
      "export the model with the input's shape, naming its dynamic axes (torch.onnx.export dynamic_axes), or set "
      "it with onnx.tools.update_model_dims")
def input_without_shape(context: LintContext):
    # the dynamic-input rule cannot check such an input either, so lint passed models whose build then failed
    # (TensorRT-RTX 1.7 parses the input as rank 0 and refuses the first Conv)
    from trtkit.io.onnx_model import graph_inputs

    for spec in graph_inputs(context.model):
        if spec.dims is None and spec.dtype != "non-tensor":
            yield (f"input {spec.name} has no shape: TensorRT parses it as a scalar, and whether it needs an "
                   "optimization profile cannot be checked", Location("onnx-tensor", spec.name, context.model_path),
                   {"input": spec.name})


@rule("onnx-qdq-unpaired", "onnx", "warning",
      "A QuantizeLinear without a DequantizeLinear after it, or a DequantizeLinear with no QuantizeLinear (or "
      "quantized weights) before it", "place Q/DQ in pairs (TensorRT needs explicit QuantizeLinear -> "
      "DequantizeLinear around each quantized tensor)")
def qdq_unpaired(context: LintContext):
    graph = context.model.graph
    producers, consumers, constants = _graph_maps(graph)
    outputs = {value.name for value in graph.output}
    for index, node in enumerate(graph.node):
        if node.op_type == "QuantizeLinear":
            following = consumers.get(node.output[0], [])
            if node.output[0] not in outputs and not any(n.op_type == "DequantizeLinear" for n in following):
                yield (f"QuantizeLinear {node.name or index} has no DequantizeLinear after it",
                       _node_location(context, node, index), {})
        elif node.op_type == "DequantizeLinear":
            source = node.input[0]
            producer = producers.get(source)
            if source not in constants and (producer is None or producer.op_type != "QuantizeLinear"):
                yield (f"DequantizeLinear {node.name or index} reads {source}, which no QuantizeLinear produces",
                       _node_location(context, node, index), {})


def _dequantized(graph) -> set[str]:
    return {node.output[0] for node in graph.node if node.op_type == "DequantizeLinear"}


def _quantized_tensors(graph) -> set[str]:
    """Tensors a quantized network carries in INT8: DequantizeLinear outputs, and outputs of Conv/MatMul/Gemm
    whose data input is dequantized (TensorRT fuses the following Add into them)."""
    dequantized = _dequantized(graph)
    fused = {node.output[0] for node in graph.node
             if node.op_type in _QUANTIZED_COMPUTE and node.input and node.input[0] in dequantized}
    return dequantized | fused


@rule("onnx-qdq-residual-add", "onnx", "warning",
      "An Add in a quantized network has one input quantized and the other not (an unquantized residual "
      "connection)", "add a QuantizeLinear/DequantizeLinear pair on the residual input of the Add, so TensorRT "
      "fuses the Add into the convolution in INT8")
def qdq_residual_add(context: LintContext):
    graph = context.model.graph
    if not _has_qdq(graph):
        return
    quantized = _quantized_tensors(graph)
    _, _, constants = _graph_maps(graph)
    for index, node in enumerate(graph.node):
        if node.op_type != "Add":
            continue
        data = [name for name in node.input if name not in constants]
        if len(data) == 2 and (data[0] in quantized) != (data[1] in quantized):
            plain = data[1] if data[0] in quantized else data[0]
            yield (f"Add {node.name or index}: {plain} is not quantized while its other input is",
                   _node_location(context, node, index), {"unquantized_input": plain})


@rule("onnx-qdq-unquantized-pooling", "onnx", "warning",
      "A pooling node is left unquantized inside a quantized network",
      "add a QuantizeLinear/DequantizeLinear pair before the pooling (as the TREx walk-through does for global "
      "average pooling) so it runs in INT8 without reformats around it")
def qdq_unquantized_pooling(context: LintContext):
    graph = context.model.graph
    if not _has_qdq(graph):
        return
    dequantized = _dequantized(graph)
    for index, node in enumerate(graph.node):
        if node.op_type in _POOLING and node.input and node.input[0] not in dequantized:
            yield (f"{node.op_type} {node.name or index} reads {node.input[0]}, which is not dequantized",
                   _node_location(context, node, index), {})


@rule("onnx-fp32-for-reduced-build", "onnx", "error",
      "An FP32 model is headed for an FP16/BF16/INT8 build under TensorRT 11 or TensorRT-RTX, which build strongly "
      "typed networks only", "choose the precision in the model: set convert.precision (fp16, bf16) or "
      "convert.quantize, run `trtkit convert`, and build the converted model")
def fp32_for_reduced_build(context: LintContext):
    import onnx

    config = context.config
    if not context.strongly_typed_only or config is None or not config.build.precision:
        return
    reduced = {onnx.TensorProto.FLOAT16, onnx.TensorProto.BFLOAT16, onnx.TensorProto.INT8}
    graph = context.model.graph
    if any(init.data_type in reduced for init in graph.initializer) or any(
            node.op_type in ("QuantizeLinear", "DequantizeLinear") for node in graph.node):
        return
    yield (f"the model computes in FP32 but the config asks the builder for {', '.join(config.build.precision)}; "
           f"TensorRT {context.target} ignores builder precision flags", Location("file", "model", context.model_path),
           {"requested": list(config.build.precision)})


@rule("onnx-large-constant", "onnx", "warning", "A very large constant tensor",
      "keep large weights as initializers with external data, not Constant nodes; check it is not an "
      "accidentally folded activation", max_mib=256.0)
def large_constant(context: LintContext, max_mib: float):
    import onnx

    from trtkit.analysis.onnx_model import element_size

    limit = max_mib * 2**20
    graph = context.model.graph
    tensors = [(init.name, init) for init in graph.initializer]
    tensors += [(node.name or node.output[0], attribute.t) for node in graph.node if node.op_type == "Constant"
                for attribute in node.attribute if attribute.type == onnx.AttributeProto.TENSOR]
    for name, tensor in tensors:
        elements = 1
        for dim in tensor.dims:
            elements *= dim
        size = elements * element_size(tensor.data_type)
        if size > limit:
            yield (f"{name} holds {size / 2**20:.0f} MiB (above {max_mib:g} MiB)",
                   Location("onnx-tensor", name, context.model_path), {"bytes": size})


@rule("onnx-missing-shapes", "onnx", "info", "Tensors without shape information after ONNX shape inference",
      "run `trtkit convert` (shape inference and folding) or fix the exporter; TensorRT needs ranks it can infer")
def missing_shapes(context: LintContext):
    import onnx

    try:
        inferred = onnx.shape_inference.infer_shapes(context.model, strict_mode=False)
    except Exception as error:  # onnx raises many kinds here; report it as the finding
        yield (f"ONNX shape inference failed: {str(error).splitlines()[0][:200]}",
               Location("file", "graph", context.model_path), {})
        return
    graph = inferred.graph
    known = {value.name for value in [*graph.value_info, *graph.input, *graph.output]
             if value.type.tensor_type.HasField("shape")}
    known.update(init.name for init in graph.initializer)
    missing = [output for node in graph.node for output in node.output if output and output not in known]
    if missing:
        yield (f"{len(missing)} tensors have no shape after inference (first {missing[0]})",
               Location("onnx-tensor", missing[0], context.model_path), {"count": len(missing)})

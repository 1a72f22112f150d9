"""What is inside an ONNX model: opsets, inputs and outputs with dynamic dimensions, operator histogram,
parameters and bytes by data type, external data."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from trtkit.io.onnx_model import TensorSpec, dtype_name, graph_inputs, graph_outputs, load_onnx


@dataclass
class ParameterGroup:
    dtype: str
    tensors: int = 0
    elements: int = 0
    bytes: int = 0


@dataclass
class OnnxSummary:
    path: str
    ir_version: int
    producer: str
    opsets: dict[str, int]
    inputs: list[TensorSpec]
    outputs: list[TensorSpec]
    node_count: int
    op_histogram: list[tuple[str, int]]
    parameters: list[ParameterGroup] = field(default_factory=list)
    external_data_files: list[str] = field(default_factory=list)
    external_data_bytes: int = 0
    file_bytes: int = 0
    subgraph_nodes: int = 0

    @property
    def parameter_count(self) -> int:
        return sum(group.elements for group in self.parameters)


def element_size(elem_type: int) -> float:
    """Bytes per element of an ONNX tensor data type (0.5 for 4-bit types, 0 when unknown)."""
    import onnx

    sizes: dict[int, float]  # bytes per element; 4-bit types take half a byte
    sizes = {onnx.TensorProto.FLOAT: 4, onnx.TensorProto.FLOAT16: 2, onnx.TensorProto.BFLOAT16: 2,
             onnx.TensorProto.DOUBLE: 8, onnx.TensorProto.INT8: 1, onnx.TensorProto.UINT8: 1,
             onnx.TensorProto.INT16: 2, onnx.TensorProto.UINT16: 2, onnx.TensorProto.INT32: 4,
             onnx.TensorProto.UINT32: 4, onnx.TensorProto.INT64: 8, onnx.TensorProto.UINT64: 8,
             onnx.TensorProto.BOOL: 1}
    for name, size in (("FLOAT8E4M3FN", 1), ("FLOAT8E5M2", 1), ("INT4", 0.5), ("UINT4", 0.5), ("FLOAT4E2M1", 0.5)):
        if hasattr(onnx.TensorProto, name):
            sizes[getattr(onnx.TensorProto, name)] = size
    return sizes.get(elem_type, 0)


def _subgraph_nodes(graph) -> int:
    import onnx

    count = 0
    for node in graph.node:
        for attribute in node.attribute:
            if attribute.type == onnx.AttributeProto.GRAPH:
                count += len(attribute.g.node) + _subgraph_nodes(attribute.g)
            elif attribute.type == onnx.AttributeProto.GRAPHS:
                count += sum(len(sub.node) + _subgraph_nodes(sub) for sub in attribute.graphs)
    return count


def summarize_onnx(path: str | Path, model=None) -> OnnxSummary:
    """Summarize a model without loading external weights into memory."""
    import onnx

    path = Path(path)
    model = model if model is not None else load_onnx(path)
    graph = model.graph
    groups: dict[str, ParameterGroup] = {}
    external_files: dict[str, int] = {}
    for tensor in graph.initializer:
        elements = 1
        for dim in tensor.dims:
            elements *= dim
        group = groups.setdefault(dtype_name(tensor.data_type), ParameterGroup(dtype_name(tensor.data_type)))
        group.tensors += 1
        group.elements += elements
        group.bytes += int(elements * element_size(tensor.data_type))
        if tensor.data_location == onnx.TensorProto.EXTERNAL:
            info = {entry.key: entry.value for entry in tensor.external_data}
            location = info.get("location", "?")
            external_files[location] = external_files.get(location, 0) + int(info.get("length", 0) or 0)
    histogram = Counter(node.op_type if node.domain in ("", "ai.onnx") else f"{node.domain}::{node.op_type}"
                        for node in graph.node)
    return OnnxSummary(
        path=str(path), ir_version=model.ir_version,
        producer=" ".join(part for part in (model.producer_name, model.producer_version) if part),
        opsets={opset.domain or "ai.onnx": opset.version for opset in model.opset_import},
        inputs=graph_inputs(model), outputs=graph_outputs(model), node_count=len(graph.node),
        op_histogram=histogram.most_common(),
        parameters=sorted(groups.values(), key=lambda group: -group.bytes),
        external_data_files=sorted(external_files), external_data_bytes=sum(external_files.values()),
        file_bytes=path.stat().st_size, subgraph_nodes=_subgraph_nodes(graph),
    )


_COMPUTE_OPS = ("Conv", "ConvTranspose", "MatMul", "Gemm")


@dataclass
class PrecisionProfile:
    """What precision an ONNX model computes in (`trtkit convert` reports it for its output)."""

    nodes_by_dtype: dict[str, int]  # nodes by the data type of their first output
    weight_bytes_by_dtype: dict[str, int]
    qdq_pairs: int  # QuantizeLinear nodes
    dequantize_nodes: int
    quantized_compute_ops: dict[str, int]  # compute ops reading a dequantized input or weight, by op type
    unquantized_compute_ops: dict[str, int]


def precision_profile(model) -> PrecisionProfile:
    """What precision a (converted) model computes in: nodes by output data type, weight bytes by type,
    Q/DQ pairs, and which compute ops read a dequantized input or weight (are covered by Q/DQ)."""
    import onnx

    try:
        inferred = onnx.shape_inference.infer_shapes(model) if model.ByteSize() < 2**31 else model
    except Exception:  # shape inference raises many kinds; fall back to the model as given
        inferred = model
    graph = inferred.graph
    types = {value.name: value.type.tensor_type.elem_type for value in [*graph.value_info, *graph.input,
                                                                       *graph.output]}
    types.update({init.name: init.data_type for init in graph.initializer})
    nodes: dict[str, int] = {}
    for node in graph.node:
        elem = types.get(node.output[0]) if node.output else None
        key = dtype_name(elem) if elem else "unknown"
        nodes[key] = nodes.get(key, 0) + 1
    weights: dict[str, int] = {}
    for init in graph.initializer:
        elements = 1
        for dim in init.dims:
            elements *= dim
        key = dtype_name(init.data_type)
        weights[key] = weights.get(key, 0) + int(elements * element_size(init.data_type))
    dequantized = {node.output[0] for node in graph.node if node.op_type == "DequantizeLinear"}
    covered: dict[str, int] = {}
    uncovered: dict[str, int] = {}
    for node in graph.node:
        if node.op_type in _COMPUTE_OPS:  # activations or weights (weight-only INT4) through DequantizeLinear
            target = covered if any(name in dequantized for name in node.input[:2]) else uncovered
            target[node.op_type] = target.get(node.op_type, 0) + 1
    return PrecisionProfile(nodes, weights, sum(node.op_type == "QuantizeLinear" for node in graph.node),
                            sum(node.op_type == "DequantizeLinear" for node in graph.node), covered, uncovered)

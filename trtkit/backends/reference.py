"""The faithful reduced-precision reference runner: executes an FP16/BF16 ONNX model on the CPU rounding every
tensor the model holds in FP16/BF16 to that type at every node boundary, as TensorRT stores layer outputs.

onnxruntime's CPU provider is not faithful on its own: it lacks most FP16 kernels, wraps them in casts it inserts,
then drops the FP32->FP16->FP32 pairs between nodes, so an "FP16" model runs mostly in FP32. Here a copy of the
model computes every node in FP32 (reduced-precision weights and inputs widened exactly) and each reduced-precision
output is followed by an explicit Cast to FP16/BF16 and back: onnxruntime keeps explicit lossy cast pairs, so every
downstream node reads exactly the rounded value. Inside a node the arithmetic is FP32 (FP32 accumulation in GEMMs,
convolutions, reductions and normalizations), which is what TensorRT's FP16 tactics do on tensor cores.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from trtkit.errors import BackendUnavailableError, InputFileError

if TYPE_CHECKING:
    import numpy as np
    import onnx

ONNXRUNTIME_RUNNER = "onnxruntime-cpu"
REFERENCE_RUNNER = "trtkit-reference-{precision}"  # fp16, bf16 or fp16+bf16
ROUNDED_SUFFIX = "::trtkit_fp32"  # the unrounded FP32 value of a node's output, before its cast pair

# Ops whose output is exactly one of their (already rounded) inputs' values, or a selection of them: their
# outputs need no rounding, which saves a cast pair per reshape, transpose, ReLU and pooling node.
EXACT_OPS = frozenset({
    "Identity", "Reshape", "Transpose", "Squeeze", "Unsqueeze", "Flatten", "Concat", "Slice", "Split", "Gather",
    "GatherElements", "GatherND", "Expand", "Tile", "Relu", "MaxPool", "GlobalMaxPool", "Max", "Min", "Neg", "Abs",
    "ReduceMax", "ReduceMin", "Where", "DepthToSpace", "SpaceToDepth", "Constant", "ConstantOfShape",
})
_DTYPE_ATTRIBUTES = {"Cast": "to", "EyeLike": "dtype", "RandomNormal": "dtype", "RandomUniform": "dtype",
                     "RandomNormalLike": "dtype", "RandomUniformLike": "dtype", "Bernoulli": "dtype"}
_LARGE_MODEL = 1_800_000_000  # bytes: above this the rewritten copy goes to disk with external data


def _reduced_types() -> dict[int, str]:
    import onnx

    return {onnx.TensorProto.FLOAT16: "fp16", onnx.TensorProto.BFLOAT16: "bf16"}


def tensor_types(model: onnx.ModelProto) -> dict[str, int]:
    """The ONNX element type of every tensor of the main graph: declared, inferred by ONNX shape inference, else
    derived node by node (a Cast's `to`, otherwise its first typed input's type)."""
    import onnx

    types: dict[str, int] = {}
    try:
        inferred = onnx.shape_inference.infer_shapes(_without_weights(model), strict_mode=False)
    except Exception:
        inferred = model
    graph = inferred.graph
    for value in [*graph.input, *graph.output, *graph.value_info]:
        if value.type.HasField("tensor_type") and value.type.tensor_type.elem_type:
            types[value.name] = value.type.tensor_type.elem_type
    for init in model.graph.initializer:
        types[init.name] = init.data_type
    for node in model.graph.node:
        for output in node.output:
            if output and output not in types:
                types[output] = _derived_type(node, types)
    return {name: elem for name, elem in types.items() if elem}


def _without_weights(model: onnx.ModelProto) -> onnx.ModelProto:
    """A copy for shape inference: large initializers become typed graph inputs (inference needs the values of
    small ones only, shape operands; serializing every weight for it would cost seconds on a ResNet)."""
    import onnx
    from onnx import helper

    light = onnx.ModelProto()
    light.CopyFrom(model)
    graph = light.graph
    kept = [init for init in graph.initializer if init.data_location == onnx.TensorProto.EXTERNAL
            or len(init.raw_data) <= 4096]
    moved = [init for init in graph.initializer if init.data_location != onnx.TensorProto.EXTERNAL
             and len(init.raw_data) > 4096]
    inputs = {value.name for value in graph.input}
    graph.input.extend(helper.make_tensor_value_info(init.name, init.data_type, list(init.dims))
                       for init in moved if init.name not in inputs)
    del graph.initializer[:]
    graph.initializer.extend(kept)
    return light


def _derived_type(node: onnx.NodeProto, types: dict[str, int]) -> int:
    import onnx

    for attribute in node.attribute:
        if attribute.name == _DTYPE_ATTRIBUTES.get(node.op_type):
            return attribute.i
        if node.op_type == "Constant" and attribute.name == "value":
            return attribute.t.data_type
    if node.op_type in ("Shape", "Size", "ArgMax", "ArgMin", "NonZero"):
        return onnx.TensorProto.INT64
    return next((types[name] for name in node.input if name in types), 0)


def reduced_precision(model: onnx.ModelProto, types: dict[str, int] | None = None) -> str | None:
    """'fp16', 'bf16' or 'fp16+bf16': the reduced float types the model holds (weights or tensors); None if none."""
    reduced = _reduced_types()
    types = tensor_types(model) if types is None else types
    found = {reduced[elem] for elem in [*types.values(), *_nested_types(model)] if elem in reduced}
    return "+".join(sorted(found, key=("fp16", "bf16").index)) or None


def _nested_types(model: onnx.ModelProto) -> set[int]:
    """The element types named inside the model's subgraphs (If/Loop/Scan bodies) and local functions, which
    `tensor_types` (the main graph's) does not see: an FP32 graph around an FP16 body is still an FP16 model."""
    graphs = [graph for node in model.graph.node for graph in _node_graphs(node)]
    return {elem for graph in graphs for elem in _graph_types(graph.node, graph)} | {
        elem for function in model.functions for elem in _graph_types(function.node, None)}


def _node_graphs(node: onnx.NodeProto) -> list[onnx.GraphProto]:
    import onnx

    return [graph for attribute in node.attribute for graph in (
        [attribute.g] if attribute.type == onnx.AttributeProto.GRAPH else
        list(attribute.graphs) if attribute.type == onnx.AttributeProto.GRAPHS else [])]


def _graph_types(nodes: Any, graph: onnx.GraphProto | None) -> set[int]:
    """Declared value types, initializer types, dtype attributes and constant tensors of a body, nested ones too."""
    found: set[int] = set()
    if graph is not None:
        found |= {value.type.tensor_type.elem_type for value in [*graph.input, *graph.output, *graph.value_info]}
        found |= {init.data_type for init in graph.initializer}
    for node in nodes:
        for attribute in node.attribute:
            if attribute.name == _DTYPE_ATTRIBUTES.get(node.op_type):
                found.add(attribute.i)
            elif attribute.t.data_type:
                found.add(attribute.t.data_type)
        for inner in _node_graphs(node):
            found |= _graph_types(inner.node, inner)
    return found


def runner_for(model: onnx.ModelProto, types: dict[str, int] | None = None) -> str:
    """The runner trtkit verifies this model with: the reference runner where it holds FP16/BF16 tensors,
    onnxruntime otherwise (FP32, and Q/DQ models, whose quantized arithmetic onnxruntime's kernels carry out)."""
    precision = reduced_precision(model, types)
    return REFERENCE_RUNNER.format(precision=precision) if precision else ONNXRUNTIME_RUNNER


def faithful_model(model: onnx.ModelProto, types: dict[str, int] | None = None) -> onnx.ModelProto:
    """A copy of `model` computed in FP32 with every FP16/BF16 node output rounded through an explicit cast pair;
    tensor names are kept (the rounded value carries the original name). Graph inputs and outputs become FP32."""
    import onnx
    from onnx import helper

    reduced = _reduced_types()
    types = tensor_types(model) if types is None else types
    copy = onnx.ModelProto()
    copy.CopyFrom(model)
    graph = copy.graph
    for node in graph.node:
        if any(elem in reduced for inner in _node_graphs(node) for elem in _graph_types(inner.node, inner)):
            raise BackendUnavailableError(
                f"node {node.name or node.op_type} has an FP16/BF16 subgraph, which the reference runner does "
                "not rewrite", "keep that node in FP32 (convert.keep_fp32_nodes) or verify on a GPU")
    for function in model.functions:
        if any(elem in reduced for elem in _graph_types(function.node, None)):
            raise BackendUnavailableError(
                f"function {function.name} computes in FP16/BF16, which the reference runner does not rewrite",
                "inline the function (onnx.inliner) or verify on a GPU")
    for init in graph.initializer:
        if init.data_type in reduced:
            init.CopyFrom(_widened(init))
    for value in [*graph.input, *graph.output]:
        if value.type.tensor_type.elem_type in reduced:
            value.type.tensor_type.elem_type = onnx.TensorProto.FLOAT
    del graph.value_info[:]  # stale FP16 types would contradict the FP32 copy; onnxruntime infers them again
    nodes = []
    for node in graph.node:
        _widen_attributes(node, reduced)
        rounding = []
        for index, output in enumerate(node.output):
            elem = types.get(output)
            if not output or elem not in reduced or node.op_type in EXACT_OPS:
                continue
            unrounded, narrow = output + ROUNDED_SUFFIX, output + "::trtkit_" + reduced[elem]
            node.output[index] = unrounded
            rounding += [helper.make_node("Cast", [unrounded], [narrow], name=narrow, to=elem),
                         helper.make_node("Cast", [narrow], [output], name=output + "::trtkit_widen",
                                          to=onnx.TensorProto.FLOAT)]
        nodes += [node, *rounding]
    del graph.node[:]
    graph.node.extend(nodes)
    return copy


def _widened(init: onnx.TensorProto) -> onnx.TensorProto:
    import numpy as np
    from onnx import numpy_helper

    return numpy_helper.from_array(numpy_helper.to_array(init).astype(np.float32), init.name)


def _widen_attributes(node: onnx.NodeProto, reduced: dict[int, str]) -> None:
    """Attributes that produce reduced-precision values (a Cast's `to`, a constant's tensor) produce FP32."""
    import onnx

    for attribute in node.attribute:
        if attribute.name == _DTYPE_ATTRIBUTES.get(node.op_type) and attribute.i in reduced:
            attribute.i = onnx.TensorProto.FLOAT
        elif attribute.type == onnx.AttributeProto.TENSOR and attribute.t.data_type in reduced:
            attribute.t.CopyFrom(_widened(attribute.t))


def run_reference(model_path: Path, feeds: list[dict[str, Any]], mark: list[str] | None = None,
                  model: onnx.ModelProto | None = None,
                  types: dict[str, int] | None = None) -> list[dict[str, np.ndarray]]:
    """The outputs of the FP16/BF16 model at `model_path` for each feed, computed by the faithful rewrite; `mark`
    adds intermediate tensors (by their names in the model) to the outputs. Values come back in the model's types.
    `model` (weights loaded) and its `types` save loading and typing it again."""
    import numpy as np

    from trtkit.backends.onnxrt import run_session
    from trtkit.io.onnx_model import load_onnx

    model = model if model is not None else load_onnx(model_path, load_weights=True)
    types = tensor_types(model) if types is None else types
    faithful = faithful_model(model, types)
    declared = [output.name for output in model.graph.output]
    names = declared + [name for name in (mark or []) if name not in declared]
    add_outputs(faithful, [name for name in names if name not in declared], types, widen=True)
    inputs = {value.name: value.type.tensor_type.elem_type for value in model.graph.input}
    session = _session(faithful, model_path)
    wanted = {tensor.name for tensor in session.get_inputs()}
    results = []
    for feed in feeds:
        arrays = run_session(session, names, {name: _rounded(np.asarray(value), inputs.get(name))
                                              for name, value in feed.items() if name in wanted}, model_path)
        results.append({name: _narrowed(array, types.get(name)) for name, array in zip(names, arrays, strict=True)})
    return results


def add_outputs(model: onnx.ModelProto, names: list[str], types: dict[str, int], widen: bool = False) -> None:
    """Make intermediate tensors graph outputs (typed from `types`; FP16/BF16 declared FP32 when `widen`)."""
    import onnx
    from onnx import helper

    reduced = _reduced_types()
    for name in names:
        elem = types.get(name, onnx.TensorProto.FLOAT)
        elem = onnx.TensorProto.FLOAT if widen and elem in reduced else elem
        model.graph.output.append(helper.make_tensor_value_info(name, elem, None))


def _rounded(array: np.ndarray, elem: int | None) -> np.ndarray:
    """A feed for a reduced-precision input, rounded to that type and widened (the model input holds it rounded)."""
    import numpy as np

    dtype = _numpy_type(elem)
    return array.astype(dtype).astype(np.float32) if dtype is not None else array


def _narrowed(array: np.ndarray, elem: int | None) -> np.ndarray:
    dtype = _numpy_type(elem)
    return array.astype(dtype) if dtype is not None else array


def _numpy_type(elem: int | None) -> Any:
    import ml_dtypes
    import numpy as np
    import onnx

    if elem == onnx.TensorProto.FLOAT16:
        return np.float16
    if elem == onnx.TensorProto.BFLOAT16:
        return ml_dtypes.bfloat16
    return None


def _session(model: onnx.ModelProto, source: Path) -> Any:
    """An onnxruntime CPU session of an in-memory model (through a temporary file above protobuf's 2 GB)."""
    from trtkit.backends.onnxrt import quiet_session_options

    onnxruntime, options = quiet_session_options()
    # basic level: constant folding and no-op eliminations only; no fusion may bypass a rounding cast pair
    options.graph_optimization_level = onnxruntime.GraphOptimizationLevel.ORT_ENABLE_BASIC
    try:
        if model.ByteSize() < _LARGE_MODEL:
            return onnxruntime.InferenceSession(model.SerializeToString(), options,
                                                providers=["CPUExecutionProvider"])
        import tempfile

        import onnx

        with tempfile.TemporaryDirectory(prefix="trtkit-reference-") as scratch:
            path = Path(scratch) / "faithful.onnx"
            onnx.save(model, str(path), save_as_external_data=True, location="faithful.onnx.data")
            return onnxruntime.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])
    except Exception as error:
        message = " ".join(str(error).split())[:200]
        raise InputFileError(f"the reference runner cannot execute {source} ({message})", "check the model") from None


def run_model(model_path: Path, feeds: list[dict[str, Any]], mark: list[str] | None = None,
              model: onnx.ModelProto | None = None) -> tuple[str, list[dict[str, np.ndarray]]]:
    """Run an ONNX model with the runner trtkit verifies it with (`runner_for`); returns the runner's name and
    the outputs per feed (`mark`: intermediate tensors to add to them; `model`: the model, weights loaded)."""
    import onnx

    from trtkit.backends.onnxrt import run_onnx
    from trtkit.io.onnx_model import load_onnx

    if model is None:
        model = load_onnx(model_path)  # external weights stay on disk unless a runner needs them in memory
        external = any(init.data_location == onnx.TensorProto.EXTERNAL for init in model.graph.initializer)
        if external and (mark or reduced_precision(model)):
            model = load_onnx(model_path, load_weights=True)
    types = tensor_types(model)
    runner = runner_for(model, types)
    if runner == ONNXRUNTIME_RUNNER:
        return runner, run_onnx(model_path, feeds, mark, model, types)
    return runner, run_reference(model_path, feeds, mark, model, types)

"""Reading ONNX models: one-line errors for missing or corrupt files, and their graph inputs."""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from trtkit.errors import InputFileError
from trtkit.io.paths import require_regular_file

if TYPE_CHECKING:
    import onnx

Dim = int | str | None  # a fixed size, a named dynamic dimension, or an unnamed dynamic one


@dataclass(frozen=True)
class TensorSpec:
    name: str
    dtype: str
    dims: tuple[Dim, ...] | None  # None: the model does not give a shape

    @property
    def dynamic_axes(self) -> list[int]:
        return [axis for axis, dim in enumerate(self.dims or ()) if not isinstance(dim, int)]


def load_onnx(path: str | Path, load_weights: bool = False) -> onnx.ModelProto:
    """Load an ONNX model; external weights are left on disk unless `load_weights`."""
    import onnx
    from google.protobuf.json_format import Error as JsonFormatError
    from google.protobuf.message import DecodeError

    path = require_regular_file(path, "ONNX model")
    try:
        model = onnx.load(str(path), load_external_data=False)
        if not model.HasField("graph"):  # an empty file, or bytes that happen to decode to an empty message
            what = "an empty file" if path.stat().st_size == 0 else "no graph in it"
            raise InputFileError(f"{path} is not an ONNX model ({what})", "re-export it or check the file is complete")
        refuse_escaping_external_data(model, path)  # before any weight is read, by onnx or by the caller
        if load_weights:  # onnx's own refusal of a missing file is a checker ValidationError, no ValueError
            refuse_missing_external_data(model, path)
            onnx.load_external_data_for_model(model, str(path.parent))
        return model
    except (DecodeError, JsonFormatError, ValueError, RuntimeError) as error:  # onnx reads *.json as JSON
        reason = " ".join(str(error).split())[:160] or type(error).__name__
        raise InputFileError(f"{path} is not a readable ONNX model ({reason})",
                             "re-export it or check the file is complete") from None
    except OSError as error:
        raise InputFileError(f"cannot read {path}: {error.strerror or error}", "check the file") from None


def check_external_data_locations(path: str | Path) -> None:
    """For readers that hand the path to another parser (TensorRT's): exit 3 when the model at `path` keeps
    external data outside its folder. A model without external data has no `location` key in its bytes, so it is
    found without parsing it (~10 ms for 50 MB); one with external data is parsed, weights left on disk."""
    import mmap

    path = require_regular_file(path, "ONNX model")
    try:
        with path.open("rb") as handle:
            if os.fstat(handle.fileno()).st_size == 0:
                return  # nothing to refuse; the parser says what is wrong with an empty file
            with mmap.mmap(handle.fileno(), 0, access=mmap.ACCESS_READ) as data:
                if data.find(b"location") < 0:
                    return
    except OSError as error:
        raise InputFileError(f"cannot read {path}: {error.strerror or error}", "check the file") from None
    load_onnx(path)


def refuse_escaping_external_data(model: onnx.ModelProto, path: str | Path) -> None:
    """Refuse a tensor whose external data is an absolute path or resolves (after symlinks) outside the folder of
    the model at `path`: reading it would copy an arbitrary file (`../../etc/passwd`) into the outputs."""
    folder = Path(path).parent.resolve()
    for name, location in external_data_locations(model):
        try:
            inside = not Path(location).is_absolute() and (folder / location).resolve().is_relative_to(folder)
        except (ValueError, OSError):  # a NUL byte, a symlink loop
            inside = False
        if not inside:
            raise InputFileError(f"{path}: tensor {name!r} keeps its data at {location!r}, outside the "
                                 f"model's folder {folder}", "external data must be a relative path inside the "
                                 "model's folder; refusing to read it")


def refuse_missing_external_data(model: onnx.ModelProto, path: str | Path) -> None:
    """Exit 3 naming the first tensor whose external data file is not beside the model at `path`."""
    folder = Path(path).parent
    for name, location in external_data_locations(model):
        if not (folder / location).is_file():
            raise InputFileError(f"{path}: tensor {name!r} keeps its data in {location!r}, which is not beside "
                                 "the model", "keep the external data file(s) next to the model: ONNX resolves "
                                 "them relative to the model file")


def refuse_cycles(model: onnx.ModelProto, path: str | Path) -> None:
    """Exit 3 when the main graph has a cycle (a node that needs its own output, through others): no tool can
    order or run it."""
    producers = {output: index for index, node in enumerate(model.graph.node) for output in node.output if output}
    waiting_on = [{producers[name] for name in node.input if name in producers} for node in model.graph.node]
    users: dict[int, list[int]] = {}
    for index, needed in enumerate(waiting_on):
        for producer in needed:
            users.setdefault(producer, []).append(index)
    ready = [index for index, needed in enumerate(waiting_on) if not needed]
    done = 0
    while ready:
        index = ready.pop()
        done += 1
        for user in users.get(index, []):
            waiting_on[user].discard(index)
            if not waiting_on[user]:
                ready.append(user)
    if done < len(waiting_on):
        stuck = [node.name or node.op_type for node, needed in zip(model.graph.node, waiting_on, strict=True)
                 if needed]
        raise InputFileError(f"{path}: the graph has a cycle through node(s) {', '.join(stuck[:5])}",
                             "re-export the model; an ONNX graph must be acyclic")


def external_data_locations(model: onnx.ModelProto) -> Iterator[tuple[str, str]]:
    """(tensor name, location) of every tensor whose data is in an external file."""
    import onnx

    for tensor in _all_tensors(model):
        if tensor.data_location != onnx.TensorProto.EXTERNAL:
            continue
        location = next((entry.value for entry in tensor.external_data if entry.key == "location"), None)
        if location is not None:
            yield tensor.name, location


def _all_tensors(model: onnx.ModelProto) -> Iterator[onnx.TensorProto]:
    """Every tensor of the model that can hold external data: initializers, sparse initializers and node
    attributes, in the main graph, its subgraphs and the model's functions."""
    import onnx

    graphs: list[onnx.GraphProto | onnx.FunctionProto] = [model.graph, *model.functions]
    while graphs:
        graph = graphs.pop()
        if not isinstance(graph, onnx.FunctionProto):
            yield from graph.initializer
            for sparse in graph.sparse_initializer:
                yield from (sparse.values, sparse.indices)
        for node in graph.node:
            for attribute in node.attribute:
                yield from (attribute.t, *attribute.tensors, attribute.sparse_tensor.values,
                            attribute.sparse_tensor.indices)
                for sparse in attribute.sparse_tensors:
                    yield from (sparse.values, sparse.indices)
                graphs.extend((attribute.g, *attribute.graphs))


def dtype_name(elem_type: int) -> str:
    """numpy's name of an ONNX element type (float32, float16, bfloat16, int64...), else ONNX's own."""
    import onnx

    if not elem_type:
        return "undefined"
    try:
        return onnx.helper.tensor_dtype_to_np_dtype(elem_type).name
    except (KeyError, ValueError, TypeError):
        return onnx.TensorProto.DataType.Name(elem_type).lower()


def graph_inputs(model: onnx.ModelProto) -> list[TensorSpec]:
    """The real inputs of the graph (initializers listed as inputs by old exporters are left out)."""
    initializers = {init.name for init in model.graph.initializer}
    result = []
    for value in model.graph.input:
        if value.name in initializers:
            continue
        result.append(_tensor_spec(value))
    return result


def graph_outputs(model: onnx.ModelProto) -> list[TensorSpec]:
    return [_tensor_spec(value) for value in model.graph.output]


def _tensor_spec(value: onnx.ValueInfoProto) -> TensorSpec:
    tensor_type = value.type.tensor_type
    dtype = dtype_name(tensor_type.elem_type) if value.type.HasField("tensor_type") else "non-tensor"
    if not tensor_type.HasField("shape"):
        return TensorSpec(value.name, dtype, None)
    dims: list[Dim] = []
    for dim in tensor_type.shape.dim:
        if dim.HasField("dim_value") and dim.dim_value >= 0:
            dims.append(int(dim.dim_value))
        elif dim.HasField("dim_param") and dim.dim_param:
            dims.append(dim.dim_param)
        else:
            dims.append(None)
    return TensorSpec(value.name, dtype, tuple(dims))

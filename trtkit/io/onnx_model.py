"""Reading ONNX models: one-line errors for missing or corrupt files, and their graph inputs."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from trtkit.errors import InputFileError

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

    path = Path(path)
    if not path.is_file():
        raise InputFileError(f"ONNX model {path} does not exist", "check the path")
    try:
        return onnx.load(str(path), load_external_data=load_weights)
    except (DecodeError, JsonFormatError, ValueError, RuntimeError) as error:  # onnx reads *.json as JSON
        reason = " ".join(str(error).split())[:160] or type(error).__name__
        raise InputFileError(f"{path} is not a readable ONNX model ({reason})",
                             "re-export it or check the file is complete") from None
    except OSError as error:
        raise InputFileError(f"cannot read {path}: {error.strerror or error}", "check the file") from None


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

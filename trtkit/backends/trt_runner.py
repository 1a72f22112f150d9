"""Run a serialized engine on feeds with TensorRT or TensorRT-RTX (GPU only), the way Polygraphy's TrtRunner
does with the TensorRT 10/11 API: set_input_shape, set_tensor_address, execute_async_v3."""

from __future__ import annotations

from pathlib import Path

from trtkit.errors import BackendUnavailableError, InputFileError

# TensorRT data types -> numpy dtype names (FP8/FP4/INT4 outputs are not read back as numpy arrays)
_NUMPY = {"FLOAT": "float32", "HALF": "float16", "INT8": "int8", "INT32": "int32", "INT64": "int64", "BOOL": "bool",
          "UINT8": "uint8", "BF16": "bfloat16"}


def run_engine(path: Path, feeds: list[dict], requested: str = "auto", profile: int = 0) -> list[dict]:
    """The engine's outputs for each feed; needs a GPU, TensorRT (or TensorRT-RTX off compute capability 9.0)
    and cuda-python."""
    import numpy as np

    from trtkit.backends.cuda import DeviceBuffer, Stream
    from trtkit.backends.tensorrt import load_engine

    trt, engine = load_engine(path, requested, "running the engine",
                              "compare its ONNX model here, or run on a GPU machine with TensorRT")
    context = engine.create_execution_context()
    stream = Stream()
    names = [engine.get_tensor_name(index) for index in range(engine.num_io_tensors)]
    inputs = [name for name in names if engine.get_tensor_mode(name) == trt.TensorIOMode.INPUT]
    outputs = [name for name in names if engine.get_tensor_mode(name) == trt.TensorIOMode.OUTPUT]
    if profile:
        context.set_optimization_profile_async(profile, stream.handle)
    results = []
    try:
        for feed in feeds:
            missing = [name for name in inputs if name not in feed]
            if missing:
                raise InputFileError(f"the inputs lack {', '.join(missing)} for {path}",
                                     f"the engine's inputs are {', '.join(inputs)}")
            buffers: list[DeviceBuffer | tuple[str, DeviceBuffer]] = []  # outputs with their names
            try:
                for name in inputs:
                    array = np.ascontiguousarray(feed[name], dtype=numpy_dtype(trt, engine, name))
                    context.set_input_shape(name, array.shape)
                    buffer = DeviceBuffer(array.nbytes)
                    buffer.upload(array, stream.handle)
                    context.set_tensor_address(name, buffer.address)
                    buffers.append(buffer)
                host = {}
                for name in outputs:
                    host[name] = np.empty(tuple(context.get_tensor_shape(name)), dtype=numpy_dtype(trt, engine, name))
                    buffer = DeviceBuffer(host[name].nbytes)
                    context.set_tensor_address(name, buffer.address)
                    buffers.append((name, buffer))
                if not context.execute_async_v3(stream.handle):
                    raise BackendUnavailableError(f"TensorRT failed to run {path}", "run with --debug and check the "
                                                                                   "TensorRT log")
                for entry in buffers:
                    if isinstance(entry, tuple):
                        entry[1].download(host[entry[0]], stream.handle)
                stream.synchronize()
                results.append(host)
            finally:
                for entry in buffers:
                    (entry[1] if isinstance(entry, tuple) else entry).free()
    finally:
        stream.destroy()
    return results


def numpy_dtype(trt, engine, name: str):
    import numpy as np

    kind = engine.get_tensor_dtype(name).name
    if kind not in _NUMPY:
        raise BackendUnavailableError(f"tensor {name} is {kind}, which numpy cannot hold",
                                      "compare a tensor of a float or integer type")
    if kind == "BF16":
        import ml_dtypes  # noqa: F401 - registers bfloat16 with numpy (a dependency of onnx)
    return np.dtype(_NUMPY[kind])

"""onnxruntime on the CPU: run an ONNX model on feeds and return its outputs by name."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from trtkit.errors import BackendUnavailableError, InputFileError


def run_onnx(model: Path, feeds: list[dict], mark: list[str] | None = None) -> list[dict]:
    """The model's outputs for each feed (CPU execution provider); `mark` adds intermediate tensors by name."""
    try:
        import onnxruntime
    except ImportError:
        raise BackendUnavailableError("onnxruntime is not installed", "pip install onnxruntime") from None
    quiet_onnxruntime()
    options = onnxruntime.SessionOptions()
    options.log_severity_level = 3
    try:
        source: Any = str(model)
        if mark:
            source = _marked(model, mark)
        session = onnxruntime.InferenceSession(source, options, providers=["CPUExecutionProvider"])
    except Exception as error:  # noqa: BLE001 - onnxruntime raises its own exception types per failure
        message = " ".join(str(error).split())[:200]
        if "NOT_IMPLEMENTED" in message or "Could not find an implementation" in message:
            raise BackendUnavailableError(f"onnxruntime has no CPU kernel for an operator of {model} ({message})",
                                          "compare on a GPU with TensorRT, or keep that operator in FP32") from None
        raise InputFileError(f"onnxruntime cannot load {model} ({message})", "check the model") from None
    names = [output.name for output in session.get_outputs()]
    wanted = {tensor.name for tensor in session.get_inputs()}
    results = []
    for feed in feeds:
        arrays = session.run(names, {name: value for name, value in feed.items() if name in wanted})
        results.append(dict(zip(names, arrays, strict=True)))
    return results


def _marked(model: Path, mark: list[str]) -> bytes:
    """The serialized model with the `mark` tensors added to its outputs (onnxruntime keeps a graph output alive
    through its fusions, so each marked tensor holds the value the unfused node computes)."""
    from trtkit.backends.reference import add_outputs, tensor_types
    from trtkit.io.onnx_model import load_onnx

    loaded = load_onnx(model, load_weights=True)
    declared = {output.name for output in loaded.graph.output}
    add_outputs(loaded, [name for name in mark if name not in declared], tensor_types(loaded))
    return loaded.SerializeToString()


def quiet_onnxruntime() -> None:
    """Keep onnxruntime's C++ warnings (graph optimizer notes) off the user's terminal."""
    import onnxruntime

    onnxruntime.set_default_logger_severity(3)

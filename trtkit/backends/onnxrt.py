"""onnxruntime on the CPU: run an ONNX model on feeds and return its outputs by name."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from trtkit.errors import BackendUnavailableError, InputFileError


def quiet_session_options() -> tuple[Any, Any]:
    """onnxruntime (exit 4 when it is not installed), quieted, and session options that log nothing but fatal
    errors."""
    try:
        import onnxruntime
    except ImportError:
        raise BackendUnavailableError("onnxruntime is not installed", "pip install onnxruntime") from None
    quiet_onnxruntime()
    options = onnxruntime.SessionOptions()
    # fatal only: an error is also raised, and trtkit says it in one line; logged, it reached stderr from the API
    options.log_severity_level = 4
    return onnxruntime, options


def run_onnx(model: Path, feeds: list[dict], mark: list[str] | None = None, loaded: Any = None,
             types: dict[str, int] | None = None) -> list[dict]:
    """The model's outputs for each feed (CPU execution provider); `mark` adds intermediate tensors by name
    (`loaded`: the model's proto with its weights, and `types` its tensor types, where the caller has them)."""
    onnxruntime, options = quiet_session_options()
    try:
        source: Any = str(model)
        if mark:
            source = _marked(model, mark, loaded, types)
        session = onnxruntime.InferenceSession(source, options, providers=["CPUExecutionProvider"])
    except Exception as error:  # onnxruntime raises its own exception types per failure
        message = " ".join(str(error).split())[:200]
        if "NOT_IMPLEMENTED" in message or "Could not find an implementation" in message:
            raise BackendUnavailableError(f"onnxruntime has no CPU kernel for an operator of {model} ({message})",
                                          "compare on a GPU with TensorRT, or keep that operator in FP32") from None
        raise InputFileError(f"onnxruntime cannot load {model} ({message})", "check the model") from None
    names = [output.name for output in session.get_outputs()]
    wanted = {tensor.name for tensor in session.get_inputs()}
    results = []
    for feed in feeds:
        arrays = run_session(session, names, {name: value for name, value in feed.items() if name in wanted}, model)
        results.append(dict(zip(names, arrays, strict=True)))
    return results


def run_session(session: Any, names: list[str], feed: dict, model: Path) -> list:
    """One run of an onnxruntime session; inputs it rejects (shape, type) are a one-line input error."""
    try:
        return session.run(names, feed)
    except Exception as error:
        message = " ".join(str(error).split())[:240]
        raise InputFileError(f"onnxruntime cannot run {model} on these inputs ({message})",
                             "give inputs of the model's shapes and types (--shapes, --data)") from None


def _marked(model: Path, mark: list[str], loaded: Any, types: dict[str, int] | None) -> bytes:
    """The serialized model with the `mark` tensors added to its outputs (onnxruntime keeps a graph output alive
    through its fusions, so each marked tensor holds the value the unfused node computes)."""
    import onnx

    from trtkit.backends.reference import add_outputs, tensor_types
    from trtkit.io.onnx_model import load_onnx

    marked = onnx.ModelProto()
    marked.CopyFrom(loaded if loaded is not None else load_onnx(model, load_weights=True))
    declared = {output.name for output in marked.graph.output}
    add_outputs(marked, [name for name in mark if name not in declared],
                tensor_types(marked) if types is None else types)
    return marked.SerializeToString()


def quiet_onnxruntime() -> None:
    """Keep onnxruntime's C++ warnings (graph optimizer notes) off the user's terminal."""
    import onnxruntime

    onnxruntime.set_default_logger_severity(3)

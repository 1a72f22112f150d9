"""onnxruntime on the CPU: run an ONNX model on feeds and return its outputs by name."""

from __future__ import annotations

from pathlib import Path

from trtkit.errors import BackendUnavailableError, InputFileError


def run_onnx(model: Path, feeds: list[dict]) -> list[dict]:
    """The model's outputs for each feed (CPU execution provider)."""
    try:
        import onnxruntime
    except ImportError:
        raise BackendUnavailableError("onnxruntime is not installed", "pip install onnxruntime") from None
    quiet_onnxruntime()
    options = onnxruntime.SessionOptions()
    options.log_severity_level = 3
    try:
        session = onnxruntime.InferenceSession(str(model), options, providers=["CPUExecutionProvider"])
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
        arrays = session.run(names, {name: value for name, value in feed.items() if name in wanted})
        results.append(dict(zip(names, arrays, strict=True)))
    return results


def quiet_onnxruntime() -> None:
    """Keep onnxruntime's C++ warnings (graph optimizer notes) off the user's terminal."""
    import onnxruntime

    onnxruntime.set_default_logger_severity(3)

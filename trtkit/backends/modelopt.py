"""NVIDIA Model Optimizer behind a thin wrapper: AutoCast for FP16/BF16 mixed precision and ONNX PTQ for
INT8/FP8/INT4 Q/DQ, both run on the CPU (onnxruntime's CPU execution provider)."""

from __future__ import annotations

import contextlib
import importlib.util
import os
import sys
from pathlib import Path

from trtkit.errors import BackendUnavailableError

INSTALL = "pip install torch==2.13.0 'trtkit[modelopt]'  (CPU PyTorch first; see the README)"


def modelopt_missing() -> str | None:
    """Why convert cannot use Model Optimizer here (it, or the PyTorch it needs, is not installed), or None."""
    for module, name in (("modelopt", "NVIDIA Model Optimizer"), ("torch", "PyTorch, which Model Optimizer needs,")):
        try:
            found = importlib.util.find_spec(module) is not None
        except (ImportError, ValueError):  # ValueError: a module set to None in sys.modules
            found = False
        if not found:
            return f"{name} is not installed"
    return None


def require_modelopt(what: str) -> None:
    """Exit 4 with the install command when Model Optimizer is missing."""
    if modelopt_missing() is not None:
        raise BackendUnavailableError(f"{what} needs NVIDIA Model Optimizer, which is not installed", INSTALL)


@contextlib.contextmanager
def _stdout_to_stderr():
    """Model Optimizer prints progress on stdout (Python and native code): send it to stderr, so `--json`
    output stays the only thing on stdout."""
    sys.stdout.flush()
    saved = os.dup(1)
    try:
        os.dup2(2, 1)
        with contextlib.redirect_stdout(sys.stderr):
            yield
    finally:
        sys.stdout.flush()
        os.dup2(saved, 1)
        os.close(saved)


@contextlib.contextmanager
def _quiet():
    """Model Optimizer's (and onnxruntime's, tqdm's) output: shown on stderr with -v, else kept off the terminal
    (stdout stays the only place of `--json` output either way)."""
    from trtkit.backends.quiet import third_party_output
    from trtkit.io.output_settings import OUTPUT

    if OUTPUT.verbose:
        with _stdout_to_stderr():
            yield
        return
    with third_party_output([]):
        yield


def _quiet_logs() -> None:
    """Model Optimizer configures its loggers at INFO when imported; keep its warnings, show its progress only
    with -v."""
    import logging

    from trtkit.io.output_settings import OUTPUT

    if OUTPUT.verbose:
        return
    for name in list(logging.root.manager.loggerDict):
        if name.startswith("modelopt"):
            logging.getLogger(name).setLevel(logging.WARNING)


def autocast(model_path: Path, low_precision: str, keep_io_types: bool, nodes: list[str], op_types: list[str],
             calibration_npz: Path | None, opset: int):
    """Mixed precision with AutoCast, keeping the model's opset; returns the converted ModelProto."""
    require_modelopt(f"convert.precision {low_precision}")
    with _quiet():
        from modelopt.onnx.autocast import convert_to_mixed_precision

        _quiet_logs()
        return convert_to_mixed_precision(
            str(model_path), low_precision_type=low_precision, nodes_to_exclude=nodes or None,
            op_types_to_exclude=op_types or None, keep_io_types=keep_io_types,
            calibration_data=str(calibration_npz) if calibration_npz else None, providers=["cpu"], opset=opset)


def quantize(model_path: Path, output_path: Path, mode: str, calibration: dict, method: str | None,
             nodes: list[str], op_types: list[str], high_precision: str, external_data: bool) -> None:
    """Post-training quantization with calibration data; writes the Q/DQ model to `output_path`."""
    require_modelopt(f"convert.quantize {mode}")
    with _quiet():
        from modelopt.onnx.quantization import quantize as modelopt_quantize

        _quiet_logs()
        modelopt_quantize(
            str(model_path), quantize_mode=mode, calibration_data=calibration, calibration_method=method,
            calibration_eps=["cpu"], nodes_to_exclude=nodes or None, op_types_to_exclude=op_types or None,
            output_path=str(output_path), high_precision_dtype=high_precision,
            use_external_data_format=external_data, log_level="WARNING")

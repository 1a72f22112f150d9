"""The wrong kind of input file, named: an engine given to `build`, a model given to `profile`, with the command
the user probably meant."""

from __future__ import annotations

from pathlib import Path

from trtkit.errors import InputFileError
from trtkit.io.file_kind import KIND_NAMES, sniff_kind


def require_onnx_model(path: Path, command: str) -> None:
    """Refuse (exit 3) a file that is plainly not an ONNX model, saying what it is and what was likely meant."""
    kind = sniff_kind(path)
    if kind in (None, "onnx"):
        return
    meant = {"engine": f"did you mean `trtkit profile {path}` or `trtkit inspect {path}`? {command} takes the "
                       ".onnx model the engine was built from",
             "json": f"did you mean `trtkit inspect {path}`? {command} takes an .onnx model",
             "yaml": f"did you mean `trtkit {command} --config {path}`?",
             "text": f"did you mean `trtkit inspect {path}`? {command} takes an .onnx model"}[kind]
    raise InputFileError(f"{path} is {KIND_NAMES[kind]}, not an ONNX model", meant)


def require_engine(path: Path, command: str) -> None:
    """Refuse (exit 3) a file that is plainly not a serialized engine, saying what it is and what was likely
    meant; an engine of an unknown format (None) goes on to TensorRT, which knows better."""
    if path.stat().st_size == 0:  # without this, "needs TensorRT and a GPU" here, "cannot deserialize" on a GPU
        raise InputFileError(f"{path} is empty, not a TensorRT engine", "build it again: trtkit build")
    kind = sniff_kind(path)
    if kind in (None, "engine"):
        return
    meant = {"onnx": f"did you mean `trtkit build {path}` (then `trtkit {command}` the engine it writes), or "
                     f"`trtkit run` for the whole pipeline?",
             "json": f"did you mean `trtkit inspect {path}`? {command} takes the .engine file",
             "yaml": f"did you mean `trtkit {command} --config {path}`?",
             "text": f"did you mean `trtkit inspect {path}`? {command} takes the .engine file"}[kind]
    raise InputFileError(f"{path} is {KIND_NAMES[kind]}, not a TensorRT engine", meant)

"""The commented starter config `trtkit config init` writes, read from an ONNX model's inputs."""

from __future__ import annotations

import json
import os
import re
from pathlib import Path

from trtkit.io.onnx_model import TensorSpec

_PLAIN_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_.\-/]*$")
_SEQUENCE_WORDS = ("seq", "len", "token", "time", "step")
_SPATIAL_WORDS = ("height", "width")


def _yaml_name(name: str) -> str:
    return name if _PLAIN_NAME.match(name) else json.dumps(name)


def guess_range(dim: int | str | None, axis: int) -> tuple[int, int, int]:
    """min/opt/max guessed for a dynamic dimension from its name and position; the user fills in the rest."""
    if isinstance(dim, int):
        return dim, dim, dim
    label = (dim or "").lower()
    if "batch" in label or (axis == 0 and not any(word in label for word in _SEQUENCE_WORDS + _SPATIAL_WORDS)):
        return 1, 1, 8
    if any(word in label for word in _SPATIAL_WORDS):
        return 224, 224, 224
    return 1, 128, 512


def _dims_text(spec: TensorSpec) -> str:
    if spec.dims is None:
        return "[unknown shape]"
    return "[" + ", ".join("?" if dim is None else str(dim) for dim in spec.dims) + "]"


def starter_config(model_path: Path, config_path: Path | None, inputs: list[TensorSpec]) -> str:
    """YAML text with comments: every input listed, dynamic ones turned into a profile to check."""
    folder = config_path.parent if config_path else Path.cwd()
    model_ref = os.path.relpath(model_path.resolve(), folder.resolve())
    lines = [
        f"# trtkit pipeline config, started by `trtkit config init` from {model_path.name}.",
        "# Every key is described by `trtkit config schema`; check this file with `trtkit config validate`.",
        f"model: {_yaml_name(model_ref)}",
        f"# name: {model_path.stem}  # artifact base name (default: the model's file name)",
        "workdir: trtkit-out",
        "backend: auto  # auto | tensorrt | tensorrt-rtx",
        "",
        "# Model inputs (from the ONNX file):",
    ]
    for spec in inputs:
        dynamic = [str(spec.dims[axis] or f"axis {axis}") for axis in spec.dynamic_axes] if spec.dims else []
        note = f"  dynamic: {', '.join(dynamic)}" if dynamic else ""
        lines.append(f"#   {spec.name}: {spec.dtype} {_dims_text(spec)}{note}")
    lines += [
        "",
        "convert:",
        "  precision: fp32  # fp32 | fp16 | bf16: TensorRT 11 builds strongly typed, so precision is chosen here",
        "  fold_constants: true",
        "  simplify: true",
        "  # quantize: {mode: int8, calibration: calibration.npz}  # int8 | fp8 | int4 (Model Optimizer PTQ)",
        "",
        "build:",
        "  profiling_verbosity: detailed  # layer details for inspect, lint and compare",
        "  # workspace: 4GiB",
        "  # timing_cache: trtkit-out/timing.cache",
    ]
    dynamic_inputs = [spec for spec in inputs if spec.dims is not None and spec.dynamic_axes]
    unknown = [spec for spec in inputs if spec.dims is None]
    if dynamic_inputs:
        lines += ["  profiles:", "    default:"]
        for spec in dynamic_inputs:
            assert spec.dims is not None  # dynamic_inputs have dimensions
            names = ", ".join(f"'{spec.dims[axis] or f'axis {axis}'}'" for axis in spec.dynamic_axes)
            lines.append(f"      # fill in: {spec.name} has dynamic {names}; these ranges are guesses")
        for key, position in (("min", 0), ("opt", 1), ("max", 2)):
            shapes = []
            for spec in dynamic_inputs:
                assert spec.dims is not None
                dims = [guess_range(dim, axis)[position] for axis, dim in enumerate(spec.dims)]
                shapes.append(f"{_yaml_name(spec.name)}: {'x'.join(str(dim) for dim in dims)}")
            lines.append(f"      {key}: {{{', '.join(shapes)}}}")
    else:
        lines.append("  # profiles: {}  # every input has a fixed shape")
    for spec in unknown:
        lines.append(f"  # {spec.name} has no shape in the model: add it to a profile if it is dynamic")
    lines += [
        "",
        "profile:  # defaults of TensorRT 11 trtexec: CUDA graph and spin-wait on, transfers off",
        "  warmup: 200ms",
        "  duration: 3s",
        "  iterations: 10",
        "  cuda_graph: true",
        "  transfers: false",
        "  percentiles: [90, 95, 99]",
        "",
        "lint:",
        "  fail_on: error  # info | warning | error | never",
        "",
        "compare:",
        "  max_regression: 5%",
        "  metrics: [median, p99, throughput]",
        "",
        "run:  # `trtkit run CONFIG` does these in order, redoing only what changed",
        "  stages: [convert, build, profile, inspect, lint, compare]  # profile is skipped without a GPU",
        "",
    ]
    return "\n".join(lines)

"""The commented starter config `trtkit config init` writes, read from an ONNX model's inputs.

Every value it writes and every list of allowed values is read from the config models (`config.models`), so the
starter cannot disagree with the defaults the loader applies; only the explanatory prose is written here.
"""

from __future__ import annotations

import json
import os
import re
from pathlib import Path
from typing import Any

from pydantic import BaseModel

from trtkit.config.choices import literal_values
from trtkit.config.models import ConvertConfig, LintConfig, PipelineConfig, QuantizeConfig
from trtkit.config.units import format_size
from trtkit.config.yaml_text import flow_value
from trtkit.io.onnx_model import TensorSpec

_PLAIN_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_.\-/]*$")
_SEQUENCE_WORDS = ("seq", "len", "token", "time", "step")
_SPATIAL_WORDS = ("height", "width")


def _yaml_name(name: str) -> str:
    return name if _PLAIN_NAME.match(name) else json.dumps(name)


def _yaml_value(value: Any) -> str:
    """A default as the model serializes it to JSON (units through their formatters: 200ms, 5%), written the way
    a person would: 90 rather than 90.0."""
    if isinstance(value, list):
        value = [int(item) if isinstance(item, float) and item.is_integer() else item for item in value]
    elif isinstance(value, float) and value.is_integer():
        value = int(value)
    return flow_value(value)


def _choices(model: type[BaseModel], key: str) -> str:
    """The values a Literal field allows, as the starter's comments list them: `fp32 | fp16 | bf16`."""
    return " | ".join(str(value) for value in literal_values(model.model_fields[key].annotation))


def _entry(defaults: dict[str, Any], key: str, indent: str = "  ", note: str = "") -> str:
    """One `key: default` line of a section, with an optional trailing comment."""
    line = f"{indent}{key}: {_yaml_value(defaults[key])}"
    return f"{line}  # {note}" if note else line


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
    # the defaults as the loader applies them, serialized the way each unit is written (Duration -> "200ms")
    defaults = PipelineConfig().model_dump(mode="json")
    convert, build, profile = defaults["convert"], defaults["build"], defaults["profile"]
    quantize_mode = literal_values(QuantizeConfig.model_fields["mode"].annotation)[0]
    lines = [
        f"# trtkit pipeline config, started by `trtkit config init` from {model_path.name}.",
        "# Every key is described by `trtkit config schema`; check this file with `trtkit config validate`.",
        f"model: {_yaml_name(model_ref)}",
        f"# name: {model_path.stem}  # artifact base name (default: the model's file name)",
        _entry(defaults, "workdir", indent=""),
        _entry(defaults, "backend", indent="", note=_choices(PipelineConfig, "backend")),
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
        _entry(convert, "precision", note=f"{_choices(ConvertConfig, 'precision')}: TensorRT 11 builds strongly "
                                          "typed, so precision is chosen here"),
        _entry(convert, "fold_constants"),
        _entry(convert, "simplify"),
        f"  # quantize: {{mode: {quantize_mode}, calibration: calibration.npz}}  "
        f"# {_choices(QuantizeConfig, 'mode')} (Model Optimizer PTQ)",
        "",
        "build:",
        _entry(build, "profiling_verbosity", note="layer details for inspect, lint and compare"),
        f"  # workspace: {format_size(4 * 1024**3)}",  # an example: the default is no limit
        f"  # timing_cache: {defaults['workdir']}/timing.cache",
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
        *(_entry(profile, key) for key in ("warmup", "duration", "iterations", "cuda_graph", "transfers",
                                           "percentiles")),
        "",
        "lint:",
        _entry(defaults["lint"], "fail_on", note=_choices(LintConfig, "fail_on")),
        "",
        "compare:",
        _entry(defaults["compare"], "max_regression"),
        _entry(defaults["compare"], "metrics"),
        "",
        "run:  # `trtkit run CONFIG` does these in order, redoing only what changed",
        _entry(defaults["run"], "stages", note="profile is skipped without a GPU"),
        "",
    ]
    return "\n".join(lines)

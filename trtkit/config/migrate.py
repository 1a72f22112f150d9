"""A trtexec command line (TensorRT 7.x to 11.x syntax) turned into a trtkit pipeline config.

Each option maps onto one config key. Options TensorRT 11 removed become their replacement (`--fp16` ->
`convert.precision: fp16`, `--int8 --calib` -> `convert.quantize`) with a comment naming what they were;
options with no place in trtkit are listed in the file and in the result, never dropped silently.
"""

from __future__ import annotations

import os
import re
import shlex
from dataclasses import dataclass, field
from pathlib import PureWindowsPath
from typing import Any

from trtkit.config.units import format_duration, format_size
from trtkit.errors import UsageError

_BANNER = re.compile(r"&&&& RUNNING TensorRT\.trtexec(?P<tags>(?: \[[^\]]*\])*) # (?P<command>.*)$")
_VERSION_TAG = re.compile(r"\[TensorRT v(\d+)\]")
_POOLS = {"workspace": "workspace", "dlaSRAM": "memory_pools.dla_managed_sram",
          "dlaLocalDRAM": "memory_pools.dla_local_dram", "dlaGlobalDRAM": "memory_pools.dla_global_dram",
          "tacticSharedMem": "memory_pools.tactic_shared_memory"}
_TILING = {"0": "none", "1": "fast", "2": "moderate", "3": "full"}
_HARDWARE = {"none": "none", "ampere+": "ampere_plus", "ampereplus": "ampere_plus",
             "samecomputecapability": "same_compute_capability"}
_TACTICS = {"cublas": "cublas", "cublas_lt": "cublas_lt", "cublaslt": "cublas_lt", "cudnn": "cudnn",
            "edge_mask_convolutions": "edge_mask_convolutions", "jit_convolutions": "jit_convolutions"}
_PRECISION_FLAGS = ("fp16", "bf16", "int8", "fp8", "int4", "best")
# Flags whose work trtkit does anyway, or does elsewhere: a comment says where.
_ALREADY_DONE = {
    "verbose": "logging: use `trtkit -v`", "v": "logging: use `trtkit -v`",
    "dumpLayerInfo": "trtkit build always writes <engine>.graph.json; `trtkit inspect` shows it",
    "exportLayerInfo": "trtkit build always writes <engine>.graph.json; `trtkit inspect` shows it",
    "dumpProfile": "profile.per_layer writes <engine>.profile.json; `trtkit inspect` shows it",
    "exportProfile": "profile.per_layer writes <engine>.profile.json (TREx's name)",
    "exportTimes": "trtkit profile writes <engine>.timing.json (TREx's name)",
    "dumpOutput": "compare outputs: `trtkit compare outputs MODEL ENGINE`",
    "exportOutput": "compare outputs: `trtkit compare outputs MODEL ENGINE`",
    "dumpRawBindingsToFile": "compare outputs: `trtkit compare outputs MODEL ENGINE`",
    "avgRuns": "trtkit reports every iteration's statistics, not averages of runs",
    "stronglyTyped": "TensorRT 11 and TensorRT-RTX build strongly typed always",
    "skipInference": "run.stages leaves out profile", "buildOnly": "run.stages leaves out profile",
    "noBuilderCache": "TensorRT 11 has no builder cache switch to set",
}
_CAFFE_UFF = ("deploy", "model", "uff", "uffInput", "output", "batch", "maxBatch", "uffNHWC")


@dataclass
class Migration:
    """The config migrated from one command line: its YAML text and what needs a person's attention."""

    command: str
    trtexec_version: str | None
    data: dict[str, Any] = field(default_factory=dict)
    comments: dict[str, list[str]] = field(default_factory=dict)  # dotted key -> comments
    unknown: list[str] = field(default_factory=list)  # options with no place in trtkit
    origins: dict[str, str] = field(default_factory=dict)  # dotted key -> the option (as written) that set it
    option: str | None = None  # the option being migrated: what `set` records as a key's origin
    removed: list[str] = field(default_factory=list)  # options TensorRT 11 removed, with their replacement
    legacy_input: list[str] = field(default_factory=list)  # Caffe, UFF and implicit-batch options

    def set(self, key: str, value: Any, comment: str | None = None) -> None:
        target = self.data
        parts = key.split(".")
        for part in parts[:-1]:
            target = target.setdefault(part, {})
        target[parts[-1]] = value
        if self.option is not None:
            self.origins[key] = self.option
        if comment:
            self.comments.setdefault(key, []).append(comment)

    def drop(self, key: str) -> None:
        """Remove `key` (and its comments) from the config."""
        target: Any = self.data
        parts = key.split(".")
        for part in parts[:-1]:
            target = target.get(part, {}) if isinstance(target, dict) else {}
        if isinstance(target, dict):
            target.pop(parts[-1], None)
        self.comments.pop(key, None)

    def note(self, key: str, comment: str) -> None:
        self.comments.setdefault(key, []).append(comment)

    def get(self, key: str) -> Any:
        target: Any = self.data
        for part in key.split("."):
            if not isinstance(target, dict) or part not in target:
                return None
            target = target[part]
        return target


def command_from_log(text: str) -> tuple[str, str | None]:
    """The first trtexec command line of a log (its `&&&& RUNNING` line) and the TensorRT version it names."""
    for line in text.splitlines():
        match = _BANNER.search(line.rstrip())
        if match:
            return match.group("command").strip(), _version_from_tag(match.group("tags"))
    raise ValueError("no `&&&& RUNNING TensorRT.trtexec ... # COMMAND` line in the log")


def _version_from_tag(tags: str) -> str | None:
    match = _VERSION_TAG.search(tags or "")
    if not match:
        return None
    digits = match.group(1)  # major*1000+minor*100+patch before 10: 8601 -> 8.6.1, 8510 -> 8.5.10; 101401 -> 10.14.1
    if len(digits) == 4:
        return f"{digits[0]}.{digits[1]}.{int(digits[2:])}"
    return f"{int(digits[:2])}.{int(digits[2:4])}.{int(digits[4:])}"


def split_command(command: str) -> list[str]:
    """The options of a trtexec command line, without the program; Windows paths keep their backslashes."""
    try:
        tokens = command.split() if "\\" in command and not any(quote in command for quote in "'\"") else \
            shlex.split(command)
    except ValueError as error:  # shlex: "No closing quotation", "No escaped character"
        raise UsageError(f"cannot split the trtexec command line: {str(error).lower()}",
                         "close the quote (or escape it) and run migrate again") from None
    while tokens and not tokens[0].startswith("-"):
        tokens.pop(0)  # the program (trtexec, /usr/src/tensorrt/bin/trtexec, trtexec.exe)
    return tokens


def _options(tokens: list[str]) -> list[tuple[str, str | None, str]]:
    """(name, value or None, the token as written) of each option."""
    options: list[tuple[str, str | None, str]] = []
    for token in tokens:
        if not token.startswith("-"):
            options.append(("", None, token))
            continue
        name, separator, value = token.lstrip("-").partition("=")
        options.append((name, value if separator else None, token))
    return options


def _path(value: str, base: str | None) -> str:
    """A path from the command line, relative to the config's folder (`base`) when it was relative."""
    if base is None or os.path.isabs(value) or PureWindowsPath(value).is_absolute():
        return value
    return os.path.relpath(os.path.abspath(value), base)


def _size(value: str) -> str:
    """A trtexec size (MiB when it has no unit; K, M, G, B or KiB, MiB, GiB suffixes) in trtkit's notation."""
    match = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*([KMGB]|KiB|MiB|GiB)?\s*", value, re.IGNORECASE)
    if not match:
        raise ValueError(f"{value!r} is not a size")
    number, unit = match.group(1), (match.group(2) or "M").upper()
    unit = {"K": "KiB", "M": "MiB", "G": "GiB", "B": "B", "KIB": "KiB", "MIB": "MiB", "GIB": "GiB"}[unit]
    return f"{number}{unit}"


def _shape_spec(value: str) -> str:
    # trtexec quotes names with special characters: 'input:0':1x3x224x224
    return ",".join(part.strip() for part in value.split(",") if part.strip())


def migrate(command: str, trtexec_version: str | None = None, base: str | None = None,
            target: str = "11") -> Migration:
    """The pipeline config of a trtexec command line. `base`: the folder the config will be written to (paths
    are made relative to it); `target`: "11" maps weak typing onto convert, "10" keeps it in build."""
    migration = Migration(command, trtexec_version)
    options = _options(split_command(command))
    names = {name for name, _, _ in options}
    shapes: dict[str, list[str]] = {"minShapes": [], "optShapes": [], "maxShapes": []}
    precisions: list[str] = []
    for name, value, written in options:
        if name in shapes:
            shapes[name].append(_shape_spec(value or ""))
        elif name in _PRECISION_FLAGS:
            precisions.append(name)
        else:
            migration.option = written
            if not _migrate_option(migration, name, value, written, base, target, names):
                migration.unknown.append(written)
            migration.option = None
    _profiles(migration, shapes)
    _precision(migration, precisions, names, target, base, dict((n, v) for n, v, _ in options if v is not None))
    _stages(migration, names)
    _measurement(migration, names, target)
    if migration.get("model") is not None or migration.get("profile.engine") is not None:
        stem = os.path.basename(str(migration.get("build.output") or migration.get("profile.engine")
                                    or migration.get("model")))
        migration.data.setdefault("name", re.sub(r"\.(onnx|engine|plan|trt)$", "", stem) or "model")
    # written out so the migrated file says where artifacts go and which TensorRT builds: the models' defaults
    from trtkit.config.models import PipelineConfig

    for key, default in PipelineConfig().model_dump(mode="json", include={"workdir", "backend"}).items():
        migration.data.setdefault(key, default)
    _drop_invalid_values(migration)
    return migration


def _problems(data: dict[str, Any]) -> list[tuple[list[str], str]]:
    """The validation problems of config data as (location, message); none when it validates."""
    from pydantic import ValidationError

    from trtkit.config.models import PipelineConfig

    try:
        PipelineConfig.model_validate(data)
    except ValidationError as error:
        return [([str(part) for part in problem["loc"]], problem["msg"].removeprefix("Value error, "))
                for problem in error.errors(include_url=False)]
    return []


def _drop_invalid_values(migration: Migration) -> None:
    """An option whose value trtkit cannot take (`--duration=-1`, trtexec's "run until stopped"; `--iterations=-5`;
    `--duration=nan`) is listed as not migrated, with the reason, instead of being written as a config that does
    not validate."""
    for _ in range(len(migration.origins) + 1):  # each pass drops at least one key, or ends
        problems = _problems(migration.data)
        if not problems:
            return
        dropped = False
        for location, message in problems:
            key = next((".".join(location[:end]) for end in range(len(location), 0, -1)
                        if ".".join(location[:end]) in migration.origins), None)
            if key is None or migration.get(key) is None:
                continue
            migration.unknown.append(f"{migration.origins.pop(key)} (not a valid {key}: {message})")
            migration.drop(key)
            dropped = True
        if not dropped and not _drop_by_trial(migration, [message for _, message in problems]):
            return  # what remains is not one option's value: the caller's validation reports it


def _drop_by_trial(migration: Migration, problems: list[str]) -> bool:
    """A problem a section's validator reports for the section as a whole (percentiles out of range): the option
    whose key, left out, leaves fewer problems is dropped. True when one was."""
    import copy

    for key in reversed(list(migration.origins)):
        trial = Migration(migration.command, None, copy.deepcopy(migration.data))
        trial.drop(key)
        left = [message for _, message in _problems(trial.data)]
        if len(left) < len(problems):
            gone = "; ".join(message for message in problems if message not in left)
            migration.unknown.append(f"{migration.origins.pop(key)} (not a valid {key}: {gone})")
            migration.drop(key)
            return True
    return False


def _migrate_option(m: Migration, name: str, value: str | None, written: str, base: str | None, target: str,
                    names: set[str]) -> bool:
    """Map one option onto the config; False when trtkit has no place for it."""
    simple_paths = {"onnx": "model", "saveEngine": "build.output", "loadEngine": "profile.engine",
                    "timingCacheFile": "build.timing_cache"}
    integers = {"builderOptimizationLevel": "build.optimization_level", "maxTactics": "build.max_tactics",
                "maxAuxStreams": "build.max_aux_streams", "iterations": "profile.iterations",
                "useDLACore": "build.dla.core", "device": "profile.device", "streams": "profile.streams",
                "infStreams": "profile.streams"}
    flags = {"versionCompatible": "build.version_compatible", "vc": "build.version_compatible",
             "excludeLeanRuntime": "build.exclude_lean_runtime", "refit": "build.refit",
             "stripWeights": "build.strip_weights", "allowGPUFallback": "build.dla.allow_gpu_fallback",
             "editableTimingCache": "build.editable_timing_cache",
             "errorOnTimingCacheMiss": "build.error_on_timing_cache_miss"}
    try:
        if name in simple_paths and value:
            m.set(simple_paths[name], _path(value, base))
        elif name in integers and value is not None:
            m.set(integers[name], int(value))
        elif name in flags and value is None:
            m.set(flags[name], True)
        elif name == "memPoolSize" and value:
            for pool in value.split(","):
                pool_name, _, size = pool.partition(":")
                if pool_name.strip() not in _POOLS:
                    return False
                m.set(f"build.{_POOLS[pool_name.strip()]}", _size(size))
        elif name == "workspace" and value:
            m.set("build.workspace", _size(value), f"was {written}: trtexec replaced --workspace with "
                                                   "--memPoolSize=workspace:<size>")
        elif name == "shapes" and value:
            m.set("profile.shapes", _shape_spec(value))
        elif name == "tilingOptimizationLevel" and value in _TILING:
            m.set("build.tiling_level", _TILING[value])
        elif name == "l2LimitForTiling" and value:
            m.set("build.l2_limit_for_tiling", format_size(int(value)))
        elif name == "hardwareCompatibilityLevel" and value and value.lower() in _HARDWARE:
            m.set("build.hardware_compatibility", _HARDWARE[value.lower()])
        elif name == "runtimePlatform" and value:
            platform = {"sameasbuild": "same_as_build", "windowsamd64": "windows_amd64"}.get(value.lower())
            if platform is None:
                return False
            m.set("build.runtime_platform", platform)
        elif name == "sparsity" and value:
            m.set("build.sparsity", value.lower() != "disable",
                  "was --sparsity=force: trtkit does not rewrite weights to 2:4; prune the model first"
                  if value.lower() == "force" else None)
        elif name == "tacticSources" and value:
            _tactic_sources(m, value, written)
        elif name == "profilingVerbosity" and value in ("layer_names_only", "detailed", "none"):
            m.set("build.profiling_verbosity", value)
        elif name in ("plugins", "staticPlugins", "dynamicPlugins", "setPluginsToSerialize"):
            if not value:
                return False
            m.data.setdefault("build", {}).setdefault("plugins", []).append(_path(value, base))
        elif name == "duration" and value and float(value) < 0:
            m.unknown.append(f"{written} (trtexec's run until stopped; trtkit measures for profile.duration)")
        elif name == "duration" and value:
            m.set("profile.duration", format_duration(float(value)))  # trtexec: seconds
        elif name == "warmUp" and value:
            m.set("profile.warmup", format_duration(float(value) / 1000))  # trtexec: milliseconds
        elif name == "percentile" and value:
            m.set("profile.percentiles", [float(item) for item in value.split(",")])
        elif name == "useCudaGraph":
            m.set("profile.cuda_graph", value is None or value.lower() not in ("false", "0"))
        elif name == "useSpinWait":
            m.set("profile.spin_wait", True)
        elif name == "noDataTransfers":
            m.set("profile.transfers", False)
        elif name == "separateProfileRun":
            m.set("profile.per_layer", True)
        elif name in ("calib", "precisionConstraints", "layerPrecisions", "layerOutputTypes", "noTF32", "tf32",
                      "directIO"):
            return True  # handled with the precision flags
        elif name in _ALREADY_DONE:
            m.note("trtkit", f"{written}: {_ALREADY_DONE[name]}")
        elif name in _CAFFE_UFF:
            m.unknown.append(written)
            m.legacy_input.append(written)
            m.note("trtkit", f"{written}: Caffe, UFF and implicit batch are gone since TensorRT 10; export the "
                             "model to ONNX")
            return True
        elif name in ("minTiming", "avgTiming"):
            m.note("trtkit", f"{written}: the timing iterations of the builder are not configurable in TensorRT "
                             "11; left out")
        else:
            return False
    except ValueError:
        return False
    return True


def _tactic_sources(m: Migration, value: str, written: str) -> None:
    enabled: list[str] = []
    disabled: list[str] = []
    for item in value.split(","):
        item = item.strip()
        source = _TACTICS.get(item.lstrip("+-").lower())
        if source is None:
            raise ValueError(item)
        (disabled if item.startswith("-") else enabled).append(source)
    m.set("build.tactic_sources", enabled, f"was {written}: trtkit lists the sources to enable"
                                           + (f"; disabled: {', '.join(disabled)}" if disabled else ""))


def _profiles(m: Migration, shapes: dict[str, list[str]]) -> None:
    """--minShapes/--optShapes/--maxShapes, one profile per repetition; --shapes alone is a static profile."""
    count = max(len(values) for values in shapes.values())
    if count == 0:
        given = m.get("profile.shapes")
        if given and m.get("model") is not None:
            m.set("build.profiles.shapes", {"min": given, "opt": given, "max": given},
                  "from --shapes: trtexec builds one profile with min = opt = max")
        return
    for index in range(count):
        def pick(kind: str, index: int = index) -> str | None:
            values = shapes[kind]
            return values[index] if index < len(values) else None

        opt = pick("optShapes") or pick("minShapes") or pick("maxShapes")
        low, high = pick("minShapes") or opt, pick("maxShapes") or opt
        name = "default" if count == 1 else f"profile{index}"
        m.set(f"build.profiles.{name}", {"min": low, "opt": opt, "max": high},
              "trtexec uses --optShapes for a missing --minShapes or --maxShapes" if
              not (pick("minShapes") and pick("maxShapes")) else None)


def _precision(m: Migration, precisions: list[str], names: set[str], target: str, base: str | None,
               values: dict[str, str]) -> None:
    """Weak typing: onto convert (TensorRT 11: strongly typed, precision lives in the model) or onto build (10.x)."""
    constraints = values.get("precisionConstraints")
    layer_precisions, layer_outputs = values.get("layerPrecisions"), values.get("layerOutputTypes")
    calibration = values.get("calib")
    if target == "10":
        if precisions:
            m.set("build.precision", ["fp16", "int8"] if "best" in precisions else
                  [name for name in precisions if name != "best"])
        if "noTF32" not in names and precisions:
            m.data["build"]["precision"].insert(0, "tf32")
        if constraints:
            m.set("build.precision_constraints", constraints)
        for key, spec in (("layer_precisions", layer_precisions), ("layer_output_types", layer_outputs)):
            if spec:
                m.set(f"build.{key}", dict(item.rsplit(":", 1) for item in spec.split(",")))
        if calibration:
            m.set("build.calibration", {"cache": _path(calibration, base)})
        if "stronglyTyped" in names:
            m.set("build.strongly_typed", True)
        if "noTF32" in names:
            # TF32 is on by default in TensorRT 10.x and build.precision only turns flags on
            m.unknown.append("--noTF32")
            m.note("build", "was --noTF32: trtkit has no switch to turn TensorRT 10.x's default TF32 off (listed "
                            "at the end)")
        return
    quantize = next((name for name in ("fp8", "int8", "int4") if name in precisions), None)
    if "best" in precisions and quantize is None:
        quantize = "int8"
    if quantize:
        m.set("convert.quantize.mode", quantize)
        calib = f" --calib={calibration}" if calibration else ""
        m.note("convert.quantize", f"was --{quantize}{calib}: TensorRT 11 removed implicit quantization; Model "
                                   "Optimizer inserts Q/DQ from calibration data (set convert.quantize.calibration: "
                                   "data.npz; a TensorRT calibration cache cannot be reused). A model that already has "
                                   "Q/DQ nodes (QAT) needs none of this: delete convert.quantize")
        m.removed.append(f"--{quantize}{calib} -> convert.quantize.mode: {quantize}")
    float_precision = next((name for name in ("fp16", "bf16") if name in precisions), None)
    if float_precision is None and "best" in precisions:
        float_precision = "fp16"
    if float_precision and not quantize:
        m.set("convert.precision", float_precision,
              f"was --{float_precision}: TensorRT 11 builds strongly typed; Model Optimizer AutoCast converts the "
              "model")
        m.removed.append(f"--{float_precision} -> convert.precision: {float_precision}")
    elif float_precision and float_precision in precisions:
        m.note("convert.quantize", f"--{float_precision} as well: Model Optimizer keeps the rest of the model in "
                                   "higher precision")
    if "best" in precisions:
        m.note("convert", "was --best: TensorRT 11 has no 'fastest of any precision'; INT8 Q/DQ with FP16 "
                          "elsewhere is the nearest choice; a sweep compares the options")
        m.removed.append("--best -> convert.quantize.mode: int8")
    for flag, used, replacement in (("precisionConstraints", constraints, "types are set in the model"),
                                    ("layerPrecisions", layer_precisions,
                                     "convert.keep_fp32_nodes keeps layers in FP32"),
                                    ("layerOutputTypes", layer_outputs,
                                     "convert.keep_fp32_nodes keeps layers in FP32"),
                                    ("calib", None if quantize else calibration, "convert.quantize"),
                                    ("directIO", "directIO" in names or None, "not needed in TensorRT 11")):
        if used:
            m.note("convert", f"was --{flag}{'=' + used if isinstance(used, str) else ''}: removed in TensorRT "
                              f"11; {replacement}")
            m.removed.append(f"--{flag} -> {replacement}")
    if "noTF32" in names:
        m.note("convert", "was --noTF32: TensorRT 11 removed the TF32 switch with the other precision flags")
        m.removed.append("--noTF32 -> (removed)")
    if "tf32" in names:
        m.removed.append("--tf32 -> (removed)")


def _stages(m: Migration, names: set[str]) -> None:
    if "loadEngine" in names and "onnx" not in names:
        stages = ["profile", "inspect", "lint"]
    else:
        stages = ["build", "inspect", "lint"] if {"skipInference", "buildOnly"} & names else \
            ["build", "profile", "inspect", "lint"]
        if m.get("convert") is not None:
            stages.insert(0, "convert")
    m.set("run.stages", stages)


def _measurement(m: Migration, names: set[str], target: str = "11") -> None:
    """trtexec before 11 measured without CUDA graph and spin-wait, with transfers: keep that measurement unless
    the command line asked otherwise. The version comes from the log, else from `--target 10` or from options 11
    removed."""
    from trtkit.backends.version import TensorRTVersion

    version = TensorRTVersion.parse(m.trtexec_version)
    major = version.major if version is not None else (10 if m.removed or target == "10" else None)
    if major is None or major >= 11 or "profile" not in m.get("run.stages"):
        return
    defaults = [(key, value) for key, flag, value in (("cuda_graph", "useCudaGraph", False),
                                                      ("spin_wait", "useSpinWait", False),
                                                      ("transfers", "noDataTransfers", True)) if flag not in names]
    if not defaults:
        return
    for key, value in defaults:
        m.set(f"profile.{key}", value)
    m.note("profile", f"as trtexec {major}.x measured by default (no CUDA graph, blocking sync, transfers timed); "
                      f"remove {', '.join(key for key, _ in defaults)} for TensorRT 11's defaults")


def to_yaml(migration: Migration, version: str) -> str:
    """The config as YAML text with the migration's comments beside the keys they concern."""
    from trtkit.config.yaml_text import flow_value

    source = f" (TensorRT {migration.trtexec_version})" if migration.trtexec_version else ""
    lines = [f"# trtkit pipeline config, migrated by trtkit {version} from this trtexec command line{source}:",
             f"#   {migration.command}",
             "# Check it with `trtkit config validate`; run it with `trtkit run`."]
    for comment in migration.comments.get("trtkit", []):
        lines.append(f"# {comment}")

    def emit(data: dict[str, Any], prefix: str, indent: int) -> None:
        for key, value in data.items():
            path = f"{prefix}{key}"
            pad = "  " * indent
            for comment in migration.comments.get(path, []):
                lines.append(f"{pad}# {comment}")
            if isinstance(value, dict) and not (set(value) == {"min", "opt", "max"}):
                lines.append(f"{pad}{key}:")
                emit(value, f"{path}.", indent + 1)
            else:
                lines.append(f"{pad}{key}: {flow_value(value)}")

    order = ["model", "name", "workdir", "backend", "convert", "build", "profile", "run"]
    ordered = {key: migration.data[key] for key in order if key in migration.data}
    ordered.update({key: value for key, value in migration.data.items() if key not in ordered})
    for key in ("convert", "build"):  # sections with notes only (what became of an option) still show them
        if key in migration.comments and key not in ordered:
            ordered[key] = {}
    for section, value in ordered.items():
        if isinstance(value, dict):
            lines.append("")
        if isinstance(value, dict) and not value:
            for comment in migration.comments.get(section, []):
                lines.append(f"# {comment}")
            continue
        emit({section: value}, "", 0)
    if migration.unknown:
        lines += ["", "# Options trtkit has no place for (not migrated; check whether you need them):"]
        lines += [f"#   {option}" for option in migration.unknown]
    return "\n".join(lines) + "\n"

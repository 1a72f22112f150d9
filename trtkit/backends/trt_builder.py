"""The TensorRT builder, thin: network from the ONNX parser, builder config from the `build:` section, a build
with a progress monitor that can cancel, and every log line kept. Written to the TensorRT 10.x/11.x Python API
(which TensorRT-RTX shares); the stage around it validates the options before anything here runs."""

from __future__ import annotations

import re
import signal
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType
from typing import Any

from trtkit.errors import InputFileError, TrtkitError

# build.precision -> BuilderFlag member
PRECISION_FLAGS = {"fp16": "FP16", "bf16": "BF16", "int8": "INT8", "fp8": "FP8", "int4": "INT4", "tf32": "TF32"}
# trtexec's type names (build.layer_precisions, build.layer_output_types) -> DataType member: FP32 is FLOAT,
# FP16 is HALF in TensorRT's enum
DATA_TYPES = {"fp32": "FLOAT", "fp16": "HALF", "bf16": "BF16", "int8": "INT8", "int32": "INT32", "int64": "INT64",
              "uint8": "UINT8", "bool": "BOOL", "fp8": "FP8", "int4": "INT4", "fp4": "FP4"}


class BuildCancelled(TrtkitError):
    exit_code = 130


@dataclass
class ParserProblem:
    node: str
    operator: str
    message: str


@dataclass
class NetworkTensor:
    """An input or output of the parsed network."""

    name: str
    dtype: str  # TensorRT's DataType name: FLOAT, HALF, INT8...
    shape: list[int]  # -1 for a dynamic dimension


@dataclass
class NetworkSummary:
    inputs: list[NetworkTensor] = field(default_factory=list)
    outputs: list[NetworkTensor] = field(default_factory=list)
    layers: int = 0


@dataclass
class BuildRun:
    serialized: memoryview | None  # over the IHostMemory, which it keeps alive
    log: list[tuple[str, str]]  # (severity, message)
    phases: dict[str, float]  # phase name -> seconds
    seconds: float


def make_logger(trt: ModuleType, lines: list[tuple[str, str]],
                echo: Callable[[str, str], None] | None = None):
    """A TensorRT logger keeping every (severity, message) in `lines`, and handing each to `echo` as it comes
    (`build -v` streams the builder log)."""
    logger_base: Any = trt.ILogger  # a class of whichever TensorRT module was loaded

    class Logger(logger_base):
        def __init__(self):
            trt.ILogger.__init__(self)

        def log(self, severity, message):
            name = severity.name if hasattr(severity, "name") else str(severity)
            lines.append((name, message))
            if echo is not None:
                echo(name, message)

    return Logger()


def load_plugins(trt: ModuleType, builder, plugins: list[Path]) -> None:
    registry = builder.get_plugin_registry()
    for library in plugins:
        if not library.is_file():
            raise InputFileError(f"plugin library {library} does not exist", "check build.plugins")
        if registry.load_library(str(library)) is None:
            raise InputFileError(f"TensorRT could not load the plugin library {library}",
                                 "check it was built for this TensorRT version")


def parse(trt: ModuleType, builder, logger, model: Path, parser_flags: list[str], strongly_typed: bool | None):
    """The network and parser for `model`, parsed from its path (so external data is found)."""
    flags = 0
    if strongly_typed and hasattr(trt.NetworkDefinitionCreationFlag, "STRONGLY_TYPED"):
        flags |= 1 << int(trt.NetworkDefinitionCreationFlag.STRONGLY_TYPED)
    network = builder.create_network(flags)
    parser = trt.OnnxParser(network, logger)
    for name in parser_flags:
        parser.set_flag(getattr(trt.OnnxParserFlag, name.upper()))
    ok = parser.parse_from_file(str(model))
    problems = [ParserProblem(_call(error, "node_name"), _call(error, "node_operator"), error.desc())
                for error in (parser.get_error(index) for index in range(parser.num_errors))]
    return network, parser, ok, problems


def _call(error, method: str) -> str:
    value = getattr(error, method, None)
    try:
        return str(value()) if callable(value) else ""
    except Exception:  # older parsers lack these accessors
        return ""


def summarize_network(network) -> NetworkSummary:
    summary = NetworkSummary(layers=network.num_layers)
    for index in range(network.num_inputs):
        tensor = network.get_input(index)
        summary.inputs.append(NetworkTensor(tensor.name, tensor.dtype.name, list(tensor.shape)))
    for index in range(network.num_outputs):
        tensor = network.get_output(index)
        summary.outputs.append(NetworkTensor(tensor.name, tensor.dtype.name, list(tensor.shape)))
    return summary


def mark_all_outputs(trt: ModuleType, network) -> int:
    """Mark every float output of every layer as a network output (as Polygraphy's `--trt-outputs mark all`),
    leaving out shape and constant layers and non-float tensors, which TensorRT cannot bind as outputs; the
    ONNX parser names each tensor after its ONNX tensor. Returns how many were marked."""
    skipped_layers = {trt.LayerType.SHAPE, trt.LayerType.CONSTANT}
    floats = {trt.DataType.FLOAT, trt.DataType.HALF, trt.DataType.BF16}
    marked = 0
    for index in range(network.num_layers):
        layer = network.get_layer(index)
        if layer.type in skipped_layers:
            continue
        for output_index in range(layer.num_outputs):
            tensor = layer.get_output(output_index)
            if tensor is None or tensor.is_network_output or getattr(tensor, "is_shape_tensor", False):
                continue
            if tensor.dtype in floats:
                network.mark_output(tensor)
                marked += 1
    return marked


def configure(trt: ModuleType, builder, network, build, backend: str):
    """The IBuilderConfig for the validated `build` section."""
    config = builder.create_builder_config()
    config.profiling_verbosity = getattr(trt.ProfilingVerbosity, build.profiling_verbosity.upper())
    for index, profile in enumerate(build.profiles.values()):
        optimization_profile = builder.create_optimization_profile()
        for tensor in profile.min:
            optimization_profile.set_shape(tensor, profile.min[tensor], profile.opt[tensor], profile.max[tensor])
        config.add_optimization_profile(optimization_profile)
        if index == 0 and build.calibration is not None:  # TensorRT 10.x: calibrate at the first profile
            config.set_calibration_profile(optimization_profile)
    if build.workspace is not None:
        config.set_memory_pool_limit(trt.MemoryPoolType.WORKSPACE, build.workspace)
    for pool, value in build.memory_pools.model_dump().items():
        if value is not None:
            config.set_memory_pool_limit(getattr(trt.MemoryPoolType, pool.upper()), value)
    rtx = backend == "tensorrt-rtx"
    if build.optimization_level is not None and not rtx:
        config.builder_optimization_level = build.optimization_level
    if build.max_tactics is not None and not rtx:
        config.max_num_tactics = build.max_tactics
    if build.tiling_level is not None:
        config.tiling_optimization_level = getattr(trt.TilingOptimizationLevel, build.tiling_level.upper())
    if build.l2_limit_for_tiling is not None:
        config.l2_limit_for_tiling = build.l2_limit_for_tiling
    if build.hardware_compatibility != "none":
        config.hardware_compatibility_level = getattr(trt.HardwareCompatibilityLevel,
                                                      build.hardware_compatibility.upper())
    if build.runtime_platform != "same_as_build":
        config.runtime_platform = getattr(trt.RuntimePlatform, build.runtime_platform.upper())
    if build.max_aux_streams is not None:
        config.max_aux_streams = build.max_aux_streams
    for option, flag in (("version_compatible", "VERSION_COMPATIBLE"), ("exclude_lean_runtime", "EXCLUDE_LEAN_RUNTIME"),
                         ("refit", "REFIT"), ("strip_weights", "STRIP_PLAN"), ("sparsity", "SPARSE_WEIGHTS"),
                         ("editable_timing_cache", "EDITABLE_TIMING_CACHE"),
                         ("error_on_timing_cache_miss", "ERROR_ON_TIMING_CACHE_MISS")):
        if getattr(build, option):
            config.set_flag(getattr(trt.BuilderFlag, flag))
    if build.tactic_sources is not None:
        mask = 0
        for source in build.tactic_sources:
            mask |= 1 << int(getattr(trt.TacticSource, source.upper()))
        config.set_tactic_sources(mask)
    if build.dla.core is not None:
        config.default_device_type = trt.DeviceType.DLA
        config.DLA_core = build.dla.core
        if build.dla.allow_gpu_fallback:
            config.set_flag(trt.BuilderFlag.GPU_FALLBACK)
    if build.compute_capabilities:
        config.num_compute_capabilities = len(build.compute_capabilities)
        for index, capability in enumerate(build.compute_capabilities):
            config.set_compute_capability(getattr(trt.ComputeCapability, "SM" + capability.replace(".", "")), index)
    _weak_typing(trt, network, config, build)
    return config


def _weak_typing(trt: ModuleType, network, config, build) -> None:
    """TensorRT 10.x only (the stage refuses these on 11 and TensorRT-RTX): precision flags, constraints,
    per-layer precisions and output types (the INT8 calibrator is set by the stage)."""
    for precision in build.precision:
        names = list(PRECISION_FLAGS.values()) if precision == "best" else [PRECISION_FLAGS[precision]]
        for name in names:
            if hasattr(trt.BuilderFlag, name):
                config.set_flag(getattr(trt.BuilderFlag, name))
    if build.precision_constraints != "none":
        config.set_flag(getattr(trt.BuilderFlag, f"{build.precision_constraints.upper()}_PRECISION_CONSTRAINTS"))
    for pattern, dtype in build.layer_precisions.items():
        for layer in _matching_layers(network, pattern):
            layer.precision = getattr(trt.DataType, DATA_TYPES[dtype])
    for pattern, dtype in build.layer_output_types.items():
        for layer in _matching_layers(network, pattern):
            for index in range(layer.num_outputs):
                layer.set_output_type(index, getattr(trt.DataType, DATA_TYPES[dtype]))


def _matching_layers(network, pattern: str):
    regex = re.compile(pattern)
    return [network.get_layer(index) for index in range(network.num_layers)
            if regex.search(network.get_layer(index).name)]


def build_serialized(trt: ModuleType, builder, network, config, lines: list[tuple[str, str]], on_phase=None,
                     on_step=None) -> BuildRun:
    """Build with a progress monitor; Ctrl-C cancels through the monitor and raises BuildCancelled."""
    cancelled = threading.Event()
    phases: dict[str, float] = {}
    starts: dict[str, float] = {}

    monitor_base: Any = trt.IProgressMonitor  # a class of whichever TensorRT module was loaded

    class Monitor(monitor_base):
        def __init__(self):
            trt.IProgressMonitor.__init__(self)

        def phase_start(self, phase_name, parent_phase, num_steps):
            starts[phase_name] = time.perf_counter()
            if on_phase:
                on_phase(phase_name, parent_phase, num_steps)

        def step_complete(self, phase_name, step):
            if on_step:
                on_step(phase_name, step)
            return not cancelled.is_set()

        def phase_finish(self, phase_name):
            phases[phase_name] = time.perf_counter() - starts.get(phase_name, time.perf_counter())

    monitor = Monitor()
    if hasattr(config, "progress_monitor"):
        config.progress_monitor = monitor
    main_thread = threading.current_thread() is threading.main_thread()
    previous = signal.signal(signal.SIGINT, lambda *_: cancelled.set()) if main_thread else None
    start = time.perf_counter()
    try:
        serialized = builder.build_serialized_network(network, config)
    finally:
        if main_thread:
            signal.signal(signal.SIGINT, previous)
    seconds = time.perf_counter() - start
    if cancelled.is_set():
        raise BuildCancelled("the build was cancelled (Ctrl-C); nothing was written")
    # a view of TensorRT's IHostMemory, not a copy: engines run to gigabytes
    return BuildRun(memoryview(serialized) if serialized is not None else None, lines, phases, seconds)


_LETTERS = {"INTERNAL_ERROR": "F", "ERROR": "E", "WARNING": "W", "INFO": "I", "VERBOSE": "V"}


def log_text(lines: list[tuple[str, str]]) -> str:
    """The builder log in trtexec's `[V] message` form, which the layer-listing parser reads back."""
    return "".join(log_line(severity, message) + "\n" for severity, message in lines)


def log_line(severity: str, message: str) -> str:
    """One builder log line as trtexec prints it: `[W] message`."""
    return f"[{_LETTERS.get(severity, 'I')}] {message}"


_PROFILED = re.compile(r"profiling completed in ([\d.eE+-]+) seconds")
_CACHE_DELETED = re.compile(r"Deleting timing cache: (\d+) entries, served (\d+) hits")


def timing_cache_statistics(messages: Iterable[str]) -> dict[str, int | float] | None:
    """How a build used its timing cache, from the messages of its verbose builder log (or trtexec's): `misses`,
    the tactic timings it ran (`Fastest Tactic`, with their seconds from 8.6 on), and `hits`, the results the cache
    served (10.x logs each `got cached result`; 8.x gives the total, and the cache's entries, when it deletes the
    cache). None when the log shows no tactic selection (TensorRT-RTX, or a log that is not verbose)."""
    hits = misses = 0
    seconds = 0.0
    entries = served = None
    for message in messages:
        if "got cached result: " in message:
            hits += 1
        elif "Fastest Tactic: " in message:
            misses += 1
            profiled = _PROFILED.search(message)
            if profiled:
                seconds += float(profiled.group(1))
        elif "Deleting timing cache: " in message:
            deleted = _CACHE_DELETED.search(message)
            if deleted:
                entries = (entries or 0) + int(deleted.group(1))
                served = (served or 0) + int(deleted.group(2))
    if not (hits or misses or entries is not None):
        return None
    statistics: dict[str, int | float] = {"hits": hits if hits or served is None else served, "misses": misses}
    if seconds:
        statistics["timing_seconds"] = round(seconds, 6)
    if entries is not None:
        statistics["entries"] = entries
    return statistics

"""`build`: an ONNX model to an engine through the TensorRT builder API, with every option validated against
the installed TensorRT before minutes are spent, and everything a later stage needs written beside it."""

from __future__ import annotations

import concurrent.futures
import json
import platform
import re
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from trtkit import __version__
from trtkit.config.context import DEFAULT_CONTEXT
from trtkit.errors import InputFileError, TrtkitError, UsageError
from trtkit.io.artifacts import EngineArtifacts, external_data_files, sha256_file
from trtkit.io.locks import locked
from trtkit.results.build import BuildResult
from trtkit.stages.input_kind import require_onnx_model

if TYPE_CHECKING:
    from collections.abc import Callable
    from types import ModuleType

    from trtkit.backends.trt_builder import NetworkSummary
    from trtkit.config.context import StageContext
    from trtkit.config.models import BuildConfig

# build option -> (what the installed TensorRT must have, "attr" on IBuilderConfig or "flag" in BuilderFlag)
REQUIRES = {
    "tiling_level": ("tiling_optimization_level", "attr"), "l2_limit_for_tiling": ("l2_limit_for_tiling", "attr"),
    "max_tactics": ("max_num_tactics", "attr"), "runtime_platform": ("runtime_platform", "attr"),
    "max_aux_streams": ("max_aux_streams", "attr"), "hardware_compatibility": ("hardware_compatibility_level", "attr"),
    "optimization_level": ("builder_optimization_level", "attr"),
    "version_compatible": ("VERSION_COMPATIBLE", "flag"), "exclude_lean_runtime": ("EXCLUDE_LEAN_RUNTIME", "flag"),
    "refit": ("REFIT", "flag"), "strip_weights": ("STRIP_PLAN", "flag"), "sparsity": ("SPARSE_WEIGHTS", "flag"),
    "editable_timing_cache": ("EDITABLE_TIMING_CACHE", "flag"),
    "error_on_timing_cache_miss": ("ERROR_ON_TIMING_CACHE_MISS", "flag"),
}
# what replaces a weak-typing precision on a strongly typed build (convert.precision takes fp32, fp16 and bf16)
_STRONGLY_TYPED_PRECISION = {
    "fp16": "set convert.precision: fp16", "bf16": "set convert.precision: bf16",
    "int8": "quantize in the model with convert.quantize.mode: int8", "fp8": "quantize in the model with "
    "convert.quantize.mode: fp8", "int4": "quantize in the model with convert.quantize.mode: int4",
    "best": "set convert.precision: fp16 and convert.quantize.mode: int8",
}
# build options whose values are members of a TensorRT enum that differs by version: option -> (enum, the value
# that means "not set", so never looked up)
ENUM_OPTIONS = {
    "profiling_verbosity": ("ProfilingVerbosity", None), "tiling_level": ("TilingOptimizationLevel", None),
    "hardware_compatibility": ("HardwareCompatibilityLevel", "none"), "runtime_platform": ("RuntimePlatform",
                                                                                           "same_as_build"),
}
_MEMORY = re.compile(r"Total (Host Persistent|Device Persistent|Weights|Activation) Memory: (\d+) bytes")


class ParseFailed(InputFileError):
    """The ONNX parser refused the model; carries every error (node, operator, message)."""

    def __init__(self, message: str, hint: str, problems: list[dict]):
        super().__init__(message, hint)
        self.problems = problems


def strongly_typed_only(backend: str, module: ModuleType) -> bool:
    from trtkit.backends.version import TensorRTVersion

    version = TensorRTVersion.parse(module.__version__, rtx=backend == "tensorrt-rtx")
    return backend == "tensorrt-rtx" or (version is not None and version.strongly_typed_only)


def validate_options(build: BuildConfig, backend: str, module: ModuleType) -> list[str]:
    """Refuse what the installed TensorRT cannot do (exit 2, before parsing); return warnings for no-ops."""
    from trtkit.backends.version import TensorRTVersion
    from trtkit.config.models import BuildConfig

    version = TensorRTVersion.parse(module.__version__)
    name = "TensorRT-RTX" if backend == "tensorrt-rtx" else f"TensorRT {version.major if version else 'unknown'}"
    defaults = BuildConfig()
    if strongly_typed_only(backend, module):
        # TF32 is the one precision flag a strongly typed build keeps (how FP32 layers compute, on by default)
        weak = [precision for precision in build.precision if precision != "tf32"]
        if weak:
            raise UsageError(f"{name} builds strongly typed networks only: build.precision {weak[0]} is gone",
                             f"{_STRONGLY_TYPED_PRECISION[weak[0]]} and rebuild (build.precision keeps only tf32)")
        for key, replacement in (("calibration", "convert.quantize with calibration data"),
                                 ("layer_precisions", "convert.keep_fp32_nodes"),
                                 ("layer_output_types", "types set in the model by convert")):
            if getattr(build, key) not in (None, {}, []):
                raise UsageError(f"{name} builds strongly typed networks only: build.{key} is gone",
                                 f"use {replacement}")
        if build.precision_constraints != "none":
            raise UsageError(f"{name} has no precision constraints (strongly typed networks only)",
                             "remove build.precision_constraints; keep layers in FP32 with convert.keep_fp32_nodes")
    elif build.calibration is not None and not {"int8", "best"} & set(build.precision):
        raise UsageError("build.calibration calibrates INT8, but build.precision does not enable int8",
                         "add int8 to build.precision, or remove build.calibration")
    else:
        typed = [key for key in ("layer_precisions", "layer_output_types") if getattr(build, key)]
        if build.strongly_typed and typed:  # NetworkDefinitionCreationFlag.STRONGLY_TYPED: "not allowed"
            raise UsageError(f"build.{typed[0]}: a strongly typed network (build.strongly_typed) takes its types "
                             f"from the model, and {name} does not allow layer precisions or output types on it",
                             "remove build.strongly_typed, or the layer types (set them in the model with convert)")
    warnings = []
    config_type = module.IBuilderConfig
    for option, (required, kind) in REQUIRES.items():
        if getattr(build, option) == getattr(defaults, option):
            continue
        present = hasattr(config_type, required) if kind == "attr" else hasattr(module.BuilderFlag, required)
        if not present:
            raise UsageError(f"build.{option} needs {required}, which the installed {name} "
                             f"({module.__version__}) does not have", "remove the option or install a TensorRT "
                             "that has it")
    _check_members(build, name, module)
    warnings.extend(_deprecations(build, module))
    if build.compute_capabilities and backend != "tensorrt-rtx":
        raise UsageError("build.compute_capabilities is for TensorRT-RTX ahead-of-time builds",
                         "remove it (TensorRT builds for the GPU it runs on) or use backend: tensorrt-rtx")
    for capability in build.compute_capabilities:
        if not hasattr(module.ComputeCapability, "SM" + capability.replace(".", "")):
            raise UsageError(f"build.compute_capabilities: {name} {module.__version__} cannot target {capability}",
                             "see trtkit doctor for the targets it has")
    if backend == "tensorrt-rtx":
        for option in ("timing_cache", "optimization_level", "max_tactics"):
            if getattr(build, option) is not None:
                warnings.append(f"build.{option} is a no-op on TensorRT-RTX (ignored)")
        if build.dla.core is not None:
            raise UsageError("TensorRT-RTX has no DLA", "remove build.dla")
    return warnings


# options whose TensorRT 10.x calls are deprecated, and what replaces them in trtkit: option -> (class, call, instead)
_DEPRECATED_CALLS = {
    "calibration": ("IBuilderConfig", "set_calibration_profile", "quantize in the model with convert.quantize"),
    "layer_precisions": ("ILayer", "set_output_type", "keep layers in FP32 with convert.keep_fp32_nodes"),
    "layer_output_types": ("ILayer", "set_output_type", "set the types in the model with convert"),
}


def _deprecations(build, module) -> list[str]:
    """A warning per option whose calls this TensorRT marks deprecated (its own docstring says since when and
    why): they still work on 10.x, and are gone in 11."""
    found = []
    for option, (class_name, call, instead) in _DEPRECATED_CALLS.items():
        if getattr(build, option) in (None, {}, []):
            continue
        doc = getattr(getattr(getattr(module, class_name, None), call, None), "__doc__", None) or ""
        deprecated = re.search(r"\[DEPRECATED\] (Deprecated in TensorRT [\d.]+?)\.? (.*)", doc)
        if deprecated:
            found.append(f"build.{option}: {deprecated.group(1)} ({deprecated.group(2).strip().rstrip('.')}); "
                         f"{instead}")
    return found


def _check_members(build, name: str, module) -> None:
    """Every config value that names a TensorRT enum member names one this TensorRT has (exit 2 naming the
    values it has): the members differ by version (HardwareCompatibilityLevel.SAME_COMPUTE_CAPABILITY is 10.9+)."""
    from trtkit.backends.trt_builder import DATA_TYPES, PRECISION_FLAGS
    from trtkit.config.choices import literal_values

    def require(option: str, value: str, enum_name: str, member: str, choices: dict[str, str]) -> None:
        enum = getattr(module, enum_name, None)
        members = getattr(enum, "__members__", {})
        if member not in members:
            has = [value for value, member in choices.items() if member in members]
            raise UsageError(f"build.{option}: {name} ({module.__version__}) has no {value}",
                             f"this version has: {', '.join(has) or 'none'}")

    for option, (enum_name, unset) in ENUM_OPTIONS.items():
        value = getattr(build, option)
        if value is not None and value != unset:
            choices = literal_values(type(build).model_fields[option].annotation)
            require(option, value, enum_name, value.upper(), {choice: choice.upper() for choice in choices})
    pools = {pool: pool.upper() for pool in type(build.memory_pools).model_fields}
    for pool, value in build.memory_pools.model_dump().items():
        if value is not None:
            require(f"memory_pools.{pool}", pool, "MemoryPoolType", pools[pool], pools)
    for option in ("layer_precisions", "layer_output_types"):
        for dtype in getattr(build, option).values():
            require(option, dtype, "DataType", DATA_TYPES[dtype], DATA_TYPES)
    for precision in build.precision:
        if precision != "best":  # best: every precision flag this version has
            require("precision", precision, "BuilderFlag", PRECISION_FLAGS[precision], PRECISION_FLAGS)
    if build.precision_constraints != "none":
        constraints = {value: f"{value.upper()}_PRECISION_CONSTRAINTS" for value in ("prefer", "obey")}
        require("precision_constraints", build.precision_constraints, "BuilderFlag",
                constraints[build.precision_constraints], constraints)
    for source in build.tactic_sources or []:
        require("tactic_sources", source, "TacticSource", source.upper(),
                {member.lower(): member for member in module.TacticSource.__members__})
    for flag in build.parser_flags:
        require("parser_flags", flag, "OnnxParserFlag", flag.upper(),
                {member.lower(): member for member in module.OnnxParserFlag.__members__})


def check_profiles(build: BuildConfig, network_summary: NetworkSummary) -> None:
    """Profiles against the parsed network: every dynamic input set, no unknown inputs, ranks and fixed dims."""
    inputs = {tensor.name: tensor.shape for tensor in network_summary.inputs}
    dynamic = [name for name, shape in inputs.items() if -1 in shape]
    if dynamic and not build.profiles:
        raise UsageError(f"the model has dynamic inputs ({', '.join(dynamic)}) and build.profiles is empty",
                         "add a profile with min/opt/max for them (trtkit config init MODEL.onnx writes one)")
    for profile_name, profile in build.profiles.items():
        for name in profile.min:
            if name not in inputs:
                raise UsageError(f"build.profiles.{profile_name} sets {name!r}, which is not an input of the model",
                                 f"the inputs are {', '.join(inputs)}")
            shape = inputs[name]
            if len(shape) != len(profile.min[name]):
                raise UsageError(f"build.profiles.{profile_name}: {name} has rank {len(profile.min[name])}, the "
                                 f"model's input has rank {len(shape)}", "give one size per dimension")
            for key, shapes in (("min", profile.min), ("opt", profile.opt), ("max", profile.max)):
                for axis, (fixed, given) in enumerate(zip(shape, shapes[name], strict=True)):
                    if fixed != -1 and fixed != given:
                        raise UsageError(f"build.profiles.{profile_name}.{key}: {name} axis {axis} is fixed at "
                                         f"{fixed} in the model, got {given}", "change only the dynamic dimensions")
        missing = [name for name in dynamic if name not in profile.min]
        if missing:
            raise UsageError(f"build.profiles.{profile_name} does not set the dynamic input(s) {', '.join(missing)}",
                             "every profile sets every dynamic input")


WRITING_PHASE = "Writing the engine and its companions"  # after TensorRT's phases, through the same callbacks


@dataclass
class _Parsed:
    lines: list[tuple[str, str]]
    logger: object
    builder: object
    network: object
    parser: object  # keeps the weights the network points at alive
    ok: bool
    problems: list


def _parse(trt, model: Path, plugins: Sequence[Path] = (), parser_flags: Sequence[str] = (),
           strongly_typed: bool | None = None, on_log: Callable[[str, str], None] | None = None,
           verbose: int = 0) -> _Parsed:
    from trtkit.backends import trt_builder
    from trtkit.backends.quiet import third_party_output

    lines: list[tuple[str, str]] = []
    logger = trt_builder.make_logger(trt, lines, echo=on_log)
    builder = trt.Builder(logger)
    trt_builder.load_plugins(trt, builder, list(plugins))
    printed: list[str] = []  # the parser also writes to stderr itself ("Unsupported ONNX data type"): to the log
    try:
        with third_party_output(printed, enabled=not verbose, python=False):
            parsed = trt_builder.parse(trt, builder, logger, model, list(parser_flags), strongly_typed)
    finally:
        lines.extend(("STDERR", line) for line in printed)
    return _Parsed(lines, logger, builder, *parsed)


def build_engine(model: Path, engine: Path, build: BuildConfig, context: StageContext = DEFAULT_CONTEXT, *,
                 dry_run: bool = False) -> BuildResult:
    """Parse, validate, build and write the engine and its artifacts (atomically) as the `build:` section says,
    with the context's backend; relative paths of the section (plugins, timing cache, calibration data) resolve
    against `context.base_dir`. The context's events hear the builder's progress and log (build -v streams the
    log to stderr) and run the caller's preparation while TensorRT builds (`StageEvents`)."""
    from trtkit.backends import trt_builder
    from trtkit.backends.tensorrt import DISPLAY_NAMES, import_backend
    from trtkit.io.onnx_model import check_external_data_locations
    from trtkit.io.paths import (
        refuse_non_regular_output,
        refuse_output_over_input,
        require_regular_file,
        require_utf8_path,
    )

    events = context.events
    require_regular_file(model, "ONNX model")
    require_onnx_model(model, "build")
    require_utf8_path(model, "ONNX model")
    for role, path in _output_roles(engine).items():  # before minutes of building, not after
        require_utf8_path(path, role)  # the build metadata names it: UTF-8 JSON cannot hold an undecodable name
        refuse_non_regular_output(path, role)
        # `-o model.onnx` would put the engine over the model; a previous build's companions are replaced
        refuse_output_over_input(path, [model], role, artifacts_read=False)
    backend, trt = import_backend(context.backend)
    warnings = validate_options(build, backend, trt)  # before minutes of parsing
    parsed = _parse(trt, model, [context.resolve(path) for path in build.plugins], build.parser_flags,
                    build.strongly_typed, events.on_log, context.output.verbose)
    lines, builder, network, ok, problems = parsed.lines, parsed.builder, parsed.network, parsed.ok, parsed.problems
    result = BuildResult(backend, trt.__version__, str(model), None, warnings=warnings,
                         parser_errors=[asdict(problem) for problem in problems], dry_run=dry_run,
                         parser_warnings=list(dict.fromkeys(message for severity, message in lines
                                                            if severity == "WARNING")))
    if not ok:
        check_external_data_locations(model)
        _refuse_missing_external_data(model)
        first = problems[0] if problems else None
        where = f" at node {first.node!r} ({first.operator})" if first and first.node else ""
        raise ParseFailed(f"{DISPLAY_NAMES[backend]} {trt.__version__} could not parse {model}{where}: "
                          f"{first.message if first else 'no details'}",
                          "unsupported operators need a plugin or `trtkit convert`; `trtkit lint MODEL` lists them",
                          result.parser_errors)
    if build.mark_all_outputs:
        marked = trt_builder.mark_all_outputs(trt, network)
        result.warnings.append(f"build.mark_all_outputs: {marked} layer outputs marked as network outputs: a debug "
                               "engine for compare outputs --layerwise, fused less and slower than the real one")
    summary = trt_builder.summarize_network(network)
    if not summary.outputs:
        # stray bytes can parse as an empty protobuf: a network with nothing to compute is not a model
        raise ParseFailed(f"{model} parsed to a network with no outputs; it is not a usable ONNX model",
                          "check the file is the exported model (`trtkit lint MODEL` reads it)", result.parser_errors)
    result.network = summary
    result.effective_config = {"backend": context.backend, "build": build.model_dump(mode="json")}
    result.effective_config["build"]["output"] = str(engine)  # where this build writes: -o, or the default filled in
    check_profiles(build, summary)
    result.profiles = result.effective_config["build"]["profiles"]
    if dry_run:
        check_external_data_locations(model)
        return result
    config = trt_builder.configure(trt, builder, network, build, backend)
    calibrator = _calibrator(trt, config, build, context, model) if build.calibration is not None else None
    # what the outputs need besides the engine is made while TensorRT builds (it releases the GIL): the model's
    # hashes, the imports, probes and host facts of the metadata (~0.1 s less after the build: bench/README.md)
    helper = concurrent.futures.ThreadPoolExecutor(max_workers=1)
    hashes = helper.submit(_model_hashes, model)
    # external data outside the model's folder would put another file's bytes in the engine: looked for while
    # TensorRT builds (scanning a 50 MB model costs ~0.07 s), and nothing is written if it is there
    escaping = helper.submit(check_external_data_locations, model)
    host = helper.submit(_prepare_outputs, events.while_building)
    cache_path = context.resolve(build.timing_cache) if build.timing_cache and backend != "tensorrt-rtx" else None
    if cache_path is not None:
        with locked(cache_path):
            data = cache_path.read_bytes() if cache_path.is_file() else b""
        config.set_timing_cache(config.create_timing_cache(data), False)
    try:
        run = trt_builder.build_serialized(trt, builder, network, config, lines, events.on_phase, events.on_step)
    finally:
        helper.shutdown(wait=True)
        if calibrator is not None:
            calibrator.free()
    escaping.result()
    if calibrator is not None:
        if isinstance(calibrator.error, TrtkitError):
            raise calibrator.error
        if calibrator.error is not None:
            raise InputFileError(f"INT8 calibration failed: {calibrator.error}", "check build.calibration.data")
        result.calibration = calibrator.summary()
    result.build_seconds, result.phases = run.seconds, run.phases
    errors = [message for severity, message in lines if severity in ("ERROR", "INTERNAL_ERROR")]
    if run.serialized is None:  # the model parsed: what TensorRT refuses now is the configuration
        raise UsageError(f"the build failed: {errors[-1] if errors else 'no error message'}",
                         "check the memory pools (build.workspace) and profiles; the log: trtkit -v build")
    result.engine_bytes = len(run.serialized)
    result.memory = {match.group(1).lower().replace(" ", "_") + "_bytes": int(match.group(2))
                     for _, message in lines for match in [_MEMORY.search(message)] if match}
    result.timing_cache = trt_builder.timing_cache_statistics(message for _, message in lines)
    events.on_phase(WRITING_PHASE, None, 1)
    _write_outputs(result, engine, run, lines, build, trt, model, cache_path, config,
                   {"model": hashes.result(), "host": host.result()})
    events.on_step(WRITING_PHASE, 0)
    return result


def _output_roles(engine: Path) -> dict[str, Path]:
    """The files a build writes, by role: the engine and the companions beside it."""
    artifacts = EngineArtifacts(engine)
    return {"engine": artifacts.engine, "graph file": artifacts.graph, "build metadata": artifacts.build_metadata,
            "build log": artifacts.build_log}


def _refuse_missing_external_data(model: Path) -> None:
    """After a failed parse: a model whose external weights are not beside it gets that said, not the parser's
    "failed to import initializer"."""
    from trtkit.analysis.onnx_model import summarize_onnx

    try:
        referenced = summarize_onnx(model).external_data_files
    except Exception:  # not readable by onnx either: the parser's message stands
        return
    missing = [name for name in referenced if not (model.parent / name).is_file()]
    if missing:
        raise InputFileError(f"{model} keeps its weights in {', '.join(missing)}, which "
                             f"{'is' if len(missing) == 1 else 'are'} not beside it",
                             "keep the external data file(s) next to the model: ONNX resolves them relative "
                             "to the model file")


def _calibrator(trt, config, build: BuildConfig, context: StageContext, model: Path):
    """TensorRT 10.x implicit INT8 calibration: feeds from the shared data spec at the first profile's opt
    shapes (the calibration profile), on the GPU TensorRT calibrates on."""
    from trtkit.backends.calibrator import make_calibrator
    from trtkit.backends.cuda import probe_cuda
    from trtkit.errors import BackendUnavailableError
    from trtkit.io.data import feeds_for
    from trtkit.io.onnx_model import graph_inputs, load_onnx

    if not probe_cuda().has_gpu:
        raise BackendUnavailableError("INT8 calibration runs the network on a GPU and none is usable here",
                                      "build on a machine with a GPU (trtkit doctor), or quantize with trtkit convert")
    calibration = build.calibration
    assert calibration is not None  # called only for a build with calibration
    feeds, _ = feeds_for(calibration.data, graph_inputs(load_onnx(model)), context.resolve("."),
                         build.first_opt_shapes())
    cache = context.resolve(calibration.cache) if calibration.cache else None
    calibrator = make_calibrator(trt, calibration.algorithm, feeds, cache)
    config.int8_calibrator = calibrator  # configure() made the first profile the calibration profile
    return calibrator


def _prepare_outputs(while_building: Callable[[], object]) -> dict:
    """Import and probe what writing the outputs needs, while TensorRT builds. Returns the host facts of the
    metadata."""
    from trtkit.backends.cuda import probe_cuda
    from trtkit.io import jsonout  # noqa: F401
    from trtkit.plan import inspector  # noqa: F401 - the layer listing's parser

    probe_cuda()  # cached for the metadata and the graph
    while_building()
    return {"platform": platform.platform(), "machine": platform.machine(), "node": platform.node()}


def _model_hashes(model: Path) -> dict:
    external = external_data_files(model)
    return {"path": str(model), "sha256": sha256_file(model),
            "external_data": {path.name: sha256_file(path) for path in external}}


def _write_outputs(result: BuildResult, engine: Path, run, lines, build: BuildConfig, trt, model: Path,
                   cache_path: Path | None, config, prepared: dict) -> None:
    from trtkit.backends import trt_builder
    from trtkit.io.atomic import commit_marker, staged_writes, write_bytes_atomic
    from trtkit.io.jsonout import document, dumps

    artifacts = EngineArtifacts(engine)
    # the engine's write releases the GIL: the log, graph and metadata are made meanwhile, and all of them land
    # together once everything is written (no fsync: io.atomic), or none does; a kill between the renames leaves
    # the set's commit marker, which readers refuse
    with staged_writes(marker=engine) as stage, concurrent.futures.ThreadPoolExecutor(1) as pool:
        engine_written = pool.submit(stage, engine, run.serialized)
        log = trt_builder.log_text(lines)
        stage(artifacts.build_log, log)
        graph, result.graph_source = _graph_document(run.serialized, log, trt)
        if graph is not None:
            stage(artifacts.graph, dumps(graph, indent=1))
        else:
            stage.remove(artifacts.graph)  # the old engine's layers are not this one's
        # measurements of the engine this one replaces would be joined to its layers
        for measured in (artifacts.timing, artifacts.profile, artifacts.profile_metadata,
                         commit_marker(artifacts.profile)):
            stage.remove(measured)
        result.engine = str(engine)
        result.written = [str(path) for path in (engine, artifacts.build_log, artifacts.graph,
                                                 artifacts.build_metadata) if path != artifacts.graph or graph]
        stage(artifacts.build_metadata, dumps(document("build-metadata", _metadata(result, build, model, prepared))))
        engine_written.result()
    if cache_path is not None:
        with locked(cache_path):
            cache = config.get_timing_cache()
            if cache_path.is_file():  # merge what concurrent builds wrote meanwhile
                cache.combine(config.create_timing_cache(cache_path.read_bytes()), True)
            write_bytes_atomic(cache_path, bytes(cache.serialize()))


def _graph_document(serialized: bytes, log: str, trt) -> tuple[dict | None, str]:
    """IEngineInspector JSON: from the engine when it deserializes here (a GPU), else from the layer listing
    the builder logs at verbose level with detailed verbosity (TensorRT-RTX on the CPU)."""
    from trtkit.backends.cuda import probe_cuda

    not_here = "the engine did not deserialize here"
    if probe_cuda().has_gpu:
        runtime = trt.Runtime(trt.Logger(trt.Logger.ERROR))
        try:
            deserialized = runtime.deserialize_cuda_engine(serialized)
        except RuntimeError as error:  # TensorRT's own failure (pybind11 turns its exceptions into RuntimeError)
            deserialized, not_here = None, f"the engine did not deserialize here ({error})"
        if deserialized is not None:
            inspector = deserialized.create_engine_inspector()
            return json.loads(inspector.get_engine_information(trt.LayerInformationFormat.JSON)), "IEngineInspector"
    from trtkit.plan.inspector import parse_oneline_text

    listing = parse_oneline_text(log)
    if listing is None:
        return None, f"none: {not_here} and the builder logged no layer listing"
    document: dict[str, Any] = {"Layers": [layer.attributes for layer in listing.layers]}
    if listing.raw_io:
        document["I/O Tensors"] = listing.raw_io
    document["Bindings"] = [tensor.name for tensor in listing.io_tensors]
    return document, "builder log layer listing (verbose, detailed profiling verbosity)"


def _metadata(result: BuildResult, build: BuildConfig, model: Path, prepared: dict) -> dict:
    from trtkit.backends.cuda import probe_cuda

    cuda = probe_cuda()
    build_section = result.effective_config["build"]
    return {
        # TREx reads these two; trtkit's loader too
        "model_options": {"Format": "ONNX", "Model": str(model)},
        "build_options": {key: json.dumps(value) if not isinstance(value, str) else value
                          for key, value in build_section.items() if value not in (None, [], {}, False)},
        "effective_config": result.effective_config,
        "versions": {"trtkit": __version__, "backend": result.backend, "tensorrt": result.tensorrt_version,
                     "cuda_driver": cuda.driver_version, "cuda_driver_api": cuda.driver_api_version},
        "host": prepared["host"],
        "targets": {"gpus": [asdict(gpu) for gpu in cuda.gpus],
                    "compute_capabilities": build.compute_capabilities},
        "model": prepared["model"],
        "network": asdict(result.network) if result.network is not None else None, "profiles": result.profiles,
        "build_seconds": result.build_seconds, "phases_seconds": result.phases,
        "engine_bytes": result.engine_bytes, "memory": result.memory,
        "timing_cache": result.timing_cache, "parser_errors": result.parser_errors,
        "parser_warnings": result.parser_warnings, "warnings": result.warnings,
        "graph_source": result.graph_source,
    }

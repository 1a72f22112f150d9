"""`trtkit profile`: measure an engine on the GPU the way trtexec does, say how it was measured, and how far
to trust the figures. The engine-independent part (`measure_with`: harness, telemetry, statistics,
warnings) runs with any executor; `profile_engine` adds TensorRT (engine, contexts, per-layer run)."""

from __future__ import annotations

import contextlib
import os
from dataclasses import asdict
from pathlib import Path
from typing import TYPE_CHECKING

from trtkit.config.context import DEFAULT_CONTEXT
from trtkit.errors import UsageError
from trtkit.results.profile import ProfileResult
from trtkit.stages.input_kind import require_engine

if TYPE_CHECKING:
    from collections.abc import Sequence

    from trtkit.backends.timing import Executor, Measurement, TimingMode
    from trtkit.config.context import StageContext
    from trtkit.config.models import ProfileConfig

FIGURES = {"latency": "latency", "gpu_compute": "compute", "enqueue": "enqueue", "h2d": "h2d", "d2h": "d2h"}


def timing_mode(config: ProfileConfig) -> TimingMode:
    """The harness's mode from the `profile:` section."""
    from trtkit.backends.timing import TimingMode

    return TimingMode(warmup_s=config.warmup, min_iterations=config.iterations, min_duration_s=config.duration,
                      cuda_graph=config.cuda_graph, spin_wait=config.spin_wait, transfers=config.transfers,
                      enqueue_ahead=config.enqueue_ahead, streams=config.streams)


def measure_with(executors: Sequence[Executor], config: ProfileConfig,
                 engine: str = "") -> tuple[ProfileResult, Measurement]:
    """Time `executors` (one per stream) as `config` says, with NVML telemetry when asked and installed;
    the result with statistics and warnings, and the raw measurement."""
    from trtkit.analysis.statistics import MeasuredStatistic, describe, median_confidence_interval, timing_warnings
    from trtkit.backends.timing import measure
    from trtkit.errors import BackendUnavailableError

    mode = timing_mode(config)
    telemetry, sampler, missing = None, None, None
    if config.telemetry:
        from trtkit.backends.telemetry import TelemetrySampler

        try:
            sampler = TelemetrySampler(config.device)
        except BackendUnavailableError as error:  # nvidia-ml-py missing: said in the warnings, not fatal
            missing = error.one_line()
    with sampler if sampler is not None else contextlib.nullcontext():
        measurement = measure(list(executors), mode)
    if sampler is not None:
        telemetry = sampler.telemetry
    samples = measurement.samples
    stats = {attribute: describe(getattr(samples, attribute), config.percentiles) for attribute in FIGURES.values()}
    figures = {name: MeasuredStatistic(**asdict(stats[attribute]),
                                       median_ci_ms=median_confidence_interval(getattr(samples, attribute)))
               for name, attribute in FIGURES.items()}
    warnings = timing_warnings(stats, mode.transfers, mode.cuda_graph)
    if telemetry is not None:
        from trtkit.backends.telemetry import telemetry_warnings

        warnings += telemetry_warnings(telemetry)
    elif missing:
        warnings.append(f"no GPU telemetry ({missing}): clocks and throttling during the run are unknown")
    result = ProfileResult(engine, mode, measurement.iterations, measurement.wall_s,
                           measurement.throughput_qps, figures, warnings,
                           telemetry.to_dict() if telemetry is not None else None)
    return result, measurement


def profile_engine(engine: Path, config: ProfileConfig, context: StageContext = DEFAULT_CONTEXT) -> ProfileResult:
    """Measure `engine` with the context's backend as the `profile:` section says (its data path relative to
    `context.base_dir`); write its `.timing.json`, `.profile.json` (per-layer run) and `.profile.metadata.json`
    beside it, atomically."""
    import json

    from trtkit.analysis.profile_records import layer_profile_records, profile_metadata, timing_records
    from trtkit.backends.tensorrt import load_engine
    from trtkit.backends.trt_executor import TrtExecutor, layer_times
    from trtkit.io.atomic import check_set_complete
    from trtkit.io.data import feeds_for

    if not os.path.exists(engine):  # never raises: a name too long to look up does not exist either
        from trtkit.errors import InputFileError

        raise InputFileError(f"engine {engine} does not exist", "build it first: trtkit build")
    from trtkit.io.paths import require_regular_file

    require_regular_file(engine, "engine")  # a folder or a FIFO is not "missing": say what it is
    require_engine(engine, "profile")
    check_set_complete(engine, "build")
    trt, loaded = load_engine(engine, context.backend, "profiling the engine",
                              "profile on a machine with a GPU and TensorRT (trtkit doctor says what this one has)")
    if config.optimization_profile >= loaded.num_optimization_profiles:
        raise UsageError(f"profile.optimization_profile {config.optimization_profile} is out of range: the engine "
                         f"has {loaded.num_optimization_profiles}", "count from 0")
    specs = engine_inputs(trt, loaded, config.optimization_profile)
    shapes = {spec.name: tuple(spec.dims) for spec in specs if all(isinstance(dim, int) for dim in spec.dims)}
    shapes.update({name: tuple(shape) for name, shape in (config.shapes or {}).items()})
    feeds, _ = feeds_for(config.data, specs, context.base_dir, shapes)
    executors = []
    try:  # one context per stream; whatever was made is freed, whatever fails
        for _ in range(config.streams):
            executors.append(TrtExecutor(trt, loaded, config.optimization_profile, feeds[0]))
        result, measurement = measure_with(executors, config, str(engine))
        layer_runs = max(config.iterations, 10)
        times = layer_times(trt, executors[0], layer_runs) if config.per_layer else {}
    finally:
        for executor in executors:
            executor.free()
    result.backend, result.shapes = trt.__version__, {name: list(shape) for name, shape in shapes.items()}
    metadata = profile_metadata(measurement.samples, measurement.wall_s, measurement.mode, shapes)
    metadata["trtkit"] = {"telemetry": result.telemetry, "warnings": result.warnings}
    if times:
        result.layers_profiled = len(times)
    written = write_measurement(engine, json.dumps(timing_records(measurement.samples)),
                                json.dumps(layer_profile_records(times, layer_runs)) if times else None,
                                json.dumps(metadata, indent=1))
    result.written = [str(path) for path in written]
    return result


def write_measurement(engine: Path, timing: str, layers: str | None, metadata: str) -> list[Path]:
    """Write an engine's `.timing.json`, `.profile.json` (per-layer times; None: an earlier run's is removed,
    its layers would be joined to these timings) and `.profile.metadata.json` as one set; returns them."""
    from trtkit.io.artifacts import EngineArtifacts
    from trtkit.io.atomic import staged_writes

    artifacts = EngineArtifacts(engine)
    with staged_writes(marker=artifacts.profile) as stage:
        stage(artifacts.timing, timing)
        if layers is not None:
            stage(artifacts.profile, layers)
        else:
            stage.remove(artifacts.profile)
        stage(artifacts.profile_metadata, metadata)
    return [artifacts.timing, *([artifacts.profile] if layers is not None else []), artifacts.profile_metadata]


def engine_inputs(trt, engine, profile: int):
    """The engine's inputs as the data spec's TensorSpec: dynamic dimensions take the profile's opt shape."""
    from trtkit.io.onnx_model import TensorSpec

    specs = []
    for index in range(engine.num_io_tensors):
        name = engine.get_tensor_name(index)
        if engine.get_tensor_mode(name) != trt.TensorIOMode.INPUT:
            continue
        dims = list(engine.get_tensor_shape(name))
        if any(dim < 0 for dim in dims):
            dims = list(engine.get_tensor_profile_shape(name, profile)[1])
        specs.append(TensorSpec(name, _numpy_name(trt, engine, name), tuple(dims)))
    return specs


def _numpy_name(trt, engine, name: str) -> str:
    from trtkit.backends.trt_runner import numpy_dtype

    return str(numpy_dtype(trt, engine, name))

"""trtkit's full-TensorRT paths driven unchanged on the double of one version (tests.conformance.double), with
the CUDA layer on the CPU stand-in (tests.conformance.cpu_cuda); then every distinct call they made replayed on
the real binding (tests.conformance.replay). Prints one JSON object.

    python -m tests.conformance.drive tensorrt|tensorrt_rtx SURFACE.json MODEL.onnx OUT_DIR
"""

from __future__ import annotations

import importlib
import json
import sys
import traceback
from pathlib import Path
from typing import Any

from tests.conformance import cpu_cuda
from tests.conformance.double import DoubleBase, DoubleModule, Record
from tests.conformance.replay import bare, replay
from tests.conformance.static_check import config_variants

# two optimization profiles of the example CNN (dynamic batch): profile paths need more than one
PROFILES = {"small": {"min": "input:1x3x64x64", "opt": "input:1x3x64x64", "max": "input:2x3x64x64"},
            "large": {"min": "input:2x3x64x64", "opt": "input:4x3x64x64", "max": "input:4x3x64x64"}}


def drive_builds(model: Path, out: Path, backend: str) -> dict:
    """build_engine once per value of every build option (the static check's variants), each with two profiles."""
    from trtkit.config.context import StageContext
    from trtkit.config.models import BuildConfig, PipelineConfig
    from trtkit.errors import InputFileError, UsageError
    from trtkit.stages.build import build_engine

    built, refused, crashes = [], [], []
    cache = {"timing_cache": str(out / "timing.cache")}  # twice: written, then read and merged
    plugin = out / "plugin.so"
    plugin.write_bytes(b"")  # loaded by the double's plugin registry: only the call is checked
    variants = [*((label, build.model_dump(exclude_unset=True, exclude={"profiles"}))
                  for label, build in config_variants()),
                ("timing_cache (new)", cache), ("timing_cache (merged)", cache),
                ("plugins", {"plugins": [str(plugin)]})]
    for number, (label, data) in enumerate(variants):
        data = {**data, "profiles": PROFILES}
        settings = PipelineConfig.model_validate({"model": model, "backend": backend, "build": data})
        try:
            result = build_engine(model, out / f"{number}.engine", settings.build, StageContext.for_config(settings))
            built.append(label)
            assert result.graph_source == "IEngineInspector", result.graph_source
        except UsageError as error:
            refused.append(f"{label}: {error.one_line()}")
        except Exception:
            crashes.append(f"{label}: {traceback.format_exc(limit=-4)}")
    unsupported = out / "unsupported.onnx"  # the double's parser refuses it: the parser-error path
    unsupported.write_bytes(model.read_bytes())
    try:
        build_engine(unsupported, out / "unsupported.engine", BuildConfig(), StageContext(backend=backend))
        crashes.append("the unsupported model built")
    except InputFileError as error:
        refused.append(f"parser: {error.one_line()}")
    except Exception:
        crashes.append(f"parser: {traceback.format_exc(limit=-4)}")
    return {"built": built, "refused": refused, "crashes": crashes}


def drive_engine(model: Path, out: Path, backend: str) -> dict:
    """The engine loader, graph.json through IEngineInspector, the executor and profile path (streams, CUDA
    graph, optimization profile, per-layer run, transfers) and the output runner, on one built engine."""
    from trtkit.backends.tensorrt import engine_information
    from trtkit.backends.trt_runner import run_engine
    from trtkit.config.context import StageContext
    from trtkit.config.models import BuildConfig, ProfileConfig
    from trtkit.stages.build import build_engine
    from trtkit.stages.profile import profile_engine

    engine = out / "profiled.engine"
    build_engine(model, engine, BuildConfig.model_validate({"profiles": PROFILES}), StageContext(backend=backend))
    information = engine_information(engine, backend)
    profiled, crashes = [], []
    for cuda_graph in (True, False):
        for streams in (1, 2):
            for profile in (0, 1):
                for per_layer in (True, False):
                    for transfers in (True, False):
                        label = f"cuda_graph={cuda_graph} streams={streams} profile={profile} " \
                                f"per_layer={per_layer} transfers={transfers}"
                        config = ProfileConfig.model_validate({
                            "cuda_graph": cuda_graph, "streams": streams, "optimization_profile": profile,
                            "per_layer": per_layer, "transfers": transfers, "telemetry": False, "warmup": "1ms",
                            "duration": "2ms", "iterations": 2})
                        try:
                            measured = profile_engine(engine, config, StageContext(out, backend=backend))
                            profiled.append({"label": label, "layers": measured.layers_profiled})
                        except Exception:
                            crashes.append(f"{label}: {traceback.format_exc(limit=-4)}")
    import numpy as np

    outputs = []
    for profile, batch in ((0, 2), (1, 4)):
        try:
            [result] = run_engine(engine, [{"input": np.ones((batch, 3, 64, 64), np.float32)}], backend, profile)
            outputs.append({name: list(array.shape) for name, array in result.items()})
        except Exception:
            crashes.append(f"run_engine profile {profile}: {traceback.format_exc(limit=-4)}")
    return {"layers": len(information["Layers"]), "profiled": profiled, "outputs": outputs, "crashes": crashes}


def _replayable(value: Any, real: Any) -> Any:
    if isinstance(value, DoubleBase):
        return bare(getattr(real, value._surface_name))
    if isinstance(value, (list, tuple)):
        return type(value)(_replayable(item, real) for item in value)
    return value


def _shape_of(value: Any) -> str:
    if isinstance(value, DoubleBase):
        return value._surface_name
    if isinstance(value, (list, tuple)):
        return f"{type(value).__name__}[{','.join(_shape_of(item) for item in value)}]"
    if type(value).__module__.startswith("tensorrt"):
        return repr(value)  # enum members one by one
    return type(value).__name__


def _call_on_real(record: Record, real: Any):
    """The recorded call, on the real class with `self` a bare instance and generated objects made bare too."""
    args = _replayable(record.args, real)
    kwargs = {name: _replayable(value, real) for name, value in record.kwargs.items()}
    cls = getattr(real, record.cls)
    if record.kind == "new":
        return lambda: cls(*args, **kwargs)
    if record.kind == "set":
        return lambda: setattr(bare(cls), record.name, args[0])
    return lambda: getattr(cls, record.name)(bare(cls), *args, **kwargs)


def replay_records(records: list[Record], real: Any) -> dict:
    """Each distinct call (class, method, argument types, enum members, keywords) on the real binding."""
    distinct: dict[tuple, Record] = {}
    for record in records:
        key = (record.kind, record.cls, record.name, tuple(_shape_of(arg) for arg in record.args),
               tuple(sorted((name, _shape_of(value)) for name, value in record.kwargs.items())))
        distinct.setdefault(key, record)
    rejected = []
    for key, record in distinct.items():
        verdict = replay(_call_on_real(record, real))
        if not verdict.accepted:
            rejected.append(f"{record.cls}.{record.name} {key[3]} {key[4]}: {verdict.detail}")
    methods = sorted({f"{record.cls}.{record.name}" for record in distinct.values()})
    return {"calls": len(records), "distinct": len(distinct), "methods": methods, "rejected": rejected}


def main(argv: list[str]) -> int:
    module_name, surface_path, model, out = argv[0], Path(argv[1]), Path(argv[2]), Path(argv[3])
    real = importlib.import_module(module_name)
    backend = "tensorrt-rtx" if module_name == "tensorrt_rtx" else "tensorrt"
    double = DoubleModule(real, json.loads(surface_path.read_text()))
    runtime = cpu_cuda.install()
    double.run_on = runtime.run_on
    from trtkit.backends import tensorrt as backends

    backends.import_backend = lambda requested="auto": (backend, double)  # type: ignore[assignment]
    out.mkdir(parents=True, exist_ok=True)
    findings: dict[str, Any] = {"version": real.__version__}
    findings["build"] = drive_builds(model, out, backend)
    findings["engine"] = drive_engine(model, out, backend)
    findings["replay"] = replay_records(double.records, real)
    print(json.dumps(findings))
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))

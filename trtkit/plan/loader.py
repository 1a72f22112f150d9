"""From files to engine plans: group the artifacts of each engine, parse them, join them.

Files named like TREx's (`<name>.engine.graph.json`, `.profile.json`, `.timing.json`, `.profile.metadata.json`,
`.build.metadata.json`) form one engine with the companions found beside them; any other file is an
engine of its own (a trtexec log gives one per run). Artifacts that are not engines (ONNX models,
calibration caches, Polygraphy files) are returned beside the plans.
"""

from __future__ import annotations

import contextlib
import gc
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from trtkit.errors import InputFileError
from trtkit.io.artifacts import ENGINE_SUFFIX, EngineArtifacts
from trtkit.io.atomic import check_set_complete
from trtkit.plan import metadata
from trtkit.plan.artifacts import Artifact, read_artifact
from trtkit.plan.join import join_profile
from trtkit.plan.model import BuildFacts, EnginePlan, Source

PLAN_KINDS = {"inspector-json", "inspector-text", "layer-records", "export-profile", "export-times",
              "iprofiler-text", "trtexec-log", "profile-metadata", "build-metadata", "device-properties"}


LISTING_KINDS = {"inspector-json", "inspector-text", "layer-records"}
COMPANION_KINDS = {"export-profile", "export-times", "iprofiler-text", "profile-metadata", "build-metadata",
                   "device-properties"}


@dataclass
class LoadResult:
    plans: list[EnginePlan] = field(default_factory=list)
    others: list[Artifact] = field(default_factory=list)


# Files a folder of artifacts also holds that are never artifacts: configs, reports, pictures, external weights,
# input data. Named on the command line they are still read (and refused); found in a folder they are passed over.
NOT_ARTIFACT_SUFFIXES = {".yaml", ".yml", ".html", ".png", ".svg", ".dot", ".md", ".data", ".npz", ".npy", ".lock"}


def _expand(paths: list[Path]) -> list[Path]:
    files: list[Path] = []
    for path in paths:
        try:
            is_folder = path.is_dir()
        except OSError as error:  # a name too long for the file system, a path through a file...
            raise InputFileError(f"cannot read {path}: {error.strerror or error}", "check the path") from None
        if is_folder:
            found = sorted(child for child in path.iterdir() if child.is_file() and not child.name.startswith(".")
                           and child.suffix.lower() not in NOT_ARTIFACT_SUFFIXES)
            if not found:
                raise InputFileError(f"{path} holds no files", "give artifact files or a folder of them")
            files.extend(found)
        else:
            files.append(path)
    return files


def _group_key(path: Path) -> Path | None:
    """The engine a TREx-named file belongs to, or None for a file that stands alone."""
    engine = EngineArtifacts.from_any(path).engine
    return engine if engine != path and engine.name.endswith(ENGINE_SUFFIX) else None


@contextlib.contextmanager
def _without_cycle_collection():
    # Parsing creates tens of thousands of small objects and no reference cycles: the cyclic garbage
    # collector would only walk them again and again (about 20% of the load time of a 1,500-layer plan).
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def load(paths: Sequence[str | Path], with_companions: bool = True) -> LoadResult:
    """Read every file (folders are expanded), group engines, and build one plan per engine or run."""
    with _without_cycle_collection():
        return _load(paths, with_companions)


def _load(paths: Sequence[str | Path], with_companions: bool) -> LoadResult:
    result = LoadResult()
    groups: dict[Path, list[Path]] = {}
    singles: list[Path] = []
    for path in _expand([Path(path) for path in paths]):
        key = _group_key(path)
        if key is None and path.name.endswith(ENGINE_SUFFIX) and with_companions:
            if EngineArtifacts(path).graph.is_file():
                key = path  # an engine with a .graph.json beside it: read the artifacts, not the engine
        if key is None:
            singles.append(path)
            continue
        members = groups.setdefault(key, [])
        companions = _companions(key) if with_companions else [path]
        for member in [path, *companions]:
            if member not in members and member != key:
                members.append(member)
    for key, members in groups.items():
        check_set_complete(key, "build")
        check_set_complete(EngineArtifacts(key).profile, "profile")
        plan = EnginePlan(name=key.name)
        for member in sorted(members, key=_order):
            artifact = read_artifact(member)
            _check_engine_size(key, artifact)
            _merge(plan, artifact)
        if key.is_file() and key in [Path(path) for path in paths]:
            plan.notes.append(f"{key.name} itself was not deserialized; its artifacts beside it were read")
        result.plans.append(complete_io_tensors(plan))
    artifacts = [_deserialized(artifact) for artifact in (read_artifact(path) for path in singles)]
    engine_artifacts = [artifact for artifact in artifacts if artifact.kind in PLAN_KINDS]
    result.others = [artifact for artifact in artifacts if artifact.kind not in PLAN_KINDS]
    if _one_engine(engine_artifacts):
        plan = EnginePlan(name=engine_artifacts[0].path.name)
        for artifact in engine_artifacts:
            _merge(plan, artifact)
        result.plans.append(complete_io_tensors(plan))
    else:
        for artifact in engine_artifacts:
            result.plans.extend(complete_io_tensors(plan) for plan in _standalone_plans(artifact))
    return result


def distinct_names(plans: list[EnginePlan]) -> None:
    """Engines of the same name (resnet.onnx.engine in fp32/ and fp16/) are told apart by their folder."""
    names = [plan.name for plan in plans]
    for plan in plans:
        if names.count(plan.name) > 1 and plan.sources:
            plan.name = f"{Path(plan.sources[0].path).parent.name}/{plan.name}"


def complete_io_tensors(plan: EnginePlan) -> EnginePlan:
    """Fill mode, data type and dimensions of name-only bindings (TensorRT <= 10) from the layers."""
    produced = {tensor.name: tensor for layer in plan.layers for tensor in layer.outputs}
    consumed = {tensor.name: tensor for layer in reversed(plan.layers) for tensor in layer.inputs}
    for io in plan.io_tensors:
        found = consumed.get(io.name) if io.name not in produced else produced[io.name]
        if io.mode is None and (io.name in produced or io.name in consumed):
            io.mode = "Output" if io.name in produced else "Input"
        if found is not None:
            io.dtype = io.dtype or found.dtype
            io.dimensions = io.dimensions or found.dimensions
    return plan


def _check_engine_size(engine: Path, artifact: Artifact) -> None:
    """Build metadata that records another size than the engine beside it describes another build."""
    if artifact.kind != "build-metadata" or not isinstance(artifact.data, dict):
        return
    recorded = artifact.data.get("engine_bytes")
    try:
        actual = engine.stat().st_size
    except OSError:
        return  # the artifacts without their engine (copied for analysis): nothing to compare with
    if isinstance(recorded, int) and recorded != actual:
        raise InputFileError(f"{artifact.path} belongs to another engine than {engine} (it records {recorded} "
                             f"bytes, the engine has {actual})", "rebuild it: trtkit build")


def _deserialized(artifact: Artifact) -> Artifact:
    """An engine file read through TensorRT's IEngineInspector (exit 4 where TensorRT or a GPU is missing)."""
    if artifact.kind != "engine":
        return artifact
    check_set_complete(artifact.path, "build")
    from trtkit.backends.tensorrt import engine_information
    from trtkit.plan.inspector import parse_inspector_json

    return Artifact(artifact.path, "inspector-json", parse_inspector_json(engine_information(artifact.path)))


def _one_engine(artifacts: list[Artifact]) -> bool:
    """A layer listing given with its profile, times or metadata (not TREx-named) is one engine."""
    listings = [artifact for artifact in artifacts if artifact.kind in LISTING_KINDS]
    extras = [artifact for artifact in artifacts if artifact.kind not in LISTING_KINDS]
    return len(listings) == 1 and bool(extras) and all(
        artifact.kind in COMPANION_KINDS and (not isinstance(artifact.data, list) or len(artifact.data) == 1)
        for artifact in extras)


def _companions(engine: Path) -> list[Path]:
    """The artifacts beside an engine that describe it; the build log only when there is no .graph.json
    (both list the layers)."""
    existing = EngineArtifacts(engine).existing()
    existing.pop("engine", None)
    if "graph" in existing:
        existing.pop("build_log", None)
    return list(existing.values())


def _order(path: Path) -> int:
    # layers first, so profiles and metadata join onto them
    name = path.name
    for rank, suffix in enumerate((".graph.json", ".profile.json", ".timing.json", ".metadata.json")):
        if name.endswith(suffix):
            return rank
    return 9


def _standalone_plans(artifact: Artifact) -> list[EnginePlan]:
    """One plan per document or run: a concatenated profile of 7 runs is 7 plans."""
    if artifact.kind == "trtexec-log":
        runs = artifact.data
        plans = []
        for number, run in enumerate(runs, start=1):
            name = artifact.path.name if len(runs) == 1 else f"{artifact.path.name}#run{number}"
            plans.append(plan_from_run(run, name, str(artifact.path)))
        return plans
    if artifact.kind in ("export-profile", "export-times", "iprofiler-text") and len(artifact.data) > 1:
        plans = []
        for number, document in enumerate(artifact.data, start=1):
            plan = EnginePlan(name=f"{artifact.path.name}#run{number}")
            _merge(plan, Artifact(artifact.path, artifact.kind, [document]))
            plans.append(plan)
        return plans
    plan = EnginePlan(name=artifact.path.name)
    _merge(plan, artifact)
    return [plan]


def plan_from_run(run, name: str, source: str) -> EnginePlan:
    """The plan of one trtexec run (a `trtexec_log.TrtexecRun`)."""
    plan = EnginePlan(name=name, tensorrt_version=run.tensorrt_version, device=run.device,
                      performance=run.performance)
    plan.model_options = run.options.get("model_options", {})
    plan.build_options = run.options.get("build_options", {})
    plan.inference_options = run.options.get("inference_options", {})
    plan.system_options = run.options.get("system_options", {})
    if run.layers is not None:
        plan.layers, plan.io_tensors, plan.detailed = run.layers.layers, run.layers.io_tensors, run.layers.detailed
    if run.profile is not None:
        join_profile(plan, run.profile, source)
    plan.notes.extend(f"{source}: {missing}" for missing in run.missing)
    plan.sources.append(Source(source, "trtexec-log", run.tensorrt_version))
    return plan


def _merge(plan: EnginePlan, artifact: Artifact) -> None:
    """Add what one artifact knows to the plan."""
    kind, data = artifact.kind, artifact.data
    plan.sources.append(Source(str(artifact.path), kind, artifact.tensorrt_version))
    if kind in ("inspector-json", "inspector-text", "layer-records"):
        if plan.layers:  # the build log lists the layers the .graph.json holds: the first read is kept
            return
        plan.layers, plan.io_tensors, plan.detailed = data.layers, data.io_tensors, data.detailed
    elif kind in ("export-profile", "iprofiler-text"):
        join_profile(plan, data[-1], artifact.path.name)
        if len(data) > 1:
            plan.notes.append(f"{artifact.path.name} holds {len(data)} profiles; the last was joined")
    elif kind == "export-times":
        plan.iteration_times = data[-1]
        if len(data) > 1:
            plan.notes.append(f"{artifact.path.name} holds {len(data)} timing runs; the last was used")
    elif kind == "profile-metadata":
        plan.performance = metadata.parse_performance_summary(data.get("performance_summary", {}))
        plan.inference_options = {key: str(value) for key, value in (data.get("inference_options") or {}).items()}
        if data.get("device_information"):
            plan.device = metadata.device_from_trex(data["device_information"])
    elif kind == "build-metadata":
        plan.tensorrt_version = plan.tensorrt_version or artifact.tensorrt_version
        plan.model_options = {key: str(value) for key, value in (data.get("model_options") or {}).items()}
        plan.build_options = {key: str(value) for key, value in (data.get("build_options") or {}).items()}
        plan.build = build_facts(data)
    elif kind == "device-properties":
        plan.device = plan.device or data
    elif kind == "trtexec-log":
        run = data[-1]
        plan.tensorrt_version = plan.tensorrt_version or run.tensorrt_version
        plan.performance = plan.performance or run.performance
        plan.device = plan.device or run.device


def build_facts(data: dict) -> BuildFacts | None:
    """Engine size, build time and targets from trtkit's build metadata (TREx's records none of them)."""
    if not str(data.get("schema", "")).startswith("trtkit/build-metadata/"):
        return None
    targets: dict = data["targets"] if isinstance(data.get("targets"), dict) else {}
    versions: dict = data["versions"] if isinstance(data.get("versions"), dict) else {}
    size, seconds = data.get("engine_bytes"), data.get("build_seconds")
    gpus = [f"{gpu.get('name')} ({gpu.get('compute_capability')})" for gpu in targets.get("gpus") or []
            if isinstance(gpu, dict)]
    return BuildFacts(
        engine_bytes=size if isinstance(size, int) and not isinstance(size, bool) else None,
        build_seconds=float(seconds) if isinstance(seconds, (int, float)) and not isinstance(seconds, bool) else None,
        compute_capabilities=[str(value) for value in targets.get("compute_capabilities") or []],
        build_gpus=gpus, backend=str(versions["backend"]) if versions.get("backend") else None)

"""`compare`: engines side by side with a regression gate, and output accuracy between two backends."""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING

from trtkit.analysis.align import Alignment, align
from trtkit.analysis.regression import gate
from trtkit.analysis.summary import summarize
from trtkit.config.context import DEFAULT_CONTEXT
from trtkit.errors import InputFileError, UsageError
from trtkit.plan.model import EnginePlan
from trtkit.results.compare import EngineComparison, EngineView, OutputComparison

if TYPE_CHECKING:
    from trtkit.config.context import StageContext
    from trtkit.config.models import CompareConfig
    from trtkit.io.data import Feed

MIN_LAYER_MS = 0.005  # per-layer gate: smaller layers are inside the profiler's resolution


def _plans(path: Path) -> list[EnginePlan]:
    from trtkit.plan.loader import load

    loaded = load([path])
    if not loaded.plans:
        kinds = ", ".join(sorted({artifact.kind for artifact in loaded.others})) or "nothing"
        raise InputFileError(f"{path} holds no engine artifacts ({kinds})",
                             "give a .graph.json, profile, timing or trtexec log of an engine")
    return loaded.plans


def compare_engines(paths: list[Path], baseline: Path | None, compare_config: CompareConfig,
                    context: StageContext = DEFAULT_CONTEXT) -> EngineComparison:
    """Every engine against the first (the baseline when given); the gate runs when a baseline is given. The
    context is not used: the artifacts are read where they are given."""
    plans = [plan for path in ([baseline] if baseline else []) + list(paths) for plan in _plans(path)]
    if len(plans) < 2:
        raise UsageError("compare needs two or more engines", "give a baseline and a current engine's artifacts")
    from trtkit.plan.loader import distinct_names

    distinct_names(plans)
    views = [EngineView(plan, summarize(plan)) for plan in plans]
    first = views[0]
    alignments = [align(first.plan.layers_of_profile(first.summary.profile),
                        view.plan.layers_of_profile(view.summary.profile)) for view in views[1:]]
    result = EngineComparison(views, alignments, per_layer=compare_config.per_layer)
    if baseline is not None:
        for view, alignment in zip(views[1:], alignments, strict=True):
            verdict = gate(first.plan, view.plan, list(compare_config.metrics), compare_config.max_regression,
                           compare_config.confidence, compare_config.allow_missing_data)
            if compare_config.per_layer and not verdict.not_comparable:  # layer times of other workloads
                verdict.layers = layer_regressions(alignment, compare_config.max_regression)
                verdict.layers_without_data = not any(pair.first.timing and pair.second.timing
                                                      for pair in alignment.pairs)
                unjudged = [*alignment.only_second, *(pair.second for pair in alignment.pairs
                                                      if pair.first.timing is None)]
                unjudged = [layer for layer in unjudged if layer.timing is not None]
                verdict.layers_not_gated = [layer.name for layer in unjudged]
                verdict.layers_not_gated_ms = sum(layer.latency_ms for layer in unjudged) if unjudged else None
            result.gates.append(verdict)
    return result


def layer_regressions(alignment: Alignment, max_regression: float) -> list[dict]:
    """Aligned layers slower by more than the threshold (layers under MIN_LAYER_MS are ignored)."""
    found = []
    for pair in alignment.pairs:
        base, current = pair.first.latency_ms, pair.second.latency_ms
        if pair.first.timing and pair.second.timing and base >= MIN_LAYER_MS and current > base * (
                1 + max_regression / 100):
            found.append({"baseline_layer": pair.first.name, "current_layer": pair.second.name, "baseline_ms": base,
                          "current_ms": current, "change_percent": 100 * (current / base - 1)})
    return found


# ---- outputs ----------------------------------------------------------------------------------------

def source_kind(path: Path) -> str:
    """What an output source is: onnx, engine, saved (.npz or a folder of .npy) or polygraphy-results."""
    from trtkit.plan.artifacts import read_artifact

    if path.suffix == ".npz" or os.path.isdir(path):  # never raises (Path.is_dir did for a name too long)
        return "saved"
    artifact = read_artifact(path)
    if artifact.kind in ("onnx", "engine"):
        return artifact.kind
    if artifact.kind == "polygraphy" and artifact.data.kind == "run-results":
        return "polygraphy-results"
    raise InputFileError(f"{path} is {artifact.kind}, not a model, an engine or saved outputs",
                         "give an ONNX model, an engine, an .npz of outputs or Polygraphy run results")


def _saved_outputs(path: Path, kind: str) -> list[dict]:
    import json

    import numpy as np

    if kind == "saved":
        import zipfile

        try:
            if path.is_dir():
                saved = {file.stem: np.load(file, allow_pickle=False) for file in sorted(path.glob("*.npy"))}
            else:
                with np.load(path, allow_pickle=False) as archive:
                    saved = {name: archive[name] for name in archive.files}
        except (OSError, ValueError, EOFError, zipfile.BadZipFile) as error:  # not numpy, pickled objects
            raise InputFileError(f"cannot read saved outputs {path} ({' '.join(str(error).split())[:200]})",
                                 "save outputs with numpy.savez (numbers, no objects)") from None
        # strings cannot be compared, and complex values would lose their imaginary part unnoticed
        odd = next((name for name, array in saved.items() if array.dtype.kind not in "biuf"), None)
        if odd is not None:
            raise InputFileError(f"{path}: output {odd} holds {saved[odd].dtype} values, not real numbers",
                                 "compare outputs of real-valued (bool, integer, float) tensors")
        return [saved]
    from trtkit.io.polygraphy_json import decode_array

    runs = json.loads(path.read_text())["lst"]
    if not runs:
        return []
    runner, iterations = runs[0]
    return [{name: decode_array(value) for name, value in (iteration.get("outputs") or {}).items()}
            for iteration in iterations]


def detect_precision(model) -> str:
    """The precision a converted ONNX model computes in: Q/DQ to FP8 or INT8, FP16 or BF16 weights, else FP32."""
    import onnx

    types = {init.data_type for init in model.graph.initializer}
    for node in model.graph.node:
        if node.op_type == "QuantizeLinear" and len(node.input) > 2:
            zero = next((init for init in model.graph.initializer if init.name == node.input[2]), None)
            if zero is not None and zero.data_type in (getattr(onnx.TensorProto, "FLOAT8E4M3FN", -1),):
                return "fp8"
            return "int8"
    if onnx.TensorProto.FLOAT16 in types:
        return "fp16"
    if onnx.TensorProto.BFLOAT16 in types:
        return "bf16"
    return "fp32"


def check_precision(precision: str | None) -> None:
    """Refuse a precision with no default tolerances: a typo would silently judge at FP32's."""
    from trtkit.analysis.accuracy import DEFAULT_TOLERANCES

    if precision is not None and precision not in DEFAULT_TOLERANCES:
        raise UsageError(f"--precision {precision!r} is not a precision",
                         f"use one of: {', '.join(DEFAULT_TOLERANCES)}")


def compare_outputs(reference: Path, candidate: Path, compare_config: CompareConfig,
                    context: StageContext = DEFAULT_CONTEXT, *, shapes: dict[str, tuple[int, ...]] | None = None,
                    precision: str | None = None) -> OutputComparison:
    """Run (or read) both sides on the same inputs and compare every output of the reference; an FP16/BF16 ONNX
    model runs in the faithful reference runner (backends.reference), other ONNX models in onnxruntime. The data
    path of the `compare:` section is relative to `context.base_dir`."""
    from trtkit.backends.reference import run_model
    from trtkit.io.data import feeds_for
    from trtkit.io.onnx_model import graph_inputs, load_onnx

    check_precision(precision)
    kinds = {path: source_kind(path) for path in (reference, candidate)}
    models = {path: load_onnx(path) for path, kind in kinds.items() if kind == "onnx"}
    feeds: list[Feed]
    feeds, data = [], "saved outputs (no inputs needed)"
    if models:
        first_model = models.get(reference) or models[candidate]
        feeds, data = feeds_for(compare_config.data, graph_inputs(first_model), context.base_dir, shapes)
    elif "engine" in kinds.values():
        if compare_config.data.path is None:
            raise UsageError("random inputs for an engine need the model's input list",
                             "compare the engine against its ONNX model, or give --data")
        from trtkit.io.data import load_feeds

        path = compare_config.data.path
        path = path if path.is_absolute() else context.base_dir / path
        feeds, data = load_feeds(path), str(path)
    results, runners = {}, {}
    for path, kind in kinds.items():
        if kind == "onnx":
            runners[path], results[path] = run_model(path, feeds)
        elif kind == "engine":
            from trtkit.backends.trt_runner import run_engine

            runners[path], results[path] = "tensorrt", run_engine(path, feeds)
        else:
            runners[path] = "saved outputs" if kind == "saved" else "saved outputs (Polygraphy run results)"
            results[path] = _saved_outputs(path, kind)
    chosen = precision or (detect_precision(models[candidate]) if candidate in models else "fp32")
    comparison = OutputComparison(str(reference), str(candidate), data, chosen, reference_runner=runners[reference],
                                  runner=runners[candidate])
    reference_runs, candidate_runs = results[reference], results[candidate]
    if not reference_runs or not reference_runs[0]:  # a comparison of nothing must not pass
        raise InputFileError(f"{reference} holds no outputs to compare",
                             "give a reference with outputs (a model, an .npz of outputs, Polygraphy run results)")
    if len(reference_runs) != len(candidate_runs):
        raise InputFileError(f"{reference} has {len(reference_runs)} result set(s), {candidate} has "
                             f"{len(candidate_runs)}", "compare results of the same inputs")
    comparison.add_runs(reference_runs, candidate_runs, compare_config.tolerances)
    return comparison

"""`debug precision`: the smallest set of nodes to keep in FP32 so an FP16/BF16 conversion meets its tolerances, or
to leave out of INT8/FP8 quantization so a quantized model does.

The model is prepared once as `convert` would (shapes, folding, simplification, opset) and stays the FP32
reference. The conversion with nothing kept is compared layer by layer; its nodes are ranked by the error they add
(analysis.layerwise). Then a bisection over the ranked list finds the shortest prefix that passes, and pruning
drops from it every node whose removal still passes. Each trial is a real conversion (AutoCast with the keep list,
or Model Optimizer PTQ with the exclusions), run in the runner that verifies it.
"""

from __future__ import annotations

import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from trtkit.analysis.accuracy import worst_figures
from trtkit.config.context import DEFAULT_CONTEXT
from trtkit.errors import UsageError
from trtkit.results.debug_precision import PrecisionSearch, Trial, node_pattern

if TYPE_CHECKING:
    from trtkit.config.context import StageContext
    from trtkit.config.models import ConvertConfig


class _Searcher:
    """Runs trials (cached by keep set) within the limits and records them."""

    def __init__(self, result: PrecisionSearch, run_trial: Callable[[list[str]], Any], max_trials: int,
                 time_limit: float | None, progress: Callable[[Trial], None]):
        self.result, self.run_trial, self.max_trials, self.progress = result, run_trial, max_trials, progress
        self.deadline = None if time_limit is None else time.monotonic() + time_limit
        self.cache: dict[frozenset[str], tuple[Trial, Any]] = {}

    def exhausted(self) -> bool:
        if len(self.result.trials) >= self.max_trials:
            self.result.stopped = f"stopped after --max-trials {self.max_trials} trials"
        elif self.deadline is not None and time.monotonic() >= self.deadline:
            self.result.stopped = "stopped at --time-limit"
        return self.result.stopped is not None

    def trial(self, kept: list[str], phase: str) -> tuple[Trial, Any]:
        key = frozenset(kept)
        if key in self.cache:
            return self.cache[key]
        start = time.perf_counter()
        comparison = self.run_trial(kept)
        outputs = comparison.outputs.outputs
        max_abs, min_cosine = worst_figures(outputs)  # None: unknown (NaN or Inf on one side) or no output
        record = Trial(len(self.result.trials), phase, list(kept), comparison.passed, max_abs, min_cosine,
                       time.perf_counter() - start)
        self.result.trials.append(record)
        self.progress(record)
        self.cache[key] = (record, comparison)
        return record, comparison


@dataclass
class _Outputs:
    """A trial compared by its outputs only, shaped like a layer-wise comparison for the searcher."""

    outputs: Any  # results.compare.OutputComparison

    @property
    def passed(self) -> bool:
        return bool(self.outputs.passed)


def _union(groups: list[list[str]]) -> list[str]:
    return list(dict.fromkeys(name for group in groups for name in group))


def search(groups: list[list[str]], searcher: _Searcher) -> list[str] | None:
    """Bisection over the ranked groups for the shortest passing prefix, then pruning of its nodes in chunks that
    halve down to single nodes (the least suspect first); None when even every group kept fails or the limits
    stop the search before any set passed."""
    whole, _ = searcher.trial(_union(groups), "all")
    if not whole.passed:
        return None
    low, high = 0, len(groups)  # the prefix of `low` groups fails (the baseline), of `high` passes
    while high - low > 1 and not searcher.exhausted():
        middle = (low + high) // 2
        if searcher.trial(_union(groups[:middle]), "bisection")[0].passed:
            high = middle
        else:
            low = middle
    kept = _union(groups[:high])
    size = len(kept) // 2
    while size >= 1 and len(kept) > 1 and not searcher.exhausted():
        for start in range(len(kept) - size, -size, -size):  # chunks from the end of the ranking
            chunk = kept[max(start, 0):start + size]
            fewer = [name for name in kept if name not in chunk]
            if not fewer or not chunk or searcher.exhausted():
                continue
            if searcher.trial(fewer, "pruning")[0].passed:
                kept = fewer
        size //= 2
    return kept


def ranked_groups(ranking: list[str], nodes: list[Any], reduced: set[str]) -> list[list[str]]:
    """Each ranked node with the reduced-precision producers of its inputs (through inserted casts): a node kept
    in FP32 still reads an input rounded by its FP16 producer, so an error revealed at a node (a cancellation)
    is fixed only with the producers too."""
    producers = {output: node for node in nodes for output in node.output}

    def source(name: str, depth: int = 4) -> str | None:
        node = producers.get(name)
        if node is None:
            return None
        if node.op_type == "Cast" and node.name not in reduced and depth:
            return source(node.input[0], depth - 1)
        return node.name if node.name in reduced else None

    by_name = {node.name: node for node in nodes}
    groups = []
    for name in ranking:
        feeding = [source(tensor) for tensor in by_name[name].input] if name in by_name else []
        groups.append(list(dict.fromkeys([name, *(producer for producer in feeding if producer)])))
    return groups


QUANTIZATION_MODES = ("int8", "fp8")  # modes whose quantized arithmetic onnxruntime runs (per node exclusions)


def _mode(section: Any) -> str:
    """fp16/bf16 (a keep_fp32_nodes search) or int8/fp8 (a quantize.exclude_nodes search); else a usage error."""
    if section.quantize is not None:
        if section.quantize.mode not in QUANTIZATION_MODES:
            raise UsageError(f"debug precision searches FP16/BF16 conversions and INT8/FP8 quantization, not "
                             f"{section.quantize.mode}", "INT4 is weight-only: exclude nodes by hand")
        return str(section.quantize.mode)
    if section.precision not in ("fp16", "bf16"):
        raise UsageError("debug precision needs a reduced precision or a quantization",
                         "give --precision fp16 or bf16, or --quantize int8")
    return str(section.precision)


def setting_key(section: Any) -> str:
    """The config key the found nodes go to."""
    return "convert.quantize.exclude_nodes" if section.quantize is not None else "convert.keep_fp32_nodes"


def debug_precision(source: Path, section: ConvertConfig, context: StageContext = DEFAULT_CONTEXT, *,
                    profile_shapes: dict[str, tuple[int, ...]] | None = None,
                    max_trials: int = 40, time_limit: float | None = None,
                    progress: Callable[[Trial], None] = lambda trial: None) -> PrecisionSearch:
    """Search the nodes of `source` to keep in FP32 (`section`: a convert config with precision fp16/bf16) or to
    leave unquantized (with quantize.mode int8/fp8); its data paths are relative to `context.base_dir`."""
    import numpy as np

    from trtkit.analysis.layerwise import ranked_nodes
    from trtkit.backends.modelopt import require_modelopt
    from trtkit.backends.reference import run_model, runner_for, tensor_types
    from trtkit.config.models import CompareConfig
    from trtkit.io.data import feeds_for
    from trtkit.io.onnx_model import graph_inputs, load_onnx
    from trtkit.results.compare import OutputComparison
    from trtkit.stages.convert import check_model_exists, convert
    from trtkit.stages.layerwise import compare_layerwise

    mode = _mode(section)
    quantize = section.quantize
    check_model_exists(source)
    require_modelopt(f"debug precision {mode}")
    with tempfile.TemporaryDirectory(prefix="trtkit-debug-precision-") as scratch:
        folder = Path(scratch)
        prepared = folder / "prepared.onnx"
        fp32 = section.model_copy(update={"precision": "fp32", "quantize": None, "keep_fp32_nodes": [],
                                          "keep_fp32_op_types": [], "precision_search": False,
                                          "verify": section.verify.model_copy(update={"enabled": False})})
        convert(source, prepared, fp32, context, profile_shapes=profile_shapes)
        model = load_onnx(prepared, load_weights=True)
        shapes = dict(section.input_shapes or {}) or profile_shapes
        # as convert does: calibration data where given, else the verification data, for both
        spec = quantize.calibration if quantize is not None and quantize.calibration.path else section.data
        feeds, data = feeds_for(spec, graph_inputs(model), context.base_dir, shapes)
        arrays: dict[str, Any] = {name: np.concatenate([feed[name] for feed in feeds]) for name in feeds[0]}
        compare = CompareConfig.model_validate({"data": spec, "tolerances": section.verify.tolerances})
        result = PrecisionSearch(str(source), mode, data, setting=setting_key(section))
        reference_runner, reference_runs = run_model(prepared, feeds, model=model)
        convert_trial = _quantizer(section, prepared, folder, arrays) if quantize is not None else \
            _autocaster(section, prepared, folder, arrays, model)

        def run_trial(kept: list[str]) -> Any:
            """The conversion with `kept` left out of reduced precision, compared: layer by layer for the
            baseline (to rank the nodes), by its outputs for the others."""
            candidate, converted = convert_trial([node_pattern(name) for name in kept])
            if not result.trials:
                return compare_layerwise(prepared, candidate, compare, context, shapes=shapes, precision=mode)
            runner, candidate_runs = run_model(candidate, feeds, model=converted)
            comparison = OutputComparison(str(prepared), str(candidate), data, mode,
                                          reference_runner=reference_runner, runner=runner)
            comparison.add_runs(reference_runs, candidate_runs, section.verify.tolerances)
            return _Outputs(comparison)

        searcher = _Searcher(result, run_trial, max_trials, time_limit, progress)
        baseline, layerwise = searcher.trial([], "baseline")
        candidate_model = load_onnx(folder / "trial.onnx")
        types = tensor_types(candidate_model)
        result.runner = runner_for(candidate_model, types)
        nodes = list(candidate_model.graph.node)
        if quantize is not None:
            producers = {output: node.op_type for node in nodes for output in node.output}
            reduced = {node.name for node in nodes if node.op_type not in ("QuantizeLinear", "DequantizeLinear")
                       and any(producers.get(name) == "DequantizeLinear" for name in node.input)}
        else:
            reduced = {node.name for node in nodes if node.op_type != "Cast"
                       and any(types.get(output) in (10, 16) for output in node.output)}
        ranking = [(name, added) for name, added in ranked_nodes(layerwise) if name in reduced]
        ranked = [name for name, _ in ranking] + sorted(reduced - {name for name, _ in ranking})
        groups = [[name] for name in ranked] if quantize is not None else ranked_groups(ranked, nodes, reduced)
        result.reduced_nodes = len(reduced)
        result.ranked = [{"node": name, "added_error": added} for name, added in ranking]
        what = "quantized" if quantize is not None else "reduced-precision"
        if baseline.passed:
            result.kept, result.final, result.verification = [], baseline, layerwise.outputs
            result.message = "the conversion meets the tolerances as it is"
            return result
        kept = search(groups, searcher)
        if kept is None:
            if result.stopped is None:
                result.message = (f"the outputs miss the tolerances even with all {len(ranked)} {what} nodes "
                                  f"{'excluded' if quantize is not None else 'kept in FP32'}: loosen the tolerances "
                                  "or check the data")
            else:
                result.message = f"no set of nodes passed before the search {result.stopped.split(' ', 1)[1]}"
            return result
        record, comparison = searcher.trial(kept, "pruning")
        result.kept, result.final, result.verification = kept, record, comparison.outputs
        result.patterns = [node_pattern(name) for name in kept]
        result.message = (f"exclude {len(kept)} of {len(ranked)} quantized nodes from quantization"
                          if quantize is not None else f"keep {len(kept)} of {len(ranked)} {what} nodes in FP32")
        return result


def _autocaster(section: Any, prepared: Path, folder: Path, arrays: dict[str, Any], model: Any) -> Callable:
    """Trials of an FP16/BF16 search: AutoCast with the config's keep lists and the trial's patterns."""
    import numpy as np

    from trtkit.backends.modelopt import autocast
    from trtkit.stages.convert import write_model

    calibration = folder / "calibration.npz"
    np.savez(calibration, **arrays)
    opset = next(entry.version for entry in model.opset_import if entry.domain in ("", "ai.onnx"))

    def convert_trial(patterns: list[str]) -> tuple[Path, Any]:
        converted = autocast(prepared, section.precision, section.keep_io_types, [*section.keep_fp32_nodes, *patterns],
                             section.keep_fp32_op_types, calibration, opset)
        candidate = folder / "trial.onnx"
        write_model(converted, candidate, None)
        return candidate, converted

    return convert_trial


def _quantizer(section: Any, prepared: Path, folder: Path, arrays: dict[str, Any]) -> Callable:
    """Trials of a quantization search: Model Optimizer PTQ with the config's exclusions and the trial's."""
    from trtkit.backends.modelopt import quantize
    from trtkit.io.onnx_model import load_onnx

    settings = section.quantize
    high = "fp16" if section.precision == "fp16" else "fp32"

    def convert_trial(patterns: list[str]) -> tuple[Path, Any]:
        candidate = folder / "trial.onnx"
        quantize(prepared, candidate, settings.mode, arrays, settings.method, [*settings.exclude_nodes, *patterns],
                 settings.exclude_op_types, high, False)
        return candidate, load_onnx(candidate, load_weights=True)

    return convert_trial

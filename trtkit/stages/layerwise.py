"""`compare outputs --layerwise`: every intermediate tensor a converted ONNX model shares (by name) with its
reference, compared in execution order (AutoCast and Model Optimizer keep tensor names; the casts and Q/DQ nodes
they insert have new names and are skipped); or every layer output of an engine built with build.mark_all_outputs
(the ONNX parser names them after the ONNX tensors), run on a GPU."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from trtkit.analysis.layerwise import PASS_THROUGH_OPS, GraphNode, analyse
from trtkit.config.context import DEFAULT_CONTEXT
from trtkit.errors import InputFileError, UsageError
from trtkit.results.compare import OutputComparison
from trtkit.results.layerwise import LayerwiseComparison
from trtkit.stages.compare import check_precision, detect_precision, source_kind

if TYPE_CHECKING:
    from trtkit.config.context import StageContext
    from trtkit.config.models import CompareConfig

_FLOAT_TYPES = (1, 10, 11, 16)  # FLOAT, FLOAT16, DOUBLE, BFLOAT16


def path_kind(path: Path) -> str:
    """onnx, engine, or another output source (stages.compare.source_kind), without parsing an .onnx file twice."""
    return "onnx" if path.suffix == ".onnx" else source_kind(path)


def graph_nodes(model: Any) -> list[GraphNode]:
    return [GraphNode(node.name, node.op_type, tuple(node.input), tuple(node.output)) for node in model.graph.node]


def shared_tensors(reference_model: Any, candidate_model: Any) -> tuple[list[str], int, int]:
    """The float tensors computed by nodes of both models, in the candidate's order, and how many each computes."""
    from trtkit.backends.reference import tensor_types

    types = tensor_types(reference_model)
    inputs = {value.name for value in reference_model.graph.input}
    computed = {output for node in reference_model.graph.node for output in node.output
                if output and types.get(output) in _FLOAT_TYPES and output not in inputs}
    own = [output for node in candidate_model.graph.node if node.op_type not in PASS_THROUGH_OPS
           for output in node.output if output]
    return [name for name in own if name in computed], len(computed), len(own)


def compare_layerwise(reference: Path, candidate: Path, compare_config: CompareConfig,
                      context: StageContext = DEFAULT_CONTEXT, *, shapes: dict[str, tuple[int, ...]] | None = None,
                      precision: str | None = None) -> LayerwiseComparison:
    """Run both ONNX models with every shared intermediate tensor marked as an output (the candidate in the runner
    that verifies it) and compare each tensor; the graph outputs give the verdict. The data path of the
    `compare:` section is relative to `context.base_dir`."""
    import numpy as np

    from trtkit.analysis.accuracy import compare_arrays, resolve_tolerance
    from trtkit.backends.reference import run_model
    from trtkit.io.data import feeds_for
    from trtkit.io.onnx_model import graph_inputs, load_onnx

    check_precision(precision)
    kinds = [path_kind(path) for path in (reference, candidate)]
    if kinds[0] != "onnx" or kinds[1] not in ("onnx", "engine"):
        wrong = reference if kinds[0] != "onnx" else candidate
        raise UsageError(f"--layerwise compares an ONNX model with its conversion or its engine; {wrong} is neither",
                         "give the FP32 model and its conversion, or an engine built with build.mark_all_outputs")
    reference_model = load_onnx(reference, True)
    declared = [output.name for output in reference_model.graph.output]
    feeds, data = feeds_for(compare_config.data, graph_inputs(reference_model), context.base_dir, shapes)
    if kinds[1] == "engine":
        from trtkit.backends.trt_runner import run_engine

        candidate_model = None
        candidate_runs = run_engine(candidate, feeds)  # a GPU with TensorRT; exit 4 without
        runner = "tensorrt"
        computed, reference_count, _ = shared_tensors(reference_model, reference_model)
        names = [name for name in computed if name in candidate_runs[0]]
        candidate_count = len(candidate_runs[0])
        if not set(names) - set(declared):
            raise InputFileError(f"the engine {candidate} has no intermediate outputs named as tensors of "
                                 f"{reference} ({candidate_count} outputs)",
                                 "build it with build.mark_all_outputs: true (--set build.mark_all_outputs=true)")
        reference_runner, reference_runs = run_model(reference, feeds, names, reference_model)
    else:
        candidate_model = load_onnx(candidate, True)
        names, reference_count, candidate_count = shared_tensors(reference_model, candidate_model)
        if not set(names) - set(declared):
            raise InputFileError(
                f"{candidate} shares no intermediate tensor names with {reference}: compared the {reference_count} "
                f"float tensors the reference's nodes compute with the {candidate_count} the candidate's nodes "
                "compute", "layer-wise comparison matches tensors by name: give a model and its own conversion "
                "(AutoCast and Model Optimizer keep names)")
        reference_runner, reference_runs = run_model(reference, feeds, names, reference_model)
        runner, candidate_runs = run_model(candidate, feeds, names, candidate_model)
    chosen = precision or (detect_precision(candidate_model) if candidate_model is not None else "fp32")
    result = LayerwiseComparison(str(reference), str(candidate), data, chosen, reference_runner, runner,
                                 reference_count, candidate_count)
    metrics = {}
    for name in names:
        ref = np.stack([run[name] for run in reference_runs])
        cand = np.stack([run[name] for run in candidate_runs])
        if ref.shape != cand.shape:
            result.shape_mismatches.append(name)
            continue
        tolerance = resolve_tolerance(name, str(cand.dtype), chosen, compare_config.tolerances)
        metrics[name] = compare_arrays(name, ref, cand, tolerance)
    # an engine has no ONNX graph: its tensors take the reference's order and nodes
    analysis = analyse(graph_nodes(candidate_model if candidate_model is not None else reference_model), metrics)
    result.tensors, result.first_beyond_tolerance, result.jump = (analysis.tensors, analysis.first_beyond_tolerance,
                                                                  analysis.jump)
    outputs = OutputComparison(str(reference), str(candidate), data, chosen, reference_runner=reference_runner,
                               runner=runner)
    outputs.add_runs([{name: run[name] for name in declared} for run in reference_runs],
                     [{name: run[name] for name in declared if name in run} for run in candidate_runs],
                     compare_config.tolerances)
    result.outputs = outputs
    return result

"""Layer-wise accuracy: per intermediate tensor of a converted model, its error against the reference model's
tensor of the same name, in execution order; the first tensor beyond tolerance, and the node whose outputs add the
most error to what its inputs already carried (where the error jumps)."""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from trtkit.analysis.accuracy import OutputMetrics

# Inserted by conversions, not by the model's author: their outputs are never matched by name, and the error
# of a node's input is looked for through them (AutoCast's casts, Model Optimizer's Q/DQ pairs).
PASS_THROUGH_OPS = frozenset({"Cast", "QuantizeLinear", "DequantizeLinear"})


@dataclass(frozen=True)
class GraphNode:
    """One node of the candidate graph, as far as layer-wise comparison needs it."""

    name: str
    op_type: str
    inputs: tuple[str, ...]
    outputs: tuple[str, ...]


@dataclass
class TensorError:
    """One compared tensor: its metrics, the node that produced it in the candidate, and the relative RMS error
    (||candidate - reference|| / ||reference||) of the node's measured inputs and of the tensor itself."""

    index: int  # position in the candidate's execution order
    name: str
    node: str
    op_type: str
    metrics: OutputMetrics
    relative_error: float
    input_relative_error: float  # the largest of the node's measured inputs; 0 where none is measured
    added_error: float  # relative_error - input_relative_error: what this node added


@dataclass
class LayerwiseResult:
    tensors: list[TensorError] = field(default_factory=list)
    first_beyond_tolerance: str | None = None  # name of the first tensor (execution order) that fails
    jump: TensorError | None = None  # the tensor whose node added the most error


def relative_error(metrics: OutputMetrics) -> float:
    """||c - r|| / ||r||, from the signal-to-noise ratio the metrics carry (inf SNR: no error)."""
    if math.isnan(metrics.snr_db):
        return math.nan
    return 0.0 if math.isinf(metrics.snr_db) and metrics.snr_db > 0 else 10 ** (-metrics.snr_db / 20)


def analyse(nodes: list[GraphNode], metrics: dict[str, OutputMetrics]) -> LayerwiseResult:
    """Order the measured tensors by the candidate's node order, attribute each to its node, find the first one
    beyond tolerance and the node that adds the most error."""
    producers = {output: node for node in nodes for output in node.outputs}
    result = LayerwiseResult()
    for node in nodes:
        for output in node.outputs:
            if output not in metrics:
                continue
            measured = metrics[output]
            error = relative_error(measured)
            before = max((relative_error(metrics[name]) for name in _measured_inputs(node, producers, metrics)),
                         default=0.0)
            added = error - before if not (math.isnan(error) or math.isnan(before)) else math.nan
            result.tensors.append(TensorError(len(result.tensors), output, node.name, node.op_type, measured, error,
                                              before, added))
    failing = [tensor for tensor in result.tensors if not tensor.metrics.passed]
    result.first_beyond_tolerance = failing[0].name if failing else None
    ranked = [tensor for tensor in result.tensors if not math.isnan(tensor.added_error)]
    result.jump = max(ranked, key=lambda tensor: tensor.added_error, default=None)
    return result


def _measured_inputs(node: GraphNode, producers: dict[str, GraphNode], metrics: dict[str, OutputMetrics],
                     depth: int = 16, seen: set[str] | None = None) -> set[str]:
    """The measured tensors a node reads: its inputs, or for an input that is not measured (made by an inserted
    cast or Q/DQ node, or by a node the conversion fused or renamed), that node's measured inputs, as far as
    `depth` nodes back: the error a node adds is then that of the unmeasured chain ending in it."""
    seen = set() if seen is None else seen  # a tensor read twice (residual branches) is followed once
    found: set[str] = set()
    for name in node.inputs:
        if name in seen:
            continue
        seen.add(name)
        if name in metrics:
            found.add(name)
        elif depth and name in producers:
            found |= _measured_inputs(producers[name], producers, metrics, depth - 1, seen)
    return found


def ranked_nodes(result: LayerwiseResult) -> list[tuple[str, float]]:
    """Candidate node names by the error they add, largest first (each node once, by its worst output)."""
    added: dict[str, float] = {}
    for tensor in result.tensors:
        if not math.isnan(tensor.added_error):
            added[tensor.node] = max(added.get(tensor.node, -math.inf), tensor.added_error)
    return sorted(added.items(), key=lambda item: -item[1])

"""Rendering of `compare outputs --layerwise`: the tensors in execution order with their error, the first one
beyond tolerance and the node where the error jumps; and the `trtkit/compare-layerwise/v1` document."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from trtkit.analysis.layerwise import TensorError
from trtkit.io.jsonout import document
from trtkit.report import console
from trtkit.results.layerwise import LayerwiseComparison

ALL_ROWS = 40  # up to this many tensors the table lists every one


def _tensor_entry(tensor: TensorError) -> dict[str, Any]:
    return {"index": tensor.index, "name": tensor.name, "node": tensor.node, "op_type": tensor.op_type,
            "relative_error": tensor.relative_error, "input_relative_error": tensor.input_relative_error,
            "added_error": tensor.added_error, "metrics": asdict(tensor.metrics), "passed": tensor.metrics.passed}


def layerwise_document(result: LayerwiseComparison) -> dict[str, Any]:
    first = next((tensor for tensor in result.tensors if tensor.name == result.first_beyond_tolerance), None)
    return document("compare-layerwise", {
        "reference": result.reference, "candidate": result.candidate, "data": result.data,
        "precision": result.precision, "reference_runner": result.reference_runner, "runner": result.runner,
        "reference_tensors": result.reference_tensors, "candidate_tensors": result.candidate_tensors,
        "compared": len(result.tensors), "shape_mismatches": result.shape_mismatches,
        "first_beyond_tolerance": None if first is None else {
            "index": first.index, "name": first.name, "node": first.node, "op_type": first.op_type},
        "jump": None if result.jump is None else {key: value for key, value in _tensor_entry(result.jump).items()
                                                  if key != "metrics"},
        "tensors": [_tensor_entry(tensor) for tensor in result.tensors],
        "outputs": None if result.outputs is None else {**asdict(result.outputs), "passed": result.outputs.passed},
        "passed": result.passed,
    })


def shown_tensors(tensors: list[TensorError], first_beyond: str | None, top: int) -> list[TensorError]:
    """Every tensor of a small model; of a large one the first and last three, the first beyond tolerance and
    the `top` that add the most error, in execution order."""
    if len(tensors) <= ALL_ROWS:
        return tensors
    keep = {0, 1, 2, len(tensors) - 3, len(tensors) - 2, len(tensors) - 1}
    keep |= {tensor.index for tensor in tensors if tensor.name == first_beyond}
    ranked = sorted((tensor for tensor in tensors if tensor.added_error == tensor.added_error),
                    key=lambda tensor: -tensor.added_error)
    keep |= {tensor.index for tensor in ranked[:top]}
    return [tensor for tensor in tensors if tensor.index in keep]


def render_layerwise(result: LayerwiseComparison, top: int) -> None:
    from rich.markup import escape

    from trtkit.report.compare import render_outputs

    out = console.out()
    out.print(f"reference {escape(result.reference)}, candidate {escape(result.candidate)} ({result.precision} "
              f"tolerances); inputs: {escape(result.data)}")
    out.print(f"runners: reference {escape(result.reference_runner)}, candidate {escape(result.runner)}; "
              f"{len(result.tensors)} tensors matched by name (the reference's nodes compute {result.reference_tensors}"
              f" float tensors, the candidate's own nodes {result.candidate_tensors})")
    shown = shown_tensors(result.tensors, result.first_beyond_tolerance, top)
    jump = result.jump.name if result.jump is not None else None
    rows = []
    for tensor in shown:
        metrics = tensor.metrics
        marks = [label for label, hit in (("first beyond tolerance", tensor.name == result.first_beyond_tolerance),
                                          ("error jumps here", tensor.name == jump)) if hit]
        rows.append((str(tensor.index), escape(tensor.name), escape(f"{tensor.node} ({tensor.op_type})"),
                     "x".join(map(str, metrics.shape)), console.format_figure(metrics.max_abs),
                     console.format_figure(metrics.cosine, ".6f"),
                     console.format_figure(tensor.relative_error), console.format_figure(tensor.added_error, "+.3g"),
                     "[green]pass[/green]" if metrics.passed else "[red]FAIL[/red]", escape("; ".join(marks))))
    title = "Layer-wise accuracy, execution order (relative error: ||candidate - reference|| / ||reference||; " \
            "added: the tensor's minus its node's inputs')"
    out.print(console.table(title, ["#", "tensor", "node (op)", "shape", "max abs", "cosine", "rel error", "added",
                                    "verdict", ""], rows,
                            right_align=("#", "max abs", "cosine", "rel error", "added")))
    if len(shown) < len(result.tensors):
        out.print(f"  {len(shown)} of {len(result.tensors)} tensors shown (--top {top} largest added errors, the "
                  "first beyond tolerance, the first and last three); --json lists all")
    if result.first_beyond_tolerance is not None:
        first = next(tensor for tensor in result.tensors if tensor.name == result.first_beyond_tolerance)
        out.print(f"first tensor beyond tolerance: [red]{escape(first.name)}[/red] (node {escape(first.node)}, "
                  f"{escape(first.op_type)}): {escape('; '.join(first.metrics.reasons))}")
    else:
        out.print("every matched tensor is within tolerance")
    if result.jump is not None:
        out.print(f"error jumps at node [bold]{escape(result.jump.node)}[/bold] ({escape(result.jump.op_type)}): "
                  f"relative error {result.jump.input_relative_error:.3g} on its inputs, "
                  f"{result.jump.relative_error:.3g} on {escape(result.jump.name)}")
    for name in result.shape_mismatches:
        out.print(f"  {escape(name)}: not compared, its shape differs between the models")
    if result.outputs is not None:
        render_outputs(result.outputs)

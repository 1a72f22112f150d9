"""`inspect`: read artifacts and ONNX models and return what is inside them, with derived figures."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from trtkit.analysis.summary import Group, PlanSummary, by_onnx_node, filter_layers, group_layers, summarize
from trtkit.errors import UsageError
from trtkit.plan.artifacts import Artifact
from trtkit.plan.loader import load
from trtkit.plan.model import EnginePlan, Layer

GROUPINGS = ("type", "precision", "onnx-node")


@dataclass
class InspectOptions:
    by: str = "type"
    top: int = 10
    filter: str | None = None
    profile: int | None = None


@dataclass
class PlanView:
    """One engine as inspect shows it: the plan, its summary, the requested grouping and slowest layers."""

    plan: EnginePlan
    summary: PlanSummary
    groups: list[Group]
    layers: list[Layer]  # after --filter, in execution order
    top_layers: list[Layer]


@dataclass
class InspectResult:
    plans: list[PlanView] = field(default_factory=list)
    models: list = field(default_factory=list)  # analysis.onnx_model.OnnxSummary
    others: list[Artifact] = field(default_factory=list)


def _grouping(by: str):
    if by == "type":
        return lambda layer: layer.kind
    if by == "precision":
        return lambda layer: layer.compute_precision
    if by == "onnx-node":
        return by_onnx_node
    raise UsageError(f"--by {by!r} is not a grouping", f"use one of: {', '.join(GROUPINGS)}")


def run_inspect(paths: list[str | Path], options: InspectOptions) -> InspectResult:
    key_of = _grouping(options.by)
    if options.filter:
        import re

        try:
            re.compile(options.filter)
        except re.error as error:
            raise UsageError(f"--filter {options.filter!r} is not a regular expression ({error})",
                             "quote it and escape special characters") from None
    loaded = load(list(paths))
    result = InspectResult()
    for plan in loaded.plans:
        summary = summarize(plan, options.profile)
        layers = filter_layers(plan.layers_of_profile(summary.profile), options.filter)
        timed = [layer.timing.average_ms for layer in layers if layer.timing]
        total = sum(timed) if timed else None
        ranked = sorted(layers, key=lambda layer: -layer.latency_ms) if plan.has_profile else []
        result.plans.append(PlanView(plan, summary, group_layers(layers, key_of, total), layers,
                                     ranked[: max(0, options.top)]))
    for artifact in loaded.others:
        if artifact.kind == "onnx":
            from trtkit.analysis.onnx_model import summarize_onnx

            result.models.append(summarize_onnx(artifact.path, artifact.data))
        else:
            result.others.append(artifact)
    return result

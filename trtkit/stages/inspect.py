"""`inspect`: read artifacts and ONNX models and return what is inside them, with derived figures."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from trtkit.analysis.summary import by_onnx_node, filter_layers, group_layers, summarize
from trtkit.config.context import DEFAULT_CONTEXT, StageContext
from trtkit.errors import UsageError
from trtkit.plan.loader import load
from trtkit.plan.model import EnginePlan
from trtkit.results.inspect import InspectResult, PlanView
from trtkit.stages.option_checks import require_count, require_profile, require_text

GROUPINGS = ("type", "precision", "onnx-node")


@dataclass
class InspectOptions:
    by: str = "type"
    top: int = 10
    filter: str | None = None
    profile: int | None = None
    precision: str | None = None  # only layers computing in this precision (FP16, INT8, ...)


def _grouping(by: str):
    if by == "type":
        return lambda layer: layer.kind
    if by == "precision":
        return lambda layer: layer.compute_precision
    if by == "onnx-node":
        return by_onnx_node
    raise UsageError(f"--by {by!r} is not a grouping", f"use one of: {', '.join(GROUPINGS)}")


def profile_names(plan: EnginePlan) -> str:
    """The engine's optimization profiles for people: "2 optimization profiles: 0 (small), 1 (large)", with the
    names trtkit's build metadata gives them (in the order they were added) where it is beside the engine."""
    import json

    indices = plan.optimization_profiles
    try:
        names = list(json.loads(plan.build_options.get("profiles") or "{}"))
    except (json.JSONDecodeError, TypeError):
        names = []
    listed = ", ".join(f"{index} ({names[index]})" if index < len(names) else str(index) for index in indices)
    return f"{len(indices)} optimization profile{'s' if len(indices) != 1 else ''}: {listed}"


def run_inspect(paths: Sequence[str | Path], options: InspectOptions,
                context: StageContext = DEFAULT_CONTEXT) -> InspectResult:
    """What is inside `paths` (artifacts, logs, ONNX models), per engine, as `options` say. The context is not
    used: the files are read where they are given."""
    require_count(options.top, "--top")  # a negative --top silently showed no layer
    for flag, text in (("--filter", options.filter), ("--precision", options.precision)):
        require_text(text, flag)
    require_profile(options.profile)
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
        if options.profile is not None and options.profile not in plan.optimization_profiles:
            raise UsageError(f"--profile {options.profile} is out of range: {plan.name} has "
                             f"{profile_names(plan)}", "choose one of them (default: the first)")
        summary = summarize(plan, options.profile)
        layers = filter_layers(plan.layers_of_profile(summary.profile), options.filter)
        if options.precision:
            wanted = options.precision.upper()
            layers = [layer for layer in layers if (layer.compute_precision or "").upper() == wanted]
        timed = [layer.timing.average_ms for layer in layers if layer.timing]
        total = sum(timed) if timed else None
        # without a profile there is no "slowest": --top then takes the first layers in execution order
        ranked = sorted(layers, key=lambda layer: -layer.latency_ms) if plan.has_profile else layers
        result.plans.append(PlanView(plan, summary, group_layers(layers, key_of, total), layers,
                                     ranked[: max(0, options.top)]))
    for artifact in loaded.others:
        if artifact.kind == "onnx":
            from trtkit.analysis.onnx_model import summarize_onnx

            result.models.append(summarize_onnx(artifact.path, artifact.data))
        else:
            result.others.append(artifact)
    return result

"""What `inspect` shows: each engine's plan view, the ONNX models' summaries, the other artifacts."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from trtkit.io.display import HtmlDisplay

if TYPE_CHECKING:
    from trtkit.analysis.summary import Group, PlanSummary
    from trtkit.plan.artifacts import Artifact
    from trtkit.plan.model import EnginePlan, Layer


@dataclass
class PlanView:
    """One engine as inspect shows it: the plan, its summary, the requested grouping and slowest layers."""

    plan: EnginePlan
    summary: PlanSummary
    groups: list[Group]
    layers: list[Layer]  # after --filter and --precision, in execution order
    top_layers: list[Layer]  # the slowest when profiled, else the first in execution order


@dataclass
class InspectResult(HtmlDisplay):
    plans: list[PlanView] = field(default_factory=list)
    models: list = field(default_factory=list)  # analysis.onnx_model.OnnxSummary
    others: list[Artifact] = field(default_factory=list)

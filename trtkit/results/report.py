"""What the HTML report shows (the data its views render) and what writing it produced."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from trtkit.analysis.align import Alignment
    from trtkit.analysis.lint import Finding
    from trtkit.analysis.summary import PlanSummary
    from trtkit.plan.model import EnginePlan, Layer


@dataclass
class EngineReport:
    slot: int
    plan: EnginePlan
    summary: PlanSummary
    layers: list[Layer]  # the layers of the summarized optimization profile, in execution order
    findings: list[Finding] | None = None
    lint_target: str = ""
    # the lint rules that could not run on this engine, and why (rule id -> reason): "no findings" is not theirs
    lint_not_checked: dict[str, str] = field(default_factory=dict)
    graph_svg: str | None = None
    graph_note: str | None = None


@dataclass
class ReportData:
    engines: list[EngineReport]
    alignments: list[Alignment] = field(default_factory=list)
    type_colors: dict[str, str] = field(default_factory=dict)
    top: int = 50
    graphs: bool = True
    generated: str = ""


@dataclass
class ReportResult:
    output: str
    engines: list[str]
    views: list[str]
    bytes: int
    seconds: float
    graph_notes: list[str] = field(default_factory=list)
    dot_files: list[str] = field(default_factory=list)

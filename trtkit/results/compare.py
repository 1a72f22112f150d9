"""What `compare` found: engines side by side with their gates, and output accuracy between two runners."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from trtkit.errors import InputFileError
from trtkit.io.display import HtmlDisplay

if TYPE_CHECKING:
    from trtkit.analysis.align import Alignment
    from trtkit.analysis.regression import GateResult
    from trtkit.analysis.summary import PlanSummary
    from trtkit.plan.model import EnginePlan


@dataclass
class EngineView:
    plan: EnginePlan
    summary: PlanSummary


@dataclass
class EngineComparison(HtmlDisplay):
    engines: list[EngineView]
    alignments: list[Alignment]  # engines[0] against each of engines[1:]
    gates: list[GateResult] = field(default_factory=list)  # idem, when a baseline was given
    per_layer: bool = False

    def __repr__(self) -> str:
        names = [view.plan.name for view in self.engines]
        return f"EngineComparison(engines={names!r}, gates={[gate.verdict for gate in self.gates]!r})"

    @property
    def regressed(self) -> bool:
        return any(result.regressed for result in self.gates)

    @property
    def failed(self) -> bool:
        """A gate found a regression, or had nothing to compare on a gated metric (unless allowed)."""
        return any(result.failed for result in self.gates)


@dataclass
class OutputComparison(HtmlDisplay):
    reference: str
    candidate: str
    data: str
    precision: str
    outputs: list = field(default_factory=list)  # analysis.accuracy.OutputMetrics
    missing: list[str] = field(default_factory=list)
    # outputs only the candidate has: nothing to compare them with, so not compared (said, not silently dropped)
    extra: list[str] = field(default_factory=list)
    # what produced each side's outputs: onnxruntime-cpu, trtkit-reference-fp16/bf16, tensorrt, saved outputs
    reference_runner: str | None = None
    runner: str | None = None

    @property
    def passed(self) -> bool:
        return not self.missing and all(output.passed for output in self.outputs)

    def add_runs(self, reference_runs: list[dict], candidate_runs: list[dict], tolerances: dict) -> None:
        """Compare each output over all runs (stacked), with the tolerance for its name, dtype and precision."""
        import numpy as np

        from trtkit.analysis.accuracy import compare_arrays, resolve_tolerance

        for name in reference_runs[0]:
            if any(name not in run for run in reference_runs):
                raise InputFileError(f"{self.reference}: output {name} is missing from some of its result sets",
                                     "compare results that hold every output for every input")
            if any(name not in run for run in candidate_runs):
                self.missing.append(name)
                continue
            refs = [np.asarray(run[name]) for run in reference_runs]
            cands = [np.asarray(run[name]) for run in candidate_runs]
            tolerance = resolve_tolerance(name, str(cands[0].dtype), self.precision, tolerances)
            differing = next((index for index, (ref, cand) in enumerate(zip(refs, cands, strict=True))
                              if ref.shape != cand.shape), None)
            if differing is not None or len(refs) == 1:  # one run's arrays, or the first that differ in shape
                index = differing or 0
                self.outputs.append(compare_arrays(name, refs[index], cands[index], tolerance))
                continue
            # every run's elements together; the shape stays the one each run returns (stacking would add an axis)
            metrics = compare_arrays(name, np.concatenate([ref.ravel() for ref in refs]),
                                     np.concatenate([cand.ravel() for cand in cands]), tolerance)
            metrics.shape = tuple(refs[0].shape)
            self.outputs.append(metrics)
        self.extra = [name for name in candidate_runs[0] if name not in reference_runs[0]]
        compared = [name for name in reference_runs[0] if name not in self.missing]
        if compared and not any(np.asarray(run[name]).size for run in reference_runs for name in compared):
            # inputs with a dimension of 0 give outputs of no values: every metric would pass on nothing
            raise InputFileError(f"every output of {self.reference} is empty on these inputs ({self.data}): "
                                 "nothing to compare", "give inputs with at least one value in every dimension")

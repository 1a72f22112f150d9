"""What a layer-wise comparison found: every shared tensor's error, where the error first jumps."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from trtkit.analysis.layerwise import TensorError
    from trtkit.results.compare import OutputComparison


@dataclass
class LayerwiseComparison:
    reference: str
    candidate: str
    data: str
    precision: str
    reference_runner: str
    runner: str
    reference_tensors: int  # float tensors the reference's nodes compute
    candidate_tensors: int  # tensors the candidate's own nodes compute (inserted casts and Q/DQ left out)
    tensors: list[TensorError] = field(default_factory=list)  # the compared ones, in execution order
    shape_mismatches: list[str] = field(default_factory=list)  # same name, other shape: not compared
    first_beyond_tolerance: str | None = None
    jump: TensorError | None = None
    outputs: OutputComparison | None = None  # the graph outputs: the verdict

    @property
    def passed(self) -> bool:
        return self.outputs is not None and self.outputs.passed

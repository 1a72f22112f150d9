"""What a conversion did: its steps, the precision it left, and the verification of its outputs."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from trtkit.analysis.onnx_model import PrecisionProfile
    from trtkit.results.compare import OutputComparison


@dataclass
class StepReport:
    name: str
    nodes_before: int
    nodes_after: int
    seconds: float
    detail: str = ""


@dataclass
class ConvertResult:
    source: str
    output: str
    steps: list[StepReport] = field(default_factory=list)
    op_histogram_change: dict[str, int] = field(default_factory=dict)  # op -> count after minus before
    precision: PrecisionProfile | None = None  # of the output model
    external_data_bytes: int = 0
    data: str | None = None
    verification: OutputComparison | None = None
    verification_note: str | None = None
    warnings: list[str] = field(default_factory=list)
    precision_search: dict | None = None  # what convert.precision_search found, when it ran

    @property
    def verified(self) -> bool:
        """The outputs were compared with the original's (verification_note says why not, when they were not)."""
        return self.verification is not None

    @property
    def passed(self) -> bool:
        """No check failed: True for a conversion that was not verified too; `verified` tells the two apart."""
        return self.verification is None or self.verification.passed

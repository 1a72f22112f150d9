"""What `debug precision` tried and found: its trials, and the node set to keep in higher precision."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any


@dataclass
class Trial:
    index: int
    phase: str  # baseline | all | bisection | pruning
    kept: list[str]
    passed: bool
    max_abs: float | None
    min_cosine: float | None
    seconds: float


@dataclass
class PrecisionSearch:
    model: str
    precision: str  # fp16, bf16, or the quantization mode
    data: str
    runner: str = ""
    reduced_nodes: int = 0  # nodes computing in reduced precision when nothing is kept: the candidates
    ranked: list[dict[str, Any]] = field(default_factory=list)  # {"node", "added_error"}, largest first
    kept: list[str] | None = None  # the found set (node names); None: none found
    patterns: list[str] = field(default_factory=list)  # the set as regexes for `setting`
    trials: list[Trial] = field(default_factory=list)
    final: Trial | None = None
    verification: object = None  # results.compare.OutputComparison of the final set
    stopped: str | None = None  # why the search ended early (trial or time limit), when it did
    message: str = ""
    setting: str = "convert.keep_fp32_nodes"  # where the found nodes go (convert.quantize.exclude_nodes for Q/DQ)

    @property
    def found(self) -> bool:
        return self.kept is not None


def node_pattern(name: str) -> str:
    """The regex AutoCast's keep list (re.match) needs to keep exactly this node."""
    return re.escape(name) + "$"

"""What a sweep did: its points, their status, figures and the Pareto front."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any


@dataclass
class Point:
    name: str
    values: dict[str, Any]
    overrides: list[str]  # the axis values and where this point's files go, on top of the base config
    workdir: Path
    convert_group: str | None = None
    # pending | converting | building | profiling | analysing | done | failed (a stage's error) |
    # "failed: <checks>" (every stage ran, and a check failed: convert verification, lint, compare)
    status: str = "pending"
    reason: str = ""
    failed_checks: list[str] = field(default_factory=list)
    exit_code: int = 0
    gpu: int | None = None
    outcomes: list[dict] = field(default_factory=list)
    figures: dict[str, Any] = field(default_factory=dict)
    pareto: bool = False


@dataclass
class SweepResult:
    config: str
    workdir: str
    executor: str
    axes: list[str]
    points: list[Point]
    pareto_axis: str = ""  # what the front trades accuracy loss against: latency or engine size
    notes: list[str] = field(default_factory=list)

    @property
    def exit_code(self) -> int:
        return max((point.exit_code for point in self.points), default=0)


def is_failed(point: Point) -> bool:
    return point.status == "failed" or point.status.startswith("failed:")

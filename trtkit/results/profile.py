"""What a profile measured: the timing mode, the figures, and the files it wrote."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from trtkit.analysis.statistics import MeasuredStatistic
    from trtkit.backends.timing import TimingMode


@dataclass
class ProfileResult:
    engine: str
    mode: TimingMode  # as measured
    iterations: int
    wall_s: float
    throughput_qps: float
    figures: dict[str, MeasuredStatistic] = field(default_factory=dict)  # latency, gpu_compute, enqueue, h2d, d2h
    warnings: list[str] = field(default_factory=list)
    telemetry: dict | None = None
    shapes: dict[str, list[int]] = field(default_factory=dict)
    backend: str | None = None
    layers_profiled: int | None = None
    written: list[str] = field(default_factory=list)

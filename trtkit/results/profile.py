"""What a profile measured: the timing mode, the figures, and the files it wrote."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class ProfileResult:
    engine: str
    mode: dict  # timing.TimingMode, as measured
    iterations: int
    wall_s: float
    throughput_qps: float
    figures: dict[str, dict] = field(default_factory=dict)  # name -> Statistic fields + median_ci_ms
    warnings: list[str] = field(default_factory=list)
    telemetry: dict | None = None
    shapes: dict[str, list[int]] = field(default_factory=dict)
    backend: str | None = None
    layers_profiled: int | None = None
    written: list[str] = field(default_factory=list)

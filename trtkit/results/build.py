"""What a build produced: the result `trtkit build` renders and the pipeline records."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from trtkit.backends.trt_builder import NetworkSummary


@dataclass
class BuildResult:
    backend: str
    tensorrt_version: str
    model: str
    engine: str | None
    network: NetworkSummary | None = None  # the parsed network: its inputs, outputs and layer count
    profiles: dict = field(default_factory=dict)
    parser_errors: list[dict] = field(default_factory=list)
    parser_warnings: list[str] = field(default_factory=list)  # what the ONNX parser logged as warnings
    warnings: list[str] = field(default_factory=list)
    build_seconds: float | None = None
    phases: dict[str, float] = field(default_factory=dict)
    engine_bytes: int | None = None
    memory: dict[str, int] = field(default_factory=dict)
    graph_source: str | None = None
    written: list[str] = field(default_factory=list)
    dry_run: bool = False
    calibration: str | None = None  # TensorRT 10.x implicit INT8 calibration: batches or cache
    timing_cache: dict | None = None  # hits, misses (tactic timings run), their seconds: trt_builder
    effective_config: dict = field(default_factory=dict)  # backend and the build section, defaults filled in

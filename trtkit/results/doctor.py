"""What `doctor` found about the installation: versions, backends, and which stages can run."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from trtkit.backends.cuda import CudaProbe
    from trtkit.backends.tensorrt import TensorRTProbe


@dataclass
class StageCapability:
    stage: str
    available: bool
    detail: str


@dataclass
class DoctorReport:
    python: str
    platform: str
    trtkit: str
    packages: dict[str, str | None]
    tensorrt: TensorRTProbe
    tensorrt_rtx: TensorRTProbe
    cuda: CudaProbe
    stages: list[StageCapability] = field(default_factory=list)

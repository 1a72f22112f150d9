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
    # packages whose metadata says installed but that trtkit cannot use (no import, a dependency missing): why
    unusable: dict[str, str] = field(default_factory=dict)

    def usable(self, package: str) -> bool:
        """Installed, and usable the way the stages use it."""
        return bool(self.packages.get(package)) and package not in self.unusable

"""One TensorRT version type: every version string trtkit meets (an installed module's `__version__`, a plan's
`10.8.0.43 (TensorRT-RTX)`, a trtexec log's `8.6.1`, a lint target `10` or `rtx`) is read here and nowhere else."""

from __future__ import annotations

import re
from dataclasses import dataclass

_NUMBERS = re.compile(r"\s*(\d+)(?:\.(\d+))?(?:\.(\d+))?")


@dataclass(frozen=True, order=True)
class TensorRTVersion:
    """A TensorRT or TensorRT-RTX version; `rtx` versions number TensorRT-RTX's own releases."""

    major: int
    minor: int = 0
    patch: int = 0
    rtx: bool = False

    @classmethod
    def parse(cls, text: str | None, rtx: bool = False) -> TensorRTVersion | None:
        """The version `text` names ("10.8.0.43", "8.6.1", "11", "1.2.0 (TensorRT-RTX)"), or None when it names none
        (empty, unknown, "rtx" alone); `rtx`: the text is known to be TensorRT-RTX's."""
        match = _NUMBERS.match(text or "")
        if match is None:
            return None
        major, minor, patch = (int(part) if part else 0 for part in match.groups())
        return cls(major, minor, patch, rtx or "RTX" in (text or ""))

    @property
    def strongly_typed_only(self) -> bool:
        """TensorRT 11 and every TensorRT-RTX build strongly typed networks only."""
        return self.rtx or self.major >= 11

    @property
    def lint_target(self) -> str:
        """The lint rules' target for an engine of this version: 8 (and older), 10, 11, or rtx."""
        if self.rtx:
            return "rtx"
        return "8" if self.major <= 8 else ("10" if self.major <= 10 else "11")

    def __str__(self) -> str:
        return f"{self.major}.{self.minor}.{self.patch}" + (" (TensorRT-RTX)" if self.rtx else "")


def lint_target_strongly_typed(target: str) -> bool:
    """Whether a lint target (8, 10, 11, a version, or rtx) builds strongly typed networks only."""
    if target == "rtx":
        return True
    version = TensorRTVersion.parse(target)
    return version is not None and version.strongly_typed_only

"""INT8 calibration caches: `TRT-<version>-<algorithm>` header, then `tensor: <hex float32 scale>` lines."""

from __future__ import annotations

import re
import struct
from dataclasses import dataclass, field

from trtkit.plan.trtexec_log import tensorrt_version_from_tag

_HEADER = re.compile(r"^TRT-(\d+)-(\w+)\s*$")
_ENTRY = re.compile(r"^(.*): ([0-9a-fA-F]{8})\s*$")


@dataclass
class CalibrationCache:
    tensorrt_version: str
    algorithm: str
    scales: dict[str, float] = field(default_factory=dict)  # per-tensor scale: dynamic range / 127

    def dynamic_range(self, tensor: str) -> float:
        return self.scales[tensor] * 127.0


def looks_like_calibration_cache(text: str) -> bool:
    return bool(_HEADER.match(text.lstrip().split("\n", 1)[0]))


def parse_calibration_cache(text: str) -> CalibrationCache:
    """Parse a cache; raises ValueError naming the first line that is neither header nor entry."""
    lines = [line for line in text.replace("\r\n", "\n").split("\n") if line.strip()]
    header = _HEADER.match(lines[0].strip()) if lines else None
    if not header:
        raise ValueError("no 'TRT-<version>-<algorithm>' header on the first line")
    cache = CalibrationCache(tensorrt_version_from_tag(header.group(1)), header.group(2))
    for number, line in enumerate(lines[1:], start=2):
        entry = _ENTRY.match(line.strip())
        if not entry:
            raise ValueError(f"line {number} is not 'tensor: hex-scale': {line.strip()[:60]!r}")
        cache.scales[entry.group(1)] = struct.unpack(">f", bytes.fromhex(entry.group(2)))[0]
    return cache

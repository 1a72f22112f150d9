"""Per-layer profiles and per-iteration times: --exportProfile, --exportTimes, IProfiler text, and the
`=== Profile ===` table of trtexec logs. Files holding several documents back to back (a script that
appended one per run) give one run each."""

from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass, field
from typing import Any, cast

from trtkit.plan.model import IterationTimes, LayerTiming
from trtkit.plan.shape import MalformedArtifactError, optional_count, optional_number, wrong


@dataclass
class LayerProfile:
    """Per-layer times of one profiling run, in execution order."""

    layers: list[tuple[str, LayerTiming]] = field(default_factory=list)
    iterations: int | None = None
    form: str = "export-profile"

    @property
    def total_ms(self) -> float:
        return sum(timing.average_ms for _, timing in self.layers)


def json_documents(text: str) -> list[Any]:
    """Every JSON document in `text`, for files where several were written one after another."""
    decoder = json.JSONDecoder()
    documents, position, length = [], 0, len(text)
    while position < length:
        while position < length and text[position] in " \t\r\n":
            position += 1
        if position >= length:
            break
        document, position = decoder.raw_decode(text, position)
        documents.append(document)
    return documents


def is_export_profile(document: Any) -> bool:
    return isinstance(document, list) and bool(document) and all(isinstance(item, dict) for item in document) and (
        "count" in document[0] or ("name" in document[0] and "averageMs" in document[0]))


def parse_export_profile(document: list[dict[str, Any]]) -> LayerProfile:
    """trtexec --exportProfile: a leading {"count": N}, then name/timeMs/averageMs/medianMs/percentage
    (TensorRT 7.x wrote no medianMs). A record of the wrong shape raises MalformedArtifactError."""
    profile = LayerProfile()
    append = profile.layers.append
    for position, record in enumerate(document):
        where = f"[{position}]"
        if "name" not in record:
            if "count" in record:
                profile.iterations = optional_count(record["count"], f"{where}.count")
            continue
        name = record["name"]
        if type(name) is not str:
            raise wrong(f"{where}.name", name, "a layer name")
        total = optional_number(record.get("timeMs"), f"{where}.timeMs") or 0.0
        average = optional_number(record.get("averageMs"), f"{where}.averageMs")
        if average is None:
            average = total / profile.iterations if profile.iterations else total
        median = optional_number(record.get("medianMs"), f"{where}.medianMs")
        percentage = optional_number(record.get("percentage"), f"{where}.percentage")
        append((name, LayerTiming(total, average, median, percentage, profile.iterations)))
    if not profile.layers:
        raise MalformedArtifactError("", "holds no layer records (name, averageMs): the profile is empty")
    return profile


def is_export_times(document: Any) -> bool:
    return (isinstance(document, list) and bool(document) and isinstance(document[0], dict)
            and "latencyMs" in document[0] and "computeMs" in document[0])


def parse_export_times(document: list[dict[str, Any]]) -> IterationTimes:
    """trtexec --exportTimes; 8.x+ writes h2dMs/d2hMs, 7.x inMs/outMs and endToEndMs."""
    times = IterationTimes()
    legacy = "inMs" in document[0]
    h2d_key, d2h_key = ("inMs", "outMs") if legacy else ("h2dMs", "d2hMs")
    keys = ("latencyMs", "computeMs", h2d_key, d2h_key, "startEnqMs", "endEnqMs", "endToEndMs")
    numbers = (int, float)
    for position, record in enumerate(document):
        # type() tests inline: a timing file holds thousands of records; the slow path says what is wrong
        if type(record) is not dict:
            raise wrong(f"[{position}]", record, "an iteration record")
        get = record.get
        latency, compute, h2d, d2h = get("latencyMs"), get("computeMs"), get(h2d_key), get(d2h_key)
        start, end, end_to_end = get("startEnqMs"), get("endEnqMs"), get("endToEndMs")
        if (type(latency) not in numbers or type(compute) not in numbers
                or (h2d is not None and type(h2d) not in numbers) or (d2h is not None and type(d2h) not in numbers)
                or (start is not None and type(start) not in numbers) or (end is not None and type(end) not in numbers)
                or (end_to_end is not None and type(end_to_end) not in numbers)):
            _reject_times(record, position, keys)
        times.latency_ms.append(cast(float, latency))  # a number: checked above
        times.compute_ms.append(cast(float, compute))
        times.h2d_ms.append(h2d or 0.0)
        times.d2h_ms.append(d2h or 0.0)
        if start is not None and end is not None:
            times.enqueue_ms.append(end - start)
        if end_to_end is not None:
            times.end_to_end_ms.append(end_to_end)
    if not all(map(math.isfinite, (sum(times.latency_ms), sum(times.compute_ms), sum(times.end_to_end_ms)))):
        for position, record in enumerate(document):  # NaN or infinity somewhere: name it
            _reject_times(record, position, keys)
    return times


def _reject_times(record: dict[str, Any], position: int, keys: tuple[str, ...]) -> None:
    """Raise MalformedArtifactError for the first figure of `record` that is not a finite number."""
    for key in keys:
        optional_number(record.get(key), f"[{position}].{key}")
    for key in keys[:2]:
        if record.get(key) is None:
            raise MalformedArtifactError(f"[{position}]", f"has no {key}")


_IPROFILER_LINE = re.compile(r"^Timing:\s*([\d.]+)\s*(us|ms)\s*->\s*(.+)$")


def parse_iprofiler_text(text: str) -> LayerProfile | None:
    """`Timing: 20.384us -> layer` lines printed by a Python IProfiler (one inference)."""
    profile = LayerProfile(form="iprofiler", iterations=1)
    for line in text.split("\n"):
        match = _IPROFILER_LINE.match(line.strip())
        if match:
            value = float(match.group(1)) / (1000.0 if match.group(2) == "us" else 1.0)
            profile.layers.append((match.group(3).strip(), LayerTiming(total_ms=value, average_ms=value,
                                                                       median_ms=value, iterations=1)))
    if not profile.layers:
        return None
    total = profile.total_ms
    for _, timing in profile.layers:
        timing.percentage = 100.0 * timing.average_ms / total if total else 0.0
    return profile


_PROFILE_HEADER = re.compile(r"=== Profile \((\d+) iterations? \) ===")
def _row_pattern(name_first: bool, has_median: bool) -> re.Pattern[str]:
    numbers = r"\s+".join([r"([\d.]+)"] * (4 if has_median else 3))
    if name_first:
        return re.compile(r"^\s*(.+?)\s+" + numbers + r"\s*$")
    return re.compile(r"^\s*" + numbers + r"\s+(.+?)\s*$")


def parse_profile_table(lines: list[str]) -> LayerProfile | None:
    """trtexec's `=== Profile (N iterations ) ===` table (--dumpProfile), from log lines without prefixes.

    TensorRT 10 prints the numbers first (`Time(ms) Avg.(ms) Median(ms) Time(%) Layer`), 8.x the name
    first (`Layer Time (ms) Avg. Time (ms) Median Time (ms) Time %`); 7.x has no median column."""
    found = next(((index, match) for index, line in enumerate(lines) if (match := _PROFILE_HEADER.search(line))),
                 None)
    if found is None:
        return None
    start, header = found
    profile = LayerProfile(form="trtexec-profile-table", iterations=int(header.group(1)))
    pattern, name_first, has_median = None, False, False
    for line in lines[start + 1:]:
        if not line.strip():
            continue
        if pattern is None:
            if "Layer" not in line:
                return None
            name_first, has_median = line.strip().startswith("Layer"), "Median" in line
            pattern = _row_pattern(name_first, has_median)
            continue
        match = pattern.match(line)
        if not match:
            break
        values = list(match.groups())
        name = values.pop(0) if name_first else values.pop()
        if not has_median:
            values.insert(2, None)
        total, average, median, percent = values
        if name == "Total":
            break
        profile.layers.append((name, LayerTiming(total_ms=float(total), average_ms=float(average),
                                                 median_ms=float(median) if median else None,
                                                 percentage=float(percent), iterations=profile.iterations)))
    return profile if profile.layers else None

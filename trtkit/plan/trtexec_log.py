"""trtexec console logs, TensorRT 7.x to 11.x: options, device, performance summary with its warnings,
the `=== Profile ===` table and layer listings. Robust to shell prompts, container banners, interleaved
lines and truncated logs: each run says what was found and what is missing."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from trtkit.plan.inspector import InspectorResult, parse_engine_layer_information, parse_oneline_text, split_lines
from trtkit.plan.model import DeviceInfo, PerformanceSummary, Statistic
from trtkit.plan.profile import LayerProfile, parse_profile_table

_PREFIX = re.compile(r"\[\d{2}/\d{2}/\d{4}-\d{2}:\d{2}:\d{2}\] \[([IVWEF])\] ")
_RUNNING = re.compile(r"&&&& (RUNNING|PASSED|FAILED) TensorRT\.trtexec(?: \[TensorRT v(\d+)\])?(?: \[b\d+\])? # (.*)$")
_SECTION = re.compile(r"^=== (.+?) ===\s*$")
_OPTION = re.compile(r"^([^:=]+?)\s*:\s?(.*)$")
_STATISTIC_PART = re.compile(r"(min|max|mean|median|percentile\((\d+(?:\.\d+)?)%\))\s*=\s*([-\d.eE+]+)\s*ms")
_LEGACY_VALUE = re.compile(r"^(min|max|mean|median|percentile):\s*([-\d.eE+]+)\s*ms(?: at (\d+(?:\.\d+)?)%)?"
                           r"(?:\s*\(end to end ([-\d.eE+]+)\s*ms(?: at (\d+(?:\.\d+)?)%)?\))?")
_SUMMARY_FIGURES = {"Latency": "latency", "Host Latency": "latency", "Enqueue Time": "enqueue_time",
                    "H2D Latency": "h2d_latency", "GPU Compute Time": "gpu_compute_time",
                    "D2H Latency": "d2h_latency", "GPU Compute": "gpu_compute_time"}
_OPTION_SECTIONS = {"Model Options": "model_options", "Build Options": "build_options",
                    "System Options": "system_options", "Inference Options": "inference_options",
                    "Reporting Options": "reporting_options", "Device Information": "device_information"}
_BUILD_FIGURES = {
    "engine_build_time_s": re.compile(r"^Engine built in ([\d.]+) sec"),
    "engine_size_mib": re.compile(r"^Created engine with size: ([\d.]+) MiB"),
    "weights_memory_bytes": re.compile(r"Total Weights Memory: (\d+) bytes"),
    "activation_memory_bytes": re.compile(r"Total Activation Memory: (\d+) bytes"),
    "host_persistent_memory_bytes": re.compile(r"Total Host Persistent Memory: (\d+) bytes"),
    "device_persistent_memory_bytes": re.compile(r"Total Device Persistent Memory: (\d+) bytes"),
}


def tensorrt_version_from_tag(tag: str) -> str:
    """`101401` -> 10.14.1, `8601` -> 8.6.1, `8510` -> 8.5.10 (trtexec's [TensorRT vNNNN] tag)."""
    if len(tag) >= 6:
        return f"{int(tag[:-4])}.{int(tag[-4:-2])}.{int(tag[-2:])}"
    if len(tag) == 4:
        return f"{tag[0]}.{tag[1]}.{int(tag[2:])}"
    return tag


@dataclass
class LogLine:
    level: str | None  # I, V, W, E, F; None for lines without a trtexec prefix
    message: str


@dataclass
class TrtexecRun:
    """One trtexec invocation found in a log."""

    command: str | None = None
    tensorrt_version: str | None = None
    status: str | None = None  # PASSED, FAILED, or None when the log ends before the run does
    options: dict[str, dict[str, str]] = field(default_factory=dict)
    device: DeviceInfo | None = None
    performance: PerformanceSummary | None = None
    profile: LayerProfile | None = None
    layers: InspectorResult | None = None
    build: dict[str, float] = field(default_factory=dict)
    errors: list[str] = field(default_factory=list)
    found: list[str] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)


def normalize_line(raw: str) -> LogLine:
    """Strip the `[date] [I] ` prefix; with interleaved output the last prefix on the line wins."""
    matches = list(_PREFIX.finditer(raw))
    if not matches:
        return LogLine(None, raw.rstrip())
    last = matches[-1]
    return LogLine(last.group(1), raw[last.end():].rstrip())


def looks_like_trtexec_log(text: str) -> bool:
    return any(marker in text for marker in ("&&&& RUNNING TensorRT.trtexec", "=== Performance summary ===",
                                             "=== Model Options ===", "=== Inference Options ===",
                                             "] [I] Host Latency", "=== Profile ("))


def parse_trtexec_log(text: str) -> list[TrtexecRun]:
    """Every run in a trtexec log (several when a script appended one per configuration)."""
    lines = split_lines(text)
    chunks: list[list[str]] = [[]]
    for raw in lines:
        if "&&&& RUNNING TensorRT.trtexec" in raw and any("&&&&" in line or _PREFIX.search(line)
                                                          for line in chunks[-1]):
            chunks.append([])
        chunks[-1].append(raw)
    runs = [_parse_run(chunk) for chunk in chunks]
    return [run for run in runs if run.found] or runs[:1]


def _parse_run(raw_lines: list[str]) -> TrtexecRun:
    run = TrtexecRun()
    lines = [normalize_line(raw) for raw in raw_lines]
    messages = [line.message for line in lines]
    section: str | None = None
    legacy_figure: str | None = None
    warning_lines: list[str] = []
    for raw, line in zip(raw_lines, lines, strict=True):
        running = _RUNNING.search(raw)
        if running:
            kind, tag, command = running.groups()
            if kind == "RUNNING":
                run.command = command.strip()
            else:
                run.status = kind
            if tag:
                run.tensorrt_version = tensorrt_version_from_tag(tag)
            continue
        message = line.message
        header = _SECTION.match(message.strip())
        if header:
            section, legacy_figure = header.group(1), None
            if section == "Performance summary":
                run.performance = run.performance or PerformanceSummary()
            continue
        if line.level is None:
            continue
        stripped = message.strip()
        if stripped.startswith("TensorRT version:"):
            run.tensorrt_version = stripped.split(":", 1)[1].strip()
        for key, pattern in _BUILD_FIGURES.items():
            match = pattern.search(stripped)
            if match:
                run.build[key] = float(match.group(1))
        if line.level in ("E", "F") and stripped:
            run.errors.append(stripped)
        if section in _OPTION_SECTIONS and line.level == "I":
            if not stripped:
                section = None
                continue
            _add_option(run.options.setdefault(_OPTION_SECTIONS[section], {}), stripped)
        elif section == "Performance summary":
            if line.level == "W" and (stripped.startswith("*") or warning_lines):
                if stripped.startswith("*"):
                    warning_lines.append(stripped.lstrip("* ").strip())
                else:
                    warning_lines[-1] += " " + stripped
            elif line.level == "I" and run.performance is not None:  # made at the section's header
                _add_summary_line(run.performance, stripped)
        if stripped in ("Host Latency", "Enqueue Time", "GPU Compute"):
            legacy_figure = stripped
            run.performance = run.performance or PerformanceSummary()
        elif legacy_figure and line.level == "I" and run.performance is not None:
            if not _add_legacy_line(run.performance, legacy_figure, stripped):
                legacy_figure = None
    if run.performance is not None:
        run.performance.warnings = warning_lines
    run.device = _device(run.options.get("device_information", {}))
    run.profile = parse_profile_table(messages)
    run.layers = parse_oneline_text("\n".join(raw_lines)) or parse_engine_layer_information("\n".join(raw_lines))
    _inventory(run)
    return run


def _add_option(options: dict[str, str], text: str) -> None:
    match = _OPTION.match(text)
    if not match:
        return
    key, value = match.group(1).strip(), match.group(2).strip()
    options[key] = f"{options[key]},{value}" if options.get(key) else value


def _statistic(text: str) -> Statistic | None:
    statistic = Statistic()
    found = False
    for match in _STATISTIC_PART.finditer(text):
        name, percent, value = match.group(1), match.group(2), float(match.group(3))
        found = True
        if percent:
            statistic.percentiles[float(percent)] = value
        else:
            setattr(statistic, name, value)
    return statistic if found else None


def _add_summary_line(summary: PerformanceSummary, text: str) -> None:
    name, _, rest = text.partition(":")
    name = name.strip()
    if name == "Throughput":
        summary.throughput_qps = float(rest.split()[0])
    elif name == "Total Host Walltime":
        summary.total_host_walltime_s = float(rest.split()[0])
    elif name == "Total GPU Compute Time":
        summary.total_gpu_compute_time_s = float(rest.split()[0])
    elif name in _SUMMARY_FIGURES:
        statistic = _statistic(rest)
        if statistic is not None:
            setattr(summary, _SUMMARY_FIGURES[name], statistic)


def _add_legacy_line(summary: PerformanceSummary, figure: str, text: str) -> bool:
    """TensorRT 7.x blocks: `min: 3.05 ms (end to end 3.06 ms)`, `percentile: 3.45 ms at 99%`, `throughput:`."""
    lowered = text.lower()
    if lowered.startswith("throughput:"):
        summary.throughput_qps = float(text.split(":", 1)[1].split()[0])
        return True
    if lowered.startswith("walltime:"):
        summary.total_host_walltime_s = float(text.split(":", 1)[1].split()[0])
        return True
    if lowered.startswith("total compute time:"):
        summary.total_gpu_compute_time_s = float(text.split(":", 1)[1].split()[0])
        return True
    match = _LEGACY_VALUE.match(text)
    if not match:
        return False
    name, value, percent, end_to_end, end_percent = match.groups()
    attribute = _SUMMARY_FIGURES[figure]
    statistic = getattr(summary, attribute) or Statistic()
    setattr(summary, attribute, statistic)
    _set_statistic(statistic, name, float(value), percent)
    if end_to_end is not None:
        summary.end_to_end = summary.end_to_end or Statistic()
        _set_statistic(summary.end_to_end, name, float(end_to_end), end_percent or percent)
    return True


def _set_statistic(statistic: Statistic, name: str, value: float, percent: str | None) -> None:
    if name == "percentile":
        statistic.percentiles[float(percent or 99)] = value
    else:
        setattr(statistic, name, value)


def _device(info: dict[str, str]) -> DeviceInfo | None:
    if not info:
        return None
    memory = re.match(r"(\d+)\s*MiB", info.get("Device Global Memory", ""))
    sm_count = info.get("SMs", "")
    return DeviceInfo(
        name=info.get("Selected Device"),
        compute_capability=info.get("Compute Capability"),
        sm_count=int(sm_count) if sm_count.isdigit() else None,
        memory_bytes=int(memory.group(1)) * 2**20 if memory else None,
        uuid=info.get("Selected Device UUID"),
        properties=dict(info),
    )


def _inventory(run: TrtexecRun) -> None:
    """What this run's log holds and what a complete one would have had."""
    checks = [
        ("command line", run.command is not None),
        ("TensorRT version", run.tensorrt_version is not None),
        ("options", bool(run.options.keys() - {"device_information"})),
        ("device information", run.device is not None),
        ("performance summary", run.performance is not None),
        ("per-layer profile", run.profile is not None),
        ("layer information", run.layers is not None),
        ("build figures", bool(run.build)),
    ]
    run.found = [name for name, present in checks if present]
    skip_inference = run.options.get("build_options", {}).get("Skip inference", "").lower() == "enabled"
    if run.command is None:
        run.missing.append("no '&&&& RUNNING' line: an excerpt, or the start of the log is cut")
    if run.status is None and run.found:
        run.missing.append("no PASSED/FAILED line: the run did not finish (truncated log or crash)")
    if run.performance is None and not skip_inference and run.found:
        run.missing.append("no performance summary")
    if run.status == "FAILED":
        run.missing.append("trtexec reported FAILED" + (f": {run.errors[-1]}" if run.errors else ""))

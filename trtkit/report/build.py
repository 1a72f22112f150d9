"""Rendering of `build`: the Rich summary, the `trtkit/build/v1` document, and the live progress display."""

from __future__ import annotations

import json
from dataclasses import asdict
from typing import TYPE_CHECKING, Any

from trtkit.io.jsonout import document
from trtkit.report import console
from trtkit.results.build import BuildResult

if TYPE_CHECKING:
    from collections.abc import Callable

    from rich.progress import Progress, TaskID


def build_document(result: BuildResult) -> dict[str, Any]:
    """The `trtkit/build/v1` document of a build (or of a dry run)."""
    return document("build", asdict(result))


def parse_failure_document(model: str, problems: list[dict]) -> dict[str, Any]:
    """The `trtkit/build/v1` document of a build the ONNX parser refused: the model and every parser error."""
    return document("build", {"model": model, "parser_errors": problems})


class BuildProgress:
    """A Rich progress display fed by the builder's IProgressMonitor phases (on stderr)."""

    def __init__(self, enabled: bool):
        self.enabled = enabled
        self.progress: Progress | None = None
        self.tasks: dict[str, TaskID] = {}

    def __enter__(self) -> BuildProgress:
        if self.enabled:
            from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

            self.progress = Progress(TextColumn("{task.description}"), BarColumn(), TimeElapsedColumn(),
                                     console=console.err(), transient=True)
            self.progress.start()
        return self

    def __exit__(self, *exc) -> None:
        if self.progress is not None:
            self.progress.stop()

    def phase(self, name: str, parent: str | None, steps: int) -> None:
        if self.progress is not None:
            indent = "  " if parent else ""
            self.tasks[name] = self.progress.add_task(f"{indent}{name}", total=max(steps, 1))

    def step(self, name: str, step: int) -> None:
        if self.progress is not None and name in self.tasks:
            self.progress.update(self.tasks[name], completed=step + 1)


def builder_log_echo() -> Callable[[str, str], None]:
    """What streams the builder log to stderr as TensorRT writes it (build_engine's `StageEvents.on_log`): `-v` its
    info, warnings and errors, `-vv` its verbose lines too (trtexec --verbose); nothing without -v. The .build.log
    keeps every line either way."""
    if not console.OUTPUT.verbose or console.OUTPUT.quiet:
        return _silent
    from trtkit.backends.trt_builder import log_line

    shown = None if console.OUTPUT.verbose > 1 else {"INTERNAL_ERROR", "ERROR", "WARNING", "INFO"}

    def echo(severity: str, message: str) -> None:
        if shown is None or severity in shown:
            console.err().print(log_line(severity, message), markup=False, highlight=False, soft_wrap=True)

    return echo


def _silent(severity: str, message: str) -> None:
    """The builder log, not streamed (without -v)."""


def render_build(result: BuildResult) -> None:
    from rich.markup import escape

    out = console.out()
    backend = "TensorRT-RTX" if result.backend == "tensorrt-rtx" else "TensorRT"
    network = result.network
    shown = console.UNKNOWN if network is None else (
        f"{network.layers} layers; inputs " + ", ".join(f"{t.name} {t.dtype} {t.shape}" for t in network.inputs)
        + "; outputs " + ", ".join(f"{t.name} {t.dtype}" for t in network.outputs))
    rows = [("model", result.model), ("backend", f"{backend} {result.tensorrt_version}"), ("network", shown),
            ("profiles", "; ".join(_profile_text(name, profile) for name, profile in result.profiles.items())
             or "none")]
    if result.dry_run:
        rows.append(("dry run", "parsed and validated; nothing built (the engine would be "
                                f"{result.effective_config['build']['output']})"))
    else:
        rows += [("engine", f"{result.engine} ({console.format_bytes(result.engine_bytes)})"),
                 ("build time", f"{result.build_seconds:.2f} s"),
                 ("layer information", result.graph_source or "")]
        if result.calibration is not None:
            rows.append(("INT8 calibration", result.calibration))
        if result.timing_cache is not None:
            rows.append(("timing cache", timing_cache_text(result.timing_cache)))
        # format_bytes, not MiB with two decimals: 80 bytes of host persistent memory read "0.00 MiB", a zero
        rows += [(key.replace("_", " "), console.format_bytes(value)) for key, value in result.memory.items()]
    out.print(console.table("Build", ["", ""], [(key, escape(str(value))) for key, value in rows]))
    if result.dry_run:
        out.print(console.table("Effective build options (the build: section, defaults filled in)",
                                ["option", "value"], [(key, escape(_option_text(key, value)))
                                                      for key, value in result.effective_config["build"].items()]))
    if result.phases:
        slowest = sorted(result.phases.items(), key=lambda item: -item[1])[:8]
        rows = [(escape(name), f"{seconds:.2f}") for name, seconds in slowest]
        out.print(console.table("Slowest builder phases", ["phase", "seconds"], rows, right_align=("seconds",)))
    for warning in result.warnings:
        console.warn(escape(warning))
    for warning in result.parser_warnings:
        console.warn(escape(f"ONNX parser: {warning}"))


def _profile_text(name: str, profile: dict[str, Any]) -> str:
    """One optimization profile with its shapes: `large: min input:4x3x64x64, opt ..., max ...`, or one shape
    when min, opt and max are the same."""
    bounds = [profile.get(bound) for bound in ("min", "opt", "max")]
    if bounds[0] == bounds[1] == bounds[2]:
        return f"{name}: {_shapes_text(bounds[0])}"
    return f"{name}: " + ", ".join(f"{bound} {_shapes_text(shapes)}" for bound, shapes in
                                   zip(("min", "opt", "max"), bounds, strict=True))


def _shapes_text(shapes: Any) -> str:
    if isinstance(shapes, dict):  # input name -> shape
        return ",".join(f"{name}:{'x'.join(map(str, shape)) if isinstance(shape, list) else shape}"
                        for name, shape in shapes.items())
    return str(shapes)


def _option_text(key: str, value: Any) -> str:
    if key == "profiles":  # shapes as written in a config: input:1x3x224x224
        return "; ".join(f"{name}: " + ", ".join(f"{bound} {shapes}" for bound, shapes in profile.items())
                         for name, profile in value.items()) or "none"
    if value is None:
        return "not set"
    return value if isinstance(value, str) else json.dumps(value)


def timing_cache_text(statistics: dict) -> str:
    text = f"{statistics['hits']} hits, {statistics['misses']} misses (tactics timed)"
    if "timing_seconds" in statistics:
        text += f", {statistics['timing_seconds']:.1f} s of tactic timing"
    return text


def render_parser_errors(problems: list[dict]) -> None:
    from rich.markup import escape

    console.err().print(console.table("ONNX parser errors", ["node", "operator", "message"],
                                      [(escape(p["node"]), escape(p["operator"]), escape(p["message"]))
                                       for p in problems]))

"""`report`: engine artifacts in, one self-contained HTML report card out — summary, latency and precision
views, slowest layers, reformats, timing distribution, lint findings, comparison and the engine graph."""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from trtkit.errors import InputFileError, UsageError
from trtkit.results.report import EngineReport, ReportData, ReportResult

if TYPE_CHECKING:
    from types import ModuleType

    from trtkit.io.atomic import StagedSet
    from trtkit.plan.model import EnginePlan


@dataclass
class ReportOptions:
    top: int = 50
    lint: bool = True
    graph: bool = True
    query: str | None = None
    beam: str | None = None
    color_by: str = "precision"  # graph nodes: precision | type
    max_graph_nodes: int = 400
    profile: int | None = None


def _lint_target(plan: EnginePlan) -> str:
    from trtkit.backends.version import TensorRTVersion

    version = TensorRTVersion.parse(plan.tensorrt_version)
    if version is not None:
        return version.lint_target
    if "RTX" in (plan.tensorrt_version or ""):
        return "rtx"
    from trtkit.stages.lint import default_target

    return default_target()


def build_report(paths: list[Path], output: Path, options: ReportOptions) -> ReportResult:
    """Load the artifacts, analyse every engine, and write the HTML report (and .dot files where `dot` is
    missing) atomically."""
    from datetime import datetime, timezone

    from trtkit import __version__
    from trtkit.analysis.align import align
    from trtkit.analysis.lint import LintContext, all_rules, resolve_settings, run_lint
    from trtkit.analysis.summary import summarize
    from trtkit.io.atomic import staged_writes
    from trtkit.io.paths import displayable
    from trtkit.plan.loader import distinct_names, load
    from trtkit.report import graph as graphs
    from trtkit.report import html
    from trtkit.report.svg import category_colors
    from trtkit.stages.option_checks import require_count, require_profile, require_switch, require_text

    started = time.perf_counter()
    # the command's flags are typed by its parser; the API's arguments are checked here, before anything is read
    require_count(options.top, "--top", 1)
    require_count(options.max_graph_nodes, "--max-graph-nodes", 1)
    for flag, text in (("--query", options.query), ("--beam", options.beam), ("--color-by", options.color_by)):
        require_text(text, flag)
    for flag, switch in (("lint", options.lint), ("graph", options.graph)):
        require_switch(switch, flag)
    require_profile(options.profile)
    beam = None
    if options.beam is not None:
        try:
            beam = graphs.parse_beam(options.beam)
        except ValueError as error:
            raise UsageError(str(error), "give a layer name and a radius, e.g. --beam conv1:2") from None
    if options.query is not None:
        import re

        try:
            re.compile(options.query)
        except re.error as error:
            raise UsageError(f"--query {options.query!r} is not a regular expression: {error}",
                             "escape special characters, e.g. 'conv\\.1'") from None
    if options.color_by not in ("precision", "type"):
        raise UsageError(f"--color-by {options.color_by!r}", "use precision or type")
    loaded = load(paths)
    if not loaded.plans:
        other_kinds = ", ".join(sorted({artifact.kind for artifact in loaded.others})) or "nothing"
        raise InputFileError(f"no engine artifacts among the inputs ({other_kinds})",
                             "give a .graph.json, profile, timing or trtexec log of an engine, or a folder of them")
    distinct_names(loaded.plans)
    settings = resolve_settings(all_rules())
    engines: list[EngineReport] = []
    for slot, plan in enumerate(loaded.plans):
        if options.profile is not None and options.profile not in plan.optimization_profiles:
            # else the page would say the engine has "no layer information", as if its artifacts lacked it
            from trtkit.stages.inspect import profile_names

            raise UsageError(f"--profile {options.profile} is out of range: {plan.name} has {profile_names(plan)}",
                             "choose one of them (default: the first)")
        summary = summarize(plan, options.profile)
        engine = EngineReport(slot, plan, summary, plan.layers_of_profile(summary.profile))
        if options.lint:
            engine.lint_target = _lint_target(plan)
            engine.findings, _, not_checked = run_lint(LintContext(engine.lint_target, plan=plan, summary=summary,
                                                                   only={"engine"}), settings)
            engine.lint_not_checked = {entry.rule: entry.reason for entry in not_checked}
        engines.append(engine)
    data = ReportData(engines, top=options.top, graphs=options.graph,
                      generated=f"generated by trtkit {__version__} on "
                                f"{datetime.now(timezone.utc).strftime('%Y-%m-%d %H:%M UTC')} from "
                                f"{len(loaded.plans)} engine(s)")
    kinds = sorted({group.key for engine in engines for group in engine.summary.by_type},
                   key=lambda kind: -sum(group.latency_ms or group.count for engine in engines
                                         for group in engine.summary.by_type if group.key == kind))
    data.type_colors = category_colors(kinds)
    data.alignments = [align(engines[0].layers, engine.layers) for engine in engines[1:]]
    result = ReportResult(str(output), [engine.plan.name for engine in engines], [], 0, 0.0)
    with staged_writes() as stage:  # the .dot files and the page land together, the page last
        if options.graph:
            for engine in engines:
                _graph(engine, output, options, beam, result, graphs, stage)
        text = displayable(html.render(data))  # a non-UTF-8 file name among the inputs is shown, not a crash
        stage(output, text)
    result.bytes = len(text.encode())
    result.views = [part.split('"', 1)[0] for part in text.split('data-view="')[1:]]
    result.seconds = time.perf_counter() - started
    return result


def _graph(engine: EngineReport, output: Path, options: ReportOptions, beam: tuple[str, int] | None,
           result: ReportResult, graphs: ModuleType, stage: StagedSet) -> None:
    from trtkit.io.paths import displayable

    if not engine.layers:
        engine.graph_note = f"{engine.plan.name}: no layer information among its artifacts, so no graph"
        result.graph_notes.append(engine.graph_note)
        return
    try:
        selected = graphs.select(engine.plan, engine.layers, options.query, beam)
    except LookupError as error:
        raise UsageError(str(error), "use a layer name from `trtkit inspect --layers`") from None
    if not selected.layers:
        engine.graph_note = f"--query {options.query!r} matches no layer of {engine.plan.name}"
        result.graph_notes.append(engine.graph_note)
        return
    if len(selected.layers) > options.max_graph_nodes:
        engine.graph_note = (f"{engine.plan.name} has {len(selected.layers)} layers to draw, more than "
                             f"--max-graph-nodes {options.max_graph_nodes}: draw part of it with --query REGEX or "
                             "--beam NODE:RADIUS, or raise the limit")
        result.graph_notes.append(engine.graph_note)
        return
    dot_text = displayable(graphs.to_dot(engine.plan, selected, options.color_by))
    svg, problem = graphs.render_svg(dot_text)
    if svg is not None:
        engine.graph_svg = svg
        if options.query or beam:
            engine.graph_note = f"{len(selected.layers)} of {len(engine.layers)} layers" + (
                f" matching --query {options.query!r} (dashed: their neighbours)" if options.query else "") + (
                f" within {beam[1]} of {beam[0]!r}" if beam else "")
        if not selected.connected:
            engine.graph_note = "the plan has no tensor names (built without detailed profiling verbosity, or " \
                                "listed by the builder log): layers are chained in execution order"
        return
    suffix = f".{engine.slot}" if len(result.engines) > 1 else ""
    dot_path = output.with_name(f"{output.stem}{suffix}.graph.dot")
    stage(dot_path, dot_text)
    result.dot_files.append(str(dot_path))
    engine.graph_note = f"no graph drawn: {problem}. The graph is in {dot_path.name}: `dot -Tsvg {dot_path.name}`"
    result.graph_notes.append(engine.graph_note)

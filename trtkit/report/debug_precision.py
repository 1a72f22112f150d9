"""Rendering of `debug precision`: progress per trial on stderr, the found set, the `trtkit/debug-precision/v1`
document, and the comments written beside the keep list in a config."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from trtkit.io.jsonout import document
from trtkit.report import console
from trtkit.results.debug_precision import PrecisionSearch, Trial


def _figures(trial: Trial | None) -> str:
    if trial is None or trial.max_abs is None:
        return "—"
    return f"max abs error {trial.max_abs:.3g}, cosine {console.format_figure(trial.min_cosine, '.6f')}"


def render_trial(trial: Trial) -> None:
    """One progress line on stderr per conversion tried."""
    verdict = "passed" if trial.passed else "failed"
    console.info(f"trial {trial.index + 1} ({trial.phase}): {len(trial.kept)} node(s) left out, {verdict} "
                 f"({_figures(trial)}; {trial.seconds:.1f} s)")


def precision_document(result: PrecisionSearch, written: str | None) -> dict[str, Any]:
    payload = asdict(result)
    payload["found"] = result.found
    payload["written_config"] = written
    return document("debug-precision", payload)


def config_comments(result: PrecisionSearch) -> tuple[list[str], dict[str, str]]:
    """The comment lines above the keep list and the per-pattern notes (the error each node added)."""
    from trtkit.results.debug_precision import node_pattern

    baseline = result.trials[0] if result.trials else None
    where = "left out of quantization" if "quantize" in result.setting else "in FP32"
    why = [f"trtkit debug precision: with these {len(result.patterns)} of {result.reduced_nodes} nodes {where} the "
           f"{result.precision} conversion meets its tolerances",
           f"({_figures(result.final)}; with none: {_figures(baseline)};",
           f"checked with {result.runner}). Regexes of the exact node names (Model Optimizer matches from the "
           "start)."]
    added = {node_pattern(entry["node"]): entry["added_error"] for entry in result.ranked}
    notes = {pattern: f"added relative error {added[pattern]:.3g} in {result.precision}"
             for pattern in result.patterns if pattern in added}
    return why, notes


def render_precision(result: PrecisionSearch, written: str | None) -> None:
    from rich.markup import escape

    out = console.out()
    what = "quantized" if "quantize" in result.setting else "in reduced precision"
    out.print(f"[bold]{escape(result.model)}[/bold] in {result.precision}: {result.reduced_nodes} nodes {what}; "
              f"inputs: {escape(result.data)}; runner {escape(result.runner or '—')}")
    rows = [(str(trial.index + 1), trial.phase, str(len(trial.kept)),
             "[green]pass[/green]" if trial.passed else "[red]FAIL[/red]",
             "—" if trial.max_abs is None else f"{trial.max_abs:.3g}",
             "—" if trial.min_cosine is None else f"{trial.min_cosine:.6f}", f"{trial.seconds:.1f}")
            for trial in result.trials]
    column = "left out" if "quantize" in result.setting else "kept in FP32"
    out.print(console.table("Trials", ["#", "phase", column, "verdict", "max abs", "cosine", "seconds"], rows,
                            right_align=("#", column, "max abs", "cosine", "seconds")))
    if result.stopped:
        console.warn(escape(result.stopped))
    if not result.found:
        out.print(f"[red]{escape(result.message)}[/red]; nothing written")
        return
    added = {entry["node"]: entry["added_error"] for entry in result.ranked}
    title = "Left out of quantization" if "quantize" in result.setting else "Kept in FP32"
    out.print(console.table(f"{title} ({len(result.kept or [])} of {result.reduced_nodes})",
                            ["node", "added relative error"],
                            [(escape(name), f"{added[name]:.3g}" if name in added else "—")
                             for name in result.kept or []], right_align=("added relative error",)))
    out.print(f"[green]{escape(result.message)}[/green]: {_figures(result.final)}")
    if written:
        out.print(f"added to {result.setting} of {escape(written)}")

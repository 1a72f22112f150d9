"""Rendering of comparisons: Rich tables, the `trtkit/compare/v1` document, and Markdown for a pull request."""

from __future__ import annotations

from dataclasses import asdict
from typing import TYPE_CHECKING, Any

from trtkit.io.jsonout import document
from trtkit.report import console
from trtkit.report.console import format_ms
from trtkit.results.compare import EngineComparison, OutputComparison

if TYPE_CHECKING:
    from trtkit.analysis.accuracy import OutputMetrics


def _median(view) -> float | None:
    return view.summary.end_to_end.median if view.summary.end_to_end else None


def _p99(view) -> float | None:
    return view.summary.end_to_end.percentiles.get(99.0) if view.summary.end_to_end else None


def _speedup(base, view) -> float | None:
    """How many times faster than `base` the engine of `view` runs; None where either median is unknown."""
    base_median, median = _median(base), _median(view)
    return base_median / median if base_median and median else None


def _kinds(comparison: EngineComparison, attribute: str) -> list[str]:
    keys: list[str] = []
    for view in comparison.engines:
        for group in getattr(view.summary, attribute):
            if group.key not in keys:
                keys.append(group.key)
    return keys


def _groups(view, attribute: str) -> dict[str, Any]:
    return {group.key: group for group in getattr(view.summary, attribute)}


def engine_document(comparison: EngineComparison) -> dict[str, Any]:
    base = comparison.engines[0]
    engines = []
    for view in comparison.engines:
        median = _median(view)
        engines.append({
            "name": view.plan.name, "layers": view.summary.layer_count, "median_ms": median, "p99_ms": _p99(view),
            "latency_source": view.summary.end_to_end_source, "throughput_qps": view.summary.throughput_qps,
            "speedup": _speedup(base, view),
            "total_layer_latency_ms": view.summary.total_layer_latency_ms,
            "weights_bytes": view.summary.weights_bytes, "total_macs": view.summary.total_macs,
            "by_type": {group.key: {"count": group.count, "latency_ms": group.latency_ms}
                        for group in view.summary.by_type},
            "by_precision": {group.key: {"count": group.count, "latency_ms": group.latency_ms}
                             for group in view.summary.by_precision},
        })
    alignments = []
    for view, alignment in zip(comparison.engines[1:], comparison.alignments, strict=True):
        alignments.append({
            "baseline": base.plan.name, "engine": view.plan.name,
            "pairs": [_pair(pair) for pair in alignment.pairs],
            "only_baseline": [layer.name for layer in alignment.only_first],
            "only_engine": [layer.name for layer in alignment.only_second],
        })
    return document("compare", {
        "engines": engines, "alignments": alignments,
        "gates": [{"baseline": base.plan.name, "engine": view.plan.name, **asdict(result),
                   "regressed": result.regressed, "verdict": result.verdict, "missing_data": result.missing_data}
                  for view, result in zip(comparison.engines[1:], comparison.gates, strict=False)],
        "regressed": comparison.regressed,
        "failed": comparison.failed,
    })


def _pair(pair) -> dict[str, Any]:
    first, second = pair.first, pair.second
    return {"baseline_layer": first.name, "layer": second.name, "method": pair.method,
            "baseline_ms": first.latency_ms if first.timing else None,
            "ms": second.latency_ms if second.timing else None,
            "delta_ms": second.latency_ms - first.latency_ms if first.timing and second.timing else None,
            "baseline_precision": first.compute_precision, "precision": second.compute_precision,
            "baseline_tactic": first.tactic_name or first.tactic_value, "tactic": second.tactic_name or
            second.tactic_value}


def render_engines(comparison: EngineComparison, top: int = 10) -> None:
    from rich.markup import escape

    out = console.out()
    base = comparison.engines[0]
    names = [escape(view.plan.name) for view in comparison.engines]
    rows = [("layers", *[str(view.summary.layer_count) for view in comparison.engines]),
            ("median latency (ms)", *[format_ms(_median(view)) for view in comparison.engines]),
            ("p99 latency (ms)", *[format_ms(_p99(view)) for view in comparison.engines]),
            ("throughput (qps)", *[_fmt(view.summary.throughput_qps, "throughput") for view in comparison.engines]),
            ("speedup vs first", *[console.UNKNOWN if (speedup := _speedup(base, view)) is None
                                   else f"{speedup:.2f}x" for view in comparison.engines]),
            ("sum of layer latencies (ms)",
             *[format_ms(view.summary.total_layer_latency_ms) for view in comparison.engines]),
            ("weights (MiB)", *[console.UNKNOWN if view.summary.weights_bytes is None
                                else f"{view.summary.weights_bytes / 2**20:.2f}" for view in comparison.engines])]
    if any(view.plan.build is not None for view in comparison.engines):  # trtkit's build metadata
        figures = [dict(console.build_figures(view.plan.build)) for view in comparison.engines]
        rows += [(key, *[escape(figure[key]) for figure in figures])
                 for key in ("engine size", "build time", "targets")]
    out.print(console.table("Engines", ["", *names], rows, right_align=names))
    for title, attribute in (("Latency by layer type (ms)", "by_type"), ("Layers by precision", "by_precision")):
        groups = [_groups(view, attribute) for view in comparison.engines]
        if attribute == "by_type":
            unprofiled = [escape(view.plan.name) for view in comparison.engines if not view.summary.has_profile]
            title += f"; not profiled: {', '.join(unprofiled)}" if unprofiled else ""
        value = (lambda group: format_ms(group.latency_ms)) if attribute == "by_type" else \
            (lambda group: str(group.count))
        table_rows = [(escape(key), *[value(group[key]) if key in group else "" for group in groups])
                      for key in _kinds(comparison, attribute)]
        out.print(console.table(title, ["", *names], table_rows, right_align=names))
    for view, alignment in zip(comparison.engines[1:], comparison.alignments, strict=True):
        pairs = sorted(alignment.pairs, key=_delta_order)
        rows = []
        for pair in pairs[:top]:
            changes = []
            if pair.first.compute_precision != pair.second.compute_precision:
                changes.append(f"{pair.first.compute_precision} -> {pair.second.compute_precision}")
            if (pair.first.tactic_name or pair.first.tactic_value) != (pair.second.tactic_name or
                                                                       pair.second.tactic_value):
                changes.append("tactic")
            first_ms, second_ms = _layer_ms(pair.first), _layer_ms(pair.second)
            delta = console.UNKNOWN if first_ms is None or second_ms is None else f"{second_ms - first_ms:+.4f}"
            rows.append((escape(pair.first.name[:48]), escape(pair.second.name[:48]), format_ms(first_ms),
                         format_ms(second_ms), delta, ", ".join(changes), pair.method))
        methods = {method: sum(pair.method == method for pair in alignment.pairs)
                   for method in ("onnx-nodes", "signature")}
        title = (f"{escape(view.plan.name)} vs {escape(base.plan.name)}: {len(alignment.pairs)} layers aligned "
                 f"({methods['onnx-nodes']} by ONNX nodes, {methods['signature']} by type and shape), "
                 f"{len(alignment.only_first)} only in the first, {len(alignment.only_second)} only in this one")
        out.print(console.table(title, ["first", "this", "first ms", "this ms", "delta", "changed", "aligned by"],
                                rows, right_align=("first ms", "this ms", "delta")))
    for view, result in zip(comparison.engines[1:], comparison.gates, strict=False):
        render_gate(view.plan.name, base.plan.name, result)


def _layer_ms(layer) -> float | None:
    """A layer's profiled time; None when it was not profiled (unknown, not 0)."""
    return layer.timing.average_ms if layer.timing else None


def _delta_order(pair) -> tuple[bool, float]:
    """Largest change first; pairs without a time on both sides last, in execution order."""
    first, second = _layer_ms(pair.first), _layer_ms(pair.second)
    if first is None or second is None:
        return True, 0.0
    return False, -abs(second - first)


def render_gate(name: str, baseline: str, result) -> None:
    from rich.markup import escape

    out = console.out()
    rows = []
    for metric in result.metrics:
        interval = (f"[{metric.interval_percent[0]:+.2f}%, {metric.interval_percent[1]:+.2f}%]"
                    if metric.interval_percent else "")
        color = {"regression": "red", "improvement": "green", "no data": "yellow",
                 "not comparable": "red"}.get(metric.verdict, "")
        verdict = f"[{color}]{metric.verdict}[/{color}]" if color else metric.verdict
        rows.append((metric.metric, _fmt(metric.baseline, metric.metric), _fmt(metric.current, metric.metric),
                     "" if metric.change_percent is None else f"{metric.change_percent:+.2f}%", interval, verdict,
                     escape(metric.evidence)))
    out.print(console.table(f"Regression gate: {escape(name)} against {escape(baseline)} (limit "
                            f"{result.max_regression_percent:g}%; worse = latency up, throughput down)",
                            ["metric", "baseline", "current", "change", f"{result.confidence:.0%} CI", "verdict",
                             "evidence"], rows))
    for layer in result.layers:
        console.warn(escape(f"layer regression: {layer['current_layer']} {layer['baseline_ms']:.4f} -> "
                            f"{layer['current_ms']:.4f} ms ({layer['change_percent']:+.1f}%)"))
    if result.layers_without_data:
        console.warn("per-layer gate: no aligned layer has a time in both engines (not profiled)")
    if result.layers_not_gated and not result.layers_without_data:
        console.warn(escape(f"per-layer gate: {_not_gated(result)}"))
    verdict = result.verdict
    if verdict == "not comparable":
        out.print(f"[red]not comparable[/red]: {escape('; '.join(result.not_comparable))} (profile both engines "
                  "on the same batch, shapes, optimization profile and data-transfer setting)")
    elif verdict == "no data":
        out.print(f"[red]no data[/red]: nothing to compare on {', '.join(result.missing_data)} (profile both engines, "
                  "or pass --allow-missing-data)")
    elif verdict == "no regression" and result.missing_data:
        out.print(f"[green]no regression[/green] (no data on {', '.join(result.missing_data)}: allowed)")
    else:
        out.print("[red]regression[/red]" if verdict == "regression" else "[green]no regression[/green]")


def _not_gated(result) -> str:
    """The current engine's timed layers the per-layer gate could not judge (no aligned baseline time)."""
    return (f"{len(result.layers_not_gated)} timed layer(s) of this engine ({result.layers_not_gated_ms:.4f} ms) have "
            "no aligned baseline layer with a time and were not gated (first: "
            f"{result.layers_not_gated[0]}); the end-to-end metrics include them")


def _fmt(value: float | None, metric: str = "") -> str:
    """A gate figure: latency to 4 significant digits, throughput to 0.1 qps as the engine table shows it."""
    if value is None:
        return console.UNKNOWN
    return f"{value:.1f}" if metric == "throughput" else f"{value:.4g}"


def gate_markdown(comparison: EngineComparison) -> str:
    """A pull-request comment: one table per current engine, with the evidence each verdict rests on."""
    base = comparison.engines[0].plan.name
    lines = []
    for view, result in zip(comparison.engines[1:], comparison.gates, strict=False):
        verdict = {"regression": "❌ regression", "no data": "❌ no data",
                   "not comparable": "❌ not comparable"}.get(result.verdict, "✅ no regression")
        lines += [f"### trtkit compare: `{view.plan.name}` against `{base}` — {verdict}", "",
                  f"Limit {result.max_regression_percent:g}% in the worse direction (latency up, throughput down).",
                  "",
                  f"| metric | baseline | current | change | {result.confidence:.0%} CI | verdict |",
                  "|---|---:|---:|---:|---|---|"]
        for metric in result.metrics:
            interval = (f"[{metric.interval_percent[0]:+.2f}%, {metric.interval_percent[1]:+.2f}%]"
                        if metric.interval_percent else "n/a")
            change = "" if metric.change_percent is None else f"{metric.change_percent:+.2f}%"
            lines.append(f"| {metric.metric} | {_fmt(metric.baseline, metric.metric)} | "
                         f"{_fmt(metric.current, metric.metric)} | {change} | "
                         f"{interval} | {metric.verdict} |")
        evidence = sorted({metric.evidence for metric in result.metrics})
        lines += ["", "Evidence: " + "; ".join(evidence) + "."]
        if result.not_comparable:
            lines += ["", f"Not comparable: {'; '.join(result.not_comparable)}."]
        if result.layers_not_gated and not result.layers_without_data:
            lines += ["", f"Per-layer gate: {_not_gated(result)}."]
        if result.missing_data:
            allowed = " (allowed by --allow-missing-data)" if result.allow_missing_data else ""
            lines += ["", f"No data on: {', '.join(result.missing_data)}{allowed}."]
        if result.layers:
            lines += ["", "| layer | baseline ms | current ms | change |", "|---|---:|---:|---:|"]
            lines += [f"| `{layer['current_layer']}` | {layer['baseline_ms']:.4f} | {layer['current_ms']:.4f} | "
                      f"{layer['change_percent']:+.1f}% |" for layer in result.layers]
        lines.append("")
    if not comparison.gates:
        lines.append("No baseline given: no regression gate (use --baseline).")
    return "\n".join(lines) + "\n"


def outputs_document(comparison: OutputComparison) -> dict[str, Any]:
    return document("compare-outputs", {**asdict(comparison), "passed": comparison.passed})


def non_finite_counts(output: OutputMetrics) -> str:
    """NaN and Inf values of an output in the reference and in the candidate: `0`, or `2 / 0`."""
    reference, candidate = output.nan_reference + output.inf_reference, output.nan_candidate + output.inf_candidate
    return f"{reference} / {candidate}" if reference or candidate else "0"


def render_outputs(comparison: OutputComparison) -> None:
    from rich.markup import escape

    out = console.out()
    out.print(f"reference {escape(comparison.reference)}, candidate {escape(comparison.candidate)} "
              f"({comparison.precision} tolerances); inputs: {escape(comparison.data)}")
    out.print(f"runners: reference {escape(comparison.reference_runner or '—')}, candidate "
              f"{escape(comparison.runner or '—')}")
    rows = []
    figure = console.format_figure
    for output in comparison.outputs:
        rows.append((escape(output.name), "x".join(map(str, output.shape)), figure(output.max_abs),
                     figure(output.mean_abs), figure(output.p99_abs), figure(output.median_rel),
                     figure(output.p99_rel), figure(output.cosine, ".6f"), figure(output.snr_db, ".1f"),
                     non_finite_counts(output), "[green]pass[/green]" if output.passed else "[red]FAIL[/red]"))
    # names, shapes and verdicts stay; the figures that repeat max abs and cosine go first when narrow
    out.print(console.table("Output accuracy", ["output", "shape", "max abs", "mean abs", "p99 abs", "median rel",
                                                "p99 rel", "cosine", "SNR dB", "NaN/Inf ref / cand", "verdict"], rows,
                            optional=("mean abs", "median rel", "p99 abs", "p99 rel", "SNR dB")))
    for output in comparison.outputs:
        histogram = ", ".join(f"{label}: {count}" for label, count in output.histogram.items() if count)
        tolerance = output.tolerance
        over = " (of the elements finite in both)" if non_finite_counts(output) != "0" else ""
        out.print(f"  {escape(output.name)}: |error| histogram{over} {histogram or 'empty'}; tolerance "
                  f"{tolerance.describe()} ({escape(tolerance.source)})" if tolerance else f"  {escape(output.name)}")
        if output.unknown_errors:
            out.print(f"    [red]error figures unknown (—): {output.unknown_errors} element(s) NaN or Inf in only one "
                      "of reference and candidate[/red]")
        elif output.nan_reference + output.inf_reference:
            out.print(f"    figures over the elements finite in both; "
                      f"{output.nan_reference + output.inf_reference} NaN/Inf element(s) agree in both")
        for reason in output.reasons:
            out.print(f"    [red]{escape(reason)}[/red]")
    for name in comparison.missing:
        out.print(f"  [red]{escape(name)}: missing from the candidate[/red]")
    for name in comparison.extra:
        out.print(f"  [yellow]{escape(name)}: only in the candidate, not compared (the reference has no such "
                  "output)[/yellow]")
    out.print("[green]passed[/green]" if comparison.passed else "[red]failed[/red]")

"""Rendering of `convert`: Rich tables and the `trtkit/convert/v1` document."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from trtkit.io.jsonout import document
from trtkit.report import console
from trtkit.results.convert import ConvertResult


def convert_document(result: ConvertResult) -> dict[str, Any]:
    payload = asdict(result)
    payload["verified"] = result.verified
    # unknown, not true, when the outputs were never compared: a CI reading `passed` took it as accuracy checked
    payload["passed"] = result.passed if result.verified else None
    return document("convert", payload)


def render_convert(result: ConvertResult) -> None:
    from rich.markup import escape

    from trtkit.report.compare import render_outputs

    out = console.out()
    out.print(f"[bold]{escape(result.source)}[/bold] -> [bold]{escape(result.output)}[/bold]")
    out.print(console.table("Steps", ["step", "nodes before", "nodes after", "seconds", "detail"],
                            [(escape(step.name), step.nodes_before, step.nodes_after, f"{step.seconds:.2f}",
                              escape(step.detail)) for step in result.steps],
                            right_align=("nodes before", "nodes after", "seconds")))
    if result.op_histogram_change:
        changes = sorted(result.op_histogram_change.items(), key=lambda item: (-abs(item[1]), item[0]))
        out.print(console.table("Operators changed", ["op", "count change"],
                                [(escape(op), f"{count:+d}") for op, count in changes], right_align=("count change",)))
    precision = result.precision
    rows = [] if precision is None else [
        ("nodes by output type", ", ".join(f"{k} {v}" for k, v in precision.nodes_by_dtype.items())),
        ("weights by type", ", ".join(f"{k} {console.format_bytes(v)}"
                                      for k, v in precision.weight_bytes_by_dtype.items())),
        ("Q/DQ", f"{precision.qdq_pairs} QuantizeLinear, {precision.dequantize_nodes} DequantizeLinear"),
        ("compute ops on Q/DQ inputs", ", ".join(f"{k} {v}" for k, v in precision.quantized_compute_ops.items())
         or "none"),
        ("compute ops without", ", ".join(f"{k} {v}" for k, v in precision.unquantized_compute_ops.items())
         or "none")]
    if result.external_data_bytes:
        rows.append(("external data", console.format_bytes(result.external_data_bytes)))
    out.print(console.table("Precision profile of the output", ["", ""], [(key, escape(value)) for key, value in rows]))
    for warning in result.warnings:
        console.warn(escape(warning))
    search = result.precision_search
    if search is not None:
        before = search.get("before") or {}
        figures = (f" (before: max abs error {console.format_figure(before.get('max_abs'))}, cosine "
                   f"{console.format_figure(before.get('min_cosine'), '.6f')})" if before else "")
        kept = ", ".join(search["kept"] or [])
        out.print(f"precision search{figures}: {escape(search['message'])}" + (f": {escape(kept)}" if kept else ""))
    if result.verification is not None:
        render_outputs(result.verification)
    elif result.verification_note:
        console.warn(escape(result.verification_note))

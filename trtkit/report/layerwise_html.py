"""`compare outputs --layerwise --html FILE`: the layer-wise comparison as one offline HTML page in the style of
`trtkit report` — summary cards, the relative error of every tensor along execution order, the sortable table."""

from __future__ import annotations

import math
from html import escape

from trtkit.report import svg
from trtkit.report.console import format_figure
from trtkit.report.html import SCRIPT, STYLE, _card, _figure, _table
from trtkit.report.svg import Bar
from trtkit.results.layerwise import LayerwiseComparison

FAILED_COLOR, JUMP_COLOR, PASSED_COLOR = "#d65f5f", "#ee854a", "#4878d0"


def _summary(result: LayerwiseComparison) -> str:
    first = result.first_beyond_tolerance
    jump = result.jump
    cards = [_card("reference", result.reference, result.reference_runner, small=True),
             _card("candidate", result.candidate, result.runner, small=True),
             _card("verdict (graph outputs)", "passed" if result.passed else "FAILED",
                   f"{result.precision} tolerances; inputs {result.data}"),
             _card("tensors compared", str(len(result.tensors)),
                   f"of {result.reference_tensors} in the reference, {result.candidate_tensors} in the candidate"),
             _card("first beyond tolerance", first or "none", small=True),
             _card("error jumps at", jump.node if jump else "—",
                   f"relative error {jump.input_relative_error:.3g} → {jump.relative_error:.3g}" if jump else "",
                   small=True)]
    return '<div class="cards">' + "".join(cards) + "</div>"


def _chart(result: LayerwiseComparison) -> str:
    jump = result.jump.name if result.jump is not None else None
    bars = []
    for tensor in result.tensors:
        value = tensor.relative_error if math.isfinite(tensor.relative_error) else 0.0
        color = JUMP_COLOR if tensor.name == jump else (PASSED_COLOR if tensor.metrics.passed else FAILED_COLOR)
        bars.append(Bar(tensor.name, value, color, f"#{tensor.index} {tensor.name} ({tensor.node}, {tensor.op_type}): "
                                                   f"relative error {format_figure(tensor.relative_error)}, added "
                                                   f"{format_figure(tensor.added_error, '+.3g')}, max abs "
                                                   f"{format_figure(tensor.metrics.max_abs)}"))
    chart = svg.column_chart("layerwise-error", bars, "relative error", "Relative error along execution order")
    legend = svg.legend({"within tolerance": PASSED_COLOR, "beyond tolerance": FAILED_COLOR,
                         "error jumps here": JUMP_COLOR})
    return _figure(chart, "||candidate - reference|| / ||reference|| of each tensor, in the candidate's execution "
                          "order", legend)


def _tensor_table(result: LayerwiseComparison) -> str:
    rows: list[list[tuple[str, object]]] = []
    for tensor in result.tensors:
        metrics = tensor.metrics
        rows.append([(str(tensor.index), tensor.index), (escape(tensor.name), None),
                     (escape(f"{tensor.node} ({tensor.op_type})"), None), ("x".join(map(str, metrics.shape)), None),
                     (format_figure(metrics.max_abs), metrics.max_abs),
                     (format_figure(metrics.cosine, ".6f"), metrics.cosine),
                     (format_figure(tensor.relative_error), tensor.relative_error),
                     (format_figure(tensor.added_error, "+.3g"), tensor.added_error),
                     ("pass" if metrics.passed else '<span class="sev-error">FAIL</span>', None)])
    return _table(["#", "tensor", "node (op)", "shape", "max abs", "cosine", "rel error", "added", "verdict"], rows,
                  {"#", "max abs", "cosine", "rel error", "added"}, sortable=True, name="layerwise-tensors")


def render_layerwise_html(result: LayerwiseComparison) -> str:
    """The whole HTML document."""
    views = [("summary", "Summary", _summary(result)),
             ("error", "Error along execution order", _chart(result)),
             ("tensors", "Tensors", _tensor_table(result))]
    nav = "".join(f'<a href="#{key}">{escape(name)}</a>' for key, name, _ in views)
    sections = "".join(f'<section class="view" id="{key}" data-view="{key}"><h2>{escape(name)}</h2>{body}</section>'
                       for key, name, body in views)
    title = f"layer-wise accuracy of {result.candidate}"
    return ("<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\">"
            "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
            f"<title>trtkit: {escape(title)}</title><style>{STYLE}</style></head><body>"
            f"<header><h1>trtkit: {escape(title)}</h1><p>against {escape(result.reference)}</p><nav>{nav}</nav>"
            f"</header><main>{sections}</main><script>{SCRIPT}</script></body></html>\n")

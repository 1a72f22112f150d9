"""Small SVG charts written as text: no plotting library, no script, nothing fetched.

Every chart is an `<svg class="chart">` whose data marks carry `class="mark"` and a `<title>` tooltip, so a
browser shows the values on hover and a test can count what was drawn.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass
from html import escape

# Colours by precision (the TREx convention: cooler for wider types) and a categorical palette for the rest.
PRECISION_COLORS = {"FP32": "#4878d0", "TF32": "#6acc64", "FP16": "#ee854a", "BF16": "#d5bb67", "INT8": "#d65f5f",
                    "FP8": "#956cb4", "INT4": "#8c613c", "FP4": "#dc7ec0", "INT32": "#797979", "INT64": "#a0a0a0",
                    "BOOL": "#c0c0c0", "UINT8": "#82c6e2"}
PALETTE = ("#4878d0", "#ee854a", "#6acc64", "#d65f5f", "#956cb4", "#8c613c", "#dc7ec0", "#797979", "#d5bb67",
           "#82c6e2", "#1f77b4", "#ff7f0e", "#2ca02c", "#9467bd", "#17becf", "#bcbd22")
UNKNOWN_COLOR = "#d0d0d0"
FONT = 'font-family="system-ui, sans-serif" font-size="12"'


def precision_color(precision: str | None) -> str:
    return PRECISION_COLORS.get(precision or "", UNKNOWN_COLOR)


def category_colors(keys: Sequence[str]) -> dict[str, str]:
    """A stable colour per key, in the order given (the most important first)."""
    return {key: PALETTE[index % len(PALETTE)] for index, key in enumerate(keys)}


@dataclass
class Bar:
    label: str
    value: float
    color: str
    tooltip: str = ""


def _svg(name: str, width: float, height: float, body: list[str], label: str) -> str:
    return (f'<svg class="chart" data-chart="{escape(name)}" role="img" aria-label="{escape(label)}" '
            f'viewBox="0 0 {width:.0f} {height:.0f}" width="{width:.0f}" height="{height:.0f}" '
            f'xmlns="http://www.w3.org/2000/svg" {FONT}>' + "".join(body) + "</svg>")


def _short(text: str, length: int) -> str:
    """A label cut in the middle, so both the start and the distinguishing end (#run3, .fp16) stay."""
    if len(text) <= length:
        return text
    tail = length * 2 // 3
    return text[:length - tail - 1] + "…" + text[-tail:]


def distinct_labels(labels: Sequence[str], length: int) -> list[str]:
    """Labels of at most `length` characters that still tell the items apart: where cutting the middle makes two
    the same (`precision-fp16_max-4/resnet18.engine` and `precision-fp32_max-4/resnet18.engine`), the part they
    share is left out instead and the part that differs kept (`…fp16…resnet18.engine`, `…fp32…resnet18.engine`)."""
    short = [_short(label, length) for label in labels]
    if len(set(short)) == len(short) or len(set(labels)) != len(labels):
        return short
    prefix = os.path.commonprefix(list(labels))
    suffix = os.path.commonprefix([label[::-1] for label in labels])[::-1]
    prefix = prefix[:max((prefix.rfind(mark) + 1 for mark in "-_/. "), default=0)]  # cut at a word boundary
    suffix = suffix[min((position for position in (suffix.find(mark) for mark in "-_/. ") if position >= 0),
                        default=len(suffix)):]
    tail = suffix.rsplit("/", 1)[-1]
    result = []
    for label in labels:
        middle = label[len(prefix):len(label) - len(suffix)]
        text = ("…" if prefix else "") + middle + (("…" if tail != suffix else "") + tail)
        result.append(text if len(text) <= length else _short(middle, length))
    return result if len(set(result)) == len(result) else [f"#{index + 1} {text}" for index, text in enumerate(short)]


def _number(value: float) -> str:
    if float(value).is_integer():  # counts (20 layers), and round figures
        return f"{value:.0f}"
    if abs(value) >= 100:
        return f"{value:.0f}"
    if abs(value) >= 1:
        return f"{value:.2f}"
    return f"{value:.3g}"


def hbar_chart(name: str, bars: Sequence[Bar], unit: str, label: str, width: int = 760) -> str:
    """Horizontal bars, one per item, labelled on the left with the value at the end."""
    label_width, row, pad = 220, 22, 8
    plot = width - label_width - 90
    top = max((bar.value for bar in bars), default=0) or 1
    body = []
    for index, bar in enumerate(bars):
        y = pad + index * row
        length = max(bar.value / top * plot, 1)
        text = _short(bar.label, 32)
        body.append(f'<text x="{label_width - 6}" y="{y + 14}" text-anchor="end">{escape(text)}</text>'
                    f'<rect class="mark" x="{label_width}" y="{y + 3}" width="{length:.1f}" height="{row - 6}" '
                    f'fill="{bar.color}"><title>{escape(bar.tooltip or bar.label)}</title></rect>'
                    f'<text x="{label_width + length + 4:.1f}" y="{y + 14}">{_number(bar.value)} {escape(unit)}'
                    '</text>')
    return _svg(name, width, pad * 2 + row * len(bars), body, label)


def stacked_bars(name: str, rows: Sequence[tuple[str, Sequence[Bar]]], unit: str, label: str,
                 width: int = 760) -> str:
    """One horizontal bar per row (an engine), split into segments (layer types, precisions)."""
    label_width, row, pad = 180, 30, 8
    plot = width - label_width - 90
    top = max((sum(bar.value for bar in bars) for _, bars in rows), default=0) or 1
    body = []
    labels = distinct_labels([row_label for row_label, _ in rows], 26)
    for index, (row_label, bars) in enumerate(rows):
        y = pad + index * row
        x = float(label_width)
        text = labels[index]
        body.append(f'<text x="{label_width - 6}" y="{y + 19}" text-anchor="end">{escape(text)}</text>')
        for bar in bars:
            length = bar.value / top * plot
            if length <= 0:
                continue
            body.append(f'<rect class="mark" x="{x:.1f}" y="{y + 4}" width="{length:.2f}" height="{row - 8}" '
                        f'fill="{bar.color}"><title>{escape(row_label)}: {escape(bar.tooltip or bar.label)}'
                        '</title></rect>')
            x += length
        total = sum(bar.value for bar in bars)
        body.append(f'<text x="{x + 4:.1f}" y="{y + 19}">{_number(total)} {escape(unit)}</text>')
    return _svg(name, width, pad * 2 + row * len(rows), body, label)


def column_chart(name: str, bars: Sequence[Bar], unit: str, label: str, width: int = 960, height: int = 220) -> str:
    """Columns in order (layers in execution order), coloured by category; a y axis with its maximum."""
    left, bottom, top_pad = 56, 18, 10
    plot_width, plot_height = width - left - 8, height - bottom - top_pad
    top = max((bar.value for bar in bars), default=0) or 1
    step = plot_width / max(len(bars), 1)
    body = [f'<line x1="{left}" y1="{top_pad}" x2="{left}" y2="{top_pad + plot_height}" stroke="#888"/>',
            f'<line x1="{left}" y1="{top_pad + plot_height}" x2="{width - 8}" y2="{top_pad + plot_height}" '
            'stroke="#888"/>',
            f'<text x="{left - 4}" y="{top_pad + 10}" text-anchor="end">{_number(top)}</text>',
            f'<text x="{left - 4}" y="{top_pad + plot_height}" text-anchor="end">0</text>',
            f'<text x="{left - 44}" y="{top_pad + plot_height / 2}" transform="rotate(-90 {left - 44} '
            f'{top_pad + plot_height / 2})" text-anchor="middle">{escape(unit)}</text>',
            f'<text x="{left}" y="{height - 3}">first layer</text>',
            f'<text x="{width - 8}" y="{height - 3}" text-anchor="end">last layer ({len(bars)})</text>']
    for index, bar in enumerate(bars):
        bar_height = max(bar.value / top * plot_height, 0.5)
        x = left + index * step
        body.append(f'<rect class="mark" x="{x:.2f}" y="{top_pad + plot_height - bar_height:.2f}" '
                    f'width="{max(step * 0.85, 0.6):.2f}" height="{bar_height:.2f}" fill="{bar.color}">'
                    f'<title>{escape(bar.tooltip or bar.label)}</title></rect>')
    return _svg(name, width, height, body, label)


def histogram(name: str, values: Sequence[float], markers: Sequence[tuple[str, float]], unit: str, label: str,
              bins: int = 40, width: int = 760, height: int = 220) -> str:
    """The distribution of `values` in equal bins, with vertical markers (median, percentiles)."""
    left, bottom, top_pad, right = 48, 34, 10, 12
    plot_width, plot_height = width - left - right, height - bottom - top_pad
    low, high = min(values), max(values)
    span = (high - low) or max(abs(high) * 1e-6, 1e-9)
    counts = [0] * bins
    for value in values:
        counts[min(int((value - low) / span * bins), bins - 1)] += 1
    tallest = max(counts) or 1
    step = plot_width / bins
    body = [f'<line x1="{left}" y1="{top_pad + plot_height}" x2="{width - right}" y2="{top_pad + plot_height}" '
            'stroke="#888"/>',
            f'<text x="{left}" y="{top_pad + plot_height + 14}">{_number(low)}</text>',
            f'<text x="{width - right}" y="{top_pad + plot_height + 14}" text-anchor="end">{_number(high)}</text>',
            f'<text x="{left + plot_width / 2}" y="{height - 4}" text-anchor="middle">{escape(unit)} '
            f'({len(values)} iterations)</text>',
            f'<text x="{left - 4}" y="{top_pad + 10}" text-anchor="end">{tallest}</text>']
    for index, count in enumerate(counts):
        if not count:
            continue
        bar_height = count / tallest * plot_height
        start = low + span * index / bins
        body.append(f'<rect class="mark" x="{left + index * step:.2f}" y="{top_pad + plot_height - bar_height:.2f}" '
                    f'width="{step * 0.92:.2f}" height="{bar_height:.2f}" fill="#4878d0"><title>{count} iterations '
                    f'in [{_number(start)}, {_number(start + span / bins)}) {escape(unit)}</title></rect>')
    for index, (marker, value) in enumerate(markers):
        x = left + (value - low) / span * plot_width
        body.append(f'<line class="marker" x1="{x:.2f}" y1="{top_pad}" x2="{x:.2f}" y2="{top_pad + plot_height}" '
                    f'stroke="#d65f5f" stroke-dasharray="3 2"><title>{escape(marker)} {_number(value)} '
                    f'{escape(unit)}</title></line>'
                    f'<text x="{x + 3:.2f}" y="{top_pad + 12 + 13 * index}" fill="#d65f5f">{escape(marker)}</text>')
    return _svg(name, width, height, body, label)


def series(name: str, values: Sequence[float], unit: str, label: str, width: int = 760, height: int = 160) -> str:
    """Values in order (latency per iteration) as a line, to show drift and outliers over the run."""
    left, bottom, top_pad, right = 48, 18, 8, 12
    plot_width, plot_height = width - left - right, height - bottom - top_pad
    low, high = min(values), max(values)
    span = (high - low) or 1
    stride = max(1, len(values) // 2000)  # a point per pixel is plenty
    points = " ".join(f"{left + index / max(len(values) - 1, 1) * plot_width:.1f},"
                      f"{top_pad + plot_height - (value - low) / span * plot_height:.1f}"
                      for index, value in list(enumerate(values))[::stride])
    body = [f'<polyline class="mark" points="{points}" fill="none" stroke="#4878d0" stroke-width="1">'
            f'<title>{escape(unit)} per iteration, {len(values)} iterations</title></polyline>',
            f'<text x="{left - 4}" y="{top_pad + 10}" text-anchor="end">{_number(high)}</text>',
            f'<text x="{left - 4}" y="{top_pad + plot_height}" text-anchor="end">{_number(low)}</text>',
            f'<text x="{left}" y="{height - 3}">first iteration</text>',
            f'<text x="{width - right}" y="{height - 3}" text-anchor="end">last</text>']
    return _svg(name, width, height, body, label)


def legend(colors: dict[str, str]) -> str:
    """An HTML legend of colour swatches."""
    return '<div class="legend">' + "".join(
        f'<span><i style="background:{color}"></i>{escape(key)}</span>' for key, color in colors.items()) + "</div>"

"""Rich rendering of a profile: the mode measured, the figures with their spread, and the warnings."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from trtkit.io.jsonout import document
from trtkit.report import console
from trtkit.results.profile import ProfileResult

_LABELS = {"latency": "latency (H2D + compute + D2H)", "gpu_compute": "GPU compute", "enqueue": "enqueue (host)",
           "h2d": "host to device", "d2h": "device to host"}


def profile_document(result: ProfileResult) -> dict[str, Any]:
    """The `trtkit/profile/v1` document of a measurement."""
    return document("profile", asdict(result))


def render_profile(result: ProfileResult) -> None:
    from rich.markup import escape

    out = console.out()
    mode = result.mode
    on = {True: "on", False: "off"}
    measured = (f"CUDA graph {on[mode.cuda_graph]}, spin-wait {on[mode.spin_wait]}, transfers "
                f"{on[mode.transfers]}, enqueue-ahead {on[mode.enqueue_ahead]}, {mode.streams} stream(s)")
    rows = [("engine", result.engine), ("measured", measured),
            ("iterations", f"{result.iterations} in {result.wall_s:.2f} s"),
            ("throughput", f"{result.throughput_qps:.1f} qps")]
    if result.shapes:
        rows.append(("shapes", ", ".join(f"{name}={'x'.join(map(str, shape))}" for name, shape in
                                         result.shapes.items())))
    out.print(console.table("Profile", ["", ""], [(key, escape(value)) for key, value in rows]))
    percents = sorted({float(key) for figure in result.figures.values() for key in figure.percentiles})
    header = ["figure (ms)", "min", "median", "mean", *(f"p{percent:g}" for percent in percents), "max", "CV %",
              "median 95% CI"]
    table_rows = []
    for name, figure in result.figures.items():
        if name in ("h2d", "d2h") and not mode.transfers:
            continue
        ms = console.format_ms
        table_rows.append((_LABELS[name], ms(figure.min), ms(figure.median), ms(figure.mean),
                           *(ms(figure.percentiles.get(percent)) for percent in percents), ms(figure.max),
                           f"{figure.cv_percent:.2f}" if figure.cv_percent is not None else "",
                           "" if figure.median_ci_ms is None else
                           f"[{figure.median_ci_ms[0]:.4f}, {figure.median_ci_ms[1]:.4f}]"))
    out.print(console.table("Figures", header, table_rows, right_align=tuple(header[1:])))
    for warning in result.warnings:
        console.warn(escape(warning))

"""Rendering of `sweep`: a live display of the points (pending, running, done, failed), the results table with
the Pareto front marked, and the `trtkit/sweep/v1` document."""

from __future__ import annotations

from dataclasses import asdict
from typing import TYPE_CHECKING, Any

from trtkit.io.jsonout import document
from trtkit.report import console
from trtkit.report.console import format_ms
from trtkit.results.sweep import Point, SweepResult, is_failed

if TYPE_CHECKING:
    from rich.live import Live

_STYLES = {"done": "green", "failed": "bold red", "pending": "dim"}


def sweep_document(result: SweepResult) -> dict[str, Any]:
    points = []
    for point in result.points:
        entry = asdict(point)
        entry["workdir"] = str(point.workdir)
        points.append(entry)
    return document("sweep", {"config": result.config, "workdir": result.workdir, "executor": result.executor,
                              "axes": result.axes, "pareto_axis": result.pareto_axis, "notes": result.notes,
                              "exit_code": result.exit_code, "points": points})


class SweepProgress:
    """A live table of the points on stderr while the sweep runs (a line per finished point when not a terminal)."""

    def __init__(self, enabled: bool):
        self.enabled = enabled
        self.live: Live | None = None
        self.points: dict[str, Point] = {}

    def __enter__(self) -> SweepProgress:
        if self.enabled and console.err().is_terminal:
            from rich.live import Live

            self.live = Live(self._table(), console=console.err(), refresh_per_second=4, transient=True)
            self.live.start()
        return self

    def __exit__(self, *exc) -> None:
        if self.live is not None:
            self.live.stop()

    def event(self, point: Point) -> None:
        self.points[point.name] = point
        if self.live is not None:
            self.live.update(self._table())
        elif self.enabled and (point.status == "done" or is_failed(point)):
            from rich.markup import escape

            style = _style(point)
            console.err().print(f"[{style}]{point.status:>6}[/{style}] {escape(point.name)}"
                                + (f": {escape(point.reason)}" if point.reason else ""))

    def _table(self):
        counts: dict[str, int] = {}
        for point in self.points.values():
            state = "failed" if is_failed(point) else point.status if point.status in ("pending", "done") \
                else "running"
            counts[state] = counts.get(state, 0) + 1
        title = ", ".join(f"{counts.get(state, 0)} {state}" for state in ("pending", "running", "done", "failed"))
        return console.table(f"Sweep: {title}", ["point", "status", "GPU"],
                             [(point.name, point.status, "" if point.gpu is None else str(point.gpu))
                              for point in self.points.values()])


def _style(point: Point) -> str:
    return _STYLES["failed"] if is_failed(point) else _STYLES.get(point.status, "")


def render_sweep(result: SweepResult) -> None:
    from rich.markup import escape

    columns = ["", "point", "status", "median ms", "qps", "engine", "build s", "max abs error vs FP32",
               "lint errors", "reason"]
    rows = []
    for point in sorted(result.points, key=lambda item: (item.status != "done", not item.pareto, item.name)):
        figures = point.figures
        style = _style(point)
        # — where outputs were compared but their worst error is unknown (NaN or Inf on one side)
        accuracy = (console.UNKNOWN if "accuracy_passed" in figures else "") if figures.get(
            "accuracy_max_abs") is None else (
            f"{figures['accuracy_max_abs']:.3g} (cos {console.format_figure(figures['accuracy_min_cosine'], '.5f')}"
            + (f", {figures['accuracy_runner']})" if figures.get("accuracy_runner") else ")"))
        rows.append(("*" if point.pareto else "", escape(point.name), f"[{style}]{point.status}[/{style}]",
                     format_ms(figures.get("latency_ms")),
                     "" if figures.get("throughput_qps") is None else f"{figures['throughput_qps']:.1f}",
                     "" if figures.get("engine_bytes") is None else console.format_bytes(figures["engine_bytes"]),
                     "" if figures.get("build_seconds") is None else f"{figures['build_seconds']:.2f}",
                     accuracy, "" if figures.get("lint_errors") is None else str(figures["lint_errors"]),
                     escape(point.reason)))
    # columns no point has a value in (no latency without a GPU, no reason when nothing failed) are left out
    keep = [index for index, column in enumerate(columns)
            if index < 3 or any(row[index] not in ("", console.UNKNOWN) for row in rows)]
    cost = "latency" if result.pareto_axis == "latency_ms" else "engine size"
    # no point ranked (no accuracy figures): promising a front that has no member reads as "every point is beaten"
    front = (f"* Pareto front of {cost} against accuracy loss" if any(point.pareto for point in result.points)
             else "no Pareto front: see the notes below")
    console.out().print(console.table(
        f"Sweep of {escape(result.config)} ({len(result.points)} points, {result.executor} executor; {front})",
        [columns[index] for index in keep],
        [[row[index] for index in keep] for row in rows],
        right_align=("median ms", "qps", "engine", "build s", "lint errors"),
        optional=("build s", "lint errors", "engine", "qps"), prose=("reason", "max abs error vs FP32")))
    for note in result.notes:
        console.info(escape(note))
    console.info(f"results: {escape(result.workdir)}/sweep.json; each point's artifacts in its folder there")

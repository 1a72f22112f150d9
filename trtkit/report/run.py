"""Rendering of `run`: a line per stage as it goes (stderr), the builder's progress during the build, the
summary table, and the `trtkit/run/v1` document."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from trtkit.io.jsonout import document
from trtkit.report import console
from trtkit.report.build import BuildProgress
from trtkit.results.run import RunResult, StageOutcome

_STYLES = {"ran": "green", "unchanged": "cyan", "skipped": "yellow", "no data": "bold red", "failed": "bold red",
           "not run": "dim"}
_DID_NOT_RUN = ("skipped", "not run")


class RunDisplay:
    """Follows a run on stderr: the stage starting, the builder's phases during a build, the stage's outcome."""

    def __init__(self, enabled: bool):
        self.enabled = enabled
        self.progress: BuildProgress | None = None

    def stage(self, event: StageOutcome | str) -> None:
        if isinstance(event, str):
            if self.enabled and event == "build":
                self.progress = BuildProgress(True).__enter__()
            return
        if self.progress is not None:
            self.progress.__exit__(None, None, None)
            self.progress = None
        if self.enabled:
            from rich.markup import escape

            style = _STYLES.get(event.status, "")
            seconds = f" {event.seconds:.1f} s" if event.status == "ran" else ""
            console.err().print(f"[{style}]{event.status:>9}[/{style}] {event.stage:<8}{seconds}  "
                                f"{escape(event.summary)}")

    def phase(self, name: str, parent: str | None, steps: int) -> None:
        if self.progress is not None:
            self.progress.phase(name, parent, steps)

    def step(self, name: str, step: int) -> None:
        if self.progress is not None:
            self.progress.step(name, step)

    def close(self) -> None:
        if self.progress is not None:
            self.progress.__exit__(None, None, None)
            self.progress = None


def run_document(result: RunResult) -> dict[str, Any]:
    payload = asdict(result)
    payload["exit_code"] = result.exit_code
    return document("run", payload)


def render_run(result: RunResult) -> None:
    from rich.markup import escape

    rows = []
    for outcome in result.outcomes:
        style = _STYLES.get(outcome.status, "")
        rows.append((outcome.stage, f"[{style}]{outcome.status}[/{style}]",
                     f"{outcome.seconds:.1f}" if outcome.status == "ran" else "",
                     # a stage that did not run has no exit code of its own: not a 0 that reads as passed
                     console.UNKNOWN if outcome.status in _DID_NOT_RUN else str(outcome.exit_code),
                     escape(outcome.summary)))
    out = console.out()
    out.print(console.table(f"Pipeline {escape(result.config)}", ["stage", "status", "seconds", "exit", "result"],
                            rows, right_align=("seconds", "exit")))
    out.print(f"artifacts in {escape(result.workdir)}; what produced each: {escape(result.manifest)}")
    skipped = [outcome.stage for outcome in result.outcomes if outcome.status == "skipped"]
    if skipped:
        out.print(f"[yellow]not checked in this run: {', '.join(skipped)}[/yellow] (skipped: see their result)")

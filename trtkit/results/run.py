"""What a pipeline run did: each stage's outcome and the worst exit code."""

from __future__ import annotations

from dataclasses import dataclass, field

from trtkit.errors import EXIT_OK


@dataclass
class StageOutcome:
    stage: str
    status: str  # ran | unchanged | skipped | no data (a gate with nothing to check) | failed | not run
    exit_code: int = EXIT_OK
    seconds: float = 0.0
    summary: str = ""
    outputs: list[str] = field(default_factory=list)


@dataclass
class RunResult:
    config: str
    workdir: str
    manifest: str
    outcomes: list[StageOutcome] = field(default_factory=list)

    @property
    def exit_code(self) -> int:
        """The worst exit code of the stages (check gates included)."""
        return max((outcome.exit_code for outcome in self.outcomes), default=EXIT_OK)

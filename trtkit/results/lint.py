"""What `lint` found: the findings, the rules run, and whether they fail the check."""

from __future__ import annotations

from dataclasses import dataclass, field

from trtkit.analysis.lint import Finding, fails
from trtkit.io.display import HtmlDisplay


@dataclass
class LintResult(HtmlDisplay):
    target: str
    fail_on: str
    inputs: list[str]
    findings: list[Finding]
    rules_run: list[str]
    notes: list[str] = field(default_factory=list)

    @property
    def failed(self) -> bool:
        return fails(self.findings, self.fail_on)

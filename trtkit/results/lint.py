"""What `lint` found: the findings, the rules run, and whether they fail the check."""

from __future__ import annotations

from dataclasses import dataclass, field

from trtkit.analysis.lint import Finding, NotChecked, fails
from trtkit.io.display import HtmlDisplay


@dataclass
class LintResult(HtmlDisplay):
    target: str
    fail_on: str
    inputs: list[str]
    findings: list[Finding]
    rules_run: list[str]
    notes: list[str] = field(default_factory=list)
    not_checked: list[NotChecked] = field(default_factory=list)  # rules that apply but lacked the data they read

    @property
    def checked_nothing(self) -> bool:
        """No rule ran on any input: a clean result would claim checks that never happened."""
        return not self.rules_run

    @property
    def failed(self) -> bool:
        """A finding at or above --fail-on, or nothing checked at all (unless --fail-on never)."""
        return fails(self.findings, self.fail_on) or (self.checked_nothing and self.fail_on != "never")

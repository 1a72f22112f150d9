"""Rendering of lint results: Rich tables grouped by severity, `trtkit/lint/v1` JSON, SARIF 2.1.0."""

from __future__ import annotations

import os
from dataclasses import asdict
from pathlib import Path
from typing import Any

from trtkit import __version__
from trtkit.analysis.lint import SEVERITIES, Rule
from trtkit.io.jsonout import document
from trtkit.report import console
from trtkit.results.lint import LintResult

SARIF_LEVELS = {"info": "note", "warning": "warning", "error": "error"}
SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"


def _counts(result: LintResult) -> dict[str, int]:
    return {severity: sum(finding.severity == severity for finding in result.findings) for severity in SEVERITIES}


def lint_document(result: LintResult) -> dict[str, Any]:
    return document("lint", {
        "target": result.target, "fail_on": result.fail_on, "failed": result.failed, "inputs": result.inputs,
        "counts": _counts(result), "rules_run": result.rules_run, "notes": result.notes,
        "not_checked": [asdict(entry) for entry in result.not_checked],
        "findings": [asdict(finding) for finding in result.findings],
    })


def not_checked_lines(result: LintResult) -> list[str]:
    """One line per input and reason: the rules that apply to it but could not run."""
    grouped: dict[tuple[str, str], list[str]] = {}
    for entry in result.not_checked:
        grouped.setdefault((entry.input, entry.reason), []).append(entry.rule)
    return [f"{name}: not checked, {reason}: {', '.join(rules)}" for (name, reason), rules in grouped.items()]


def verdict_text(result: LintResult) -> str:
    """'passed', 'failed', or 'nothing checked' when no rule ran (that fails unless --fail-on never)."""
    if result.checked_nothing:
        return "nothing checked"
    return "failed" if result.failed else "passed"


def _uri(path: str) -> str:
    try:
        relative = os.path.relpath(path)
        path = relative if not relative.startswith("..") else str(Path(path).resolve())
    except ValueError:
        pass
    return Path(path).as_posix()


def sarif_document(result: LintResult, rules: dict[str, Rule]) -> dict[str, Any]:
    """A SARIF 2.1.0 log with one run: the rules that ran, and one result per finding with its locations."""
    ordered = [rules[rule_id] for rule_id in sorted({*result.rules_run, *(f.rule for f in result.findings)})]
    index = {rule.id: position for position, rule in enumerate(ordered)}
    results = []
    for finding in result.findings:
        location = finding.location
        entry: dict[str, Any] = {"logicalLocations": [{"name": location.name, "kind": location.kind}]}
        if location.file:
            physical: dict[str, Any] = {"artifactLocation": {"uri": _uri(location.file)}}
            if location.line:
                physical["region"] = {"startLine": location.line}
            entry["physicalLocation"] = physical
        results.append({
            "ruleId": finding.rule, "ruleIndex": index[finding.rule], "level": SARIF_LEVELS[finding.severity],
            "message": {"text": f"{finding.message}. Hint: {finding.hint}"}, "locations": [entry],
        })
    return {
        "$schema": SARIF_SCHEMA, "version": "2.1.0",
        "runs": [{
            "tool": {"driver": {
                "name": "trtkit", "version": __version__, "semanticVersion": __version__,
                "rules": [{"id": rule.id, "name": rule.id, "shortDescription": {"text": rule.title},
                           "fullDescription": {"text": rule.title}, "help": {"text": rule.hint},
                           "defaultConfiguration": {"level": SARIF_LEVELS[rule.severity]},
                           "properties": {"scope": rule.scope, "parameters": rule.params}} for rule in ordered],
            }},
            "results": results,
            # rules that could not run for want of data: a clean result list alone would read as checked
            "invocations": [{
                "executionSuccessful": not result.checked_nothing,
                "toolExecutionNotifications": [{"level": "warning", "message": {"text": line}}
                                               for line in [*not_checked_lines(result), *result.notes]],
            }],
        }],
    }


def render_lint(result: LintResult) -> None:
    """Findings grouped by severity, two lines each (what and where, then what to do): a table layout costs
    0.3 s for a few hundred findings and wraps badly in CI logs."""
    from rich.markup import escape

    out = console.out()
    colors = {"error": "red", "warning": "yellow", "info": "cyan"}
    lines: list[str] = []
    for severity in reversed(SEVERITIES):
        found = [finding for finding in result.findings if finding.severity == severity]
        if not found:
            continue
        color = colors[severity]
        lines.append(f"[bold {color}]{severity}[/bold {color}] ({len(found)})")
        for finding in found:
            location = finding.location
            where = f"{location.file}:{location.line}: " if location.line else ""
            lines.append(f"  [{color}]{escape(finding.rule)}[/{color}] {escape(where)}{escape(finding.message)}")
            lines.append(f"      [dim]{escape(finding.hint)}[/dim]")
    if lines:
        out.print("\n".join(lines), soft_wrap=True)
    for note in [*not_checked_lines(result), *result.notes]:
        console.warn(escape(note))
    counts = _counts(result)
    word = verdict_text(result)
    verdict = f"[red]{word}[/red]" if result.failed else f"[green]{word}[/green]"
    skipped = len({entry.rule for entry in result.not_checked})
    out.print(f"{verdict}: {counts['error']} errors, {counts['warning']} warnings, {counts['info']} infos "
              f"(--fail-on {result.fail_on}; checked for TensorRT {result.target}; {len(result.rules_run)} rules ran"
              + (f", {skipped} could not run" if skipped else "") + ")")


def render_rules(rules: dict[str, Rule]) -> None:
    from rich.markup import escape

    rows = [(rule.id, rule.scope, rule.severity, escape(rule.title),
             ", ".join(f"{key}={value}" for key, value in rule.params.items())) for rule in rules.values()]
    # the id is what `--disable` takes: it is never cut; the scope is its prefix, the parameters have --json
    console.out().print(console.table("Lint rules", ["id", "scope", "default severity", "checks", "parameters"],
                                      rows, optional=("parameters", "scope"), prose=("checks",)))


def rules_document(rules: dict[str, Rule]) -> dict[str, Any]:
    return document("lint-rules", {"rules": [{"id": rule.id, "scope": rule.scope, "severity": rule.severity,
                                              "title": rule.title, "hint": rule.hint, "parameters": rule.params,
                                              "enabled": rule.enabled} for rule in rules.values()]})

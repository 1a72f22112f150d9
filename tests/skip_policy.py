"""The skip policy, a pytest plugin loaded by tests/conftest.py: which skip reasons are allowed, and a summary of the
run's skips grouped by reason.

A test may skip only for a reason that starts with a line of tests/skip_allowlist.txt. Under CI (CI=true) any other
skip fails the run; everywhere the last lines of the run say how many tests skipped and why."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

ALLOWLIST_FILE = Path(__file__).with_name("skip_allowlist.txt")
SKIP_ALLOWLIST = tuple(line.strip() for line in ALLOWLIST_FILE.read_text().splitlines()
                       if line.strip() and not line.startswith("#"))
_SKIPS: dict[str, list[str]] = {}


def skip_reason_allowed(reason: str) -> bool:
    return reason.startswith(SKIP_ALLOWLIST)


def _in_ci() -> bool:
    return os.environ.get("CI", "").lower() == "true"


def _skip_reason(report: pytest.TestReport) -> str:
    longrepr = report.longrepr
    if isinstance(longrepr, tuple):  # (path, line, "Skipped: reason")
        return longrepr[2].removeprefix("Skipped: ")
    return str(longrepr)


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    if report.skipped and not hasattr(report, "wasxfail"):
        _SKIPS.setdefault(_skip_reason(report), []).append(report.nodeid)


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    if _in_ci() and exitstatus == 0 and any(not skip_reason_allowed(reason) for reason in _SKIPS):
        session.exitstatus = 1


def pytest_terminal_summary(terminalreporter, exitstatus: int, config: pytest.Config) -> None:
    if not _SKIPS:
        return
    terminalreporter.section("skips by reason")
    for reason, nodeids in sorted(_SKIPS.items(), key=lambda item: -len(item[1])):
        mark = "allowed" if skip_reason_allowed(reason) else "NOT ALLOWED"
        terminalreporter.write_line(f"{len(nodeids):4d}  [{mark}] {reason}")
    unlisted = sum(len(ids) for reason, ids in _SKIPS.items() if not skip_reason_allowed(reason))
    if unlisted:
        where = "this fails the run (CI=true)" if _in_ci() else "CI would fail"
        terminalreporter.write_line(f"{unlisted} test(s) skipped for a reason not in {ALLOWLIST_FILE.name}: {where}")

"""The public Python API under bad and hostile input: every refusal is an exception of `trtkit.errors` with the
command's exit code (never a KeyError or TypeError from inside trtkit), nothing is printed, and a result never
says "passed" about input it did not judge."""

from __future__ import annotations

import pytest

import trtkit
from tests.conftest import FIXTURES

QAT = FIXTURES / "trt8" / "resnet18-a100" / "qat"


@pytest.mark.parametrize("fail_on", ["bogus", "ERROR", ""])
def test_lint_refuses_a_fail_on_that_is_not_a_severity(fail_on: str, capfd) -> None:
    if fail_on == "":  # an empty string is "not given": the config's fail_on applies, as on the command line
        assert trtkit.lint(QAT, fail_on=fail_on).fail_on == "error"
        return
    with pytest.raises(trtkit.UsageError, match="is not a severity") as refused:
        trtkit.lint(QAT, fail_on=fail_on)
    assert refused.value.exit_code == 2 and "never" in (refused.value.hint or "")
    assert capfd.readouterr() == ("", "")

"""The public Python API under bad and hostile input: every refusal is an exception of `trtkit.errors` with the
command's exit code (never a KeyError or TypeError from inside trtkit), nothing is printed, and a result never
says "passed" about input it did not judge."""

from __future__ import annotations

from typing import Any

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


@pytest.mark.parametrize("top", [-1, "5", 2.5, True])
def test_inspect_refuses_a_top_that_is_not_a_count(top: Any) -> None:
    with pytest.raises(trtkit.UsageError, match="--top .* is not a number of layers"):
        trtkit.inspect(QAT, top=top)


def test_inspect_top_zero_and_a_count_still_work() -> None:
    assert trtkit.inspect(QAT, top=0).plans[0].top_layers == []
    assert len(trtkit.inspect(QAT, top=3).plans[0].top_layers) == 3


def test_inspect_without_a_path_is_refused_not_an_empty_result(capfd) -> None:
    with pytest.raises(trtkit.UsageError, match="inspect needs a path"):
        trtkit.inspect()
    assert capfd.readouterr() == ("", "")

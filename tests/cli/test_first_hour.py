"""What a new user meets in the first hour (issue 22): pipes, wrong kinds of files, help texts, out-of-range
choices, migrate's target, the examples."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from tests.conftest import FIXTURES, REPO


def _run_into_closed_pipe(*args: str) -> subprocess.CompletedProcess[str]:
    """Run `python -m trtkit ARGS` with stdout a pipe whose reader is already gone, as `... | head -1` leaves it."""
    reader, writer = os.pipe()
    os.close(reader)
    try:
        return subprocess.run([sys.executable, "-m", "trtkit", *args], stdout=writer, stderr=subprocess.PIPE,
                              text=True, timeout=120, cwd=REPO,
                              env={**os.environ, "PYTHONPATH": str(REPO), "NO_COLOR": "1"})
    finally:
        os.close(writer)


@pytest.mark.parametrize("args", [
    ("lint", "--list-rules"),  # a Rich table
    ("--json", "inspect", str(FIXTURES / "layer_info" / "trt10.14.1_mnist_detailed.layers.json")),  # plain JSON
], ids=["table", "json"])
def test_a_closed_pipe_ends_quietly_with_141_not_the_check_failed_code(args):
    completed = _run_into_closed_pipe(*args)
    assert completed.returncode == 141
    assert completed.stderr == ""

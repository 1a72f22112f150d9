"""The skip policy (tests/skip_policy.py): under CI only allow-listed skip reasons pass, and every run ends with its
skips grouped by reason. Run on a small test file in a child pytest, as CI runs the suite."""

import os
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]

SKIPPING_TESTS = '''
import pytest

def test_runs():
    assert True

@pytest.mark.skipif(True, reason="no GPU here (no CUDA driver)")
def test_needs_a_gpu():
    pass

def test_needs_full_tensorrt():
    pytest.skip("no full TensorRT here")
'''


def _pytest(folder: Path, ci: bool, extra: str = "") -> subprocess.CompletedProcess:
    (folder / "test_sample.py").write_text(SKIPPING_TESTS + extra)
    env = {**os.environ, "PYTHONPATH": str(REPO), "CI": "true" if ci else ""}
    return subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "tests.skip_policy", "-p", "no:cacheprovider",
                           "--rootdir", str(folder), str(folder / "test_sample.py")],
                          capture_output=True, text=True, env=env, cwd=folder, timeout=120)


def test_allowed_skips_pass_in_ci_and_are_summarized(tmp_path):
    run = _pytest(tmp_path, ci=True)
    assert run.returncode == 0, run.stdout
    assert "skips by reason" in run.stdout
    assert "[allowed] no GPU here (no CUDA driver)" in run.stdout
    assert "[allowed] no full TensorRT here" in run.stdout


def test_an_unlisted_skip_fails_the_run_in_ci_only(tmp_path):
    other = '''
def test_needs_the_network():
    pytest.skip("network unreachable")
'''
    in_ci = _pytest(tmp_path, ci=True, extra=other)
    assert in_ci.returncode == 1, in_ci.stdout
    assert "[NOT ALLOWED] network unreachable" in in_ci.stdout and "this fails the run (CI=true)" in in_ci.stdout
    locally = _pytest(tmp_path, ci=False, extra=other)
    assert locally.returncode == 0, locally.stdout
    assert "[NOT ALLOWED] network unreachable" in locally.stdout and "CI would fail" in locally.stdout


def test_a_failure_keeps_its_exit_code(tmp_path):
    run = _pytest(tmp_path, ci=True, extra="\ndef test_fails():\n    assert False\n")
    assert run.returncode == 1 and "1 failed" in run.stdout

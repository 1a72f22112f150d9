"""The static checks of `make check` bite: mypy with the project's configuration rejects a type error, ruff with
the project's rules rejects a stale `noqa` comment (RUF100), and trtkit/ itself passes mypy with zero errors."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
CONFIG = ROOT / "pyproject.toml"
MODULE = ROOT / "trtkit" / "errors.py"  # small and imports nothing of trtkit: it type-checks on its own


def _mypy(*args: str | Path, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "mypy", "--config-file", str(CONFIG), *map(str, args)], cwd=cwd,
                          capture_output=True, text=True, timeout=300)


def _ruff(path: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "ruff", "check", "--no-cache", "--config", str(CONFIG),
                           "--output-format", "concise", str(path)], capture_output=True, text=True, timeout=60)


def test_mypy_rejects_a_type_error_in_a_trtkit_module(tmp_path):
    pytest.importorskip("mypy")
    clean = tmp_path / "errors.py"
    clean.write_text(MODULE.read_text())
    broken = tmp_path / "broken" / "errors.py"
    broken.parent.mkdir()
    broken.write_text(MODULE.read_text() + "\n\ndef exit_code_text(error: TrtkitError) -> str:\n"
                                           "    return error.exit_code\n")
    injected = len(broken.read_text().splitlines())  # the line of the return
    cache = tmp_path / "mypy-cache"
    passed = _mypy("--cache-dir", cache, clean, cwd=tmp_path)
    assert passed.returncode == 0, passed.stdout + passed.stderr
    failed = _mypy("--cache-dir", cache, broken, cwd=tmp_path)
    assert failed.returncode == 1, failed.stdout + failed.stderr
    assert f'errors.py:{injected}: error: Incompatible return value type (got "int", expected "str")  ' \
           "[return-value]" in failed.stdout


def test_ruff_rejects_a_stale_noqa_comment(tmp_path):
    pytest.importorskip("ruff")
    clean = tmp_path / "errors.py"
    clean.write_text(MODULE.read_text())
    passed = _ruff(clean)
    assert passed.returncode == 0, passed.stdout + passed.stderr
    stale = tmp_path / "stale.py"
    stale.write_text(MODULE.read_text() + "\nEXIT_SIGNAL = 130  # noqa: E501\n")  # a short line: nothing to excuse
    injected = len(stale.read_text().splitlines())
    failed = _ruff(stale)
    assert failed.returncode == 1, failed.stdout + failed.stderr
    assert f"stale.py:{injected}:20: RUF100" in failed.stdout and "Unused `noqa` directive" in failed.stdout


def test_trtkit_passes_mypy():
    pytest.importorskip("mypy")
    # the configuration's own `files` (trtkit/) from the repository root, with the .mypy_cache `make check` leaves
    result = _mypy(cwd=ROOT)
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.startswith("Success: no issues found in ")

"""Shared test helpers: the shared fixtures folder, the example models, and running the CLI."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
FIXTURES = Path(os.environ.get("TRTKIT_FIXTURES", REPO.parent / "shared" / "fixtures"))
sys.path.insert(0, str(REPO / "examples"))


@dataclass
class CliResult:
    exit_code: int
    stdout: str
    stderr: str

    def json(self):
        return json.loads(self.stdout)


@pytest.fixture
def run_cli(capsys):
    """Run `trtkit ARGS...` in this process and return its exit code and output."""
    from trtkit.cli.app import main
    from trtkit.report import console

    def run(*args: str) -> CliResult:
        capsys.readouterr()
        try:
            main([str(arg) for arg in args])
            code = 0
        except SystemExit as exit_:
            code = exit_.code if isinstance(exit_.code, int) else (0 if exit_.code is None else 1)
        finally:
            console.configure(json=False, quiet=False, verbose=0, color=True, debug=False)
        captured = capsys.readouterr()
        return CliResult(code, captured.out, captured.err)

    return run


def run_subprocess(*args: str, cwd: Path | None = None, env: dict[str, str] | None = None) -> CliResult:
    """Run `python -m trtkit ARGS...` in a child process, as a user's shell would."""
    completed = subprocess.run([sys.executable, "-m", "trtkit", *map(str, args)], capture_output=True, text=True,
                               cwd=cwd, env={**os.environ, "NO_COLOR": "1", **(env or {})}, timeout=120)
    return CliResult(completed.returncode, completed.stdout, completed.stderr)


@pytest.fixture(scope="session")
def fixtures_dir() -> Path:
    if not FIXTURES.is_dir():
        pytest.skip(f"shared fixtures not found at {FIXTURES}")
    return FIXTURES


@pytest.fixture(scope="session")
def example_models(tmp_path_factory) -> dict[str, Path]:
    """The small example models (same graphs as the full ones, fewer channels), written once per session."""
    from make_models import write_examples

    return write_examples(tmp_path_factory.mktemp("models"), small=True)

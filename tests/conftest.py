"""Shared test helpers: the fixtures folder, the example models, and running the CLI."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

# the skip policy's hooks (allowed reasons, the summary by reason), registered by being in this module
from tests.skip_policy import pytest_runtest_logreport, pytest_sessionfinish, pytest_terminal_summary  # noqa: F401

REPO = Path(__file__).resolve().parents[1]
FIXTURES = REPO / "tests" / "fixtures"
sys.path.insert(0, str(REPO / "examples"))


# The small example CNN as a pipeline: FP16 tolerances for its conversion and output comparison, one profile.
SMALL_CNN_PIPELINE = """model: {model}
backend: tensorrt-rtx
convert:
  verify:
    tolerances:
      "*": {{atol: 0.05, rtol: 0.01}}
compare:
  tolerances:
    "*": {{atol: 0.05, rtol: 0.01}}
build:
  profiles:
    small:
      min: input:1x3x64x64
      opt: input:2x3x64x64
      max: input:4x3x64x64
"""


# The small example CNN's build section with two named optimization profiles.
TWO_PROFILES = ("build:\n  profiles:\n    small:\n      min: input:1x3x64x64\n      opt: input:1x3x64x64\n"
                "      max: input:2x3x64x64\n    large:\n      min: input:4x3x64x64\n      opt: input:8x3x64x64\n"
                "      max: input:8x3x64x64\n")


@dataclass
class CliResult:
    exit_code: int
    stdout: str
    stderr: str

    def json(self):
        return json.loads(self.stdout)


@pytest.fixture
def run_cli(capsys, monkeypatch):
    """Run `trtkit ARGS...` in this process and return its exit code and output (tables 200 columns wide)."""
    from trtkit.cli.app import main
    from trtkit.report import console

    monkeypatch.setenv("COLUMNS", "200")
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
    return FIXTURES


@pytest.fixture(scope="session")
def example_models(tmp_path_factory) -> dict[str, Path]:
    """The small example models (same graphs as the full ones, fewer channels), written once per session."""
    from make_models import write_examples

    return write_examples(tmp_path_factory.mktemp("models"), small=True)


@dataclass
class RtxBuild:
    """A real engine built by TensorRT-RTX on the CPU, with the verbose build log it printed."""

    engine: Path
    log: Path


def build_with_rtx(model: Path, profiles: list[dict[str, tuple]], out: Path) -> RtxBuild:
    """Build `model` with the TensorRT-RTX API (detailed profiling verbosity), keeping the verbose log."""
    trt = pytest.importorskip("tensorrt_rtx", reason="TensorRT-RTX is not installed (pip install 'trtkit[rtx]')")

    lines: list[str] = []

    class Logger(trt.ILogger):
        def __init__(self):
            trt.ILogger.__init__(self)

        def log(self, severity, message):
            lines.append(message)

    logger = Logger()
    builder = trt.Builder(logger)
    network = builder.create_network(0)
    parser = trt.OnnxParser(network, logger)
    assert parser.parse_from_file(str(model)), [parser.get_error(i).desc() for i in range(parser.num_errors)]
    config = builder.create_builder_config()
    config.profiling_verbosity = trt.ProfilingVerbosity.DETAILED
    for shapes in profiles:
        profile = builder.create_optimization_profile()
        for name, (low, opt, high) in shapes.items():
            profile.set_shape(name, low, opt, high)
        config.add_optimization_profile(profile)
    serialized = builder.build_serialized_network(network, config)
    assert serialized is not None, "TensorRT-RTX build failed:\n" + "\n".join(lines[-20:])
    engine = out / f"{model.stem}.engine"
    engine.write_bytes(bytes(serialized))
    log = out / f"{model.stem}.build.log"
    log.write_text("\n".join(lines) + "\n")
    return RtxBuild(engine, log)


@pytest.fixture(scope="session")
def rtx_builds(example_models, tmp_path_factory) -> dict[str, RtxBuild]:
    """The small CNN with two optimization profiles and the transformer with one, built once per session."""
    out = tmp_path_factory.mktemp("rtx")
    image = (3, 64, 64)
    return {
        "resnet18": build_with_rtx(example_models["resnet18"], [
            {"input": ((1, *image), (1, *image), (2, *image))},
            {"input": ((4, *image), (4, *image), (8, *image))}], out),
        "transformer_encoder": build_with_rtx(example_models["transformer_encoder"], [
            {name: ((1, 1), (2, 16), (4, 32)) for name in ("input_ids", "attention_mask")}], out),
    }


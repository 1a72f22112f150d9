"""`build -v` streams the builder's log to stderr as TensorRT writes it (info, warnings, errors), `-vv` its
verbose lines too, as trtexec --verbose does; without -v none of it, and the .build.log keeps every line."""

from __future__ import annotations

import importlib.util

import pytest

pytestmark = pytest.mark.skipif(importlib.util.find_spec("tensorrt_rtx") is None,
                                reason="TensorRT-RTX is not installed (pip install 'trtkit[rtx]')")
BUILD = ("build", "--backend", "tensorrt-rtx", "--shapes", "input:1x3x64x64")


def _log_lines(text: str, letter: str) -> list[str]:
    return [line for line in text.splitlines() if line.startswith(f"[{letter}] ")]


def test_verbosity_streams_the_builder_log(run_cli, example_models, tmp_path):
    model = example_models["resnet18"]
    quiet = run_cli(*BUILD[:1], model, "-o", tmp_path / "quiet.engine", *BUILD[1:])
    assert quiet.exit_code == 0, quiet.stderr
    assert not _log_lines(quiet.stderr, "I") and not _log_lines(quiet.stderr, "V")
    saved = (tmp_path / "quiet.engine.build.log").read_text()
    assert _log_lines(saved, "I") and _log_lines(saved, "V")

    verbose = run_cli("-v", *BUILD[:1], model, "-o", tmp_path / "v.engine", *BUILD[1:])
    assert verbose.exit_code == 0, verbose.stderr
    streamed = _log_lines(verbose.stderr, "I")
    assert any("Detected 1 inputs and 1 output network tensors" in line for line in streamed)
    own_log = (tmp_path / "v.engine.build.log").read_text()
    assert streamed == _log_lines(own_log, "I")  # every info line of this build, in order, as it was kept
    assert not _log_lines(verbose.stderr, "V")

    very = run_cli("-vv", *BUILD[:1], model, "-o", tmp_path / "vv.engine", *BUILD[1:], "--json")
    assert very.exit_code == 0, very.stderr
    assert len(_log_lines(very.stderr, "V")) > 100 and very.json()["schema"] == "trtkit/build/v1"  # stdout: JSON only

"""A run's work directory as the input of `inspect` and `lint`: the engine's artifacts and trtkit's own summaries
read and shown as tables (never raw dicts), nothing said about files a command does not use, and the profiles the
build metadata records count for lint."""

from __future__ import annotations

import importlib.util
import subprocess
import sys

import pytest

from tests.conftest import REPO, TWO_PROFILES

pytestmark = [
    pytest.mark.skipif(importlib.util.find_spec("tensorrt_rtx") is None, reason="TensorRT-RTX is not installed"),
    pytest.mark.skipif(importlib.util.find_spec("modelopt") is None, reason="NVIDIA Model Optimizer is not installed"),
]


@pytest.fixture(scope="module")
def workdir(example_models, tmp_path_factory):
    """`trtkit run` of the small CNN in FP16 with two optimization profiles, as `make demo` runs the full one."""
    folder = tmp_path_factory.mktemp("run")
    config = folder / "pipeline.yaml"
    config.write_text(f"model: {example_models['resnet18']}\nname: cnn\nworkdir: work\nbackend: tensorrt-rtx\n"
                      f"convert:\n  precision: fp16\n{TWO_PROFILES}")
    env = {"PYTHONPATH": str(REPO), "PATH": "/usr/bin:/bin", "COLUMNS": "120"}
    done = subprocess.run([sys.executable, "-m", "trtkit", "run", str(config)], capture_output=True, text=True,
                          env=env, timeout=600)
    assert done.returncode == 0, done.stderr[-2000:]
    work = folder / "work"
    assert {"cnn.convert.json", "cnn.lint.json", "cnn.lint.sarif", "trtkit.manifest.json",
            "cnn.engine.build.metadata.json"} <= {path.name for path in work.iterdir()}
    return work


def test_inspect_shows_trtkit_summaries_as_tables(run_cli, workdir):
    result = run_cli("--no-color", "inspect", workdir)
    assert result.exit_code == 0, result.stderr
    shown = result.stdout + result.stderr
    assert "{'schema'" not in shown and "{'$schema'" not in shown  # no Python dicts
    assert "trtkit convert" in shown and "verification output output" in shown
    assert "stage build" in shown and "stage convert" in shown  # the manifest
    assert "trtkit lint" in shown and "findings" in shown and "SARIF 2.1.0 log" in shown
    assert "a second layer listing was ignored" not in shown  # an internal note


def test_lint_uses_the_recorded_profiles_and_ignores_what_it_does_not_read(run_cli, workdir):
    result = run_cli("--no-color", "lint", workdir)
    assert result.exit_code == 0, result.stderr
    shown = result.stdout + result.stderr
    assert "have no lint rules" not in shown
    assert "no optimization profile is configured" not in shown  # the build metadata records two
    # the rule itself still fires on the model alone, and a file named explicitly is still noted
    alone = run_cli("--no-color", "lint", workdir / "cnn.fp16.onnx", workdir / "cnn.lint.json")
    assert "no optimization profile is configured" in alone.stdout
    assert "cnn.lint.json: trtkit files have no lint rules" in alone.stdout + alone.stderr

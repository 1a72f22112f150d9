"""A sweep whose points have no accuracy figure (no compare stage) has no Pareto front: the table does not promise
one, and a note names the points left unranked for want of data. Real conversions and TensorRT-RTX builds of the
small example CNN."""

from __future__ import annotations

import importlib.util

import pytest

from tests.conftest import SMALL_CNN_PIPELINE

needs_pipeline = pytest.mark.skipif(
    importlib.util.find_spec("tensorrt_rtx") is None or importlib.util.find_spec("modelopt") is None,
    reason="needs TensorRT-RTX and Model Optimizer (make install)")

NO_COMPARE = """run:
  stages: [convert, build, lint]
sweep:
  axes:
    convert.precision: [fp32, fp16]
"""


@needs_pipeline
def test_points_without_accuracy_are_named_unranked_and_no_front_is_promised(run_cli, example_models, tmp_path,
                                                                                 monkeypatch):
    monkeypatch.setenv("COLUMNS", "200")
    config = tmp_path / "sweep.yaml"
    config.write_text("name: cnn\n" + SMALL_CNN_PIPELINE.format(model=example_models["resnet18"]) + NO_COMPARE)
    result = run_cli("--no-color", "sweep", config)
    assert result.exit_code == 0, result.stdout + result.stderr
    assert "no Pareto front" in result.stdout and "* Pareto front" not in result.stdout
    notes = " ".join(result.stderr.split())
    assert "not ranked on the Pareto front" in notes and "precision-fp32" in notes and "precision-fp16" in notes
    document = run_cli("--json", "sweep", config).json()  # resumed: nothing re-run, the same verdicts
    assert not any(point["pareto"] for point in document["points"])
    assert any(note.startswith("not ranked on the Pareto front") for note in document["notes"])


@pytest.mark.parametrize("key, value", [("run.stages", "[convert, build, lint]"), ("name", "other"),
                                        ("build.output", "elsewhere.engine")])
def test_an_axis_on_a_key_the_sweep_sets_is_refused(run_cli, example_models, tmp_path, key, value):
    # the sweep overrode these for every point without a word: the point's listed values were not what ran
    config = tmp_path / "sweep.yaml"
    config.write_text("name: cnn\n" + SMALL_CNN_PIPELINE.format(model=example_models["resnet18"])
                      + f"sweep:\n  axes:\n    convert.precision: [fp32, fp16]\n  include:\n"
                        f"    - {{convert.precision: fp32, {key}: {value}}}\n")
    result = run_cli("sweep", config, "--dry-run")
    assert result.exit_code == 2, result.stdout + result.stderr
    assert result.stderr.startswith(f"error: sweep axis {key}: the sweep sets it for every point")
    assert len(result.stderr.strip().splitlines()) == 1

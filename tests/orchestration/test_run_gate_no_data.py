"""`trtkit run` with a baseline and no profile (no GPU here): the latency gate has no data, and fails unless
compare.allow_missing_data allows it. A real TensorRT-RTX build of the small example CNN."""

import importlib.util

import pytest

from tests.conftest import FIXTURES, SMALL_CNN_PIPELINE

needs_rtx = pytest.mark.skipif(importlib.util.find_spec("tensorrt_rtx") is None,
                               reason="TensorRT-RTX is not installed (pip install 'trtkit[rtx]')")


@needs_rtx
def test_gate_without_a_profile_fails_unless_allowed(run_cli, example_models, tmp_path):
    config = tmp_path / "pipeline.yaml"
    baseline = FIXTURES / "trt8" / "resnet18-a100" / "fp16"
    config.write_text("name: cnn\nworkdir: out\nrun:\n  stages: [build, compare]\n"
                      + SMALL_CNN_PIPELINE.format(model=example_models["resnet18"])
                      .replace("compare:\n", f"compare:\n  baseline: {baseline}\n", 1))
    result = run_cli("run", config, "--json")
    assert result.exit_code == 1, result.stderr
    compare = next(stage for stage in result.json()["outcomes"] if stage["stage"] == "compare")
    assert compare["exit_code"] == 1 and "no data" in compare["summary"]
    allowed = run_cli("run", config, "--json", "--set", "compare.allow_missing_data=true")
    assert allowed.exit_code == 0, allowed.stderr
    compare = next(stage for stage in allowed.json()["outcomes"] if stage["stage"] == "compare")
    assert compare["exit_code"] == 0 and "(allowed)" in compare["summary"]


def _outcome(result, stage: str) -> dict:
    return next(outcome for outcome in result.json()["outcomes"] if outcome["stage"] == stage)


@needs_rtx
def test_compare_asked_for_with_nothing_to_compare_is_no_data(run_cli, example_models, tmp_path):
    """run.stages (or --stages) names compare, but there is no convert stage and no baseline: the gate has no
    data and fails (was: "skipped", exit 0, a green on missing data in CI), unless allow_missing_data allows it."""
    config = tmp_path / "pipeline.yaml"
    config.write_text("name: cnn\nworkdir: out\nrun:\n  stages: [build, compare]\n"
                      + SMALL_CNN_PIPELINE.format(model=example_models["resnet18"]))
    result = run_cli("run", config, "--json")
    assert result.exit_code == 1, result.stderr
    compare = _outcome(result, "compare")
    assert compare["status"] == "no data" and compare["exit_code"] == 1
    assert "nothing to compare (no convert stage and no compare.baseline)" in compare["summary"]
    table = run_cli("--no-color", "run", config)
    assert table.exit_code == 1 and "│ compare │ no data" in table.stdout
    # --stages asks for it the same way
    config.write_text(config.read_text().replace("[build, compare]", "[build]"))
    assert _outcome(run_cli("run", config, "--stages", "build,compare", "--json"), "compare")["status"] == "no data"
    allowed = run_cli("run", config, "--stages", "build,compare", "--json", "--set", "compare.allow_missing_data=true")
    assert allowed.exit_code == 0, allowed.stderr
    compare = _outcome(allowed, "compare")
    assert compare["status"] == "skipped" and "allowed by compare.allow_missing_data" in compare["summary"]


@needs_rtx
def test_a_stage_that_cannot_run_here_is_not_shown_as_passed(run_cli, example_models, tmp_path):
    """profile without a GPU is skipped, not failed; the table shows no exit code of 0 for it and says what was
    not checked."""
    config = tmp_path / "pipeline.yaml"
    config.write_text("name: cnn\nworkdir: out\nrun:\n  stages: [build, profile]\n"
                      + SMALL_CNN_PIPELINE.format(model=example_models["resnet18"]))
    profile = _outcome(run_cli("run", config, "--json"), "profile")
    table = run_cli("--no-color", "run", config)
    assert table.exit_code == 0, table.stderr
    row = next(line for line in table.stdout.splitlines() if line.startswith("│ profile "))
    cells = [cell.strip() for cell in row.strip("│").split("│")]
    if profile["status"] == "skipped":  # no GPU and TensorRT here
        assert cells[:4] == ["profile", "skipped", "", "—"] and profile["exit_code"] == 0
        assert "not checked in this run: profile" in table.stdout
    else:  # a machine that profiles: its exit code is shown
        assert cells[3] == str(profile["exit_code"]) and "not checked in this run" not in table.stdout
